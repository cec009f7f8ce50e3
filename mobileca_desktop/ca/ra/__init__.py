"""The registration authority: accounts and sessions (``accounts``), applications and their
transitions (``applications``, ``transitions``), verification of the applicant
(``verification``), the 电子签名 (``signing``), review (``review``, where an application is
approved) and grants (``grants``)."""

"""The CA engine: accounts, applications and their review, issuance, KMC key escrow, renewal,
change, revocation, CRL, OCSP, SMS gateway, authorisations, audit log and persistence.

Runs in-process for ``--ca local`` and behind ``server`` for ``--ca URL``. May import
``crypto``, ``domain``, ``config`` and SQLAlchemy; never ``keystore``, ``services``, ``views``
or PySide6 (checked by import-linter, see ``.importlinter``).
"""

"""The issuer: the CA institutions sign here and nowhere else. ``issue`` (a certificate for
an approved application, service certificates), ``certificates`` (证书管理: list, detail,
renewal), ``activation`` (a device's signing certificate and the escrowed keys) and
``revocation`` (revocation, CRL, OCSP)."""

"""The storage package: the CA's only way to its tables (``ca/db.py``).

``Store`` (``connection.py``) owns the connection and the transactions; the other modules
hold every query, one per concern, as functions of an open ``Session`` (``store.tx()`` or
``store.read()``): ``accounts`` (accounts, login sessions), ``applications`` (applications,
documents), ``certificates`` (certificates, issued X.509, escrow, seals, grants, OCSP),
``authority`` (institutions, the KMC pool), ``log`` (audit chain, SMS codes, the inbox) and
``ratebuckets`` (the server's rate limits, shared by its workers).

Callers get row objects back and may change their attributes inside the transaction; they
never query, construct or delete rows themselves (``.importlinter``: only this package
imports ``ca/db.py``). The row classes are re-exported below for type annotations.
"""

from __future__ import annotations

from mobileca_desktop.ca.db import (
    AccountRow,
    ApplicationRow,
    AuditRow,
    CertificateRecord,
    DocumentRow,
    EscrowKeyRow,
    GrantRow,
    InstitutionRow,
    IssuedCertRow,
)
from mobileca_desktop.ca.store.connection import Store

__all__ = [
    "AccountRow",
    "ApplicationRow",
    "AuditRow",
    "CertificateRecord",
    "DocumentRow",
    "EscrowKeyRow",
    "GrantRow",
    "InstitutionRow",
    "IssuedCertRow",
    "Store",
]

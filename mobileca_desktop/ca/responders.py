"""The OCSP responder certificates: renewed before they expire, and known after.

A responder certificate lives a year (``pki.make_ocsp_responder``); a CA that runs longer,
or whose demo clock a trainer moves past that year, would otherwise sign every OCSP answer
with an expired certificate, which every client refuses. ``renew`` gives the institution a
new responder key and certificate a month before the old one ends, and records the old
certificate in the issued-certificate table, so the responder keeps answering "good" for
it (a client may still hold an answer it signed) and it could be revoked like any other.
"""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy.orm import Session as DB

from mobileca_desktop.ca import audit, pki
from mobileca_desktop.ca.store import InstitutionRow
from mobileca_desktop.ca.store import certificates as q

RENEW_BEFORE = dt.timedelta(days=30)


def due(responder: x509.Certificate, issuing: x509.Certificate, now: dt.datetime) -> bool:
    """True when ``responder`` ends within ``RENEW_BEFORE`` of ``now`` and a new one could
    end later (a responder never outlives its issuing CA)."""
    ends = responder.not_valid_after_utc
    return now >= ends - RENEW_BEFORE and ends < issuing.not_valid_after_utc


def renew(
    s: DB, row: InstitutionRow, wrap_key: bytes, *, now: dt.datetime, not_before: dt.datetime
) -> x509.Certificate | None:
    """A new responder key and certificate for ``row`` if it is still due (another worker
    may have renewed it meanwhile); None when nothing had to change."""
    old = x509.load_pem_x509_certificate(row.ocsp_pem.encode())
    issuing = x509.load_pem_x509_certificate(row.issuing_pem.encode())
    if not due(old, issuing, now):
        return None
    issuing_key = pki.unwrap_ec_key(row.issuing_key, wrap_key, f"{row.id}/issuing")
    key = pki.new_ec_key()
    new = pki.make_ocsp_responder(
        institution_id=row.id,
        org=row.name,
        key=key,
        issuer_cert=issuing,
        issuer_key=issuing_key,
        now=now,
        not_before=not_before,
    )
    old_serial = pki.serial_hex(old.serial_number)
    if q.issued(s, old_serial) is None:
        q.add_issued(
            s,
            serial=old_serial,
            institution_id=row.id,
            role="ocsp",
            der=old.public_bytes(serialization.Encoding.DER),
            not_before=old.not_valid_before_utc,
            not_after=old.not_valid_after_utc,
        )
    row.ocsp_pem = pki.to_pem(new)
    row.ocsp_key = pki.wrap_private_key(key, wrap_key, f"{row.id}/ocsp")
    audit.append(
        s,
        at=now,
        actor="system",
        action="ca.ocsp_responder_renewed",
        obj=f"institution:{row.id}",
        details={"old_serial": old_serial, "new_serial": pki.serial_hex(new.serial_number)},
    )
    return new

"""Each institution's root publishes a CRL: the revocation status of the issuing CA it
certified (RFC 5280 §5). Without it a strict relying party (``openssl verify
-crl_check_all``, a PAdES long-term validation) cannot decide the issuing CA's status and
refuses every chain.

The root has never revoked an issuing CA, so the list is empty, but it is signed, numbered
and refreshed like any CRL. It is kept in the ``meta`` table (no schema change): the DER
under ``root_crl:<institution>``, its number under ``root_crl_number:<institution>``. It is
served at ``pki.Urls.root_crl`` (``GET /crl/<institution>-root.crl``), the URL written in
the issuing CA's CRL distribution point, and by ``CAEngine.root_crl`` in process.
"""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from sqlalchemy.orm import Session as DB

from mobileca_desktop.ca import audit, pki
from mobileca_desktop.ca.store import InstitutionRow, Store
from mobileca_desktop.ca.store import authority as q

# The root key signs rarely (a real one is offline), so its CRL lives longer than the
# issuing CA's 24 hours; it is re-signed when less than a day of it is left.
NEXT_UPDATE_HOURS = 7 * 24
REFRESH_BEFORE = dt.timedelta(days=1)


def _keys(institution_id: str) -> tuple[str, str]:
    return f"root_crl:{institution_id}", f"root_crl_number:{institution_id}"


def current(store: Store, s: DB, institution_id: str, now: dt.datetime) -> bytes | None:
    """The stored root CRL if it is still fresh at ``now``, else None."""
    der_key, _ = _keys(institution_id)
    stored = store.get_meta(s, der_key)
    if not stored:
        return None
    der = bytes.fromhex(stored)
    crl = x509.load_der_x509_crl(der)
    if crl.next_update_utc is None or crl.next_update_utc <= now + REFRESH_BEFORE:
        return None
    if crl.last_update_utc > now + pki.CLOCK_SKEW:
        return None  # signed by a clock that was later reset: re-sign at the present time
    return der


def regenerate(
    store: Store, s: DB, row: InstitutionRow, wrap_key: bytes, now: dt.datetime
) -> bytes:
    """Signs a new root CRL for ``row`` with its root key and stores it; returns the DER."""
    der_key, number_key = _keys(row.id)
    number = int(store.get_meta(s, number_key) or "0") + 1
    root = x509.load_pem_x509_certificate(row.root_pem.encode())
    root_key = pki.unwrap_ec_key(row.root_key, wrap_key, f"{row.id}/root")
    crl = pki.build_crl(
        issuer_cert=root,
        issuer_key=root_key,
        revoked=[],  # no issuing CA has been revoked (the engine has no operation for it)
        crl_number=number,
        now=now,
        next_update_hours=NEXT_UPDATE_HOURS,
    )
    der = crl.public_bytes(serialization.Encoding.DER)
    store.set_meta(s, number_key, str(number))
    store.set_meta(s, der_key, der.hex())
    return der


def add_distribution_points(
    store: Store, s: DB, wrap_key: bytes, urls: pki.Urls, now: dt.datetime
) -> list[str]:
    """Issuing CAs made before roots published CRLs carry no distribution point, so strict
    relying parties cannot check them. Each is certified again by its root: the same
    subject, key, validity and extensions plus the pointer, under a new serial. Everything
    it issued still chains (same name and key), also when validated at a past time (same
    validity). Returns the institutions changed; an audit entry records each."""
    changed = []
    for row in q.institutions(s):
        old = x509.load_pem_x509_certificate(row.issuing_pem.encode())
        try:
            old.extensions.get_extension_for_class(x509.CRLDistributionPoints)
            continue
        except x509.ExtensionNotFound:
            pass
        root_key = pki.unwrap_ec_key(row.root_key, wrap_key, f"{row.id}/root")
        builder = (
            x509.CertificateBuilder()
            .subject_name(old.subject)
            .issuer_name(old.issuer)
            .public_key(old.public_key())
            .serial_number(pki.random_serial())
            .not_valid_before(old.not_valid_before_utc)
            .not_valid_after(old.not_valid_after_utc)
        )
        for ext in old.extensions:
            builder = builder.add_extension(ext.value, critical=ext.critical)
        builder = builder.add_extension(
            pki.crl_distribution_point(urls.root_crl(row.id)), critical=False
        )
        new = builder.sign(root_key, hashes.SHA256())
        row.issuing_pem = pki.to_pem(new)
        audit.append(
            s,
            at=now,
            actor="system",
            action="ca.issuing_recertified",
            obj=f"institution:{row.id}",
            details={
                "reason": "CRL distribution point of the root's CRL added",
                "old_serial": pki.serial_hex(old.serial_number),
                "new_serial": pki.serial_hex(new.serial_number),
            },
        )
        changed.append(row.id)
    return changed

"""A new 证书下载 that replaces this device's key file revokes the device certificate of the
file it replaces, in the same transaction as the new certificate's issue.

The device names the serial it replaces (from its keyring entry or the damaged file); the CA
revokes it only when it is an unrevoked device certificate of the same certificate, held by
the same account and issued to the same device name. Anything else is refused with
``ReplacedCertificateRefused`` (the same answer for an unknown serial and another account's,
so the answer reveals nothing), and the whole activation with it: nothing is issued or revoked.

The reason is ``superseded`` (RFC 5280, 5.3.1): the certificate is replaced and there is no
cause to suspect its key was compromised (a damaged or outdated file says nothing about a
leak). ``keyCompromise`` would cast doubt on every signature the old key made before, which a
relying party may then reject; the key's further use is stopped all the same.
"""

from __future__ import annotations

from sqlalchemy.orm import Session as DB

from mobileca_desktop.ca.store import AccountRow, CertificateRecord, IssuedCertRow
from mobileca_desktop.ca.store import certificates as q
from mobileca_desktop.domain import errors as E


def normalise_serial(serial_hex: str) -> str:
    """The serial as the CA stores it (lower case hex, no leading zeros); ``InvalidInput``
    for anything that is not hex."""
    text = (serial_hex or "").strip().lower()
    try:
        value = int(text, 16)
    except ValueError:
        raise E.InvalidInput(field="replaces_serial_hex", reason="not a hex serial") from None
    return format(value, "x")


def replaced_row(
    s: DB,
    acc: AccountRow,
    cert: CertificateRecord,
    device_name: str,
    serial_hex: str,
) -> IssuedCertRow | None:
    """The device certificate a new download replaces, checked; None when it is already
    revoked (an older file whose certificate a recovery revoked: nothing left to do)."""
    serial = normalise_serial(serial_hex)
    row = q.issued(s, serial)
    if (
        row is None
        or row.role != "device"
        or row.certificate_id != cert.id
        or row.holder_account_id != acc.id
        or row.device_name != device_name
    ):
        raise E.ReplacedCertificateRefused(certificate=cert.id, serial=serial)
    return row if row.revoked_at is None else None

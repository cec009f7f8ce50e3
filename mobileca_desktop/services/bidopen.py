"""扫码解密 opens only the bid it shows (``docs/scan-protocol.md`` §3-4, decrypt data ``dv`` 2).

The platform's operation data describes the bid (name, SHA-256, project, bidder, when it was
sealed) and points to its envelope (the CMS EnvelopedData stored at 扫码加密). ``describe``
turns that description into the rows the confirm page shows; ``check_envelope`` checks the envelope
the client downloads is the one described. After the password, ``open_bid`` decrypts the
envelope with this device's escrowed encryption key, reads the signed record inside, and
returns the content key only if the record is whole, signed by this certificate's own
subject at 扫码加密, and is exactly the bid shown. A platform that sends only a wrapped key
(decrypt data without ``dv``) gets nothing unwrapped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from cryptography import x509

from mobileca_desktop.crypto import bidrecord
from mobileca_desktop.crypto import scanproto as sp
from mobileca_desktop.domain.errors import BidRefused, NoDecryptionKey
from mobileca_desktop.keystore.keys import UnlockedKeys

DATA_VERSION = 2  # the decrypt data's own version, field "dv" (docs/scan-protocol.md §3)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
_HEX64 = re.compile(r"[0-9a-f]{64}")


def _refuse(reason: str) -> BidRefused:
    return BidRefused(reason=reason)


@dataclass(frozen=True)
class ShownBid:
    """The bid as the confirm page shows it (from the platform's description)."""

    name: str
    sha256: str
    project: str
    bidder: str
    sealed_at: int  # Unix seconds: the binding time of 扫码加密
    envelope_url: str
    envelope_sha256: str

    def rows(self) -> tuple[tuple[str, str], ...]:
        return (
            ("投标项目", self.project or "（未填写）"),
            ("投标人", self.bidder),
            ("投标文件", self.name),
            ("加密时间", sealed_text(self.sealed_at)),
            ("SHA-256", self.sha256),
        )


def sealed_text(t: int) -> str:
    return dt.datetime.fromtimestamp(t, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def describe(data: dict[str, Any]) -> ShownBid:
    """The bid the operation data describes. Refuses decrypt data of version 1 (a bare
    wrapped key, nothing to check it against) and incomplete descriptions."""
    if data.get("dv") != DATA_VERSION:
        raise _refuse("the platform sent no bid envelope, only a key to unwrap")
    bid = data.get("bid")
    try:
        assert isinstance(bid, dict)
        shown = ShownBid(
            name=_text(bid["name"]),
            sha256=bid["sha256"],
            project=_text(bid.get("project", "")),
            bidder=_text(bid["bidder"]),
            sealed_at=bid["sealed_at"],
            envelope_url=data["envelope_url"],
            envelope_sha256=data["envelope_sha256"],
        )
        assert isinstance(shown.sealed_at, int) and not isinstance(shown.sealed_at, bool)
        assert 0 <= shown.sealed_at < 2**40
        assert isinstance(shown.sha256, str) and _HEX64.fullmatch(shown.sha256)
        assert isinstance(shown.envelope_sha256, str) and _HEX64.fullmatch(shown.envelope_sha256)
        assert isinstance(shown.envelope_url, str) and shown.bidder and shown.name
        assert data.get("bid_sha256") == shown.sha256
    except (AssertionError, KeyError, TypeError):
        raise _refuse("the platform's description of the bid is incomplete") from None
    return shown


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("text")
    return "".join(c for c in value if c.isprintable())[:200]


def check_envelope(shown: ShownBid, der: bytes) -> bidrecord.EnvelopeParts:
    """The downloaded envelope is the one described, and is an envelope."""
    if hashlib.sha256(der).hexdigest() != shown.envelope_sha256:
        raise _refuse("the bid envelope is not the one the platform described")
    try:
        return bidrecord.envelope_parts(der)
    except bidrecord.BidRecordError as err:
        raise _refuse(str(err)) from None


def open_bid(
    unlocked: UnlockedKeys,
    shown: ShownBid,
    parts: bidrecord.EnvelopeParts,
    *,
    platform_id: str,
    origin: str,
) -> bytes:
    """The content key of the envelope, once the bid inside proved to be the one shown,
    this subject's own, and sealed for the platform now asking (``platform_id`` and
    ``origin`` as pinned in the client). Raises ``BidRefused`` otherwise; the key never
    leaves then."""
    wrapped = parts.wrapped
    if wrapped.algorithm != sp.RSA_ENCRYPTION_OID:
        raise _refuse("the bid's key is wrapped with an unknown algorithm")
    try:
        content_key = unlocked.unwrap_content_key(
            wrapped.issuer_der, wrapped.serial, wrapped.encrypted_key
        )
    except NoDecryptionKey:
        raise _refuse("the bid is encrypted to another certificate") from None
    try:
        record = bidrecord.read_record(bidrecord.decrypt_record(parts, content_key), shown.sha256)
    except bidrecord.BidRecordError as err:
        raise _refuse(str(err)) from None
    if not same_subject(record.signer, unlocked.device_certificate):
        raise _refuse("the bid was signed by another company or person")
    seen = (shown.name, shown.project, shown.bidder, shown.sealed_at)
    inside = (record.data.get("bid_name"), record.project, record.bidder, record.sealed_at)
    if tuple(_clean(v) for v in inside) != tuple(_clean(v) for v in seen):
        raise _refuse("the bid is not the one shown")
    # A bid sealed at one platform opens only there: another trusted platform holding a copy
    # of its envelope (a leak, shared storage) must not get the key through this client.
    if record.binding.get("p") != platform_id or not sp.same_origin(
        str(record.binding.get("o", "")), origin
    ):
        raise _refuse("the bid was sealed for another trading platform")
    return content_key


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return "".join(c for c in value if c.isprintable())[:200]
    return value


def same_subject(a: x509.Certificate, b: x509.Certificate) -> bool:
    """Both certificates name the same company (统一社会信用代码) or, without one, the same
    person (serialNumber) - renewed and agents' device certificates included."""
    for oid in (x509.NameOID.ORGANIZATION_IDENTIFIER, x509.NameOID.SERIAL_NUMBER):
        mine = a.subject.get_attributes_for_oid(oid)
        theirs = b.subject.get_attributes_for_oid(oid)
        if mine or theirs:
            return bool(mine and theirs) and mine[0].value == theirs[0].value
    return a.subject == b.subject

"""Which certificates a CMS envelope is addressed to, so the right encryption key is chosen.

A bid may be encrypted to any generation of a company's encryption certificate. The
envelope's ``KeyTransRecipientInfo`` names each recipient by issuer and serial number (or by
subject key identifier with ``openssl cms -keyid``); this module reads just those fields from
the DER or BER (``openssl cms`` writes indefinite lengths) without a general ASN.1 library.
``to_der`` turns such BER into DER; opening the envelope itself is ``crypto.cms``'s job.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

ENVELOPED_DATA_OID = bytes.fromhex("2a864886f70d010703")  # 1.2.840.113549.1.7.3

_PEM_RE = re.compile(
    rb"-----BEGIN (PKCS7|CMS)-----\s*([A-Za-z0-9+/=\s]*?)\s*-----END \1-----", re.DOTALL
)
_MAX_DEPTH = 32


class EnvelopeFormatError(Exception):
    """Not a CMS EnvelopedData this module can read."""


@dataclass(frozen=True)
class Recipient:
    serial: int | None  # issuerAndSerialNumber's serial
    issuer_der: bytes | None  # its issuer Name as encoded in the envelope
    subject_key_id: bytes | None  # or the subjectKeyIdentifier form


def der_of(der_or_pem: bytes) -> bytes:
    """DER/BER bytes of an envelope given as DER, BER or a PKCS7/CMS PEM block."""
    if der_or_pem.lstrip()[:11] != b"-----BEGIN ":
        return der_or_pem
    match = _PEM_RE.search(der_or_pem)
    if match is None:
        raise EnvelopeFormatError("the PEM data is not a PKCS7 or CMS block")
    try:
        return base64.b64decode(b"".join(match.group(2).split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EnvelopeFormatError("the PEM block is not valid base64") from exc


@dataclass(frozen=True)
class _TLV:
    tag: int
    offset: int  # the tag byte
    start: int  # first content byte
    end: int  # one past the last content byte
    next: int  # the next TLV's offset

    @property
    def constructed(self) -> bool:
        return bool(self.tag & 0x20)


def _read(buf: bytes, pos: int, limit: int, depth: int = 0) -> _TLV:
    if depth > _MAX_DEPTH:
        raise EnvelopeFormatError("nesting too deep")
    if pos + 2 > limit:
        raise EnvelopeFormatError("truncated")
    tag, offset = buf[pos], pos
    if tag & 0x1F == 0x1F:
        raise EnvelopeFormatError("high tag numbers are not used in CMS envelopes")
    first = buf[pos + 1]
    pos += 2
    if first == 0x80:  # BER indefinite length: children until the end-of-contents octets
        if not tag & 0x20:
            raise EnvelopeFormatError("indefinite length on a primitive value")
        cur = pos
        while True:
            if cur + 2 > limit:
                raise EnvelopeFormatError("truncated")
            if buf[cur] == 0 and buf[cur + 1] == 0:
                return _TLV(tag, offset, pos, cur, cur + 2)
            cur = _read(buf, cur, limit, depth + 1).next
    if first & 0x80:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > limit:
            raise EnvelopeFormatError("bad length")
        length = int.from_bytes(buf[pos : pos + count], "big")
        pos += count
    else:
        length = first
    if pos + length > limit:
        raise EnvelopeFormatError("truncated")
    return _TLV(tag, offset, pos, pos + length, pos + length)


def _children(buf: bytes, tlv: _TLV) -> list[_TLV]:
    out, pos = [], tlv.start
    while pos < tlv.end:
        child = _read(buf, pos, tlv.end)
        out.append(child)
        pos = child.next
    return out


def _octets(buf: bytes, tlv: _TLV) -> bytes:
    """An OCTET STRING's value, primitive or (BER) constructed from segments."""
    if not tlv.constructed:
        return buf[tlv.start : tlv.end]
    return b"".join(_octets(buf, c) for c in _children(buf, tlv))


def _enveloped_fields(buf: bytes) -> tuple[_TLV, _TLV, list[_TLV]]:
    """ContentInfo, its EnvelopedData SEQUENCE and that SEQUENCE's fields."""
    top = _read(buf, 0, len(buf))
    if top.tag != 0x30:
        raise EnvelopeFormatError("not a ContentInfo")
    content_info = _children(buf, top)
    if (
        len(content_info) < 2
        or content_info[0].tag != 0x06
        or buf[content_info[0].start : content_info[0].end] != ENVELOPED_DATA_OID
        or content_info[1].tag != 0xA0
    ):
        raise EnvelopeFormatError("not an EnvelopedData")
    explicit = _children(buf, content_info[1])
    if not explicit or explicit[0].tag != 0x30:
        raise EnvelopeFormatError("not an EnvelopedData")
    return top, explicit[0], _children(buf, explicit[0])


def recipients(der_or_pem: bytes) -> list[Recipient]:
    """The key-transport recipients of a CMS EnvelopedData, in envelope order."""
    buf = der_of(der_or_pem)
    _top, _env, fields = _enveloped_fields(buf)
    # version, [0] originatorInfo OPTIONAL, recipientInfos SET, ...
    index = 1
    if len(fields) > index and fields[index].tag == 0xA0:
        index += 1
    if len(fields) <= index or fields[index].tag != 0x31:
        raise EnvelopeFormatError("no recipientInfos")
    out = []
    for info in _children(buf, fields[index]):
        if info.tag != 0x30:  # kari [1], kekri [2], pwri [3], ori [4]: not key transport
            continue
        parts = _children(buf, info)
        if len(parts) < 2:
            raise EnvelopeFormatError("malformed KeyTransRecipientInfo")
        rid = parts[1]
        if rid.tag == 0x30:
            issuer_and_serial = _children(buf, rid)
            if len(issuer_and_serial) != 2 or issuer_and_serial[1].tag != 0x02:
                raise EnvelopeFormatError("malformed issuerAndSerialNumber")
            issuer, serial = issuer_and_serial
            out.append(
                Recipient(
                    serial=int.from_bytes(buf[serial.start : serial.end], "big", signed=True),
                    issuer_der=buf[issuer.offset : issuer.next],
                    subject_key_id=None,
                )
            )
        elif rid.tag in (0x80, 0xA0):
            out.append(Recipient(serial=None, issuer_der=None, subject_key_id=_octets(buf, rid)))
        else:
            raise EnvelopeFormatError("unknown recipient identifier")
    return out


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _der(buf: bytes, tlv: _TLV, as_octets: bool = False) -> bytes:
    """``tlv`` re-encoded with definite lengths; ``as_octets``: an IMPLICIT OCTET STRING
    that BER split into segments becomes one primitive value (constructed bit cleared)."""
    if as_octets and tlv.constructed:
        content = _octets(buf, tlv)
        return bytes([tlv.tag & ~0x20]) + _length(len(content)) + content
    if not tlv.constructed:
        return bytes([tlv.tag]) + _length(tlv.end - tlv.start) + buf[tlv.start : tlv.end]
    if tlv.tag == 0x24:  # a segmented universal OCTET STRING
        content = _octets(buf, tlv)
        return b"\x04" + _length(len(content)) + content
    children = _children(buf, tlv)
    content = b"".join(_der(buf, c) for c in children)
    return bytes([tlv.tag]) + _length(len(content)) + content


def to_der(der_or_pem: bytes) -> bytes:
    """An EnvelopedData as DER. ``openssl cms -stream`` writes BER (indefinite lengths, the
    encrypted content in segments), which ``cryptography`` does not parse. DER input comes
    back byte for byte."""
    buf = der_of(der_or_pem)
    _top, _env, fields = _enveloped_fields(buf)
    parts = []
    for f in fields:
        if f.tag == 0x30 and f is not fields[0] and _is_encrypted_content_info(buf, f):
            eci = _children(buf, f)
            inner = b"".join(_der(buf, c, as_octets=(i == 2)) for i, c in enumerate(eci))
            parts.append(b"\x30" + _length(len(inner)) + inner)
        else:
            parts.append(_der(buf, f))
    env_der = b"\x30" + _length(sum(map(len, parts))) + b"".join(parts)
    explicit = b"\xa0" + _length(len(env_der)) + env_der
    oid = b"\x06" + _length(len(ENVELOPED_DATA_OID)) + ENVELOPED_DATA_OID
    body = oid + explicit
    return b"\x30" + _length(len(body)) + body


def _is_encrypted_content_info(buf: bytes, tlv: _TLV) -> bool:
    children = _children(buf, tlv)
    return len(children) >= 2 and children[0].tag == 0x06 and children[1].tag == 0x30

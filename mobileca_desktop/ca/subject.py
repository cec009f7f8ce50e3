"""Subject names within RFC 5280's bounds, and the full registered names beside them.

A registered company name may be 100 characters (real ones with 集团, a region and 分公司
often pass 22), but a certificate cannot carry it as registered:

- ``cryptography`` (and RFC 5280's ub-common-name) limits a commonName to 64; cryptography
  counts UTF-8 bytes, so 21 Chinese characters;
- RFC 5280 Appendix A bounds organizationName by ub-organization-name = 64 characters.

So a value over its bound is *fitted*: its head and tail kept around "…" (the tail keeps
分公司 / 有限公司 apart), and the full value goes into a non-critical extension under the
project's arc (``oids.FULL_NAME_EXTENSION``):

    FullNames ::= SEQUENCE SIZE (1..MAX) OF AttributeTypeAndValue
        -- type: the shortened attribute's OID; value: UTF8String, the whole value

present only when something was shortened. ``full_names(cert)`` reads it; ``display_name``
gives the name a page shows. The registration limits stay as they are (100 characters for a
company, 64 for a person): every registrable name can be issued.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.x509.oid import NameOID

from mobileca_desktop.crypto import oids

ELLIPSIS = "…"
CN_MAX_BYTES = 64  # cryptography's limit (UTF-8 bytes); RFC 5280 ub-common-name is 64
UB_ORGANIZATION_NAME = 64  # characters, RFC 5280 Appendix A
UB_PSEUDONYM = 128
UB_LOCALITY_NAME = 128
UB_STATE_NAME = 128

# Attribute -> (limit, counted in UTF-8 bytes?). Attributes not listed are not fitted.
_LIMITS: dict[x509.ObjectIdentifier, tuple[int, bool]] = {
    NameOID.COMMON_NAME: (CN_MAX_BYTES, True),
    NameOID.ORGANIZATION_NAME: (UB_ORGANIZATION_NAME, False),
    NameOID.PSEUDONYM: (UB_PSEUDONYM, False),
    NameOID.LOCALITY_NAME: (UB_LOCALITY_NAME, False),
    NameOID.STATE_OR_PROVINCE_NAME: (UB_STATE_NAME, False),
}


def _size(text: str, in_bytes: bool) -> int:
    return len(text.encode("utf-8")) if in_bytes else len(text)


def fit(text: str, limit: int, *, in_bytes: bool = False) -> str:
    """``text`` if it is within ``limit``, else its head and tail around "…" within it.

    The tail gets about a third of the room (at most 8 characters), so the kind of entity
    at the end of a Chinese name (分公司, 有限公司, 研究院) survives.
    """
    if _size(text, in_bytes) <= limit:
        return text
    room = limit - _size(ELLIPSIS, in_bytes)
    tail_room = min(room // 3, _size(text[-8:], in_bytes))
    tail = ""
    for ch in reversed(text):
        if _size(ch + tail, in_bytes) > tail_room:
            break
        tail = ch + tail
    head = ""
    for ch in text[: len(text) - len(tail)]:
        if _size(head + ch, in_bytes) + _size(tail, in_bytes) > room:
            break
        head += ch
    return (head + ELLIPSIS + tail).strip() if head or tail else ELLIPSIS


def fit_attribute(oid: x509.ObjectIdentifier, value: str) -> str:
    limit = _LIMITS.get(oid)
    if limit is None:
        return value
    return fit(value, limit[0], in_bytes=limit[1])


def common_name(value: str) -> str:
    """``value`` as a commonName may hold it (≤ 64 UTF-8 bytes)."""
    return fit_attribute(NameOID.COMMON_NAME, value)


class FittedName(x509.Name):
    """An ``x509.Name`` whose attributes were fitted to their bounds; ``full_values`` holds
    (OID, whole value) of every attribute that was shortened, for the extension."""

    full_values: tuple[tuple[x509.ObjectIdentifier, str], ...] = ()


def build(attributes: list[tuple[x509.ObjectIdentifier, str]]) -> FittedName:
    """A subject of single-attribute RDNs, each value fitted to its attribute's bound."""
    fitted: list[x509.NameAttribute[str]] = []
    full: list[tuple[x509.ObjectIdentifier, str]] = []
    for oid, value in attributes:
        short = fit_attribute(oid, value)
        if short != value:
            full.append((oid, value))
        fitted.append(x509.NameAttribute(oid, short))
    name = FittedName(fitted)
    name.full_values = tuple(full)
    return name


def extend(base: x509.Name, attributes: list[tuple[x509.ObjectIdentifier, str]]) -> FittedName:
    """``base`` (fitted or not) with more single-attribute RDNs appended."""
    more = build(attributes)
    name = FittedName([*base.rdns, *more.rdns])
    name.full_values = (*getattr(base, "full_values", ()), *more.full_values)
    return name


# --- the extension (DER by hand: cryptography has no generic ASN.1 encoder) --------------


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _length(len(content)) + content


def _oid_der(oid: x509.ObjectIdentifier) -> bytes:
    arcs = [int(a) for a in oid.dotted_string.split(".")]
    out = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(chunk))
    return _tlv(0x06, bytes(out))


def _oid_from_der(content: bytes) -> x509.ObjectIdentifier:
    if not content:
        raise ValueError("empty OID")
    first = content[0]
    arcs = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    value = 0
    for b in content[1:]:
        value = (value << 7) | (b & 0x7F)
        if not b & 0x80:
            arcs.append(value)
            value = 0
    if content[-1] & 0x80:
        raise ValueError("truncated OID")
    return x509.ObjectIdentifier(".".join(map(str, arcs)))


def der_read(buf: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the DER element at ``pos`` (also pki's reader)."""
    if pos + 2 > len(buf):
        raise ValueError("truncated DER")
    tag, first = buf[pos], buf[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > len(buf):
            raise ValueError("bad DER length")
        length = int.from_bytes(buf[pos : pos + count], "big")
        pos += count
    if pos + length > len(buf):
        raise ValueError("truncated DER")
    return tag, pos, pos + length


def extension_for(name: x509.Name) -> x509.UnrecognizedExtension | None:
    """The full-names extension for ``name``, or None when nothing in it was shortened."""
    full = getattr(name, "full_values", ())
    if not full:
        return None
    body = b"".join(
        _tlv(0x30, _oid_der(oid) + _tlv(0x0C, value.encode("utf-8"))) for oid, value in full
    )
    return x509.UnrecognizedExtension(oids.FULL_NAME_EXTENSION, _tlv(0x30, body))


def add_extension(builder: x509.CertificateBuilder, name: x509.Name) -> x509.CertificateBuilder:
    ext = extension_for(name)
    return builder if ext is None else builder.add_extension(ext, critical=False)


def full_names(cert: x509.Certificate) -> dict[x509.ObjectIdentifier, str]:
    """Every subject attribute's whole value: the extension's where it has one."""
    out: dict[x509.ObjectIdentifier, str] = {}
    for attr in cert.subject:
        if isinstance(attr.value, str):
            out.setdefault(attr.oid, attr.value)
    try:
        ext = cert.extensions.get_extension_for_oid(oids.FULL_NAME_EXTENSION)
    except x509.ExtensionNotFound:
        return out
    if not isinstance(ext.value, x509.UnrecognizedExtension):  # a private OID: always is
        raise ValueError("malformed full-names extension")
    der = ext.value.value
    tag, start, end = der_read(der, 0)
    if tag != 0x30 or end != len(der):
        raise ValueError("malformed full-names extension")
    pos = start
    while pos < end:
        tag, item_start, item_end = der_read(der, pos)
        otag, ostart, oend = der_read(der, item_start)
        vtag, vstart, vend = der_read(der, oend)
        if tag != 0x30 or otag != 0x06 or vtag != 0x0C or vend != item_end:
            raise ValueError("malformed full-names extension")
        out[_oid_from_der(der[ostart:oend])] = der[vstart:vend].decode("utf-8")
        pos = item_end
    return out


def full_value(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str | None:
    """The whole value of one subject attribute (None when the subject has none)."""
    return full_names(cert).get(oid)

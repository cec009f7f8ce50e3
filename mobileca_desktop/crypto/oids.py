"""The project's private object identifiers, and the ones it used before.

The arc is 1.3.6.1.4.1.32473, the enterprise number RFC 5612 reserves for documentation
examples: this is a simulator, it may not use a number owned by someone else, and it must
not invent one. Every arc under it is small, so every ASN.1 parser reads it (the earlier
``2.25.<UUID>`` OIDs have 128-bit arcs, which RFC 5280 §4.2 says a CA SHOULD NOT issue
and which pyasn1-based parsers such as pkilint cannot decode). A real deployment would put
the same suffixes under its own IANA private enterprise number.

Layout under the arc (``.77`` for "mobileca"):

- ``.77.1`` certificate extensions: ``.1`` grant id (UTF8String of the decimal id),
  ``.2`` the full registered subject name (UTF8String, for names longer than a commonName
  may be);
- ``.77.2`` extended key usages: ``.1`` trading-platform signing.

Readers accept the old OIDs too (``*_OIDS`` tuples), so certificates issued before the
change keep working until they expire.
"""

from __future__ import annotations

from collections.abc import Iterable

from cryptography import x509

ARC = "1.3.6.1.4.1.32473.77"

GRANT_EXTENSION = x509.ObjectIdentifier(f"{ARC}.1.1")
FULL_NAME_EXTENSION = x509.ObjectIdentifier(f"{ARC}.1.2")
PLATFORM_SIGNING_EKU = x509.ObjectIdentifier(f"{ARC}.2.1")

# Issued before the switch to the documentation arc (UUID arc 2.25, ITU-T X.667).
LEGACY_GRANT_EXTENSION = x509.ObjectIdentifier("2.25.301844170368351312358790137440161032829")
LEGACY_PLATFORM_SIGNING_EKU = x509.ObjectIdentifier("2.25.168508897075423964244129122792510611291")

GRANT_EXTENSION_OIDS = (GRANT_EXTENSION, LEGACY_GRANT_EXTENSION)
PLATFORM_SIGNING_EKU_OIDS = (PLATFORM_SIGNING_EKU, LEGACY_PLATFORM_SIGNING_EKU)


def find_extension(
    cert: x509.Certificate, candidates: Iterable[x509.ObjectIdentifier]
) -> x509.Extension[x509.ExtensionType] | None:
    """The first extension of ``cert`` whose OID is one of ``candidates`` (new, then old)."""
    for oid in candidates:
        try:
            return cert.extensions.get_extension_for_oid(oid)
        except x509.ExtensionNotFound:
            continue
    return None


def has_platform_signing_eku(eku: x509.ExtendedKeyUsage) -> bool:
    """True when ``eku`` allows trading-platform signing (the new or the old OID)."""
    return any(oid in eku for oid in PLATFORM_SIGNING_EKU_OIDS)

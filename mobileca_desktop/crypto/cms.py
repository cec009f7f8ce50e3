"""CMS EnvelopedData with RSA key transport: how bids are encrypted to a company.

``cryptography``'s pkcs7 API and ``openssl cms`` both handle RSA recipients only, hence the
KMC's RSA-2048 encryption keys. These envelopes (RSA PKCS#1 v1.5, AES-CBC) carry no
integrity protection of their own: bids are signed before they are enveloped.
"""

from __future__ import annotations

import base64
import binascii
import re

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7


class EnvelopeError(Exception):
    """An envelope could not be made or opened (malformed, not for this key, unsupported)."""


# cryptography reads only "PKCS7" PEM blocks; ``openssl cms -outform PEM`` writes "CMS".
_PEM_RE = re.compile(
    rb"-----BEGIN (PKCS7|CMS)-----\s*([A-Za-z0-9+/=\s]*?)\s*-----END \1-----", re.DOTALL
)


def _der_of(der_or_pem: bytes) -> bytes:
    if der_or_pem.lstrip()[:11] != b"-----BEGIN ":
        return der_or_pem
    match = _PEM_RE.search(der_or_pem)
    if match is None:
        raise EnvelopeError("the PEM data is not a PKCS7 or CMS block")
    try:
        return base64.b64decode(b"".join(match.group(2).split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EnvelopeError("the PEM block is not valid base64") from exc


def open_envelope(der_or_pem: bytes, cert: x509.Certificate, key: rsa.RSAPrivateKey) -> bytes:
    """The content of a CMS EnvelopedData (DER or PEM) addressed to ``cert``/``key``."""
    if not isinstance(key, rsa.RSAPrivateKey):
        raise EnvelopeError("only RSA recipient keys are supported")
    try:
        return pkcs7.pkcs7_decrypt_der(_der_of(der_or_pem), cert, key, [])
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise EnvelopeError(f"the envelope could not be opened: {exc}") from exc


def make_envelope(data: bytes, cert: x509.Certificate) -> bytes:
    """A DER CMS EnvelopedData of ``data`` for the RSA key in ``cert`` (AES-256-CBC)."""
    try:
        builder = (
            pkcs7.PKCS7EnvelopeBuilder()
            .set_data(data)
            .set_content_encryption_algorithm(algorithms.AES256)
            .add_recipient(cert)
        )
        # Binary: the content is opaque bytes, not text to be MIME-canonicalised.
        return builder.encrypt(Encoding.DER, [pkcs7.PKCS7Options.Binary])
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise EnvelopeError(f"the envelope could not be made: {exc}") from exc

"""Private keys at rest: the CA's keys wrapped under a key-encryption key (AES-256-GCM)."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# --- private keys at rest ---------------------------------------------------------------

_WRAP_MAGIC = b"MCKW\x01"  # "mobileca key wrap", format version 1
_WRAP_NONCE = 12


class UnwrapError(Exception):
    """A wrapped private key could not be opened: wrong secret, wrong key id, or damage."""


def wrap_private_key(key: PrivateKeyTypes, kek: bytes, key_id: str) -> bytes:
    """``MCKW\\x01 || nonce(12) || AES-256-GCM(kek, PKCS#8 DER)``; the AAD is the header and
    ``key_id``, so a blob cannot be swapped in for another key's row."""
    if len(kek) != 32:
        raise ValueError("the key-encryption key must be 32 bytes")
    plain = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    nonce = os.urandom(_WRAP_NONCE)
    aad = _WRAP_MAGIC + key_id.encode("utf-8")
    return _WRAP_MAGIC + nonce + AESGCM(kek).encrypt(nonce, plain, aad)


def unwrap_private_key(blob: bytes, kek: bytes, key_id: str) -> PrivateKeyTypes:
    """The private key wrapped by ``wrap_private_key``; ``UnwrapError`` on any mismatch."""
    if len(kek) != 32:
        raise UnwrapError("the key-encryption key must be 32 bytes")
    header = len(_WRAP_MAGIC)
    if len(blob) < header + _WRAP_NONCE + 16 or blob[:header] != _WRAP_MAGIC:
        raise UnwrapError("not a wrapped key of a known format")
    nonce = blob[header : header + _WRAP_NONCE]
    try:
        plain = AESGCM(kek).decrypt(
            nonce, blob[header + _WRAP_NONCE :], _WRAP_MAGIC + key_id.encode("utf-8")
        )
    except InvalidTag as exc:
        raise UnwrapError("wrong key-wrapping secret or key id, or a damaged blob") from exc
    try:
        # The RSA consistency check costs ~38 ms a key (measured by bench/issuance.py); it
        # guards against malformed foreign keys, but these bytes were made by this engine and
        # came out of an authenticated AES-GCM envelope, so it would only slow the KMC.
        return serialization.load_der_private_key(
            plain, password=None, unsafe_skip_rsa_key_validation=True
        )
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise UnwrapError("the unwrapped data is not a private key") from exc


def unwrap_ec_key(blob: bytes, kek: bytes, key_id: str) -> ec.EllipticCurvePrivateKey:
    """``unwrap_private_key`` for the CA's EC keys (roots, issuing CAs, OCSP, TSA, identity)."""
    key = unwrap_private_key(blob, kek, key_id)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise UnwrapError(f"the key {key_id} is not an EC key")
    return key


def unwrap_rsa_key(blob: bytes, kek: bytes, key_id: str) -> rsa.RSAPrivateKey:
    """``unwrap_private_key`` for the KMC's RSA encryption keys."""
    key = unwrap_private_key(blob, kek, key_id)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise UnwrapError(f"the key {key_id} is not an RSA key")
    return key

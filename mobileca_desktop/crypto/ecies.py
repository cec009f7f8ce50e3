"""ECIES that delivers escrowed encryption private keys from the KMC to an activating device.

The format is specified in ``docs/ecies.md``; keep the two in step. In short: ephemeral ECDH
on P-256 with the device's transport key, HKDF-SHA256 (salt = ephemeral point || recipient
point, both X9.62 uncompressed; info = ``INFO``) to a 32-byte key, then AES-256-GCM with a
random 12-byte nonce and the caller's associated data (normally ``aad_for``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

INFO = b"mobileca-desktop/ecies/v1"
AAD_PREFIX = b"mobileca-kmc-v1"
POINT_LEN = 65  # X9.62 uncompressed P-256 point: 0x04 || X (32) || Y (32)
NONCE_LEN = 12
TAG_LEN = 16
KEY_LEN = 32
SERIAL_LEN = 20  # RFC 5280 caps certificate serials at 20 octets


class DecryptError(Exception):
    """A box could not be opened: wrong key, wrong associated data, or tampering.

    Deliberately carries no detail: which step failed is of no use to a caller and of some
    use to an attacker. Callers turn it into a domain error.
    """

    def __init__(self) -> None:
        super().__init__("the encrypted key could not be opened")


@dataclass(frozen=True)
class Box:
    """One ECIES message (a "box": what ``encrypt_to`` makes and ``open_box`` opens);
    ``ciphertext`` includes the 16-byte GCM tag at its end."""

    ephemeral_public_key: bytes
    nonce: bytes
    ciphertext: bytes


def _point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def _derive(shared: bytes, ephemeral_point: bytes, recipient_point: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_LEN,
        salt=ephemeral_point + recipient_point,
        info=INFO,
    ).derive(shared)


def encrypt_to(recipient: ec.EllipticCurvePublicKey, plaintext: bytes, aad: bytes) -> Box:
    """Encrypts ``plaintext`` to ``recipient`` (a P-256 public key), binding ``aad``."""
    if not isinstance(recipient, ec.EllipticCurvePublicKey) or not isinstance(
        recipient.curve, ec.SECP256R1
    ):
        raise ValueError("the recipient's transport key must be an EC P-256 public key")
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    ephemeral_point = _point(ephemeral.public_key())
    key = _derive(ephemeral.exchange(ec.ECDH(), recipient), ephemeral_point, _point(recipient))
    nonce = os.urandom(NONCE_LEN)
    return Box(
        ephemeral_public_key=ephemeral_point,
        nonce=nonce,
        ciphertext=AESGCM(key).encrypt(nonce, plaintext, aad),
    )


def open_box(private_key: ec.EllipticCurvePrivateKey, box: Box, aad: bytes) -> bytes:
    """Decrypts ``box`` with the recipient's private key; raises ``DecryptError``."""
    if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(
        private_key.curve, ec.SECP256R1
    ):
        raise DecryptError()
    epk = box.ephemeral_public_key
    # The salt uses the point's bytes as sent, so insist on the one encoding the format
    # allows rather than accept a compressed point that would derive a different key.
    if (
        not isinstance(epk, bytes)
        or len(epk) != POINT_LEN
        or epk[0] != 0x04
        or not isinstance(box.nonce, bytes)
        or len(box.nonce) != NONCE_LEN
        or not isinstance(box.ciphertext, bytes)
        or len(box.ciphertext) < TAG_LEN
    ):
        raise DecryptError()
    try:
        ephemeral = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), epk)
        shared = private_key.exchange(ec.ECDH(), ephemeral)
        key = _derive(shared, epk, _point(private_key.public_key()))
        return AESGCM(key).decrypt(box.nonce, box.ciphertext, aad)
    except (InvalidTag, ValueError) as exc:
        raise DecryptError() from exc


def aad_for(device_serial: int, encryption_serial: int) -> bytes:
    """The associated data that binds a wrapped key to one device and one encryption cert."""
    try:
        return (
            AAD_PREFIX
            + device_serial.to_bytes(SERIAL_LEN, "big")
            + encryption_serial.to_bytes(SERIAL_LEN, "big")
        )
    except OverflowError as exc:
        raise ValueError("serials must be non-negative and fit in 20 octets") from exc

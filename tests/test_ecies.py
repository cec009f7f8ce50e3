"""Tests of the key-delivery ECIES (crypto.ecies) and the CMS envelope helpers (crypto.cms)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import NameOID

from mobileca_desktop.crypto import cms, ecies


@pytest.fixture(scope="module")
def transport_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def test_round_trip(transport_key):
    aad = ecies.aad_for(0x1234, 0xABCDEF)
    plaintext = os.urandom(1200)
    box = ecies.encrypt_to(transport_key.public_key(), plaintext, aad)
    assert len(box.ephemeral_public_key) == 65
    assert box.ephemeral_public_key[0] == 0x04
    assert len(box.nonce) == 12
    assert len(box.ciphertext) == len(plaintext) + 16
    assert ecies.open_box(transport_key, box, aad) == plaintext


def test_fresh_ephemeral_and_nonce_each_time(transport_key):
    a = ecies.encrypt_to(transport_key.public_key(), b"k", b"")
    b = ecies.encrypt_to(transport_key.public_key(), b"k", b"")
    assert a.ephemeral_public_key != b.ephemeral_public_key
    assert a.nonce != b.nonce


def test_matches_the_documented_construction(transport_key):
    """An independent re-implementation of docs/ecies.md opens what encrypt_to() made."""
    aad = ecies.aad_for(7, 9)
    box = ecies.encrypt_to(transport_key.public_key(), b"escrowed key", aad)
    ephemeral = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(), box.ephemeral_public_key
    )
    shared = transport_key.exchange(ec.ECDH(), ephemeral)
    recipient = transport_key.public_key().public_bytes(
        Encoding.X962, PublicFormat.UncompressedPoint
    )
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=box.ephemeral_public_key + recipient,
        info=b"mobileca-desktop/ecies/v1",
    ).derive(shared)
    assert AESGCM(key).decrypt(box.nonce, box.ciphertext, aad) == b"escrowed key"


def test_aad_layout():
    aad = ecies.aad_for(1, 2**159)
    assert aad.startswith(b"mobileca-kmc-v1")
    assert len(aad) == 15 + 20 + 20
    assert aad[15:35] == (1).to_bytes(20, "big")
    assert aad[35:] == (2**159).to_bytes(20, "big")
    with pytest.raises(ValueError):
        ecies.aad_for(-1, 1)
    with pytest.raises(ValueError):
        ecies.aad_for(1, 2**160)


def test_wrong_aad_fails(transport_key):
    box = ecies.encrypt_to(transport_key.public_key(), b"secret", ecies.aad_for(1, 2))
    with pytest.raises(ecies.DecryptError):
        ecies.open_box(transport_key, box, ecies.aad_for(1, 3))
    with pytest.raises(ecies.DecryptError):
        ecies.open_box(transport_key, box, ecies.aad_for(2, 2))


@pytest.mark.parametrize("field", ["ephemeral_public_key", "nonce", "ciphertext"])
def test_tampering_fails(transport_key, field):
    aad = ecies.aad_for(1, 2)
    box = ecies.encrypt_to(transport_key.public_key(), b"secret" * 10, aad)
    value = bytearray(getattr(box, field))
    value[-1] ^= 0x01
    with pytest.raises(ecies.DecryptError):
        ecies.open_box(transport_key, dataclasses.replace(box, **{field: bytes(value)}), aad)


def test_truncated_or_compressed_inputs_fail(transport_key):
    aad = b"x"
    box = ecies.encrypt_to(transport_key.public_key(), b"secret", aad)
    compressed = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(), box.ephemeral_public_key
    ).public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    for bad in (
        dataclasses.replace(box, ephemeral_public_key=compressed),
        dataclasses.replace(box, ephemeral_public_key=b"\x04" + b"\x00" * 64),
        dataclasses.replace(box, nonce=box.nonce[:8]),
        dataclasses.replace(box, ciphertext=box.ciphertext[:10]),
    ):
        with pytest.raises(ecies.DecryptError):
            ecies.open_box(transport_key, bad, aad)


def test_wrong_key_fails(transport_key):
    box = ecies.encrypt_to(transport_key.public_key(), b"secret", b"aad")
    with pytest.raises(ecies.DecryptError):
        ecies.open_box(ec.generate_private_key(ec.SECP256R1()), box, b"aad")
    with pytest.raises(ecies.DecryptError):
        ecies.open_box(ec.generate_private_key(ec.SECP384R1()), box, b"aad")


def test_seal_refuses_other_curves():
    with pytest.raises(ValueError):
        ecies.encrypt_to(ec.generate_private_key(ec.SECP384R1()).public_key(), b"x", b"")


def test_box_is_frozen(transport_key):
    box = ecies.encrypt_to(transport_key.public_key(), b"x", b"")
    with pytest.raises(dataclasses.FrozenInstanceError):
        box.nonce = b"0" * 12  # type: ignore[misc]


def _self_signed_rsa() -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "测试加密证书")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert, key


def test_cms_round_trip_and_failures():
    cert, key = _self_signed_rsa()
    bid = "投标文件 bid\r\n\x00binary".encode()
    der = cms.make_envelope(bid, cert)
    assert cms.open_envelope(der, cert, key) == bid
    other_cert, other_key = _self_signed_rsa()
    with pytest.raises(cms.EnvelopeError):
        cms.open_envelope(der, other_cert, other_key)
    with pytest.raises(cms.EnvelopeError):
        cms.open_envelope(b"not a CMS structure", cert, key)

"""Checks of what the CA delivers at activation: the device certificate, the escrowed keys."""

from __future__ import annotations

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from mobileca_desktop.crypto import ecies
from mobileca_desktop.domain.errors import ActivationFailed
from mobileca_desktop.domain.models import ActivationResult, WrappedKey
from mobileca_desktop.keystore.keys import EncryptionKeyRef


def _same_public(a: PublicKeyTypes, b: PublicKeyTypes) -> bool:
    der = serialization.Encoding.DER
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    try:
        return a.public_bytes(der, spki) == b.public_bytes(der, spki)
    except (AttributeError, ValueError, TypeError):
        return False


def _check_device_cert(
    result: ActivationResult, public_key: PublicKeyTypes
) -> tuple[x509.Certificate, list[x509.Certificate]]:
    try:
        device = x509.load_pem_x509_certificate(result.device_cert_pem.encode())
        chain = x509.load_pem_x509_certificates(result.chain_pem.encode())
    except ValueError as exc:
        raise ActivationFailed(reason="the certificates sent are unreadable") from exc
    if not _same_public(device.public_key(), public_key):
        raise ActivationFailed(reason="the device certificate is not for this device's key")
    if device.serial_number != int(result.device_serial_hex, 16):
        raise ActivationFailed(reason="the device certificate's serial does not match")
    try:
        device.verify_directly_issued_by(chain[0])
    except (IndexError, ValueError, TypeError) as exc:
        raise ActivationFailed(reason="the device certificate does not chain to its CA") from exc
    except InvalidSignature as exc:
        raise ActivationFailed(reason="the device certificate's signature is invalid") from exc
    return device, chain


def _open_wrapped(
    transport: ec.EllipticCurvePrivateKey, device: x509.Certificate, w: WrappedKey
) -> tuple[EncryptionKeyRef, rsa.RSAPrivateKey]:
    """Opens one ECIES-delivered escrowed key and checks it against its certificate."""
    try:
        cert = x509.load_pem_x509_certificate(w.encryption_cert_pem.encode())
        serial = int(w.encryption_serial_hex, 16)
    except ValueError as exc:
        raise ActivationFailed(reason="an encryption certificate is unreadable") from exc
    if cert.serial_number != serial:
        raise ActivationFailed(reason="an encryption certificate's serial does not match")
    try:
        der = ecies.open_sealed(
            transport,
            ecies.Sealed(w.ephemeral_public_key, w.nonce, w.ciphertext),
            ecies.aad_for(device.serial_number, serial),
        )
        key = serialization.load_der_private_key(der, None)
    except (ecies.DecryptError, ValueError, TypeError) as exc:
        raise ActivationFailed(reason="an escrowed key does not open") from exc
    if not isinstance(key, rsa.RSAPrivateKey) or not _same_public(
        key.public_key(), cert.public_key()
    ):
        raise ActivationFailed(reason="an escrowed key does not match its certificate")
    return EncryptionKeyRef(format(serial, "x"), w.generation, cert), key

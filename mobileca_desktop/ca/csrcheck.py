"""Certificate requests: the checks a CSR passes before the CA certifies its key."""

from __future__ import annotations

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from mobileca_desktop.domain.errors import CsrRejected

# --- certificate requests -----------------------------------------------------------------

_CSR_HASHES = (hashes.SHA256, hashes.SHA384, hashes.SHA512)


def check_csr(pem_or_der: bytes) -> ec.EllipticCurvePublicKey:
    """The P-256 public key of a well-formed, self-signed CSR; ``CsrRejected`` otherwise."""
    if isinstance(pem_or_der, str):
        pem_or_der = pem_or_der.encode("ascii", "replace")
    try:
        if pem_or_der.lstrip()[:11] == b"-----BEGIN ":
            csr = x509.load_pem_x509_csr(pem_or_der)
        else:
            csr = x509.load_der_x509_csr(pem_or_der)
    except (ValueError, TypeError) as exc:
        raise CsrRejected(reason="not a certificate request") from exc
    try:
        key = csr.public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise CsrRejected(reason="unsupported key type") from exc
    if isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.key_size < 256:
            raise CsrRejected(reason=f"key too weak ({key.curve.name})")
        if not isinstance(key.curve, ec.SECP256R1):
            raise CsrRejected(
                reason=f"unsupported key type (curve {key.curve.name}; P-256 is required)"
            )
    elif isinstance(key, rsa.RSAPublicKey):
        if key.key_size < 2048:
            raise CsrRejected(reason=f"key too weak (RSA-{key.key_size})")
        raise CsrRejected(reason="unsupported key type (RSA; ECDSA P-256 is required)")
    elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        raise CsrRejected(reason="unsupported key type (EdDSA; ECDSA P-256 is required)")
    else:
        raise CsrRejected(reason="unsupported key type")
    try:
        algorithm = csr.signature_hash_algorithm
    except UnsupportedAlgorithm as exc:
        raise CsrRejected(reason="unsupported signature algorithm") from exc
    if not isinstance(algorithm, _CSR_HASHES):
        raise CsrRejected(reason="weak signature algorithm")
    try:
        valid = csr.is_signature_valid
    except (ValueError, InvalidSignature, UnsupportedAlgorithm):
        valid = False
    if not valid:
        # Proof of possession: the requester must hold the private key it asks us to certify.
        raise CsrRejected(reason="the request's signature is not valid")
    return key

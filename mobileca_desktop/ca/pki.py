"""The CA engine's PKI in one namespace: profiles, CSR checks, CRL, OCSP, key wrapping.

Everything is ECDSA P-256 with SHA-256 except the KMC's encryption keys, which are RSA-2048
because CMS key transport needs RSA recipients (see DESIGN.md, "Keys and certificates").
Nothing here reads the system clock: the engine owns a demo clock and passes ``now`` in.
Nothing private leaves this module in clear: private keys are stored only through
``wrap_private_key``.

The code lives in ``certparts`` (keys, serials, URLs, extension helpers), ``certprofiles``
(certificate profiles and subjects), ``csrcheck``, ``revinfo`` (CRL and OCSP) and
``keywrap``; this module re-exports them under the names the engine, the server and the
tests have always used, and holds the presentation helpers.
"""

from __future__ import annotations

from collections.abc import Iterable

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from mobileca_desktop.ca.certparts import (
    CLOCK_SKEW,
    GRANT_EXTENSION_OID,
    PLATFORM_SIGNING_EKU_OID,
    Urls,
    _add_years,
    _der_tlv,
    _end_entity,
    _key_usage,
    _revocation_info,
    _utc,
    crl_distribution_point,
    new_ec_key,
    new_rsa_key,
    random_serial,
)
from mobileca_desktop.ca.certprofiles import (
    agent_subject,
    grant_id_of,
    make_device_cert,
    make_encryption_cert,
    make_event_cert,
    make_issuing_ca,
    make_ocsp_responder,
    make_platform,
    make_root,
    make_tls_server,
    subject_for,
)
from mobileca_desktop.ca.csrcheck import check_csr
from mobileca_desktop.ca.keywrap import (
    UnwrapError,
    unwrap_ec_key,
    unwrap_private_key,
    unwrap_rsa_key,
    wrap_private_key,
)
from mobileca_desktop.ca.revinfo import (
    OCSP_VALIDITY,
    CertStatusRecord,
    OcspResponder,
    _spki_key_bits,
    build_crl,
    ocsp_response,
)

__all__ = [
    "CLOCK_SKEW",
    "GRANT_EXTENSION_OID",
    "OCSP_VALIDITY",
    "PLATFORM_SIGNING_EKU_OID",
    "CertStatusRecord",
    "OcspResponder",
    "UnwrapError",
    "Urls",
    # Building blocks ``tsa.py`` and the tests' helpers reach as ``pki._name``.
    "_add_years",
    "_der_tlv",
    "_end_entity",
    "_key_usage",
    "_revocation_info",
    "_spki_key_bits",
    "_utc",
    "agent_subject",
    "build_crl",
    "chain_pem",
    "check_csr",
    "crl_distribution_point",
    "fingerprint_sha256",
    "grant_id_of",
    "make_device_cert",
    "make_encryption_cert",
    "make_event_cert",
    "make_issuing_ca",
    "make_ocsp_responder",
    "make_platform",
    "make_root",
    "make_tls_server",
    "new_ec_key",
    "new_rsa_key",
    "ocsp_response",
    "random_serial",
    "serial_hex",
    "subject_for",
    "to_pem",
    "unwrap_ec_key",
    "unwrap_private_key",
    "unwrap_rsa_key",
    "wrap_private_key",
]


# --- presentation -----------------------------------------------------------------------


def fingerprint_sha256(cert: x509.Certificate) -> str:
    """SHA-256 of the DER certificate, lowercase hex without separators."""
    return cert.fingerprint(hashes.SHA256()).hex()


def serial_hex(serial: int) -> str:
    """A serial as the UI shows it: lowercase hex, no padding."""
    if serial < 0:
        raise ValueError("serials are non-negative")
    return format(serial, "x")


def to_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def chain_pem(certs: Iterable[x509.Certificate]) -> str:
    """Certificates concatenated as PEM, in the order given (leaf side first)."""
    return "".join(to_pem(c) for c in certs)

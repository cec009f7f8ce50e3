"""Building blocks of the CA's certificates: keys, serials, URLs, validity and extensions.

Nothing here reads the system clock: the engine owns a demo clock and passes ``now`` in.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from urllib.parse import quote

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import NameOID

from mobileca_desktop.ca import subject as subjects
from mobileca_desktop.crypto import oids
from mobileca_desktop.domain.errors import InvalidInput

# --- constants --------------------------------------------------------------------------

# The project's private OIDs (crypto/oids.py: RFC 5612's documentation arc). Certificates
# are issued with the new ones; readers also accept the 2.25 UUID OIDs used before.
GRANT_EXTENSION_OID = oids.GRANT_EXTENSION
PLATFORM_SIGNING_EKU_OID = oids.PLATFORM_SIGNING_EKU

# Certificates made "now" start a little earlier so that a relying party whose clock is a
# few minutes behind the CA's does not see them as not yet valid.
CLOCK_SKEW = dt.timedelta(minutes=5)

_HASH = hashes.SHA256()
_DER = serialization.Encoding.DER
_COUNTRY = "CN"


# --- keys and serials -------------------------------------------------------------------


def new_ec_key() -> ec.EllipticCurvePrivateKey:
    """A fresh ECDSA P-256 key (CAs, OCSP responder, TLS, platform, event keys)."""
    return ec.generate_private_key(ec.SECP256R1())


def new_rsa_key() -> rsa.RSAPrivateKey:
    """A fresh RSA-2048 key for a KMC encryption certificate (slow: ~57 ms)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def random_serial() -> int:
    """A positive serial below 2**159 (fits RFC 5280's 20 octets) with 159 random bits.

    CA/B Forum asks for at least 64 bits of CSPRNG output; 159 leaves every serial
    unpredictable, which defeats chosen-prefix collision games on the signed data.
    """
    while True:
        serial = secrets.randbits(159)
        # Below 2**64 would look short to checkers that count bits; the odds are 2**-95.
        if serial >= 1 << 64:
            return serial


# --- URLs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Urls:
    """The public URLs written into certificates, from the CA's ``--public-url``."""

    public_base: str

    def _base(self) -> str:
        return self.public_base.rstrip("/")

    @staticmethod
    def _id(institution_id: str) -> str:
        return quote(institution_id, safe="")

    def crl(self, institution_id: str) -> str:
        """The issuing CA's CRL (DER)."""
        return f"{self._base()}/crl/{self._id(institution_id)}.crl"

    def ocsp(self, institution_id: str) -> str:
        """The institution's OCSP responder (POST, or GET with the request in the path)."""
        return f"{self._base()}/ocsp/{self._id(institution_id)}"

    def root_crl(self, institution_id: str) -> str:
        """The root's CRL (DER): the revocation status of the issuing CA."""
        return f"{self._base()}/crl/{self._id(institution_id)}-root.crl"

    def ca_issuers(self, institution_id: str) -> str:
        """The issuing CA's certificate (DER), for AIA caIssuers of end-entity certs."""
        return f"{self._base()}/ca/{self._id(institution_id)}.crt"

    def root_ca(self, institution_id: str) -> str:
        """The root certificate (DER), for AIA caIssuers of the issuing CA."""
        return f"{self._base()}/ca/{self._id(institution_id)}-root.crt"


# --- helpers ----------------------------------------------------------------------------


def _utc(value: dt.datetime) -> dt.datetime:
    # Naive datetimes come back from SQLite columns; the engine stores UTC throughout.
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _add_years(value: dt.datetime, years: int) -> dt.datetime:
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 February in a non-leap target year
        return value.replace(year=value.year + years, day=28)


def _text(value: str | None, field: str) -> str:
    if value is None or not str(value).strip():
        raise InvalidInput(field=field, reason="required")
    return str(value).strip()


def _public(
    key: CertificatePublicKeyTypes | ec.EllipticCurvePrivateKey,
) -> CertificatePublicKeyTypes:
    """Service certificates are made for a requester's public key; tests may pass the pair."""
    return key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key


def _ski(public_key: CertificatePublicKeyTypes) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(public_key)


def _aki(issuer_cert: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    try:
        ski = issuer_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
    except x509.ExtensionNotFound:
        issuer_key = issuer_cert.public_key()
        if not isinstance(issuer_key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
            raise ValueError("an issuing CA's key is EC or RSA") from None
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key)


def _key_usage(**set_bits: bool) -> x509.KeyUsage:
    bits = dict.fromkeys(
        (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    bits.update(set_bits)
    return x509.KeyUsage(**bits)


def crl_distribution_point(url: str) -> x509.CRLDistributionPoints:
    """One full-name distribution point (RFC 5280 §4.2.1.13): the CRL at ``url``."""
    return x509.CRLDistributionPoints(
        [
            x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(url)],
                relative_name=None,
                reasons=None,
                crl_issuer=None,
            )
        ]
    )


def _revocation_info(
    builder: x509.CertificateBuilder, urls: Urls, institution_id: str, *, crl: bool = True
) -> x509.CertificateBuilder:
    if crl:
        builder = builder.add_extension(
            crl_distribution_point(urls.crl(institution_id)), critical=False
        )
    return builder.add_extension(
        x509.AuthorityInformationAccess(
            [
                x509.AccessDescription(
                    x509.AuthorityInformationAccessOID.OCSP,
                    x509.UniformResourceIdentifier(urls.ocsp(institution_id)),
                ),
                x509.AccessDescription(
                    x509.AuthorityInformationAccessOID.CA_ISSUERS,
                    x509.UniformResourceIdentifier(urls.ca_issuers(institution_id)),
                ),
            ]
        ),
        critical=False,
    )


def _end_entity(
    *,
    subject: x509.Name,
    public_key: CertificatePublicKeyTypes,
    serial: int,
    not_before: dt.datetime,
    not_after: dt.datetime,
    issuer_cert: x509.Certificate,
) -> x509.CertificateBuilder:
    not_before = _utc(not_before)
    # A certificate must not outlive its issuer: path validation would fail at the end.
    not_after = min(_utc(not_after), issuer_cert.not_valid_after_utc)
    if not_after <= not_before:
        raise ValueError("the certificate's validity period is empty")
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_cert.subject)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_ski(public_key), critical=False)
        .add_extension(_aki(issuer_cert), critical=False)
    )


def _ca_name(name: str, org: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, _COUNTRY),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _text(org, "org")),
            x509.NameAttribute(NameOID.COMMON_NAME, _text(name, "name")),
        ]
    )


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


_der_read = subjects.der_read


def _der_tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _der_length(len(content)) + content

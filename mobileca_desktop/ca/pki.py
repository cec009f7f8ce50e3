"""Certificate profiles and PKI primitives of the CA engine (keys, certificates, CRL, OCSP).

Everything is ECDSA P-256 with SHA-256 except the KMC's encryption keys, which are RSA-2048
because CMS key transport needs RSA recipients (see DESIGN.md, "Keys and certificates").
Nothing here reads the system clock: the engine owns a demo clock and passes ``now`` in.
Nothing private leaves this module in clear: private keys are stored only through
``wrap_private_key``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import os
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mobileca_desktop.ca import subject as subjects
from mobileca_desktop.crypto import oids
from mobileca_desktop.domain.errors import CsrRejected, InvalidInput
from mobileca_desktop.domain.models import CertKind, RevocationReason

# --- constants --------------------------------------------------------------------------

# The project's private OIDs (crypto/oids.py: RFC 5612's documentation arc). Certificates
# are issued with the new ones; readers also accept the 2.25 UUID OIDs used before.
GRANT_EXTENSION_OID = oids.GRANT_EXTENSION
PLATFORM_SIGNING_EKU_OID = oids.PLATFORM_SIGNING_EKU

# Certificates made "now" start a little earlier so that a relying party whose clock is a
# few minutes behind the CA's does not see them as not yet valid.
CLOCK_SKEW = dt.timedelta(minutes=5)
OCSP_VALIDITY = dt.timedelta(hours=1)

_HASH = hashes.SHA256()
_DER = serialization.Encoding.DER
_COUNTRY = "CN"

_REASON_FLAGS: dict[RevocationReason, x509.ReasonFlags] = {
    RevocationReason.UNSPECIFIED: x509.ReasonFlags.unspecified,
    RevocationReason.KEY_COMPROMISE: x509.ReasonFlags.key_compromise,
    RevocationReason.SUPERSEDED: x509.ReasonFlags.superseded,
    RevocationReason.CESSATION: x509.ReasonFlags.cessation_of_operation,
    RevocationReason.AFFILIATION_CHANGED: x509.ReasonFlags.affiliation_changed,
}

# A mainland resident ID number (18 characters, or the old 15 digits): refused wherever a
# subject would otherwise carry it in clear.
_CLEAR_ID_RE = re.compile(r"\d{17}[\dXx]|\d{15}")
_EMBEDDED_ID_RE = re.compile(r"(?=(\d{17}[\dXx]))")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _looks_like_clear_id(value: str) -> bool:
    """True for a value that is, or embeds, a resident ID number.

    A hex digest often holds long runs of decimal digits, so an embedded 18-character run
    counts only with a valid GB 11643 check character and a plausible birth date (a false
    positive on a random SHA-256 digest is then below one in a million).
    """
    if _CLEAR_ID_RE.fullmatch(value):
        return True
    for match in _EMBEDDED_ID_RE.finditer(value):
        candidate = match.group(1).upper()
        total = sum(int(d) * w for d, w in zip(candidate[:17], _ID_WEIGHTS, strict=True))
        if _ID_CHECK[total % 11] != candidate[17]:
            continue
        try:
            dt.date(int(candidate[6:10]), int(candidate[10:12]), int(candidate[12:14]))
        except ValueError:
            continue
        if 1900 <= int(candidate[6:10]) <= 2100:
            return True
    return False


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


def _public(key):
    """Service certificates are made for a requester's public key; tests may pass the pair."""
    return key.public_key() if hasattr(key, "public_key") else key


def _ski(public_key) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(public_key)


def _aki(issuer_cert: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    try:
        ski = issuer_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
    except x509.ExtensionNotFound:
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_cert.public_key())


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
    public_key,
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


# --- CA hierarchy and infrastructure certificates ---------------------------------------


def make_root(
    *, name: str, org: str, key: ec.EllipticCurvePrivateKey, now: dt.datetime, years: int = 20
) -> x509.Certificate:
    """A self-signed root CA certificate."""
    now = _utc(now)
    subject = _ca_name(name, org)
    public_key = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public_key)
        .serial_number(random_serial())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(_add_years(now, years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(_ski(public_key), critical=False)
        .sign(key, _HASH)
    )


def make_issuing_ca(
    *,
    name: str,
    org: str,
    key: ec.EllipticCurvePrivateKey,
    root_cert: x509.Certificate,
    root_key: ec.EllipticCurvePrivateKey,
    now: dt.datetime,
    years: int = 10,
    urls: Urls,
    institution_id: str,
) -> x509.Certificate:
    """An issuing CA under ``root_cert`` that may issue end-entity certificates only."""
    now = _utc(now)
    public_key = key.public_key()
    not_after = min(_add_years(now, years), root_cert.not_valid_after_utc)
    return (
        x509.CertificateBuilder()
        .subject_name(_ca_name(name, org))
        .issuer_name(root_cert.subject)
        .public_key(public_key)
        .serial_number(random_serial())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(_ski(public_key), critical=False)
        .add_extension(_aki(root_cert), critical=False)
        # The root publishes a CRL of the CAs it certified (rootcrl.py); the root runs no
        # OCSP responder, so AIA names only where the root certificate is.
        .add_extension(crl_distribution_point(urls.root_crl(institution_id)), critical=False)
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        x509.AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(urls.root_ca(institution_id)),
                    )
                ]
            ),
            critical=False,
        )
        .sign(root_key, _HASH)
    )


def make_ocsp_responder(
    *,
    institution_id: str,
    org: str,
    key: ec.EllipticCurvePrivateKey,
    issuer_cert: x509.Certificate,
    issuer_key: ec.EllipticCurvePrivateKey,
    now: dt.datetime,
    days: int = 365,
    not_before: dt.datetime | None = None,
) -> x509.Certificate:
    """The issuing CA's delegated OCSP responder (RFC 6960 §4.2.2.2), valid from
    ``not_before`` (default ``now``) for ``days`` from ``now``."""
    now = _utc(now)
    start = _utc(not_before) if not_before is not None else now
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, _COUNTRY),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _text(org, "org")),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{institution_id} OCSP Responder"),
        ]
    )
    return (
        _end_entity(
            subject=subject,
            public_key=key.public_key(),
            serial=random_serial(),
            not_before=start - CLOCK_SKEW,
            not_after=now + dt.timedelta(days=days),
            issuer_cert=issuer_cert,
        )
        .add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False)
        # The responder's own status is not checked by OCSP (it would be circular); its
        # short validity is what limits the damage of a compromise.
        .add_extension(x509.OCSPNoCheck(), critical=False)
        .sign(issuer_key, _HASH)
    )


def make_tls_server(
    *,
    hostnames: list[str],
    ip_addresses: list[str],
    key: ec.EllipticCurvePrivateKey,
    issuer_cert: x509.Certificate,
    issuer_key: ec.EllipticCurvePrivateKey,
    now: dt.datetime,
    days: int = 397,
    urls: Urls,
    institution_id: str,
) -> x509.Certificate:
    """A TLS server certificate for the CA server or the platform simulator."""
    now = _utc(now)
    names: list[x509.GeneralName] = [x509.DNSName(h) for h in hostnames]
    names += [x509.IPAddress(ipaddress.ip_address(a)) for a in ip_addresses]
    if not names:
        raise InvalidInput(field="hostnames", reason="at least one host name or IP address")
    # The SAN is what TLS clients check; the CN only names the first host (fitted to 64).
    common_name = subjects.common_name((list(hostnames) + list(ip_addresses))[0])
    return (
        _revocation_info(
            _end_entity(
                subject=x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]),
                public_key=_public(key),
                serial=random_serial(),
                not_before=now - CLOCK_SKEW,
                not_after=now + dt.timedelta(days=days),
                issuer_cert=issuer_cert,
            ),
            urls,
            institution_id,
        )
        .add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(issuer_key, _HASH)
    )


def make_platform(
    *,
    platform_name: str,
    org: str,
    origin: str,
    key: ec.EllipticCurvePrivateKey,
    issuer_cert: x509.Certificate,
    issuer_key: ec.EllipticCurvePrivateKey,
    now: dt.datetime,
    days: int = 365,
    urls: Urls,
    institution_id: str,
) -> x509.Certificate:
    """The trading platform's signing certificate (signs scan QR payloads).

    Its own EKU keeps it from doubling as a TLS or client certificate; the origin in the
    SAN is what the client checks a payload's callback URL against.
    """
    now = _utc(now)
    subject = subjects.build(
        [
            (NameOID.COUNTRY_NAME, _COUNTRY),
            (NameOID.ORGANIZATION_NAME, _text(org, "org")),
            (NameOID.COMMON_NAME, _text(platform_name, "platform_name")),
        ]
    )
    builder = (
        _revocation_info(
            _end_entity(
                subject=subject,
                public_key=_public(key),
                serial=random_serial(),
                not_before=now - CLOCK_SKEW,
                not_after=now + dt.timedelta(days=days),
                issuer_cert=issuer_cert,
            ),
            urls,
            institution_id,
        )
        .add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([PLATFORM_SIGNING_EKU_OID]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName([x509.UniformResourceIdentifier(_text(origin, "origin"))]),
            critical=False,
        )
    )
    return subjects.add_extension(builder, subject).sign(issuer_key, _HASH)


# --- subjects ---------------------------------------------------------------------------


def subject_for(
    kind: CertKind,
    *,
    company_name: str | None = None,
    uscc: str | None = None,
    province: str | None = None,
    city: str | None = None,
    legal_person_name: str | None = None,
    person_name: str | None = None,
    person_id_digest: str | None = None,
) -> x509.Name:
    """The subject of a certificate of ``kind``, per DESIGN.md's subject-field table.

    CJK values are UTF8String (cryptography's default for these attributes); C and
    serialNumber are PrintableString as X.520 requires.
    Values over their bound (a long company or person name) are shortened and the whole
    value goes into the full-names extension (``subject.py``), which the builders below add.
    """
    c = (NameOID.COUNTRY_NAME, _COUNTRY)
    if kind == CertKind.UNIT:
        company = _text(company_name, "company_name")
        return subjects.build(
            [
                c,
                (NameOID.STATE_OR_PROVINCE_NAME, _text(province, "province")),
                (NameOID.LOCALITY_NAME, _text(city, "city")),
                (NameOID.ORGANIZATION_NAME, company),
                (NameOID.ORGANIZATION_IDENTIFIER, _text(uscc, "uscc")),
                (NameOID.COMMON_NAME, company),
            ]
        )
    if kind == CertKind.LEGAL_REP:
        return subjects.build(
            [
                c,
                (NameOID.ORGANIZATION_NAME, _text(company_name, "company_name")),
                (NameOID.ORGANIZATION_IDENTIFIER, _text(uscc, "uscc")),
                (NameOID.COMMON_NAME, _text(legal_person_name, "legal_person_name")),
            ]
        )
    if kind == CertKind.PERSONAL:
        digest = _text(person_id_digest, "person_id_digest")
        # A certificate is public: the clear ID number must never be put in it.
        if _looks_like_clear_id(digest) or not digest.isascii() or len(digest) > 64:
            raise InvalidInput(
                field="person_id_digest", reason="must be a digest or masked form (≤ 64 ASCII)"
            )
        return subjects.build(
            [
                c,
                (NameOID.COMMON_NAME, _text(person_name, "person_name")),
                (NameOID.SERIAL_NUMBER, digest),
            ]
        )
    raise InvalidInput(field="kind", reason=f"unknown certificate kind {kind!r}")


def agent_subject(base: x509.Name, agent_name: str) -> x509.Name:
    """``base`` plus pseudonym (2.5.4.65) = the agent's name: "经办人 X 代表 Y"."""
    return subjects.extend(base, [(NameOID.PSEUDONYM, _text(agent_name, "agent_name"))])


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


_der_read = subjects.der_read


def _grant_extension(grant_id: int) -> x509.UnrecognizedExtension:
    if grant_id < 0:
        raise ValueError("grant ids are non-negative")
    text = str(int(grant_id)).encode()
    return x509.UnrecognizedExtension(GRANT_EXTENSION_OID, b"\x0c" + _der_length(len(text)) + text)


def grant_id_of(cert: x509.Certificate) -> int | None:
    """The grant id an agent's device certificate carries, or None for other certificates."""
    ext = oids.find_extension(cert, oids.GRANT_EXTENSION_OIDS)
    if ext is None:
        return None
    value = ext.value.value  # an UnrecognizedExtension's DER bytes
    tag, start, end = _der_read(value, 0)
    text = value[start:end]
    if tag != 0x0C or end != len(value) or not text.isdigit():
        raise ValueError("malformed grant extension")
    return int(text)


# --- end-entity certificates -------------------------------------------------------------


def make_encryption_cert(
    *,
    subject: x509.Name,
    public_key: rsa.RSAPublicKey,
    serial: int,
    not_before: dt.datetime,
    not_after: dt.datetime,
    issuer_cert: x509.Certificate,
    issuer_key: ec.EllipticCurvePrivateKey,
    urls: Urls,
    institution_id: str,
) -> x509.Certificate:
    """A KMC encryption certificate: the recipient of CMS envelopes (bids)."""
    if not isinstance(public_key, rsa.RSAPublicKey) or public_key.key_size < 2048:
        raise ValueError("encryption certificates take RSA keys of at least 2048 bits")
    builder = (
        _revocation_info(
            _end_entity(
                subject=subject,
                public_key=public_key,
                serial=serial,
                not_before=not_before,
                not_after=not_after,
                issuer_cert=issuer_cert,
            ),
            urls,
            institution_id,
        )
        .add_extension(_key_usage(key_encipherment=True, data_encipherment=True), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
    )
    return subjects.add_extension(builder, subject).sign(issuer_key, _HASH)


def make_device_cert(
    *,
    subject: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    serial: int,
    not_before: dt.datetime,
    not_after: dt.datetime,
    issuer_cert: x509.Certificate,
    issuer_key: ec.EllipticCurvePrivateKey,
    urls: Urls,
    institution_id: str,
    grant_id: int | None = None,
) -> x509.Certificate:
    """A device signing certificate (login, scan signatures, PDF seals)."""
    if not isinstance(public_key, ec.EllipticCurvePublicKey) or not isinstance(
        public_key.curve, ec.SECP256R1
    ):
        raise ValueError("device certificates take EC P-256 keys")
    builder = (
        _revocation_info(
            _end_entity(
                subject=subject,
                public_key=public_key,
                serial=serial,
                not_before=not_before,
                not_after=not_after,
                issuer_cert=issuer_cert,
            ),
            urls,
            institution_id,
        )
        .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION]
            ),
            critical=False,
        )
    )
    if grant_id is not None:
        builder = builder.add_extension(_grant_extension(grant_id), critical=False)
    return subjects.add_extension(builder, subject).sign(issuer_key, _HASH)


def make_event_cert(
    *,
    signer_name: str,
    public_key: ec.EllipticCurvePublicKey,
    issuer_cert: x509.Certificate,
    issuer_key: ec.EllipticCurvePrivateKey,
    now: dt.datetime,
    minutes: int = 10,
    urls: Urls,
    institution_id: str,
) -> x509.Certificate:
    """An event certificate (事件型证书) for one application e-signature.

    It lives for minutes and its key is discarded after the one signature, so it carries
    no CRL pointer; OCSP and caIssuers stay so a verifier can still build the chain.
    """
    now = _utc(now)
    subject = subjects.build(
        [(NameOID.COUNTRY_NAME, _COUNTRY), (NameOID.COMMON_NAME, _text(signer_name, "signer_name"))]
    )
    builder = _revocation_info(
        _end_entity(
            subject=subject,
            public_key=public_key,
            serial=random_serial(),
            not_before=now - CLOCK_SKEW,
            not_after=now + dt.timedelta(minutes=minutes),
            issuer_cert=issuer_cert,
        ),
        urls,
        institution_id,
        crl=False,
    ).add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
    return subjects.add_extension(builder, subject).sign(issuer_key, _HASH)


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


# --- revocation: CRL and OCSP -----------------------------------------------------------


def _reason_flag(reason: RevocationReason | None) -> x509.ReasonFlags | None:
    # RFC 5280 §5.3.1: rather than reasonCode "unspecified", leave the reason out.
    if reason is None or reason == RevocationReason.UNSPECIFIED:
        return None
    return _REASON_FLAGS[RevocationReason(reason)]


def build_crl(
    *,
    issuer_cert: x509.Certificate,
    issuer_key: ec.EllipticCurvePrivateKey,
    revoked: list[tuple[int, dt.datetime, RevocationReason]],
    crl_number: int,
    now: dt.datetime,
    next_update_hours: int = 24,
    issued_at: dt.datetime | None = None,
) -> x509.CertificateRevocationList:
    """A full CRL of ``issuer_cert`` listing every revoked certificate still of interest.

    ``issued_at`` (default ``now``) is thisUpdate; with the demo clock ahead of the real one
    the engine passes the real time, so no validator sees a CRL or a revocation dated in
    its future (a revocation "in the future" would read as "not revoked yet")."""
    now = _utc(now)
    issued = _utc(issued_at) if issued_at is not None else now
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer_cert.subject)
        .last_update(issued)
        .next_update(now + dt.timedelta(hours=next_update_hours))
        .add_extension(x509.CRLNumber(crl_number), critical=False)
        .add_extension(_aki(issuer_cert), critical=False)
    )
    for serial, revoked_at, reason in revoked:
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(min(_utc(revoked_at), issued))
        )
        flag = _reason_flag(reason)
        if flag is not None:
            entry = entry.add_extension(x509.CRLReason(flag), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    return builder.sign(issuer_key, _HASH)


@dataclass(frozen=True)
class CertStatusRecord:
    """What the engine knows about one serial: its revocation (the certificate is optional:
    the responder does not need it, and parsing it per request costs time)."""

    cert: x509.Certificate | None = None
    revoked_at: dt.datetime | None = None
    reason: RevocationReason | None = None


def _spki_key_bits(spki_der: bytes) -> bytes:
    """subjectPublicKey's BIT STRING content (without the unused-bits octet): the input of
    an OCSP CertID issuerKeyHash (RFC 6960 §4.1.1)."""
    tag, start, end = _der_read(spki_der, 0)
    if tag != 0x30:
        raise ValueError("not a SubjectPublicKeyInfo")
    _, _, alg_end = _der_read(spki_der, start)
    tag, bits_start, bits_end = _der_read(spki_der, alg_end)
    if tag != 0x03 or bits_end != end:
        raise ValueError("not a SubjectPublicKeyInfo")
    return spki_der[bits_start + 1 : bits_end]


def _der_tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _der_length(len(content)) + content


def _append_certs(response_der: bytes, certs_field: bytes) -> bytes:
    """``response_der`` (an OCSPResponse signed without certificates) with ``certs_field``
    appended to its BasicOCSPResponse.

    Why: cryptography's builder spends ~100 µs re-checking an included certificate, twice
    the cost of the signature itself. The certs field lies outside tbsResponseData, so adding
    it after signing leaves the signature valid (RFC 6960 §4.2.1); only the enclosing
    lengths change.
    """
    _, outer_start, outer_end = _der_read(response_der, 0)
    _, _, status_end = _der_read(response_der, outer_start)  # responseStatus
    tag, rb_start, rb_end = _der_read(response_der, status_end)  # [0] responseBytes
    if tag != 0xA0 or rb_end != outer_end:
        raise ValueError("unexpected OCSPResponse layout")
    _, seq_start, _ = _der_read(response_der, rb_start)  # ResponseBytes SEQUENCE
    _, _, oid_end = _der_read(response_der, seq_start)  # responseType
    tag, octets_start, octets_end = _der_read(response_der, oid_end)  # response OCTET STRING
    if tag != 0x04 or octets_end != rb_end:
        raise ValueError("unexpected OCSPResponse layout")
    tag, basic_start, basic_end = _der_read(response_der, octets_start)
    if tag != 0x30 or basic_end != octets_end:
        raise ValueError("unexpected BasicOCSPResponse layout")
    basic = _der_tlv(0x30, response_der[basic_start:basic_end] + certs_field)
    response_bytes = _der_tlv(0x30, response_der[seq_start:oid_end] + _der_tlv(0x04, basic))
    return _der_tlv(0x30, response_der[outer_start:status_end] + _der_tlv(0xA0, response_bytes))


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(
        serialization.Encoding.DER
    )


_MALFORMED = _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
_UNAUTHORIZED = _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
_INTERNAL_ERROR = _unsuccessful(ocsp.OCSPResponseStatus.INTERNAL_ERROR)


class OcspResponder:
    """An RFC 6960 responder for one issuing CA, signing as its delegated responder.

    Built once per institution: the issuer's name and key hashes for every CertID hash
    algorithm are computed here, so a request costs one parse, one lookup and one ECDSA
    signature.
    """

    _ALGORITHMS = (hashes.SHA1, hashes.SHA224, hashes.SHA256, hashes.SHA384, hashes.SHA512)

    def __init__(
        self,
        *,
        issuer_cert: x509.Certificate,
        responder_cert: x509.Certificate,
        responder_key: ec.EllipticCurvePrivateKey,
        validity: dt.timedelta = OCSP_VALIDITY,
    ) -> None:
        self._responder_cert = responder_cert
        # The responder's own certificate is issued by the same CA but is not in the
        # engine's issued-certificate table: it is known here, and answered "good" (it
        # carries id-pkix-ocsp-nocheck, so a client need not ask, but some do).
        self._own_serial = responder_cert.serial_number
        self.responder_key = responder_key
        self._validity = validity
        name_der = issuer_cert.subject.public_bytes()
        key_bits = _spki_key_bits(
            issuer_cert.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        # BasicOCSPResponse.certs ([0] EXPLICIT SEQUENCE OF Certificate) with the responder
        # certificate, so clients can check the delegation.
        self._certs = _der_tlv(0xA0, _der_tlv(0x30, responder_cert.public_bytes(_DER)))
        self._hashes: dict[str, tuple[bytes, bytes]] = {
            alg.name: (
                hashlib.new(alg.name, name_der).digest(),
                hashlib.new(alg.name, key_bits).digest(),
            )
            for alg in self._ALGORITHMS
        }

    def respond(
        self,
        request_der: bytes,
        lookup: Callable[[int], CertStatusRecord | None],
        now: dt.datetime,
        issued_at: dt.datetime | None = None,
    ) -> bytes:
        """The DER OCSPResponse to ``request_der``; never raises for a bad request.

        thisUpdate is ``issued_at`` (default ``now``), nextUpdate ``now`` + validity, and a
        revocation time is never after thisUpdate (see ``build_crl``)."""
        try:
            request = ocsp.load_der_ocsp_request(request_der)
            serial = request.serial_number
            name_hash = request.issuer_name_hash
            key_hash = request.issuer_key_hash
            extensions = request.extensions
        except (ValueError, TypeError):
            return _MALFORMED
        try:
            algorithm = request.hash_algorithm
        except UnsupportedAlgorithm:
            return _UNAUTHORIZED  # a CertID we cannot match is not ours to answer
        expected = self._hashes.get(algorithm.name)
        if expected is None or expected != (name_hash, key_hash):
            return _UNAUTHORIZED
        nonce: x509.OCSPNonce | None
        try:
            nonce = extensions.get_extension_for_class(x509.OCSPNonce).value
        except x509.ExtensionNotFound:
            nonce = None
        record = lookup(serial)
        if record is None and serial == self._own_serial:
            record = CertStatusRecord(cert=self._responder_cert)
        revoked_at = None
        reason = None
        if record is None:
            status = ocsp.OCSPCertStatus.UNKNOWN
        elif record.revoked_at is not None:
            status = ocsp.OCSPCertStatus.REVOKED
            revoked_at = _utc(record.revoked_at)
            reason = _reason_flag(record.reason)
        else:
            status = ocsp.OCSPCertStatus.GOOD
        now = _utc(now)
        issued = _utc(issued_at) if issued_at is not None else now
        if revoked_at is not None:
            revoked_at = min(revoked_at, issued)
        try:
            builder = (
                ocsp.OCSPResponseBuilder()
                # Echo the request's CertID (hash algorithm, hashes, serial) so the client
                # matches it whichever hash algorithm it chose.
                .add_response_by_hash(
                    issuer_name_hash=name_hash,
                    issuer_key_hash=key_hash,
                    serial_number=serial,
                    algorithm=algorithm,
                    cert_status=status,
                    this_update=issued,
                    next_update=now + self._validity,
                    revocation_time=revoked_at,
                    revocation_reason=reason,
                )
                .responder_id(ocsp.OCSPResponderEncoding.HASH, self._responder_cert)
            )
            if nonce is not None:
                builder = builder.add_extension(nonce, critical=False)
            signed = builder.sign(self.responder_key, _HASH)
            return _append_certs(signed.public_bytes(serialization.Encoding.DER), self._certs)
        except (ValueError, TypeError):
            return _INTERNAL_ERROR


_RESPONDERS: dict[tuple[x509.Certificate, x509.Certificate], OcspResponder] = {}
_RESPONDER_CACHE_SIZE = 32


def ocsp_response(
    *,
    request_der: bytes,
    issuer_cert: x509.Certificate,
    responder_cert: x509.Certificate,
    responder_key: ec.EllipticCurvePrivateKey,
    lookup: Callable[[int], CertStatusRecord | None],
    now: dt.datetime,
) -> bytes:
    """Functional form of ``OcspResponder.respond``.

    Responders are cached per (issuer, responder) certificate pair so that a caller using
    this function per request does not recompute the issuer hashes every time.
    """
    cache_key = (issuer_cert, responder_cert)
    responder = _RESPONDERS.get(cache_key)
    if responder is None or responder.responder_key is not responder_key:
        responder = OcspResponder(
            issuer_cert=issuer_cert, responder_cert=responder_cert, responder_key=responder_key
        )
        if len(_RESPONDERS) >= _RESPONDER_CACHE_SIZE:
            _RESPONDERS.clear()
        _RESPONDERS[cache_key] = responder
    return responder.respond(request_der, lookup, now)


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


# --- private keys at rest ---------------------------------------------------------------

_WRAP_MAGIC = b"MCKW\x01"  # "mobileca key wrap", format version 1
_WRAP_NONCE = 12


class UnwrapError(Exception):
    """A wrapped private key could not be opened: wrong secret, wrong key id, or damage."""


def wrap_private_key(key, kek: bytes, key_id: str) -> bytes:
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


def unwrap_private_key(blob: bytes, kek: bytes, key_id: str):
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

"""Certificate profiles: the CA hierarchy, infrastructure and end-entity certificates, subjects."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mobileca_desktop.ca import subject as subjects
from mobileca_desktop.ca.certparts import (
    _COUNTRY,
    _HASH,
    CLOCK_SKEW,
    GRANT_EXTENSION_OID,
    PLATFORM_SIGNING_EKU_OID,
    Urls,
    _add_years,
    _aki,
    _ca_name,
    _der_length,
    _der_read,
    _end_entity,
    _key_usage,
    _public,
    _revocation_info,
    _ski,
    _text,
    _utc,
    crl_distribution_point,
    random_serial,
)
from mobileca_desktop.crypto import oids
from mobileca_desktop.domain.errors import InvalidInput
from mobileca_desktop.domain.models import CertKind

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
    key: CertificatePublicKeyTypes | ec.EllipticCurvePrivateKey,  # the requester's public key
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
    key: CertificatePublicKeyTypes | ec.EllipticCurvePrivateKey,  # the requester's public key
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
    if not isinstance(ext.value, x509.UnrecognizedExtension):  # a private OID: always is
        raise ValueError("malformed grant extension")
    value = ext.value.value  # its DER bytes
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

"""Tests of the CA engine's PKI primitives (ca.pki), checked against the real openssl CLI."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mobileca_desktop.ca import pki
from mobileca_desktop.crypto import cms, oids
from mobileca_desktop.domain.errors import CsrRejected, InvalidInput
from mobileca_desktop.domain.models import CertKind, RevocationReason

OPENSSL = shutil.which("openssl")


def needs_openssl(test):
    """Marks a test that runs the openssl CLI, and skips it where there is none."""
    skip = pytest.mark.skipif(OPENSSL is None, reason="the openssl command-line tool is missing")
    return pytest.mark.openssl(skip(test))


INSTITUTION = "bjca"
URLS = pki.Urls(public_base="https://ca.example.test/")
CLEAR_ID = "110101199003071234"


@dataclass
class CA:
    root_key: ec.EllipticCurvePrivateKey
    root: x509.Certificate
    issuing_key: ec.EllipticCurvePrivateKey
    issuing: x509.Certificate
    ocsp_key: ec.EllipticCurvePrivateKey
    ocsp: x509.Certificate
    now: dt.datetime


def make_ca(now: dt.datetime) -> CA:
    root_key, issuing_key, ocsp_key = pki.new_ec_key(), pki.new_ec_key(), pki.new_ec_key()
    org = "北京数字认证股份有限公司"
    root = pki.make_root(name=f"{org} 根证书（模拟）", org=org, key=root_key, now=now)
    issuing = pki.make_issuing_ca(
        name=f"{org} 签发CA（模拟）",
        org=org,
        key=issuing_key,
        root_cert=root,
        root_key=root_key,
        now=now,
        urls=URLS,
        institution_id=INSTITUTION,
    )
    responder = pki.make_ocsp_responder(
        institution_id=INSTITUTION,
        org=org,
        key=ocsp_key,
        issuer_cert=issuing,
        issuer_key=issuing_key,
        now=now,
    )
    return CA(root_key, root, issuing_key, issuing, ocsp_key, responder, now)


def unit_subject() -> x509.Name:
    return pki.subject_for(
        CertKind.UNIT,
        company_name="山西示例建设工程有限公司",
        uscc="91140100MA0K1234XY",
        province="山西省",
        city="太原市",
    )


def device_cert(ca: CA, *, now: dt.datetime | None = None, grant_id: int | None = None):
    now = now or ca.now
    key = pki.new_ec_key()
    cert = pki.make_device_cert(
        subject=unit_subject(),
        public_key=key.public_key(),
        serial=pki.random_serial(),
        not_before=now,
        not_after=now + dt.timedelta(days=365),
        issuer_cert=ca.issuing,
        issuer_key=ca.issuing_key,
        urls=URLS,
        institution_id=INSTITUTION,
        grant_id=grant_id,
    )
    return cert, key


@pytest.fixture(scope="module")
def ca() -> CA:
    return make_ca(dt.datetime.now(dt.UTC))


def write(path: Path, *certs: x509.Certificate) -> Path:
    path.write_text(pki.chain_pem(certs))
    return path


def openssl(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [OPENSSL or "openssl", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def ext(cert: x509.Certificate, cls):
    return cert.extensions.get_extension_for_class(cls)


# --- chains and validity ----------------------------------------------------------------


@needs_openssl
def test_chain_verifies(ca, tmp_path):
    cert, _key = device_cert(ca)
    write(tmp_path / "root.pem", ca.root)
    write(tmp_path / "issuing.pem", ca.issuing)
    write(tmp_path / "device.pem", cert)
    r = openssl(
        "verify", "-CAfile", "root.pem", "-untrusted", "issuing.pem", "device.pem", cwd=tmp_path
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "device.pem: OK" in r.stdout


@needs_openssl
def test_moved_demo_clock_needs_attime(tmp_path):
    moved = dt.datetime.now(dt.UTC) + dt.timedelta(days=400)
    future = make_ca(moved)
    cert, _key = device_cert(future)
    write(tmp_path / "root.pem", future.root)
    write(tmp_path / "issuing.pem", future.issuing)
    write(tmp_path / "device.pem", cert)
    base = ("verify", "-CAfile", "root.pem", "-untrusted", "issuing.pem")
    r = openssl(*base, "device.pem", cwd=tmp_path)
    assert r.returncode != 0
    assert "not yet valid" in r.stdout + r.stderr
    at = str(int((moved + dt.timedelta(hours=1)).timestamp()))
    r = openssl(*base, "-attime", at, "device.pem", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr


@needs_openssl
def test_crl_revokes(ca, tmp_path):
    revoked, _ = device_cert(ca)
    kept, _ = device_cert(ca)
    crl = pki.build_crl(
        issuer_cert=ca.issuing,
        issuer_key=ca.issuing_key,
        revoked=[
            (revoked.serial_number, ca.now, RevocationReason.KEY_COMPROMISE),
            (pki.random_serial(), ca.now, RevocationReason.UNSPECIFIED),
        ],
        crl_number=7,
        now=ca.now,
    )
    assert crl.is_signature_valid(ca.issuing.public_key())
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 7
    unspecified = [e for e in crl if e.serial_number != revoked.serial_number]
    assert len(unspecified) == 1
    assert len(unspecified[0].extensions) == 0  # RFC 5280: no reasonCode "unspecified"
    entry = crl.get_revoked_certificate_by_serial_number(revoked.serial_number)
    assert entry is not None
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == (
        x509.ReasonFlags.key_compromise
    )
    (tmp_path / "crl.pem").write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    write(tmp_path / "root.pem", ca.root)
    write(tmp_path / "issuing.pem", ca.issuing)
    write(tmp_path / "revoked.pem", revoked)
    write(tmp_path / "kept.pem", kept)
    base = ("verify", "-crl_check", "-CRLfile", "crl.pem", "-CAfile", "root.pem")
    base += ("-untrusted", "issuing.pem")
    r = openssl(*base, "revoked.pem", cwd=tmp_path)
    assert r.returncode != 0
    assert "certificate revoked" in r.stdout + r.stderr
    r = openssl(*base, "kept.pem", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    r = openssl("crl", "-in", "crl.pem", "-noout", "-text", cwd=tmp_path)
    assert "Key Compromise" in r.stdout


# --- OCSP -------------------------------------------------------------------------------


def _ocsp_roundtrip(ca: CA, tmp_path: Path, cert: x509.Certificate, lookup) -> str:
    write(tmp_path / "issuing.pem", ca.issuing)
    write(tmp_path / "chain.pem", ca.issuing, ca.root)
    write(tmp_path / "device.pem", cert)
    r = openssl(
        "ocsp", "-issuer", "issuing.pem", "-cert", "device.pem", "-reqout", "req.der", cwd=tmp_path
    )
    assert r.returncode == 0, r.stderr
    response = pki.ocsp_response(
        request_der=(tmp_path / "req.der").read_bytes(),
        issuer_cert=ca.issuing,
        responder_cert=ca.ocsp,
        responder_key=ca.ocsp_key,
        lookup=lookup,
        now=dt.datetime.now(dt.UTC),
    )
    (tmp_path / "resp.der").write_bytes(response)
    # With the original request, openssl checks that the response echoes its nonce.
    r = openssl(
        "ocsp", "-reqin", "req.der", "-respin", "resp.der", "-CAfile", "chain.pem",
        "-resp_text",
        cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Response verify OK" in r.stdout + r.stderr
    assert "OCSP Nonce" in r.stdout
    # By certificate: openssl rebuilds the CertID (with a new nonce of its own, hence
    # -no_nonce) and reports that certificate's status.
    r = openssl(
        "ocsp", "-respin", "resp.der", "-issuer", "issuing.pem", "-CAfile", "chain.pem",
        "-cert", "device.pem", "-no_nonce", "-resp_text",
        cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Response verify OK" in r.stdout + r.stderr
    return r.stdout


@needs_openssl
def test_ocsp_good_revoked_unknown(ca, tmp_path):
    cert, _ = device_cert(ca)
    record = pki.CertStatusRecord(cert=cert, revoked_at=None, reason=None)
    out = _ocsp_roundtrip(ca, tmp_path, cert, {cert.serial_number: record}.get)
    assert "device.pem: good" in out

    revoked = pki.CertStatusRecord(cert=cert, revoked_at=ca.now, reason=RevocationReason.SUPERSEDED)
    out = _ocsp_roundtrip(ca, tmp_path, cert, {cert.serial_number: revoked}.get)
    assert "device.pem: revoked" in out
    assert "Reason: superseded" in out

    out = _ocsp_roundtrip(ca, tmp_path, cert, lambda serial: None)
    assert "device.pem: unknown" in out


def _request(cert: x509.Certificate, issuer: x509.Certificate, algorithm=None, nonce=None):
    builder = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, algorithm or hashes.SHA1())
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


def test_ocsp_response_contents(ca):
    cert, _ = device_cert(ca)
    responder = pki.OcspResponder(
        issuer_cert=ca.issuing, responder_cert=ca.ocsp, responder_key=ca.ocsp_key
    )
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    record = pki.CertStatusRecord(cert=cert)
    der = responder.respond(
        _request(cert, ca.issuing, hashes.SHA256(), nonce=b"n" * 16),
        {cert.serial_number: record}.get,
        now,
    )
    resp = ocsp.load_der_ocsp_response(der)
    assert resp.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert resp.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert resp.serial_number == cert.serial_number
    assert resp.hash_algorithm.name == "sha256"
    assert resp.this_update_utc == now
    assert resp.next_update_utc == now + dt.timedelta(hours=1)
    assert resp.certificates == [ca.ocsp]
    assert resp.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == b"n" * 16
    ca.ocsp.public_key().verify(resp.signature, resp.tbs_response_bytes, ec.ECDSA(hashes.SHA256()))
    # Without a nonce in the request there is none in the response.
    der = responder.respond(_request(cert, ca.issuing), lambda s: record, now)
    resp = ocsp.load_der_ocsp_response(der)
    with pytest.raises(x509.ExtensionNotFound):
        resp.extensions.get_extension_for_class(x509.OCSPNonce)


def test_ocsp_knows_its_own_responder_certificate(ca):
    """The responder's certificate is not in the engine's table, yet it is the CA's own:
    "good", not "unknown" (a revoked record for it still wins)."""
    responder = pki.OcspResponder(
        issuer_cert=ca.issuing, responder_cert=ca.ocsp, responder_key=ca.ocsp_key
    )
    now = dt.datetime.now(dt.UTC)
    request = _request(ca.ocsp, ca.issuing, hashes.SHA256())
    resp = ocsp.load_der_ocsp_response(responder.respond(request, lambda s: None, now))
    assert resp.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert resp.serial_number == ca.ocsp.serial_number
    revoked = pki.CertStatusRecord(revoked_at=now, reason=RevocationReason.KEY_COMPROMISE)
    resp = ocsp.load_der_ocsp_response(responder.respond(request, lambda s: revoked, now))
    assert resp.certificate_status == ocsp.OCSPCertStatus.REVOKED
    # Another serial of the same issuer is still "unknown".
    other, _ = device_cert(ca)
    resp = ocsp.load_der_ocsp_response(
        responder.respond(_request(other, ca.issuing), lambda s: None, now)
    )
    assert resp.certificate_status == ocsp.OCSPCertStatus.UNKNOWN


def test_ocsp_refusals(ca):
    now = dt.datetime.now(dt.UTC)

    def status_of(der: bytes) -> ocsp.OCSPResponseStatus:
        return ocsp.load_der_ocsp_response(der).response_status

    def respond(request: bytes) -> bytes:
        return pki.ocsp_response(
            request_der=request,
            issuer_cert=ca.issuing,
            responder_cert=ca.ocsp,
            responder_key=ca.ocsp_key,
            lookup=lambda serial: None,
            now=now,
        )

    for garbage in (b"", b"garbage", b"\x30\x03\x02\x01\x01", b"\x30" * 400):
        assert status_of(respond(garbage)) == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    other = make_ca(now)
    foreign, _ = device_cert(other)
    assert status_of(respond(_request(foreign, other.issuing))) == (
        ocsp.OCSPResponseStatus.UNAUTHORIZED
    )


@needs_openssl
def test_ocsp_malformed_seen_by_openssl(ca, tmp_path):
    response = pki.ocsp_response(
        request_der=b"this is not an OCSP request",
        issuer_cert=ca.issuing,
        responder_cert=ca.ocsp,
        responder_key=ca.ocsp_key,
        lookup=lambda serial: None,
        now=ca.now,
    )
    (tmp_path / "resp.der").write_bytes(response)
    r = openssl("ocsp", "-respin", "resp.der", "-resp_text", "-noverify", cwd=tmp_path)
    assert "malformedrequest" in (r.stdout + r.stderr).lower()


# --- CMS to an encryption certificate ----------------------------------------------------


def encryption_cert(ca: CA) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = pki.new_rsa_key()
    cert = pki.make_encryption_cert(
        subject=unit_subject(),
        public_key=key.public_key(),
        serial=pki.random_serial(),
        not_before=ca.now,
        not_after=ca.now + dt.timedelta(days=365),
        issuer_cert=ca.issuing,
        issuer_key=ca.issuing_key,
        urls=URLS,
        institution_id=INSTITUTION,
    )
    return cert, key


@needs_openssl
def test_openssl_cms_envelope_opens(ca, tmp_path):
    cert, key = encryption_cert(ca)
    write(tmp_path / "enc.pem", cert)
    bid = "投标报价：壹佰万元整\n".encode() * 50 + bytes(range(256))
    (tmp_path / "bid.txt").write_bytes(bid)
    r = openssl(
        "cms", "-encrypt", "-binary", "-aes256", "-in", "bid.txt",
        "-outform", "DER", "-out", "bid.der", "enc.pem",
        cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert cms.open_envelope((tmp_path / "bid.der").read_bytes(), cert, key) == bid
    r = openssl(
        "cms", "-encrypt", "-binary", "-aes256", "-in", "bid.txt",
        "-outform", "PEM", "-out", "bid.pem", "enc.pem",
        cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert cms.open_envelope((tmp_path / "bid.pem").read_bytes(), cert, key) == bid


@needs_openssl
def test_our_envelope_opens_with_openssl(ca, tmp_path):
    cert, key = encryption_cert(ca)
    write(tmp_path / "enc.pem", cert)
    # The test key goes to disk encrypted, like every private key in this project.
    (tmp_path / "enc.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"test-pass"),
        )
    )
    bid = "开标 bid".encode() + bytes(range(256))
    (tmp_path / "bid.der").write_bytes(cms.make_envelope(bid, cert))
    r = openssl(
        "cms", "-decrypt", "-binary", "-inform", "DER", "-in", "bid.der",
        "-recip", "enc.pem", "-inkey", "enc.key", "-passin", "pass:test-pass",
        "-out", "bid.out",
        cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "bid.out").read_bytes() == bid


# --- certificate requests ---------------------------------------------------------------


def _openssl_csr(tmp_path: Path, *newkey: str) -> bytes:
    r = openssl(
        "req", "-new", "-newkey", *newkey, "-nodes", "-keyout", "csr.key",
        "-subj", "/CN=device", "-out", "csr.pem",
        cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    return (tmp_path / "csr.pem").read_bytes()


@needs_openssl
def test_check_csr_accepts_p256(tmp_path):
    pem = _openssl_csr(tmp_path, "ec", "-pkeyopt", "ec_paramgen_curve:P-256")
    key = pki.check_csr(pem)
    assert isinstance(key.curve, ec.SECP256R1)
    der = x509.load_pem_x509_csr(pem).public_bytes(serialization.Encoding.DER)
    assert pki.check_csr(der).public_numbers() == key.public_numbers()


@needs_openssl
@pytest.mark.parametrize(
    ("newkey", "reason"),
    [
        (("rsa:1024",), "key too weak"),
        (("rsa:2048",), "unsupported key type"),
        (("ec", "-pkeyopt", "ec_paramgen_curve:P-384"), "unsupported key type"),
        (("ed25519",), "unsupported key type"),
    ],
    ids=["rsa1024", "rsa2048", "p384", "ed25519"],
)
def test_check_csr_refuses_other_keys(tmp_path, newkey, reason):
    pem = _openssl_csr(tmp_path, *newkey)
    with pytest.raises(CsrRejected) as err:
        pki.check_csr(pem)
    assert reason in err.value.params["reason"]
    assert err.value.code == "csr_rejected"


@needs_openssl
def test_check_csr_refuses_altered_signature(tmp_path):
    pem = _openssl_csr(tmp_path, "ec", "-pkeyopt", "ec_paramgen_curve:P-256")
    der = bytearray(x509.load_pem_x509_csr(pem).public_bytes(serialization.Encoding.DER))
    der[-1] ^= 0x01  # the last octet of the signature's s value
    with pytest.raises(CsrRejected) as err:
        pki.check_csr(bytes(der))
    assert "signature" in err.value.params["reason"]


def test_check_csr_refuses_altered_subject():
    key = pki.new_ec_key()
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "aaaa")]))
        .sign(key, hashes.SHA256())
    )
    der = csr.public_bytes(serialization.Encoding.DER)
    assert pki.check_csr(der)
    with pytest.raises(CsrRejected):
        pki.check_csr(der.replace(b"aaaa", b"bbbb"))


@pytest.mark.parametrize(
    "garbage",
    [b"", b"garbage", b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END", b"\x30\x82\xff"],
)
def test_check_csr_refuses_garbage(garbage):
    with pytest.raises(CsrRejected) as err:
        pki.check_csr(garbage)
    assert err.value.params["reason"] == "not a certificate request"


def test_check_csr_refuses_ed25519_built_in_python():
    key = ed25519.Ed25519PrivateKey.generate()
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "x")]))
        .sign(key, None)
    )
    with pytest.raises(CsrRejected, match="unsupported key type"):
        pki.check_csr(csr.public_bytes(serialization.Encoding.PEM))


# --- subjects, grants, serials ----------------------------------------------------------


def _values(name: x509.Name, oid) -> list[str]:
    return [a.value for a in name.get_attributes_for_oid(oid)]


def test_unit_subject():
    name = unit_subject()
    assert _values(name, NameOID.COUNTRY_NAME) == ["CN"]
    assert _values(name, NameOID.STATE_OR_PROVINCE_NAME) == ["山西省"]
    assert _values(name, NameOID.LOCALITY_NAME) == ["太原市"]
    assert _values(name, NameOID.ORGANIZATION_NAME) == ["山西示例建设工程有限公司"]
    assert _values(name, NameOID.COMMON_NAME) == ["山西示例建设工程有限公司"]
    assert _values(name, x509.ObjectIdentifier("2.5.4.97")) == ["91140100MA0K1234XY"]
    cn = name.get_attributes_for_oid(NameOID.COMMON_NAME)[0]
    assert cn._type.name == "UTF8String"  # CJK must not be squeezed into PrintableString


def test_legal_rep_subject():
    name = pki.subject_for(
        CertKind.LEGAL_REP,
        company_name="山西示例建设工程有限公司",
        uscc="91140100MA0K1234XY",
        legal_person_name="张三",
    )
    assert _values(name, NameOID.COUNTRY_NAME) == ["CN"]
    assert _values(name, NameOID.ORGANIZATION_NAME) == ["山西示例建设工程有限公司"]
    assert _values(name, NameOID.ORGANIZATION_IDENTIFIER) == ["91140100MA0K1234XY"]
    assert _values(name, NameOID.COMMON_NAME) == ["张三"]


def _with_check_char(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


def test_personal_subject_never_holds_the_clear_id():
    digest = hashlib.sha256(CLEAR_ID.encode()).hexdigest()
    name = pki.subject_for(CertKind.PERSONAL, person_name="李四", person_id_digest=digest)
    assert _values(name, NameOID.COUNTRY_NAME) == ["CN"]
    assert _values(name, NameOID.COMMON_NAME) == ["李四"]
    assert _values(name, NameOID.SERIAL_NUMBER) == [digest]
    assert CLEAR_ID not in name.rfc4514_string()
    masked = pki.subject_for(
        CertKind.PERSONAL, person_name="李四", person_id_digest="1101**********1234"
    )
    assert _values(masked, NameOID.SERIAL_NUMBER) == ["1101**********1234"]
    valid_id = _with_check_char("11010519491231002")
    for clear in (CLEAR_ID, valid_id, f"id:{valid_id}", f"ab{valid_id}cd", "110101900307123"):
        with pytest.raises(InvalidInput):
            pki.subject_for(CertKind.PERSONAL, person_name="李四", person_id_digest=clear)


def test_random_digests_are_never_mistaken_for_id_numbers():
    for i in range(5000):
        digest = hashlib.sha256(str(i).encode()).hexdigest()
        pki.subject_for(CertKind.PERSONAL, person_name="李四", person_id_digest=digest)


def test_subject_requires_fields():
    with pytest.raises(InvalidInput) as err:
        pki.subject_for(CertKind.UNIT, company_name="某公司", uscc="91140100MA0K1234XY")
    assert err.value.params["field"] == "province"
    with pytest.raises(InvalidInput):
        pki.subject_for(CertKind.PERSONAL, person_name="李四")


@needs_openssl
def test_agent_device_cert_names_agent_and_grant(ca, tmp_path):
    key = pki.new_ec_key()
    subject = pki.agent_subject(unit_subject(), "王五")
    cert = pki.make_device_cert(
        subject=subject,
        public_key=key.public_key(),
        serial=pki.random_serial(),
        not_before=ca.now,
        not_after=ca.now + dt.timedelta(days=30),
        issuer_cert=ca.issuing,
        issuer_key=ca.issuing_key,
        urls=URLS,
        institution_id=INSTITUTION,
        grant_id=4242,
    )
    assert pki.grant_id_of(cert) == 4242
    assert _values(cert.subject, NameOID.PSEUDONYM) == ["王五"]
    assert _values(cert.subject, NameOID.ORGANIZATION_NAME) == ["山西示例建设工程有限公司"]
    grant = cert.extensions.get_extension_for_oid(pki.GRANT_EXTENSION_OID)
    assert not grant.critical
    assert grant.value.value == b"\x0c\x044242"
    assert grant.oid.dotted_string == "1.3.6.1.4.1.32473.77.1.1"
    plain, _ = device_cert(ca)
    assert pki.grant_id_of(plain) is None
    # OpenSSL validates the chain despite the unknown (non-critical) extension.
    write(tmp_path / "root.pem", ca.root)
    write(tmp_path / "issuing.pem", ca.issuing)
    write(tmp_path / "agent.pem", cert)
    r = openssl(
        "verify", "-CAfile", "root.pem", "-untrusted", "issuing.pem", "agent.pem", cwd=tmp_path
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_serials_are_long_positive_and_unique():
    serials = [pki.random_serial() for _ in range(1000)]
    assert len(set(serials)) == 1000
    assert all(64 <= s.bit_length() <= 159 for s in serials)
    assert max(s.bit_length() for s in serials) > 150


def test_serial_hex_and_fingerprint(ca):
    assert pki.serial_hex(0xABC0) == "abc0"
    assert pki.serial_hex(1) == "1"
    fp = pki.fingerprint_sha256(ca.root)
    assert fp == ca.root.fingerprint(hashes.SHA256()).hex()
    assert len(fp) == 64
    assert fp == fp.lower()
    assert ":" not in fp


def test_pem_helpers(ca):
    chain = pki.chain_pem([ca.issuing, ca.root])
    loaded = x509.load_pem_x509_certificates(chain.encode())
    assert loaded == [ca.issuing, ca.root]
    assert pki.to_pem(ca.root).startswith("-----BEGIN CERTIFICATE-----")


# --- profiles ---------------------------------------------------------------------------


def test_urls():
    assert URLS.crl("bjca") == "https://ca.example.test/crl/bjca.crl"
    assert URLS.root_ca("bjca") == "https://ca.example.test/ca/bjca-root.crt"
    assert URLS.root_crl("bjca") == "https://ca.example.test/crl/bjca-root.crl"
    assert URLS.ocsp("bjca") == "https://ca.example.test/ocsp/bjca"
    assert URLS.ca_issuers("bjca") == "https://ca.example.test/ca/bjca.crt"


def test_ca_profiles(ca):
    bc = ext(ca.root, x509.BasicConstraints)
    assert bc.critical and bc.value.ca
    ku = ext(ca.root, x509.KeyUsage)
    assert ku.critical and ku.value.key_cert_sign and ku.value.crl_sign
    assert ca.root.subject == ca.root.issuer
    assert _values(ca.root.subject, NameOID.COUNTRY_NAME) == ["CN"]
    assert ext(ca.issuing, x509.BasicConstraints).value.path_length == 0
    assert ext(ca.issuing, x509.AuthorityKeyIdentifier).value.key_identifier == (
        ext(ca.root, x509.SubjectKeyIdentifier).value.digest
    )
    assert ca.issuing.not_valid_after_utc <= ca.root.not_valid_after_utc
    # The issuing CA says where its status is (the root's CRL) and where its issuer is.
    cdp = ext(ca.issuing, x509.CRLDistributionPoints).value
    assert [d.full_name[0].value for d in cdp] == [URLS.root_crl(INSTITUTION)]
    aia = ext(ca.issuing, x509.AuthorityInformationAccess).value
    assert [(d.access_method, d.access_location.value) for d in aia] == [
        (x509.AuthorityInformationAccessOID.CA_ISSUERS, URLS.root_ca(INSTITUTION))
    ]
    assert isinstance(ca.root.signature_hash_algorithm, hashes.SHA256)
    assert isinstance(ca.root.public_key(), ec.EllipticCurvePublicKey)


def test_ocsp_responder_profile(ca):
    assert ext(ca.ocsp, x509.ExtendedKeyUsage).value == x509.ExtendedKeyUsage(
        [ExtendedKeyUsageOID.OCSP_SIGNING]
    )
    assert ext(ca.ocsp, x509.OCSPNoCheck)
    assert ext(ca.ocsp, x509.KeyUsage).value.digital_signature
    assert ca.ocsp.issuer == ca.issuing.subject


def test_device_and_encryption_profiles(ca):
    cert, _ = device_cert(ca)
    ku = ext(cert, x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and ku.value.content_commitment
    assert not ku.value.key_encipherment
    assert set(ext(cert, x509.ExtendedKeyUsage).value) == {
        ExtendedKeyUsageOID.CLIENT_AUTH,
        ExtendedKeyUsageOID.EMAIL_PROTECTION,
    }
    cdp = ext(cert, x509.CRLDistributionPoints).value
    assert cdp[0].full_name[0].value == URLS.crl(INSTITUTION)
    aia = {
        d.access_method: d.access_location.value
        for d in ext(cert, x509.AuthorityInformationAccess).value
    }
    assert aia == {
        x509.AuthorityInformationAccessOID.OCSP: URLS.ocsp(INSTITUTION),
        x509.AuthorityInformationAccessOID.CA_ISSUERS: URLS.ca_issuers(INSTITUTION),
    }
    enc, _ = encryption_cert(ca)
    ku = ext(enc, x509.KeyUsage)
    assert ku.critical and ku.value.key_encipherment and ku.value.data_encipherment
    assert not ku.value.digital_signature
    assert list(ext(enc, x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.EMAIL_PROTECTION]
    assert isinstance(enc.public_key(), rsa.RSAPublicKey)
    with pytest.raises(ValueError):
        pki.make_device_cert(
            subject=unit_subject(),
            public_key=pki.new_rsa_key().public_key(),  # type: ignore[arg-type]
            serial=1 << 70,
            not_before=ca.now,
            not_after=ca.now + dt.timedelta(days=1),
            issuer_cert=ca.issuing,
            issuer_key=ca.issuing_key,
            urls=URLS,
            institution_id=INSTITUTION,
        )


def test_validity_is_clamped_to_the_issuer(ca):
    key = pki.new_ec_key()
    cert = pki.make_device_cert(
        subject=unit_subject(),
        public_key=key.public_key(),
        serial=pki.random_serial(),
        not_before=ca.now,
        not_after=ca.now + dt.timedelta(days=365 * 30),
        issuer_cert=ca.issuing,
        issuer_key=ca.issuing_key,
        urls=URLS,
        institution_id=INSTITUTION,
    )
    assert cert.not_valid_after_utc == ca.issuing.not_valid_after_utc


@needs_openssl
def test_tls_platform_and_event_profiles(ca, tmp_path):
    tls = pki.make_tls_server(
        hostnames=["ca.example.test", "localhost"],
        ip_addresses=["127.0.0.1", "::1"],
        key=pki.new_ec_key(),
        issuer_cert=ca.issuing,
        issuer_key=ca.issuing_key,
        now=ca.now,
        urls=URLS,
        institution_id=INSTITUTION,
    )
    san = ext(tls, x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["ca.example.test", "localhost"]
    assert [str(a) for a in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1", "::1"]
    assert list(ext(tls, x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.SERVER_AUTH]
    write(tmp_path / "root.pem", ca.root)
    write(tmp_path / "issuing.pem", ca.issuing)
    write(tmp_path / "tls.pem", tls)
    r = openssl(
        "verify", "-purpose", "sslserver", "-verify_hostname", "localhost",
        "-CAfile", "root.pem", "-untrusted", "issuing.pem", "tls.pem",
        cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr

    platform = pki.make_platform(
        platform_name="山西省公共资源交易平台（模拟）",
        org="山西省公共资源交易中心",
        origin="https://platform.example.test:8443",
        key=pki.new_ec_key(),
        issuer_cert=ca.issuing,
        issuer_key=ca.issuing_key,
        now=ca.now,
        urls=URLS,
        institution_id=INSTITUTION,
    )
    assert list(ext(platform, x509.ExtendedKeyUsage).value) == [pki.PLATFORM_SIGNING_EKU_OID]
    assert pki.PLATFORM_SIGNING_EKU_OID.dotted_string == "1.3.6.1.4.1.32473.77.2.1"
    assert ext(platform, x509.SubjectAlternativeName).value.get_values_for_type(
        x509.UniformResourceIdentifier
    ) == ["https://platform.example.test:8443"]
    write(tmp_path / "platform.pem", platform)
    r = openssl(
        "verify", "-CAfile", "root.pem", "-untrusted", "issuing.pem", "platform.pem", cwd=tmp_path
    )
    assert r.returncode == 0, r.stdout + r.stderr

    event = pki.make_event_cert(
        signer_name="张三",
        public_key=pki.new_ec_key().public_key(),
        issuer_cert=ca.issuing,
        issuer_key=ca.issuing_key,
        now=ca.now,
        urls=URLS,
        institution_id=INSTITUTION,
    )
    assert event.not_valid_after_utc - event.not_valid_before_utc <= dt.timedelta(minutes=15)
    assert event.not_valid_after_utc == ca.now.replace(microsecond=0) + dt.timedelta(minutes=10)
    ku = ext(event, x509.KeyUsage).value
    assert ku.digital_signature and ku.content_commitment


# --- private keys at rest ---------------------------------------------------------------


@pytest.mark.parametrize("make", [pki.new_ec_key, pki.new_rsa_key], ids=["ec", "rsa"])
def test_wrap_round_trip(make):
    key = make()
    kek = bytes(range(32))
    blob = pki.wrap_private_key(key, kek, "bjca/issuing")
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    assert der not in blob
    back = pki.unwrap_private_key(blob, kek, "bjca/issuing")
    assert (
        back.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        == der
    )


def test_unwrap_mismatches():
    key = pki.new_ec_key()
    kek = bytes(range(32))
    blob = pki.wrap_private_key(key, kek, "bjca/root")
    with pytest.raises(pki.UnwrapError):
        pki.unwrap_private_key(blob, bytes(32), "bjca/root")
    with pytest.raises(pki.UnwrapError):
        pki.unwrap_private_key(blob, kek, "bjca/issuing")
    tampered = bytearray(blob)
    tampered[-1] ^= 1
    with pytest.raises(pki.UnwrapError):
        pki.unwrap_private_key(bytes(tampered), kek, "bjca/root")
    with pytest.raises(pki.UnwrapError):
        pki.unwrap_private_key(b"MCKW\x02" + blob[5:], kek, "bjca/root")
    with pytest.raises(pki.UnwrapError):
        pki.unwrap_private_key(b"short", kek, "bjca/root")
    with pytest.raises(ValueError):
        pki.wrap_private_key(key, b"too short", "bjca/root")


def _with_legacy_oids(ca: CA, *, grant_id: int) -> x509.Certificate:
    """A certificate as issued before the switch to RFC 5612's arc: 2.25 UUID OIDs."""
    key = pki.new_ec_key()
    now = ca.now
    return (
        x509.CertificateBuilder()
        .subject_name(unit_subject())
        .issuer_name(ca.issuing.subject)
        .public_key(key.public_key())
        .serial_number(pki.random_serial())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.UnrecognizedExtension(
                oids.LEGACY_GRANT_EXTENSION,
                b"\x0c" + bytes([len(str(grant_id))]) + b"%d" % grant_id,
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([oids.LEGACY_PLATFORM_SIGNING_EKU]), critical=False)
        .sign(ca.issuing_key, hashes.SHA256())
    )


def test_project_oids_are_short_and_old_ones_still_read(ca):
    from mobileca_desktop.platform import trust

    for oid in (oids.GRANT_EXTENSION, oids.FULL_NAME_EXTENSION, oids.PLATFORM_SIGNING_EKU):
        assert oid.dotted_string.startswith("1.3.6.1.4.1.32473.")  # RFC 5612
        assert all(int(arc) < 2**28 for arc in oid.dotted_string.split("."))  # RFC 5280 §4.2
    old = _with_legacy_oids(ca, grant_id=77)
    assert pki.grant_id_of(old) == 77
    assert trust.subject_of(old).grant_id == "77"
    assert oids.has_platform_signing_eku(ext(old, x509.ExtendedKeyUsage).value)
    new, _ = device_cert(ca, grant_id=78)
    assert pki.grant_id_of(new) == 78 and trust.subject_of(new).grant_id == "78"
    assert not oids.has_platform_signing_eku(ext(new, x509.ExtendedKeyUsage).value)


# --- subjects within RFC 5280's bounds ----------------------------------------------------

LONG_COMPANY = "中国建筑第二工程局有限公司山西分公司太原市小店区第三项目经理部" * 3  # 93


def test_fit_keeps_head_and_tail_within_the_bound():
    from mobileca_desktop.ca import subject

    assert subject.fit("山西示例建设工程有限公司", 64, in_bytes=True) == "山西示例建设工程有限公司"
    for n in range(1, 101):
        name = "".join(chr(0x4E00 + (i * 37) % 20000) for i in range(n - 3)) + "分公司"
        name = name[-n:]
        cn = subject.fit(name, 64, in_bytes=True)
        org = subject.fit(name, 64)
        assert 1 <= len(cn.encode()) <= 64 and 1 <= len(org) <= 64
        if len(name.encode()) > 64:
            assert "…" in cn and cn.endswith("分公司") and name.startswith(cn.split("…")[0])
        else:
            assert cn == name
    assert len(subject.fit("a" * 200, 64, in_bytes=True).encode()) == 64


@pytest.mark.parametrize("kind", [CertKind.UNIT, CertKind.LEGAL_REP, CertKind.PERSONAL])
def test_long_names_are_shortened_and_kept_whole_in_the_extension(ca, kind):
    from mobileca_desktop.ca import subject
    from mobileca_desktop.platform import trust

    person = "阿卜杜热合曼·买买提明·艾合买提江·吐尔逊·库尔班" + "名" * 30  # 56 characters
    name = pki.subject_for(
        kind,
        company_name=LONG_COMPANY,
        uscc="91140100MA0K1234XY",
        province="山西省",
        city="太原市",
        legal_person_name=person,
        person_name=person,
        person_id_digest="a" * 64,
    )
    cert = pki.make_device_cert(
        subject=pki.agent_subject(name, "李经办" * 20),
        public_key=pki.new_ec_key().public_key(),
        serial=pki.random_serial(),
        not_before=ca.now,
        not_after=ca.now + dt.timedelta(days=30),
        issuer_cert=ca.issuing,
        issuer_key=ca.issuing_key,
        urls=URLS,
        institution_id=INSTITUTION,
    )
    cn = _values(cert.subject, NameOID.COMMON_NAME)[0]
    assert len(cn.encode()) <= 64 and "…" in cn
    full = subject.full_names(cert)
    ext = cert.extensions.get_extension_for_oid(oids.FULL_NAME_EXTENSION)
    assert not ext.critical
    seen = trust.subject_of(cert)
    assert seen.agent == "李经办" * 20  # 60 characters fit a pseudonym (ub 128): not shortened
    if kind is CertKind.PERSONAL:
        assert full[NameOID.COMMON_NAME] == person and seen.name == person
        assert seen.kind == "personal"
    else:
        org = _values(cert.subject, NameOID.ORGANIZATION_NAME)[0]
        assert len(org) <= 64 and org != LONG_COMPANY
        assert full[NameOID.ORGANIZATION_NAME] == LONG_COMPANY and seen.name == LONG_COMPANY
        assert seen.kind == ("unit" if kind is CertKind.UNIT else "legal_rep")
        if kind is CertKind.LEGAL_REP:
            assert seen.person == person
    # A short name has no extension at all.
    short, _ = device_cert(ca)
    with pytest.raises(x509.ExtensionNotFound):
        short.extensions.get_extension_for_oid(oids.FULL_NAME_EXTENSION)
    assert trust.subject_of(short).kind == "unit"

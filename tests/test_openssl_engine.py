"""What the engine issues, checked by OpenSSL: chains, CRLs, OCSP and CMS bids."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from helpers_flow import Device, apply

from mobileca_desktop.ca import pki
from mobileca_desktop.domain.models import CertKind, Handler, Method

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def run(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


@pytest.fixture
def activated(services, company, portrait, tmp_path):
    reg, s = company
    app_id = apply(
        services,
        s,
        kind=CertKind.UNIT,
        method=Method.ELICENCE,
        handler=Handler.LEGAL_PERSON,
        legal_phone=reg.legal_person_phone,
        portrait=portrait,
    )
    services.review.approve(services.review.operator_session(), app_id)
    cid = services.ca.get_application(s, app_id).certificate_id
    dev = Device("laptop")
    res = dev.activate(services, s, cid, reg.legal_person_phone)
    issuing, root = res.chain_pem.split("-----END CERTIFICATE-----\n")[:2]
    (tmp_path / "issuing.pem").write_text(issuing + "-----END CERTIFICATE-----\n")
    (tmp_path / "root.pem").write_text(root + "-----END CERTIFICATE-----\n")
    (tmp_path / "chain.pem").write_text(res.chain_pem)
    (tmp_path / "dev.pem").write_text(res.device_cert_pem)
    detail = services.ca.certificate_detail(s, cid)
    (tmp_path / "enc.pem").write_text(detail.encryption_cert_pem)
    return s, cid, dev, res


def test_chain_crl_and_attime(services, activated, tmp_path):
    s, cid, dev, res = activated
    for cert in ("dev.pem", "enc.pem"):
        out = run("verify", "-CAfile", "root.pem", "-untrusted", "issuing.pem", cert, cwd=tmp_path)
        assert out.returncode == 0, out.stdout + out.stderr
    crl = services.ca.crl("bjca")
    (tmp_path / "crl.pem").write_bytes(pki_crl_pem(crl))
    ok = run(
        "verify",
        "-crl_check",
        "-CAfile",
        "root.pem",
        "-untrusted",
        "issuing.pem",
        "-CRLfile",
        "crl.pem",
        "dev.pem",
        cwd=tmp_path,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    services.ca.revoke_device_certificate(s, res.device_serial_hex)
    (tmp_path / "crl.pem").write_bytes(pki_crl_pem(services.ca.crl("bjca")))
    bad = run(
        "verify",
        "-crl_check",
        "-CAfile",
        "root.pem",
        "-untrusted",
        "issuing.pem",
        "-CRLfile",
        "crl.pem",
        "dev.pem",
        cwd=tmp_path,
    )
    assert bad.returncode != 0 and "revoked" in (bad.stdout + bad.stderr)


def pki_crl_pem(der: bytes) -> bytes:
    from cryptography import x509

    return x509.load_der_x509_crl(der).public_bytes(serialization.Encoding.PEM)


def test_attime_with_moved_clock(services, company, portrait, tmp_path):
    reg, s = company
    services.clock.advance(services.review.operator_session(), 500 * 86400)
    from mobileca_desktop.domain.models import AccountKind

    s = services.ca.login(AccountKind.LEGAL, reg.uscc, "Demo2026pass")
    app_id = apply(
        services,
        s,
        kind=CertKind.LEGAL_REP,
        method=Method.FACE,
        handler=Handler.LEGAL_PERSON,
        legal_phone=reg.legal_person_phone,
        portrait=portrait,
    )
    services.review.approve(services.review.operator_session(), app_id)
    cid = services.ca.get_application(s, app_id).certificate_id
    (tmp_path / "enc.pem").write_text(services.ca.certificate_detail(s, cid).encryption_cert_pem)
    (tmp_path / "chain.pem").write_text(services.ca.chain_pem("bjca"))
    at = int(services.clock.info().now.timestamp())
    now = run("verify", "-CAfile", "chain.pem", "enc.pem", cwd=tmp_path)
    assert now.returncode != 0 and "not yet valid" in now.stdout + now.stderr
    moved = run("verify", "-attime", str(at), "-CAfile", "chain.pem", "enc.pem", cwd=tmp_path)
    assert moved.returncode == 0, moved.stdout + moved.stderr


def test_ocsp_good_then_revoked(services, activated, tmp_path):
    s, cid, dev, res = activated
    req = run(
        "ocsp", "-issuer", "issuing.pem", "-cert", "dev.pem", "-reqout", "req.der", cwd=tmp_path
    )
    assert req.returncode == 0, req.stderr

    def status() -> str:
        resp = services.ca.ocsp("bjca", (tmp_path / "req.der").read_bytes())
        (tmp_path / "resp.der").write_bytes(resp)
        out = run(
            "ocsp",
            "-respin",
            "resp.der",
            "-issuer",
            "issuing.pem",
            "-CAfile",
            "root.pem",
            "-verify_other",
            "issuing.pem",
            "-cert",
            "dev.pem",
            "-no_nonce",
            cwd=tmp_path,
        )
        assert "Response verify OK" in out.stderr + out.stdout, out.stdout + out.stderr
        return out.stdout

    assert "dev.pem: good" in status()
    services.ca.revoke(s, cid)
    assert "dev.pem: revoked" in status()


def test_openssl_cms_bid_opens_with_escrowed_key(services, activated, tmp_path):
    s, cid, dev, res = activated
    (tmp_path / "bid.txt").write_bytes("投标文件：报价 1,234,567.00 元".encode())
    out = run(
        "cms",
        "-encrypt",
        "-binary",
        "-aes256",
        "-in",
        "bid.txt",
        "-outform",
        "DER",
        "-out",
        "bid.der",
        "enc.pem",
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    from cryptography import x509

    from mobileca_desktop.crypto import cms

    enc = x509.load_pem_x509_certificate((tmp_path / "enc.pem").read_bytes())
    key = dev.encryption_keys[pki.serial_hex(enc.serial_number)]
    assert (
        cms.open_envelope((tmp_path / "bid.der").read_bytes(), enc, key)
        == (tmp_path / "bid.txt").read_bytes()
    )
    assert dt.datetime.now(dt.UTC) < enc.not_valid_after_utc


def test_tls_and_platform_certificates_from_their_profiles(services, tmp_path):
    from cryptography.hazmat.primitives.asymmetric import ec

    op = services.review.operator_session()
    (tmp_path / "chain.pem").write_text(services.ca.chain_pem("bjca"))
    for role, extra in (
        ("tls", {"hostnames": ["localhost"], "ip_addresses": ["127.0.0.1"]}),
        ("platform", {"origin": "http://127.0.0.1:8480"}),
    ):
        key = ec.generate_private_key(ec.SECP256R1())
        pem = services.engine.issue_service_certificate(
            op,
            role=role,
            institution_id="bjca",
            name="山西省公共资源交易平台（模拟）",
            public_key_pem=key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
            **extra,
        )
        (tmp_path / f"{role}.pem").write_text(pem)
    out = run("verify", "-purpose", "sslserver", "-CAfile", "chain.pem", "tls.pem", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    text = run("x509", "-in", "platform.pem", "-noout", "-text", cwd=tmp_path).stdout
    assert "URI:http://127.0.0.1:8480" in text
    # a supplier cannot mint service certificates
    from mobileca_desktop.domain import errors as E

    with pytest.raises(E.SessionExpired):
        services.engine.issue_service_certificate(
            op.__class__(
                token="forged",
                account_id=0,
                kind=op.kind,
                display_name="x",
                expires_at=op.expires_at,
            ),
            role="tls",
            institution_id="bjca",
            name="x",
            public_key_pem=b"",
        )


def test_every_chain_verifies_strictly_with_crls(services, company, agent, portrait, tmp_path):
    """`openssl verify -x509_strict -crl_check_all` for every end-entity profile: the
    issuing CA's status comes from the root's CRL (its distribution point), the leaf's
    from the issuing CA's CRL; the revoked ones are refused as revoked."""
    from cryptography import x509
    from helpers_pki import INSTITUTION, build

    art = build(services, company, agent, portrait)
    issuing, root = art.issuing[INSTITUTION], art.roots[INSTITUTION]
    pem = serialization.Encoding.PEM
    (tmp_path / "root.pem").write_bytes(root.public_bytes(pem))
    (tmp_path / "issuing.pem").write_bytes(issuing.public_bytes(pem))
    crls = [art.crls["revocations"], art.root_crls[INSTITUTION]]
    (tmp_path / "crls.pem").write_bytes(b"".join(map(pki_crl_pem, crls)))
    # The issuing CA names the root CRL's URL, and the server's route serves that CRL.
    cdp = issuing.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert cdp[0].full_name[0].value == services.engine.urls.root_crl(INSTITUTION)
    assert cdp[0].full_name[0].value.endswith(f"/crl/{INSTITUTION}-root.crl")
    assert set(art.end_entities) >= {
        "encryption",
        "device:unit",
        "device:agent",
        "device:legal_rep",
        "device:personal",
        "tls",
        "platform",
        "event",
        "ocsp_responder",
    }
    base = ("verify", "-x509_strict", "-crl_check_all", "-CAfile", "root.pem")
    base += ("-untrusted", "issuing.pem", "-CRLfile", "crls.pem")
    for name, cert in art.end_entities.items():
        leaf = tmp_path / f"{name.replace(':', '-')}.pem"
        leaf.write_bytes(cert.public_bytes(pem))
        out = run(*base, leaf.name, cwd=tmp_path)
        if name in art.revoked:
            assert out.returncode != 0 and "revoked" in out.stdout + out.stderr, name
        else:
            assert out.returncode == 0, (name, out.stdout + out.stderr)
    # Every institution's issuing CA, strictly, against its root's CRL.
    for inst, ca_cert in art.issuing.items():
        (tmp_path / f"{inst}-root.pem").write_bytes(art.roots[inst].public_bytes(pem))
        (tmp_path / f"{inst}-issuing.pem").write_bytes(ca_cert.public_bytes(pem))
        (tmp_path / f"{inst}-root-crl.pem").write_bytes(pki_crl_pem(art.root_crls[inst]))
        out = run(
            "verify", "-x509_strict", "-crl_check", "-CAfile", f"{inst}-root.pem",
            "-CRLfile", f"{inst}-root-crl.pem", f"{inst}-issuing.pem",
            cwd=tmp_path,
        )  # fmt: skip
        assert out.returncode == 0, (inst, out.stdout + out.stderr)
    # Without the root's CRL the issuing CA's status is unknown: the check fails.
    (tmp_path / "leaf-crl.pem").write_bytes(pki_crl_pem(art.crls["revocations"]))
    out = run(*base[:-1], "leaf-crl.pem", "encryption.pem", cwd=tmp_path)  # -CRLfile leaf-crl.pem
    assert out.returncode != 0 and "unable to get certificate CRL" in out.stdout + out.stderr


def test_issuing_cas_made_before_root_crls_get_their_pointer(
    services, activated, tmp_path, engine_config
):
    """A CA folder whose issuing CAs have no CRL distribution point (made before roots
    published CRLs) gets them re-certified on open: same name, key and validity, so the
    certificates issued before still pass the strict check."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    from mobileca_desktop.ca.db import AuditRow, InstitutionRow, select
    from mobileca_desktop.ca.engine import CAEngine

    engine = services.engine
    wrap = engine.keys["ca-key-wrap"]
    with engine.store.tx() as s:
        for row in s.execute(select(InstitutionRow)).scalars():
            cert = x509.load_pem_x509_certificate(row.issuing_pem.encode())
            builder = (
                x509.CertificateBuilder()
                .subject_name(cert.subject)
                .issuer_name(cert.issuer)
                .public_key(cert.public_key())
                .serial_number(cert.serial_number)
                .not_valid_before(cert.not_valid_before_utc)
                .not_valid_after(cert.not_valid_after_utc)
            )
            for ext in cert.extensions:
                if not isinstance(ext.value, x509.CRLDistributionPoints):
                    builder = builder.add_extension(ext.value, critical=ext.critical)
            root_key = pki.unwrap_private_key(row.root_key, wrap, f"{row.id}/root")
            row.issuing_pem = pki.to_pem(builder.sign(root_key, hashes.SHA256()))
    with engine.store.read() as s:
        old = x509.load_pem_x509_certificate(s.get(InstitutionRow, "bjca").issuing_pem.encode())
    with pytest.raises(x509.ExtensionNotFound):
        old.extensions.get_extension_for_class(x509.CRLDistributionPoints)

    reopened = CAEngine.open(tmp_path / "ca", config=engine_config)
    try:
        chain = x509.load_pem_x509_certificates(reopened.chain_pem("bjca").encode())
        new = chain[0]
        cdp = new.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
        assert cdp[0].full_name[0].value == reopened.urls.root_crl("bjca")
        assert new.subject == old.subject and new.public_key() == old.public_key()
        assert new.not_valid_before_utc == old.not_valid_before_utc
        assert new.not_valid_after_utc == old.not_valid_after_utc
        assert new.serial_number != old.serial_number
        with reopened.store.read() as s:
            actions = s.execute(select(AuditRow.action)).scalars().all()
        assert actions.count("ca.issuing_recertified") == 4  # one per institution
        assert reopened.audit_verify()[1] is None  # the audit chain is intact
        # What was issued before chains to the re-certified CA, strictly, with both CRLs.
        (tmp_path / "issuing-new.pem").write_bytes(new.public_bytes(serialization.Encoding.PEM))
        crls = pki_crl_pem(reopened.crl("bjca")) + pki_crl_pem(reopened.root_crl("bjca"))
        (tmp_path / "crls.pem").write_bytes(crls)
        out = run(
            "verify", "-x509_strict", "-crl_check_all", "-CAfile", "root.pem",
            "-untrusted", "issuing-new.pem", "-CRLfile", "crls.pem", "dev.pem",
            cwd=tmp_path,
        )  # fmt: skip
        assert out.returncode == 0, out.stdout + out.stderr
    finally:
        reopened.close()
    again = CAEngine.open(tmp_path / "ca", config=engine_config)
    try:
        assert x509.load_pem_x509_certificates(again.chain_pem("bjca").encode())[0] == new
    finally:
        again.close()


def test_ocsp_responder_is_renewed_before_it_expires(services, activated, tmp_path):
    """A responder certificate lives a year: a month before it ends (here: the demo clock
    moved on 340 days) the CA makes a new one and keeps answering "good" for the old."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509 import ocsp

    from mobileca_desktop.ca.db import AuditRow, select

    s, cid, dev, res = activated
    issuing = x509.load_pem_x509_certificates(res.chain_pem.encode())[0]

    def ask(cert: x509.Certificate) -> ocsp.OCSPResponse:
        req = ocsp.OCSPRequestBuilder().add_certificate(cert, issuing, hashes.SHA256()).build()
        der = services.ca.ocsp("bjca", req.public_bytes(serialization.Encoding.DER))
        return ocsp.load_der_ocsp_response(der)

    old = ask(dev.cert).certificates[0]
    assert ask(dev.cert).certificates[0] == old  # not due: the same responder
    services.clock.advance(services.review.operator_session(), 340 * 86400)
    answer = ask(dev.cert)
    new = answer.certificates[0]
    now, real = services.clock.info().now, services.clock.info().real_now
    assert new.serial_number != old.serial_number and new.public_key() != old.public_key()
    assert new.not_valid_after_utc > now + dt.timedelta(days=300)
    assert new.not_valid_before_utc <= real  # not dated in the real future
    new.verify_directly_issued_by(issuing)
    new.public_key().verify(answer.signature, answer.tbs_response_bytes, ec.ECDSA(hashes.SHA256()))
    assert answer.certificate_status is ocsp.OCSPCertStatus.GOOD
    assert ask(old).certificate_status is ocsp.OCSPCertStatus.GOOD  # recorded, still known
    assert ask(new).certificate_status is ocsp.OCSPCertStatus.GOOD
    assert ask(dev.cert).certificates[0] == new  # renewed once only
    with services.engine.store.read() as db:
        actions = db.execute(select(AuditRow.action)).scalars().all()
    assert actions.count("ca.ocsp_responder_renewed") == 1

"""The CA's RFC 3161 time-stamping authority (ca/tsa.py): tokens verify with OpenSSL, the
TSA certificate has the profile RFC 3161 asks for, bad requests are rejected, and tokens are
dated by the real clock even when the demo clock is moved forward."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import subprocess

import pytest
from asn1crypto import core, tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from mobileca_desktop.ca import tsa
from mobileca_desktop.domain.errors import NotFound

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def _query(tmp_path, data: bytes, *extra: str) -> bytes:
    (tmp_path / "data.bin").write_bytes(data)
    subprocess.run(
        [
            "openssl",
            "ts",
            "-query",
            "-data",
            str(tmp_path / "data.bin"),
            "-sha256",
            "-cert",
            *extra,
            "-out",
            str(tmp_path / "req.tsq"),
        ],
        check=True,
        capture_output=True,
    )
    return (tmp_path / "req.tsq").read_bytes()


def _verify(tmp_path, services, response: bytes) -> subprocess.CompletedProcess:
    (tmp_path / "resp.tsr").write_bytes(response)
    (tmp_path / "chain.pem").write_text(services.ca.chain_pem("bjca"))
    root = x509.load_pem_x509_certificates((tmp_path / "chain.pem").read_bytes())[-1]
    (tmp_path / "root.pem").write_bytes(root.public_bytes(Encoding.PEM))
    return subprocess.run(
        [
            "openssl",
            "ts",
            "-verify",
            "-data",
            str(tmp_path / "data.bin"),
            "-in",
            str(tmp_path / "resp.tsr"),
            "-CAfile",
            str(tmp_path / "root.pem"),
            "-untrusted",
            str(tmp_path / "chain.pem"),
        ],
        capture_output=True,
        text=True,
    )


def test_openssl_verifies_a_token(tmp_path, services):
    request = _query(tmp_path, b"sealed bid")
    response = services.ca.timestamp("bjca", request)
    done = _verify(tmp_path, services, response)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "Verification: OK" in done.stdout
    # The same token does not verify for other data.
    (tmp_path / "other.bin").write_bytes(b"another bid")
    bad = subprocess.run(
        [
            "openssl",
            "ts",
            "-verify",
            "-data",
            str(tmp_path / "other.bin"),
            "-in",
            str(tmp_path / "resp.tsr"),
            "-CAfile",
            str(tmp_path / "root.pem"),
            "-untrusted",
            str(tmp_path / "chain.pem"),
        ],
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0


def test_tsa_certificate_profile_and_status(services):
    engine = services.engine
    authority = engine.tsa.authority("bjca")
    cert = authority.cert
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and not ku.key_cert_sign
    aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert any("/ocsp/bjca" in d.access_location.value for d in aia)
    assert cert.extensions.get_extension_for_class(x509.CRLDistributionPoints)
    issuing = x509.load_pem_x509_certificates(engine.chain_pem("bjca").encode())[0]
    cert.verify_directly_issued_by(issuing)
    # Its revocation data is available: the institution's OCSP responder knows it.
    req = ocsp.OCSPRequestBuilder().add_certificate(cert, issuing, hashes.SHA256()).build()
    answer = ocsp.load_der_ocsp_response(engine.ocsp("bjca", req.public_bytes(Encoding.DER)))
    assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD
    # One TSA per institution, kept across restarts of the engine (same key, same cert).
    assert engine.tsa.authority("sxca").cert != cert
    with pytest.raises(NotFound):
        engine.tsa.authority("nope")


def _status(response: bytes) -> tsp.PKIStatusInfo:
    # asn1crypto's TimeStampResp insists on a token, which a rejection lacks (RFC 3161 §2.4.2).
    outer = core.Sequence.load(response)
    return tsp.PKIStatusInfo.load(outer[0].dump())


def test_bad_requests_are_rejections_not_errors(tmp_path, services):
    for garbage in (b"", b"\x30\x00", b"not asn.1 at all"):
        status = _status(services.ca.timestamp("bjca", garbage))
        assert status["status"].native == "rejection"
        assert "bad_data_format" in status["fail_info"].native
    # A SHA-1 imprint is refused (bad_alg).
    (tmp_path / "d").write_bytes(b"x")
    subprocess.run(
        [
            "openssl",
            "ts",
            "-query",
            "-data",
            str(tmp_path / "d"),
            "-sha1",
            "-out",
            str(tmp_path / "q"),
        ],
        check=True,
        capture_output=True,
    )
    status = _status(services.ca.timestamp("bjca", (tmp_path / "q").read_bytes()))
    assert status["status"].native == "rejection"
    assert "bad_alg" in status["fail_info"].native
    # A foreign policy is refused.
    request = _query(tmp_path, b"x", "-tspolicy", "1.2.3.4")
    status = _status(services.ca.timestamp("bjca", request))
    assert "unaccepted_policy" in status["fail_info"].native


def test_tokens_use_the_real_clock_not_the_demo_clock(tmp_path, services):
    engine = services.engine
    engine.advance_clock(engine.operator_session(), 400 * 86400)
    assert engine.clock.now() - dt.datetime.now(dt.UTC) > dt.timedelta(days=399)
    request = _query(tmp_path, b"late bid")
    response = services.ca.timestamp("bjca", request)
    resp = tsp.TimeStampResp.load(response)
    info = resp["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed
    gen_time = info["gen_time"].native
    assert abs(gen_time - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    assert info["policy"].native == tsa.TSA_POLICY_OID
    imprint = info["message_imprint"]["hashed_message"].native
    assert imprint == hashlib.sha256(b"late bid").digest()
    # The TSA certificate made while the clock is ahead starts now, not in the demo future.
    cert = engine.tsa.authority("bjca").cert
    assert cert.not_valid_before_utc <= dt.datetime.now(dt.UTC)
    done = _verify(tmp_path, services, response)
    assert done.returncode == 0, done.stderr

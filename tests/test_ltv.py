"""Long-term validation of 扫码签章 (issue 12): a sealed bid still validates when the CA is
stopped and its URLs are unreachable, and the platform decides revocation at the
time-stamp's time from the revocation data the document carries.

The acceptance test runs the whole flow for real: ``mobileca-ca serve``'s app on a loopback
port (the URL written into every certificate), the client's ``PlatformScanService`` talking
to it over HTTP (TSA at ``/tsa``, OCSP, CRLs), the platform simulator accepting the seal.
Then the CA server stops, and pyHanko's AdES long-term validation (no fetching, the
institution's root as the only trust anchor) and poppler's ``pdfsig`` (an NSS database from
``certutil`` trusting that root) both accept the file.
"""

from __future__ import annotations

import datetime as dt
import io
import socket
import time

import httpx
import pytest
from conftest import PASSWORD, pdf_bytes
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from helpers_keystore import CERT_PASSWORD, approved_certificate, download, new_device
from helpers_pdfsig import pdfsig_valid_and_trusted
from helpers_platform import activated_device
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.validation import ades
from pyhanko.sign.validation.dss import DocumentSecurityStore

from mobileca_desktop.ca import tsa
from mobileca_desktop.ca.engine import EngineConfig
from mobileca_desktop.ca.identity import CHEAP_PASSWORDS
from mobileca_desktop.domain.errors import CertificateUnavailable, ServiceUnavailable
from mobileca_desktop.domain.models import AccountKind
from mobileca_desktop.platform import ltvcheck, pdfcheck
from mobileca_desktop.platform.trust import CertificateChecker, EngineTrust, Refusal, subject_of
from mobileca_desktop.server.app import create_app
from mobileca_desktop.server.run import ThreadedServer
from mobileca_desktop.services import ltv
from mobileca_desktop.services.remote import RemoteServices

_DER = serialization.Encoding.DER


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def engine_config():
    """Every certificate's OCSP, CRL and caIssuers URLs point at a port of this test."""
    return EngineConfig(
        passwords=CHEAP_PASSWORDS,
        kmc_pool_target=2,
        kmc_background=False,
        public_url=f"http://127.0.0.1:{_free_port()}",
    )


def _root(services) -> x509.Certificate:
    return x509.load_pem_x509_certificates(services.engine.chain_pem("bjca").encode())[-1]


def _token_time(sig) -> dt.datetime:
    """genTime of the signature time-stamp in the seal's CMS."""
    for attr in sig.signer_info["unsigned_attrs"]:
        if attr["type"].native == "signature_time_stamp_token":
            token = attr["values"][0]
            return token["content"]["encap_content_info"]["content"].parsed["gen_time"].native
    raise AssertionError("no signature time-stamp")


def _lta(sealed: bytes, root: x509.Certificate):
    import asyncio

    [sig] = PdfFileReader(io.BytesIO(sealed), strict=False).embedded_regular_signatures
    return sig, asyncio.run(ades.ades_lta_validation(sig, ltvcheck.offline_spec(root)))


def test_a_sealed_bid_validates_with_the_ca_stopped(
    services, company, engine_config, tmp_path, monkeypatch
):
    helpers_platform = pytest.importorskip("helpers_platform")
    reg, s = company
    url = engine_config.public_url
    port = int(url.rsplit(":", 1)[1])
    ca_server = ThreadedServer(create_app(services.engine), port=port).start()
    remote = RemoteServices.connect(url)
    running = helpers_platform.start(services, tmp_path)
    try:
        cid = approved_certificate(services, reg, s)
        device = new_device(services, tmp_path, "laptop")
        download(services, device, s, cid, reg.legal_person_phone)
        # The client's CA service is the remote one: time-stamps come from POST /tsa/bjca.
        client = helpers_platform.client(services, tmp_path, running, device)
        client.ca = remote.ca
        tsa_calls = []
        real_timestamp = remote.ca.timestamp
        monkeypatch.setattr(
            remote.ca, "timestamp", lambda i, d: tsa_calls.append(i) or real_timestamp(i, d)
        )
        page = helpers_platform.browser(running)
        qr = helpers_platform.login_qr(running, page)
        helpers_platform.scan(client, s, qr.qr_text, cid, CERT_PASSWORD)
        helpers_platform.finish_login(running, page, qr.session_id)
        original = pdf_bytes("投标函 盖章页")
        qr = helpers_platform.seal_qr(running, page, original)
        helpers_platform.scan(client, s, qr.qr_text, cid, CERT_PASSWORD)
        st = helpers_platform.state(running, qr.session_id, page)
        assert st["state"] == "confirmed", st
        sealed = page.get(st["result"]["download"]).content
        assert tsa_calls and set(tsa_calls) == {"bjca"}
        client.close()
    finally:
        running.stop()
        remote.close()
        ca_server.stop()

    # The CA is stopped: nothing answers at the URLs in the certificates.
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/ocsp/bjca", timeout=2)
    root = _root(services)
    assert sealed.startswith(original)

    # pyHanko's AdES long-term validation: valid, trusted, signing time from the time-stamp.
    sig, result = _lta(sealed, root)
    assert result.ades_subindic is AdESPassed.OK, result.failure_msg
    assert result.api_status.valid and result.api_status.intact and result.api_status.trusted
    assert result.best_signature_time == _token_time(sig)
    assert abs(result.best_signature_time - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    assert result.oldest_evidence_record_timestamp is not None  # B-LTA's document time-stamp
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"

    # poppler's pdfsig with an NSS database trusting the root (-no-ocsp: helpers_pdfsig).
    report = pdfsig_valid_and_trusted(tmp_path, root, sealed)
    first = report.split("Signature #2")[0]
    assert "ETSI.CAdES.detached" in first


# --- the platform's check: revocation at the time-stamp's time ---------------------------------


@pytest.fixture
def holder(services, company):
    reg, s = company
    cid = approved_certificate(services, reg, s)
    device = activated_device(services, s, cid, reg.legal_person_phone)
    return s, cid, device


def _check(services, original: bytes, sealed: bytes, device):
    checker = CertificateChecker(EngineTrust(services.engine))
    return pdfcheck.check_sealed(
        original,
        sealed,
        checker,
        subject_key=subject_of(device.cert).key,
        now=services.engine.clock.now(),
    )


def _ocsp(services, cert: x509.Certificate) -> bytes:
    issuing = x509.load_pem_x509_certificates(services.engine.chain_pem("bjca").encode())[0]
    req = ocsp.OCSPRequestBuilder().add_certificate(cert, issuing, hashes.SHA256()).build()
    return services.ca.ocsp("bjca", req.public_bytes(_DER))


def _add_to_dss(sealed: bytes, ocsps: list[bytes], crls: list[bytes] = ()) -> bytes:
    """An incremental update adding revocation data to the DSS (what any archiver may do)."""
    from asn1crypto import crl as acrl
    from asn1crypto import ocsp as aocsp

    out = io.BytesIO(sealed)
    w = IncrementalPdfFileWriter(out, strict=False)
    DocumentSecurityStore.supply_dss_in_writer(
        w,
        None,
        ocsps=[aocsp.OCSPResponse.load(d) for d in ocsps],
        crls=[acrl.CertificateList.load(d) for d in crls],
    )
    w.write_in_place()
    return out.getvalue()


def _wait_past(moment: dt.datetime) -> None:
    """OCSP, CRL and time-stamp times have whole seconds and the TSA claims an accuracy of
    one second: wait until the clock is clearly past ``moment``."""
    deadline = time.monotonic() + 10
    later = moment.replace(microsecond=0) + dt.timedelta(seconds=tsa.ACCURACY_SECONDS + 1)
    while dt.datetime.now(dt.UTC) < later:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_seal_revoked_after_its_time_stamp_still_validates(services, holder):
    from helpers_platform import seal_with

    s, cid, device = holder
    original = pdf_bytes("投标函")
    sealed = seal_with(original, device, 1, (350, 80, 500, 230), services)
    first = _check(services, original, sealed, device)
    _wait_past(first.signing_time)
    services.ca.revoke(s, cid)
    revoked = ocsp.load_der_ocsp_response(_ocsp(services, device.cert))
    assert revoked.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert revoked.revocation_time_utc > first.signing_time
    # An archiver adds the newer (revoked) status to the DSS: the seal stays valid, because
    # the certificate was good when the time-stamp was made.
    later = _add_to_dss(sealed, [_ocsp(services, device.cert)], [services.ca.crl("bjca")])
    check = _check(services, original, later, device)
    assert check.signing_time == first.signing_time


def test_a_seal_made_after_revocation_is_refused(services, holder):
    from helpers_platform import seal_with

    s, cid, device = holder
    original = pdf_bytes("投标函")
    services.ca.revoke(s, cid)
    revoked_der = _ocsp(services, device.cert)
    revoked_at = ocsp.load_der_ocsp_response(revoked_der).revocation_time_utc
    _wait_past(revoked_at)
    # The client would refuse (pyHanko validates before signing); a forger time-stamps the
    # seal (B-T) and embeds the revocation data itself.
    with pytest.raises(CertificateUnavailable) as unavailable:
        seal_with(original, device, 1, (350, 80, 500, 230), services)
    assert unavailable.value.params["status"] == "revoked"
    sealed = seal_with(original, device, 1, (350, 80, 500, 230), services, ltv.PadesLevel.B_T)
    with pytest.raises(Refusal) as missing:
        _check(services, original, sealed, device)
    # No revocation data in the document: the chain cannot be validated offline.
    assert missing.value.code == "untrusted_chain"
    tsa_cert = services.engine.tsa.authority("bjca").cert
    full = _add_to_dss(
        sealed,
        [revoked_der, _ocsp(services, tsa_cert)],
        [services.ca.crl("bjca"), services.ca.root_crl("bjca")],
    )
    with pytest.raises(Refusal) as refused:
        _check(services, original, full, device)
    assert refused.value.code == "revoked", refused.value.message
    # The same with a document time-stamp over that DSS (as B-LTA would have it).
    out = io.BytesIO(full)
    PdfTimeStamper(ltv.CATimeStamper(lambda d: services.ca.timestamp("bjca", d))).timestamp_pdf(
        IncrementalPdfFileWriter(out, strict=False), "sha256", in_place=True
    )
    full = out.getvalue()
    with pytest.raises(Refusal) as refused:
        _check(services, original, full, device)
    assert refused.value.code == "revoked", refused.value.message


def test_a_seal_without_a_time_stamp_is_refused(services, holder):
    from helpers_platform import seal_with

    _s, _cid, device = holder
    original = pdf_bytes("投标函")
    sealed = seal_with(original, device, 1, (350, 80, 500, 230))  # B-B
    with pytest.raises(Refusal) as refused:
        _check(services, original, sealed, device)
    assert refused.value.code == "pdf_not_long_term"


def test_a_demo_clock_moved_forward_makes_no_future_dated_evidence(services, company):
    """Trainers move the demo clock forward; seals made then must validate for verifiers on
    the real clock: the TSA dates by the real clock, and certificates, OCSP responses and
    CRLs the CA makes then do not start in the real future."""
    from helpers_platform import seal_with

    reg, s = company
    cid = approved_certificate(services, reg, s)
    services.engine.advance_clock(services.engine.operator_session(), 3 * 86400)
    s = services.ca.login(AccountKind.LEGAL, reg.uscc, PASSWORD)  # the clock ended it
    device = activated_device(services, s, cid, reg.legal_person_phone)  # activated "later"
    assert device.cert.not_valid_before_utc <= dt.datetime.now(dt.UTC)
    original = pdf_bytes("投标函")
    sealed = seal_with(original, device, 1, (350, 80, 500, 230), services)
    check = _check(services, original, sealed, device)
    assert abs(check.signing_time - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    _sig, result = _lta(sealed, _root(services))
    assert result.ades_subindic is AdESPassed.OK, result.failure_msg


def test_sealing_needs_the_ca_and_says_so_when_it_is_unreachable(services, holder, engine_config):
    """Long-term material comes from the CA before anything is signed: with the CA server
    gone, ``gather`` raises ``ServiceUnavailable`` (the views' "try again, nothing lost")."""
    _s, _cid, device = holder
    url = engine_config.public_url
    ca_server = ThreadedServer(create_app(services.engine), port=int(url.rsplit(":", 1)[1]))
    ca_server.start()
    remote = RemoteServices.connect(url)
    try:
        material = ltv.gather(remote.ca, device.cert)
        assert material is not None and material.level is ltv.PadesLevel.B_LTA
        ca_server.stop()
        with pytest.raises(ServiceUnavailable):
            ltv.gather(remote.ca, device.cert)
    finally:
        remote.close()
        ca_server.stop()

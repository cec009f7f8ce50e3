"""A PDF sealed through 扫码签章 and accepted by the platform validates outside it: in pyHanko
(intact, trusted to the CA root, the whole original covered) and in poppler's ``pdfsig``
with an NSS database made by ``certutil`` that trusts the CA root, OCSP checked online
against the CA server at the URL written in the certificates."""

from __future__ import annotations

import io
import shutil
import socket

import pytest
from asn1crypto import x509 as ax509
from conftest import pdf_bytes
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from helpers_keystore import approved_certificate
from helpers_pdfsig import nss_trusting, pdfsig
from helpers_platform import (
    activated_device,
    fetch,
    login_with,
    post,
    seal_answer,
    seal_qr,
    start,
    state,
)
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from mobileca_desktop.ca.engine import EngineConfig
from mobileca_desktop.ca.identity import CHEAP_PASSWORDS
from mobileca_desktop.server.app import create_app
from mobileca_desktop.server.run import ThreadedServer

pytestmark = pytest.mark.skipif(
    shutil.which("pdfsig") is None or shutil.which("certutil") is None,
    reason="poppler-utils and libnss3-tools are needed",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def engine_config():
    """The CA's public URL (OCSP, CRL, caIssuers in every certificate) on a port of this
    test, where the CA server will answer pdfsig's OCSP request."""
    port = _free_port()
    return EngineConfig(
        passwords=CHEAP_PASSWORDS,
        kmc_pool_target=2,
        kmc_background=False,
        public_url=f"http://127.0.0.1:{port}",
    )


def test_a_sealed_pdf_validates_in_pyhanko_and_pdfsig(services, company, tmp_path, engine_config):
    reg, s = company
    port = int(engine_config.public_url.rsplit(":", 1)[1])
    ca_server = ThreadedServer(create_app(services.engine), port=port).start()
    platform = start(services, tmp_path)
    try:
        cid = approved_certificate(services, reg, s)
        device = activated_device(services, s, cid, reg.legal_person_phone)
        page = login_with(platform, services, device)
        original = pdf_bytes("投标函 盖章页")
        sid, text, _ = seal_qr(platform, page, original, seal="official")
        fetched = fetch(text)
        response = post(fetched, seal_answer(fetched, device, services))
        assert response.status_code == 200, response.text
        sealed = page.get(state(platform, sid)["result"]["download"]).content
        root = _root(services)

        # pyHanko, independently of the platform's own check.
        reader = PdfFileReader(io.BytesIO(sealed), strict=False)
        [sig] = reader.embedded_regular_signatures
        vc = ValidationContext(
            trust_roots=[ax509.Certificate.load(root.public_bytes(serialization.Encoding.DER))],
            allow_fetching=True,
        )
        status = validate_pdf_signature(sig, vc)
        assert status.intact and status.valid and status.trusted, status.pretty_print_details()
        # PAdES B-LTA: the seal covers its revision; only the DSS and a document time-stamp
        # follow it.
        assert status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        assert status.modification_level == ModificationLevel.LTA_UPDATES
        assert sealed.startswith(original)

        # poppler's pdfsig with an NSS database that trusts the CA root.
        nss = nss_trusting(tmp_path, root)
        (tmp_path / "sealed.pdf").write_bytes(sealed)
        out = pdfsig(nss, tmp_path / "sealed.pdf")
        assert "Signature is Valid" in out.stdout, out.stdout + out.stderr
        assert "Certificate is Trusted" in out.stdout, out.stdout + out.stderr
        assert "ETSI.CAdES.detached" in out.stdout, out.stdout

        # And it is the revocation check that pdfsig did online: revoke, and it says so.
        services.ca.revoke(s, cid)
        out = pdfsig(nss, tmp_path / "sealed.pdf")
        assert "Certificate is Trusted" not in out.stdout and "Revoked" in out.stdout, out.stdout
    finally:
        platform.stop()
        ca_server.stop()


def _root(services) -> x509.Certificate:
    return x509.load_pem_x509_certificates(services.engine.chain_pem("bjca").encode())[-1]

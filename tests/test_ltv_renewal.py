"""Archive renewal of sealed PDFs and TSA key rotation (PAdES B-LTA over the years).

A seal's last time-stamp vouches for it only as long as that TSA certificate lives (six
years, ``ca/tsa.py``). These tests run the CA on a fake real clock that jumps years ahead:
the TSA key rotates after its year of signing, ``services.ltvrenew.renew`` adds the current
revocation data and a new document time-stamp from the new TSA, and then, with no CA at all,
pyHanko's AdES long-term validation passes at a time when the first TSA certificate has
ended, and fails there for the same file without the renewal.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io

import pytest
from conftest import pdf_bytes
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from helpers_keystore import approved_certificate
from helpers_pdfsig import pdfsig_valid_and_trusted
from helpers_platform import activated_device, seal_with
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.validation import ades
from pyhanko_certvalidator.ltv import ades_past, poe
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo

from mobileca_desktop import cli
from mobileca_desktop.ca import tsa
from mobileca_desktop.ca.engine import CAEngine
from mobileca_desktop.domain.errors import ArchiveChainInvalid, PdfNotSealed, error_from_dict
from mobileca_desktop.platform import ltvcheck
from mobileca_desktop.services import ltvrenew
from mobileca_desktop.services.local import LocalServices
from mobileca_desktop.views import messages

BOX = (350, 80, 500, 230)


class FakeClock:
    """The CA's "real" clock: the machine's, moved ahead by ``offset``."""

    def __init__(self) -> None:
        self.offset = dt.timedelta(0)

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def services(tmp_path, memory_keyring, engine_config, clock):
    """The CA of this module runs on ``clock`` (``company`` and the helpers use it)."""
    svc = LocalServices.over(CAEngine.open(tmp_path / "ca", config=engine_config, real_now=clock))
    yield svc
    svc.close()


@pytest.fixture
def sealed(services, company):
    reg, s = company
    cid = approved_certificate(services, reg, s)
    device = activated_device(services, s, cid, reg.legal_person_phone)
    return seal_with(pdf_bytes("投标函"), device, 1, BOX, services)


def _root(services) -> x509.Certificate:
    return x509.load_pem_x509_certificates(services.engine.chain_pem("bjca").encode())[-1]


def _lta_at(pdf: bytes, spec, when: dt.datetime, monkeypatch):
    """pyHanko's AdES long-term validation run at ``when``: nothing fetched (the CA of this
    module is in process and nobody asks it). pyHanko 0.38's past validation takes its
    first control time and the proof-of-existence of the file itself from the system clock,
    not from ``timing_info``, so the validator's clock is moved to ``when`` too."""

    class At(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return when.astimezone(tz) if tz else when.replace(tzinfo=None)

    for module in (ades_past, poe, ades):
        monkeypatch.setattr(module, "datetime", At)
    [sig] = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_regular_signatures
    timing = ValidationTimingInfo(
        validation_time=when, best_signature_time=when, point_in_time_validation=False
    )
    try:
        return asyncio.run(ades.ades_lta_validation(sig, spec, timing))
    finally:
        for module in (ades_past, poe, ades):
            monkeypatch.setattr(module, "datetime", dt.datetime)


def test_rotated_tsa_and_renewed_archive_validate_after_the_first_tsa_ends(
    services, sealed, clock, tmp_path, monkeypatch
):
    assert _dss_crl_issuers(sealed) == [_root(services).subject.rfc4514_string()]
    _renew_twice_and_validate(services, sealed, clock, tmp_path, monkeypatch)


def _earlier_crls(ca, institution_id: str) -> list[bytes]:
    """``ltv._crls`` as seals were made before the issuing CA's CRL was left out of the DSS
    (the issuing CA's CRL, then the root's)."""
    return [ca.crl(institution_id), ca.root_crl(institution_id)]


def _dss_crl_issuers(pdf: bytes) -> list[str]:
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    dss = DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(pdf), strict=False))
    issuers = []
    for ref in dss.crls:
        crl = x509.load_der_x509_crl(ref.get_object().data)
        issuers.append(crl.issuer.rfc4514_string())
    return issuers


def test_a_seal_made_with_the_issuing_cas_crl_renews_and_validates_after_its_device_expired(
    services, company, clock, tmp_path, monkeypatch
):
    """A seal made by the earlier code, whose DSS holds the issuing CA's CRL as well as the
    root's, takes the same renewals (the first after its device certificate expired) and
    validates offline at the same later times."""
    from mobileca_desktop.services import ltv

    reg, s = company
    cid = approved_certificate(services, reg, s)
    device = activated_device(services, s, cid, reg.legal_person_phone)
    with monkeypatch.context() as earlier:
        earlier.setattr(ltv, "_crls", _earlier_crls)
        sealed = seal_with(pdf_bytes("投标函"), device, 1, BOX, services)
    chain = x509.load_pem_x509_certificates(services.engine.chain_pem("bjca").encode())
    issuing, root = chain[0], chain[-1]
    assert _dss_crl_issuers(sealed) == [
        issuing.subject.rfc4514_string(),
        root.subject.rfc4514_string(),
    ]
    # The renewals happen after the device certificate's end (13 months, then ~6 years).
    assert device.cert.not_valid_after_utc < clock() + tsa.SIGNING_PERIOD + dt.timedelta(days=30)
    twice = _renew_twice_and_validate(services, sealed, clock, tmp_path, monkeypatch)
    # The renewal took the sealing day's issuing-CA CRL off the DSS's list; the file still
    # holds it in its first revision (``twice`` extends ``sealed``).
    assert set(_dss_crl_issuers(twice)) == {root.subject.rfc4514_string()}
    assert twice.startswith(sealed)


def _renew_twice_and_validate(services, sealed: bytes, clock, tmp_path, monkeypatch) -> bytes:
    """Renews ``sealed`` 13 months after sealing and again the day before its first TSA
    certificate ends; checks the file validates offline after each (pyHanko AdES LTA with
    the root as the only anchor, then pdfsig) and the unrenewed seal does not. Returns
    the twice-renewed file."""
    root = _root(services)
    offline = ltvcheck.offline_spec(root)
    first = ltvrenew.archive_state(sealed)
    first_tsa = services.engine.tsa.authority("bjca").cert
    assert first.time_stamps == 1
    assert first.tsa_expires == first_tsa.not_valid_after_utc
    # Six years, well inside the issuing CA's ten.
    issuing = x509.load_pem_x509_certificates(services.engine.chain_pem("bjca").encode())[0]
    assert first.tsa_expires < issuing.not_valid_after_utc - dt.timedelta(days=365 * 3)
    assert not first.due(clock())
    assert first.due(first.tsa_expires - dt.timedelta(days=100))

    # 13 months later (the device certificate has expired): the next time-stamp request
    # makes a new TSA key, and the renewal carries the first TSA's current status.
    clock.offset = tsa.SIGNING_PERIOD + dt.timedelta(days=30)
    once = ltvrenew.renew(sealed, services.ca, now=clock())
    second_tsa = services.engine.tsa.authority("bjca").cert
    assert second_tsa.serial_number != first_tsa.serial_number
    assert second_tsa.public_key() != first_tsa.public_key()
    # The old certificate is still answered for (its tokens stay verifiable).
    request = ocsp.OCSPRequestBuilder().add_certificate(first_tsa, issuing, hashes.SHA256())
    answer = services.ca.ocsp("bjca", request.build().public_bytes(serialization.Encoding.DER))
    assert ocsp.load_der_ocsp_response(answer).certificate_status is ocsp.OCSPCertStatus.GOOD
    assert once.startswith(sealed)
    state = ltvrenew.archive_state(once)
    assert state.time_stamps == 2
    assert state.tsa_expires == second_tsa.not_valid_after_utc > first.tsa_expires
    # From the file alone, root the only anchor: the renewed file passes, with the seal's
    # own signing time; without renewal the evidence is stale and nothing later vouches.
    when = clock() + dt.timedelta(minutes=5)
    result = _lta_at(once, offline, when, monkeypatch)
    assert result.ades_subindic is AdESPassed.OK, result.failure_msg
    assert result.api_status.intact and result.api_status.valid and result.api_status.trusted
    assert abs(result.best_signature_time - first.time_stamped_at) < dt.timedelta(seconds=5)
    assert _lta_at(sealed, offline, when, monkeypatch).ades_subindic is not AdESPassed.OK

    # The day before the first TSA certificate ends (--check has flagged it for a year):
    # renewed again, by a third TSA key.
    clock.offset = first.tsa_expires - dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    twice = ltvrenew.renew(once, services.ca, now=clock())
    third_tsa = services.engine.tsa.authority("bjca").cert
    assert third_tsa.serial_number not in (first_tsa.serial_number, second_tsa.serial_number)
    assert twice.startswith(once) and ltvrenew.archive_state(twice).time_stamps == 3

    # A month after the first TSA certificate ended, with no CA: a verifier trusting the
    # root, and for time-stamps the CA's TSA certificates in force then (as a trusted list
    # names a time-stamping service's current certificates). The renewed file passes with
    # the seal's signing time; the same seal never renewed fails (its only archive
    # time-stamp's certificate is over).
    when = first.tsa_expires + dt.timedelta(days=30)
    in_force = tuple(
        c
        for c in (first_tsa, second_tsa, third_tsa)
        if c.not_valid_before_utc <= when < c.not_valid_after_utc
    )
    assert in_force == (second_tsa, third_tsa)
    archive = ltvcheck.offline_spec(root, in_force)
    result = _lta_at(twice, archive, when, monkeypatch)
    assert result.ades_subindic is AdESPassed.OK, result.failure_msg
    assert result.api_status.intact and result.api_status.valid and result.api_status.trusted
    assert abs(result.best_signature_time - first.time_stamped_at) < dt.timedelta(seconds=5)
    unrenewed = _lta_at(sealed, archive, when, monkeypatch)
    assert unrenewed.ades_subindic is not AdESPassed.OK

    # poppler's pdfsig (the real clock, no OCSP): the seal of the twice-renewed file is valid.
    report = pdfsig_valid_and_trusted(tmp_path, root, twice)
    assert report.count("Signature #") == 4, report  # the seal + 3 time-stamps
    return twice


def _cli(capsys, tmp_path, *args: str) -> tuple[int, list[dict]]:
    """``mobileca ltv-renew`` against this module's CA folder (the embedded CA), its JSON
    lines."""
    import json

    status = cli.main(["--data-dir", str(tmp_path), "ltv-renew", *args])
    out = capsys.readouterr().out
    return status, [json.loads(line) for line in out.splitlines() if line.strip()]


def test_the_command_renews_and_refuses_what_is_not_sealed(
    services, sealed, tmp_path, capsys, monkeypatch
):
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(pdf_bytes("未签章的文件"))
    before = plain.read_bytes()
    sealed_file = tmp_path / "bid.pdf"
    sealed_file.write_bytes(sealed)
    sealed_file.chmod(0o644)

    # --check asks nothing of the CA: the fresh seal is not due, unless the window is long.
    status, lines = _cli(capsys, tmp_path, "--check", str(sealed_file))
    assert status == 0 and lines[0]["due"] is False and lines[0]["time_stamps"] == 1
    status, lines = _cli(capsys, tmp_path, "--check", "--days", "3000", str(sealed_file))
    assert status == 1 and lines[0]["due"] is True

    outdir = tmp_path / "renewed"
    outdir.mkdir()
    status, lines = _cli(capsys, tmp_path, "--out", str(outdir), str(plain), str(sealed_file))
    assert status == 1
    assert lines[0]["error"]["code"] == PdfNotSealed.code
    assert plain.read_bytes() == before and not (outdir / "plain.pdf").exists()
    assert lines[1]["time_stamps"] == 2 and lines[1]["written"] == str(outdir / "bid.pdf")
    assert sealed_file.read_bytes() == sealed  # --out leaves the original alone
    renewed = (outdir / "bid.pdf").read_bytes()
    assert renewed.startswith(sealed)
    offline = ltvcheck.offline_spec(_root(services))
    result = _lta_at(renewed, offline, dt.datetime.now(dt.UTC), monkeypatch)
    assert result.ades_subindic is AdESPassed.OK, result.failure_msg

    # In place, once more.
    status, lines = _cli(capsys, tmp_path, str(outdir / "bid.pdf"))
    assert status == 0 and lines[0]["time_stamps"] == 3
    assert (outdir / "bid.pdf").read_bytes().startswith(renewed)
    assert (outdir / "bid.pdf").stat().st_mode & 0o777 == 0o644


def test_an_altered_seal_is_refused_and_left_as_it_was(services, sealed):
    with pytest.raises(PdfNotSealed):
        ltvrenew.renew(pdf_bytes("未签章"), services.ca)
    # One byte of the signed content changed (inside the first revision's content stream).
    at = sealed.index(b"stream") + 20
    altered = sealed[:at] + bytes([sealed[at] ^ 0x01]) + sealed[at + 1 :]
    with pytest.raises(ArchiveChainInvalid) as refused:
        ltvrenew.renew(altered, services.ca)
    assert "altered" in refused.value.message
    # Both are registered: a remote client rebuilds them, the views have their words.
    again = error_from_dict(refused.value.to_dict())
    assert isinstance(again, ArchiveChainInvalid) and again.params == refused.value.params
    assert {PdfNotSealed.code, ArchiveChainInvalid.code} <= set(messages.ERRORS)


def test_the_tsa_key_rotates_after_its_signing_period_only(services, clock):
    keys = services.engine.tsa
    first = keys.authority("bjca").cert
    issuing = x509.load_pem_x509_certificates(services.engine.chain_pem("bjca").encode())[0]
    assert first.not_valid_after_utc - first.not_valid_before_utc > dt.timedelta(days=6 * 365)
    assert first.not_valid_after_utc < issuing.not_valid_after_utc
    clock.offset = tsa.SIGNING_PERIOD - dt.timedelta(days=1)
    assert keys.authority("bjca").cert == first  # still within its year
    clock.offset = tsa.SIGNING_PERIOD + dt.timedelta(minutes=10)
    second = keys.authority("bjca").cert
    assert second != first and second.not_valid_before_utc > first.not_valid_before_utc
    assert keys.authority("bjca").cert == second  # made once, then kept
    assert tsa.rotation_due(first, clock()) and not tsa.rotation_due(second, clock())

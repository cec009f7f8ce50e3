"""A new 证书下载 over a key file this device can no longer use (damaged, or an older copy put
back) revokes the device certificate of the file it replaces, in the same CA transaction as
the new certificate's issue: a copy of the replaced file elsewhere (a stolen backup) no longer
signs. The CA revokes only this device's certificate of the same certificate and account; a
request naming any other serial is refused and changes nothing."""

from __future__ import annotations

import json

import pytest
from conftest import demo_company, last_code
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from helpers_keystore import (
    CERT_PASSWORD,
    NEW_PASSWORD,
    approved_certificate,
    download,
    new_device,
)

from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import AccountKind
from mobileca_desktop.keystore.store import KeyFileInfo, LocalState
from mobileca_desktop.views.messages import EN, ZH, error_text

INSTITUTION = "bjca"


@pytest.fixture
def cert(services, company):
    reg, s = company
    return approved_certificate(services, reg, s)


def _ocsp(services, info: KeyFileInfo) -> ocsp.OCSPResponse:
    """The engine's OCSP answer for the device certificate of ``info``."""
    issuing = x509.load_pem_x509_certificates(info.chain_pem.encode())[0]
    device = x509.load_pem_x509_certificate(info.device_cert_pem.encode())
    req = ocsp.OCSPRequestBuilder().add_certificate(device, issuing, hashes.SHA256()).build()
    der = req.public_bytes(serialization.Encoding.DER)
    resp = ocsp.load_der_ocsp_response(services.ca.ocsp(INSTITUTION, der))
    assert resp.response_status is ocsp.OCSPResponseStatus.SUCCESSFUL
    assert resp.serial_number == device.serial_number
    return resp


def _crl_reason(services, info: KeyFileInfo) -> x509.ReasonFlags | None:
    crl = x509.load_der_x509_crl(services.ca.crl(INSTITUTION))
    entry = crl.get_revoked_certificate_by_serial_number(int(info.device_serial_hex, 16))
    if entry is None:
        return None
    return entry.extensions.get_extension_for_class(x509.CRLReason).value.reason


def _assert_good(services, info: KeyFileInfo) -> None:
    assert _ocsp(services, info).certificate_status is ocsp.OCSPCertStatus.GOOD
    assert _crl_reason(services, info) is None


def _assert_superseded(services, info: KeyFileInfo) -> None:
    resp = _ocsp(services, info)
    assert resp.certificate_status is ocsp.OCSPCertStatus.REVOKED
    assert resp.revocation_reason is x509.ReasonFlags.superseded
    assert _crl_reason(services, info) is x509.ReasonFlags.superseded


def _lock(device, cid: int) -> None:
    for _ in range(5):
        with pytest.raises(E.WrongPassword):
            device.unlock(cid, "guess-Password-1")
    with pytest.raises(E.CertificateLocked):
        device.unlock(cid, "guess-Password-1")


def test_a_download_over_a_damaged_key_file_revokes_the_replaced_certificate(
    services, company, cert, tmp_path
):
    reg, s = company
    laptop = new_device(services, tmp_path, "legal-laptop")
    first = download(services, laptop, s, cert, reg.legal_person_phone)
    path = laptop.keystore.folder / f"cert-{cert}.json"
    stolen_backup = path.read_bytes()
    _assert_good(services, first)

    path.write_bytes(stolen_backup[: len(stolen_backup) // 2])  # damaged: truncated
    [status] = laptop.statuses(s)
    assert status.local is LocalState.CORRUPT and status.needs_download
    second = download(services, laptop, s, cert, reg.legal_person_phone, password=NEW_PASSWORD)

    assert second.device_serial_hex != first.device_serial_hex
    _assert_superseded(services, first)  # the backup's certificate no longer signs
    _assert_good(services, second)
    with laptop.unlock(cert, NEW_PASSWORD) as keys:
        keys.sign(b"after the new download")
    devices = services.ca.certificate_detail(s, cert, "legal-laptop").device_certs
    assert {(d.serial_hex, d.revoked) for d in devices} == {
        (first.device_serial_hex, True),
        (second.device_serial_hex, False),
    }


def test_a_download_over_an_older_copy_revokes_the_current_not_the_copys_certificate(
    services, company, cert, tmp_path
):
    # The older copy names a certificate a recovery revoked already; the one to revoke is the
    # current file's, which only the keyring entry still knows.
    reg, s = company
    laptop = new_device(services, tmp_path, "legal-laptop")
    first = download(services, laptop, s, cert, reg.legal_person_phone)
    path = laptop.keystore.folder / f"cert-{cert}.json"
    old_file = path.read_bytes()
    _lock(laptop, cert)
    laptop.request_code(s, cert)
    code = last_code(services, reg.legal_person_phone)
    second = laptop.recover_locked(s, cert, code, NEW_PASSWORD, NEW_PASSWORD)
    _assert_superseded(services, first)  # the recovery's own revocation
    _assert_good(services, second)

    path.write_bytes(old_file)  # the copy from before the recovery, put back
    assert json.loads(old_file)["public"]["device_serial_hex"] == first.device_serial_hex
    [status] = laptop.statuses(s)
    assert status.local is LocalState.CORRUPT
    third = download(services, laptop, s, cert, reg.legal_person_phone)

    _assert_superseded(services, second)  # a backup of the current file no longer signs
    _assert_good(services, third)
    _assert_superseded(services, first)


def test_a_download_over_a_file_from_before_a_password_change_revokes_its_certificate(
    services, company, cert, tmp_path
):
    reg, s = company
    laptop = new_device(services, tmp_path, "legal-laptop")
    first = download(services, laptop, s, cert, reg.legal_person_phone)
    path = laptop.keystore.folder / f"cert-{cert}.json"
    old_file = path.read_bytes()
    laptop.change_password(cert, CERT_PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    path.write_bytes(old_file)
    second = download(services, laptop, s, cert, reg.legal_person_phone)
    _assert_superseded(services, first)
    _assert_good(services, second)


def test_a_download_after_the_key_file_was_deleted_revokes_its_certificate(
    services, company, cert, tmp_path
):
    reg, s = company
    laptop = new_device(services, tmp_path, "legal-laptop")
    first = download(services, laptop, s, cert, reg.legal_person_phone)
    (laptop.keystore.folder / f"cert-{cert}.json").unlink()  # the keyring entry still knows
    [status] = laptop.statuses(s)
    assert status.local is LocalState.ABSENT and status.needs_download
    second = download(services, laptop, s, cert, reg.legal_person_phone)
    _assert_superseded(services, first)
    _assert_good(services, second)


def test_a_first_download_on_a_device_revokes_nothing(services, company, cert, tmp_path):
    reg, s = company
    desktop = download(
        services, new_device(services, tmp_path, "desktop"), s, cert, reg.legal_person_phone
    )
    laptop = new_device(services, tmp_path, "legal-laptop")
    assert laptop.keystore.replaced_serial(cert) is None
    mine = download(services, laptop, s, cert, reg.legal_person_phone)
    _assert_good(services, desktop)
    _assert_good(services, mine)


def _crafted_activation(services, device, s, cid: int, code: str, replaces: str):
    """What a modified client could send: a valid CSR and SMS code, naming ``replaces``."""
    draft = device.keystore.begin_activation(
        cid, CERT_PASSWORD, account_id=s.account_id, sms_code=code
    )
    try:
        return services.ca.activate(
            s,
            cid,
            csr_pem=draft.csr_pem,
            transport_public_key_pem=draft.transport_public_key_pem,
            sms_code=code,
            device_name=device.device_name,
            idempotency_key=draft.idempotency_key,
            replaces_serial_hex=replaces,
        )
    finally:
        draft.forget()
        device.keystore.discard_pending(cid)


def test_a_request_naming_a_certificate_not_this_devices_is_refused(
    services, company, cert, people, tmp_path
):
    reg, s = company
    # Another company's device certificate, and this company's on another device.
    other_reg = demo_company(people)
    services.ca.register_legal(other_reg)
    other_s = services.ca.login(AccountKind.LEGAL, other_reg.uscc, other_reg.password)
    other_cert = approved_certificate(services, other_reg, other_s)
    theirs = download(
        services,
        new_device(services, tmp_path, "their-pc"),
        other_s,
        other_cert,
        other_reg.legal_person_phone,
    )
    desktop = new_device(services, tmp_path, "legal-desktop")
    on_desktop = download(services, desktop, s, cert, reg.legal_person_phone)
    laptop = new_device(services, tmp_path, "legal-laptop")
    laptop.request_code(s, cert)
    code = last_code(services, reg.legal_person_phone)

    for victim in (theirs, on_desktop):
        before = services.ca.certificate_detail(s, cert).device_certs
        with pytest.raises(E.ReplacedCertificateRefused) as err:
            _crafted_activation(services, laptop, s, cert, code, victim.device_serial_hex)
        assert err.value.code == "replaced_certificate_refused"
        assert "nothing was issued or revoked" in error_text(err.value, EN)
        assert "未下载也未吊销" in error_text(err.value, ZH)
        _assert_good(services, victim)  # nothing revoked
        assert services.ca.certificate_detail(s, cert).device_certs == before  # nothing issued
    for junk in ("not-hex", "ffffffffffffffff"):
        with pytest.raises((E.InvalidInput, E.ReplacedCertificateRefused)):
            _crafted_activation(services, laptop, s, cert, code, junk)

    # The refused requests consumed nothing: the same SMS code downloads honestly.
    mine = laptop.activate(s, cert, code, CERT_PASSWORD, CERT_PASSWORD)
    _assert_good(services, mine)
    _assert_good(services, on_desktop)
    _assert_good(services, theirs)


class _DiesAfterTheAnswer:
    """The real CA; the client dies after the CA answered ``activate``, before it stored
    anything or sent any other request (such as a separate revocation)."""

    def __init__(self, ca) -> None:
        self._ca = ca

    def __getattr__(self, name):
        return getattr(self._ca, name)

    def activate(self, *args, **kwargs):
        self._ca.activate(*args, **kwargs)
        raise KeyboardInterrupt  # not an error the client handles: as good as a kill


def test_the_replaced_certificate_is_revoked_with_the_new_ones_issue(
    services, company, cert, tmp_path
):
    reg, s = company
    laptop = new_device(services, tmp_path, "legal-laptop")
    first = download(services, laptop, s, cert, reg.legal_person_phone)
    path = laptop.keystore.folder / f"cert-{cert}.json"
    path.write_bytes(b"{")  # damaged beyond reading: the keyring entry names its serial

    laptop.request_code(s, cert)
    code = last_code(services, reg.legal_person_phone)
    dying = type(laptop)(_DiesAfterTheAnswer(services.ca), laptop.keystore, laptop.device_name)
    with pytest.raises(KeyboardInterrupt):
        dying.activate(s, cert, code, NEW_PASSWORD, NEW_PASSWORD)
    # One CA transaction did both: the new certificate exists and the old one is revoked.
    devices = services.ca.certificate_detail(s, cert, "legal-laptop").device_certs
    [new_serial] = [d.serial_hex for d in devices if not d.revoked]
    assert new_serial != first.device_serial_hex
    _assert_superseded(services, first)

    [report] = laptop.resume_pending(s)  # the next start completes the download
    assert report.outcome.value == "completed"
    with laptop.unlock(cert, NEW_PASSWORD) as keys:
        assert keys.device_serial_hex == new_serial
    _assert_superseded(services, first)

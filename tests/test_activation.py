"""证书下载 / 激活 through the services: activation on a device, signing and bid opening,
two devices and a grant, renewal, password change, the lock and its recovery, interrupted
activations, keyring problems, damaged files, and that no private key leaks anywhere."""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import subprocess

import keyring
import pytest
from conftest import last_code
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from helpers_keystore import (
    CERT_PASSWORD,
    NEW_PASSWORD,
    approved_certificate,
    download,
    find_leaks,
    new_device,
    private_forms,
)
from keyring.backends import fail

from mobileca_desktop.crypto import cms
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import AgentDetails, CertStatus, RevocationReason
from mobileca_desktop.keystore.store import LocalState
from mobileca_desktop.services.device import DeviceService, ResumeOutcome


class SimulatedCrash(BaseException):
    """The process dies here (not an error the service could handle)."""


class CrashingCA:
    """The real CA service, but the client "dies" around ``activate``: before the request
    leaves, or after the CA answered and before the client stored anything."""

    def __init__(self, ca, when: str) -> None:
        self._ca, self._when = ca, when

    def __getattr__(self, name):
        return getattr(self._ca, name)

    def activate(self, *args, **kwargs):
        if self._when == "before":
            raise SimulatedCrash()
        self._ca.activate(*args, **kwargs)
        if self._when == "lost-answer":  # a remote CA processed it; the answer never came
            raise E.ServiceUnavailable(url="https://ca.example", reason="connection reset")
        raise SimulatedCrash()


@pytest.fixture
def cert(services, company):
    reg, s = company
    return approved_certificate(services, reg, s)


def _crl_reason(services, serial_hex: str):
    crl = x509.load_der_x509_crl(services.ca.crl("bjca"))
    entry = crl.get_revoked_certificate_by_serial_number(int(serial_hex, 16))
    if entry is None:
        return None
    try:
        return entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    except x509.ExtensionNotFound:
        return x509.ReasonFlags.unspecified


def _device_certs(services, s, cid):
    return {d.serial_hex: d for d in services.ca.certificate_detail(s, cid).device_certs}


def test_download_on_first_use_then_sign_and_verify(services, company, cert, tmp_path):
    reg, s = company
    laptop = new_device(services, tmp_path, "legal-laptop")
    assert laptop.needs_download(s)
    [status] = laptop.statuses(s)
    assert status.local is LocalState.ABSENT and status.needs_download
    masked = laptop.request_code(s, cert)
    assert masked.endswith(reg.legal_person_phone[-4:]) and "*" in masked
    info = laptop.activate(
        s, cert, last_code(services, reg.legal_person_phone), CERT_PASSWORD, CERT_PASSWORD
    )
    assert not laptop.needs_download(s)
    [status] = laptop.statuses(s)
    assert status.usable and status.tries_left == 6
    assert status.device_serial_hex == info.device_serial_hex
    detail = services.ca.certificate_detail(s, cert, "legal-laptop")
    assert detail.serial_is_device and detail.serial_hex == info.device_serial_hex
    with laptop.unlock(cert, CERT_PASSWORD) as keys:
        signature = keys.sign(b"scan-to-login nonce")
        device_cert = keys.device_certificate
        chain = keys.chain
    device_cert.public_key().verify(signature, b"scan-to-login nonce", ec.ECDSA(hashes.SHA256()))
    device_cert.verify_directly_issued_by(chain[0])
    chain[0].verify_directly_issued_by(chain[1])
    assert chain[1].subject == chain[1].issuer  # the institution's root
    with pytest.raises(E.AlreadyActivated):
        download(services, laptop, s, cert, reg.legal_person_phone)


def test_passwords_are_checked_before_anything_is_sent(services, company, cert, tmp_path):
    reg, s = company
    laptop = new_device(services, tmp_path, "legal-laptop")
    laptop.request_code(s, cert)
    code = last_code(services, reg.legal_person_phone)
    with pytest.raises(E.PasswordMismatch):
        laptop.activate(s, cert, code, CERT_PASSWORD, CERT_PASSWORD + "x")
    with pytest.raises(E.WeakPassword) as err:
        laptop.activate(s, cert, code, "12345678", "12345678")
    assert "pattern" in err.value.params["problems"]
    assert laptop.password_strength("12345678")[1] == err.value.params["problems"]
    assert laptop.keystore.pending() == [] and laptop.keystore.certificate_ids() == []
    # The code was not used up by the refused attempts.
    laptop.activate(s, cert, code, CERT_PASSWORD, CERT_PASSWORD)
    # A wrong SMS code: the CA refuses, nothing is kept, and a retry works.
    other = approved_certificate(services, reg, s)
    laptop.request_code(s, other)
    with pytest.raises(E.SmsCodeWrong):
        laptop.activate(s, other, "000000x", CERT_PASSWORD, CERT_PASSWORD)
    assert laptop.keystore.state(other) is LocalState.ABSENT
    laptop.activate(
        s, other, last_code(services, reg.legal_person_phone), CERT_PASSWORD, CERT_PASSWORD
    )


@pytest.mark.openssl
def test_a_bid_made_with_openssl_cms_opens(services, company, cert, tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    reg, s = company
    laptop = new_device(services, tmp_path, "legal-laptop")
    download(services, laptop, s, cert, reg.legal_person_phone)
    enc_pem = services.ca.certificate_detail(s, cert).encryption_cert_pem
    (tmp_path / "enc.pem").write_text(enc_pem)
    bid = "投标文件 bid of 山西示例建设工程有限公司\n".encode() * 50
    (tmp_path / "bid.txt").write_bytes(bid)
    envelopes = []
    for form in (["-outform", "DER"], ["-outform", "PEM"], ["-outform", "DER", "-stream"]):
        out = subprocess.run(
            [
                *("openssl", "cms", "-encrypt", "-binary", "-aes256"),
                *("-in", str(tmp_path / "bid.txt"), *form, str(tmp_path / "enc.pem")),
            ],
            capture_output=True,
            check=True,
        )
        envelopes.append(out.stdout)
    with laptop.unlock(cert, CERT_PASSWORD) as keys:
        assert [keys.decrypt(e) for e in envelopes] == [bid] * 3


def test_two_devices_one_grant_then_withdraw(services, company, agent, cert, tmp_path):
    reg, s = company
    agent_reg, agent_s = agent
    laptop = new_device(services, tmp_path, "legal-laptop")
    pc = new_device(services, tmp_path, "agent-pc")
    download(services, laptop, s, cert, reg.legal_person_phone)
    grant = services.ca.grant(
        s,
        cert,
        AgentDetails(agent_reg.name, agent_reg.id_number, agent_reg.phone),
        dt.datetime.now(dt.UTC) + dt.timedelta(days=30),
    )
    [agent_status] = pc.statuses(agent_s)
    assert agent_status.granted_by == reg.company_name and pc.needs_download(agent_s)
    pc_info = download(services, pc, agent_s, cert, reg.legal_person_phone)  # code: legal phone
    enc = x509.load_pem_x509_certificate(
        services.ca.certificate_detail(s, cert).encryption_cert_pem.encode()
    )
    bid = cms.make_envelope(b"bid for the company", enc)
    for device in (laptop, pc):
        with device.unlock(cert, CERT_PASSWORD) as keys:
            assert keys.decrypt(bid) == b"bid for the company"
    services.ca.withdraw_grant(s, grant.id)
    states = _device_certs(services, s, cert)
    assert states[pc_info.device_serial_hex].revoked
    [legal_status] = laptop.statuses(s)
    assert legal_status.usable and not legal_status.device_cert_revoked
    assert pc.statuses(agent_s) == []  # the grant is gone from the agent's list
    assert _crl_reason(services, pc_info.device_serial_hex) is not None


def test_renewal_keeps_old_bids_openable(services, company, cert, tmp_path):
    reg, s = company
    laptop = new_device(services, tmp_path, "legal-laptop")
    download(services, laptop, s, cert, reg.legal_person_phone)
    old_enc = x509.load_pem_x509_certificate(
        services.ca.certificate_detail(s, cert).encryption_cert_pem.encode()
    )
    old_bid = cms.make_envelope(b"bid before renewal", old_enc)
    renewed = services.ca.renew(s, cert, idempotency_key="renew-once").certificate_id
    statuses = {st.certificate_id: st for st in laptop.statuses(s)}
    assert statuses[renewed].needs_download and laptop.needs_download(s)
    info = download(services, laptop, s, renewed, reg.legal_person_phone)
    assert [e.generation for e in info.encryption_certs] == [1, 2]
    new_enc = x509.load_pem_x509_certificate(
        services.ca.certificate_detail(s, renewed).encryption_cert_pem.encode()
    )
    new_bid = cms.make_envelope(b"bid after renewal", new_enc)
    with laptop.unlock(renewed, CERT_PASSWORD) as keys:
        assert keys.decrypt(old_bid) == b"bid before renewal"
        assert keys.decrypt(new_bid) == b"bid after renewal"


def test_change_password(services, company, cert, tmp_path):
    reg, s = company
    laptop = new_device(services, tmp_path, "legal-laptop")
    download(services, laptop, s, cert, reg.legal_person_phone)
    with pytest.raises(E.PasswordMismatch):
        laptop.change_password(cert, CERT_PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!")
    with pytest.raises(E.WeakPassword):
        laptop.change_password(cert, CERT_PASSWORD, "abcdefgh", "abcdefgh")
    with pytest.raises(E.WrongPassword):
        laptop.change_password(cert, "not-the-password-1", NEW_PASSWORD, NEW_PASSWORD)
    laptop.change_password(cert, CERT_PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    with pytest.raises(E.WrongPassword):
        laptop.unlock(cert, CERT_PASSWORD)
    with laptop.unlock(cert, NEW_PASSWORD) as keys:
        keys.sign(b"signed with the new password")
    assert laptop.keystore.tries_left(cert) == 6


def test_six_wrong_passwords_lock_and_reactivation_recovers(services, company, cert, tmp_path):
    reg, s = company
    laptop = new_device(services, tmp_path, "legal-laptop")
    first = download(services, laptop, s, cert, reg.legal_person_phone)
    enc = x509.load_pem_x509_certificate(
        services.ca.certificate_detail(s, cert).encryption_cert_pem.encode()
    )
    bid = cms.make_envelope(b"sealed bid", enc)
    old_file = (laptop.keystore.folder / f"cert-{cert}.json").read_bytes()
    for _ in range(5):
        with pytest.raises(E.WrongPassword):
            laptop.unlock(cert, "guess-Password-1")
    with pytest.raises(E.CertificateLocked):
        laptop.unlock(cert, "guess-Password-1")
    [status] = laptop.statuses(s)
    assert status.local is LocalState.LOCKED and status.tries_left == 0
    assert not status.needs_download and laptop.needs_download(s) is False
    # Restoring an older copy of the key file does not reset the counter.
    (laptop.keystore.folder / f"cert-{cert}.json").write_bytes(old_file)
    with pytest.raises(E.CertificateLocked):
        laptop.unlock(cert, CERT_PASSWORD)

    laptop.request_code(s, cert)
    code = last_code(services, reg.legal_person_phone)
    with pytest.raises(E.PasswordMismatch):
        laptop.recover_locked(s, cert, code, NEW_PASSWORD, CERT_PASSWORD)
    second = laptop.recover_locked(s, cert, code, NEW_PASSWORD, NEW_PASSWORD)
    assert second.device_serial_hex != first.device_serial_hex
    states = _device_certs(services, s, cert)
    assert states[first.device_serial_hex].revoked
    assert not states[second.device_serial_hex].revoked
    assert _crl_reason(services, first.device_serial_hex) is x509.ReasonFlags.superseded
    with laptop.unlock(cert, NEW_PASSWORD) as keys:
        assert keys.decrypt(bid) == b"sealed bid"  # the escrowed key was delivered again
    [status] = laptop.statuses(s)
    assert status.usable and status.tries_left == 6


def test_interrupted_activation_completes_on_the_next_start(services, company, cert, tmp_path):
    reg, s = company
    crashing = new_device(services, tmp_path, "legal-laptop")
    crashing.ca = CrashingCA(services.ca, "after")
    crashing.request_code(s, cert)
    with pytest.raises(SimulatedCrash):
        crashing.activate(
            s, cert, last_code(services, reg.legal_person_phone), CERT_PASSWORD, CERT_PASSWORD
        )
    issued = services.ca.certificate_detail(s, cert).device_certs
    assert len(issued) == 1 and not issued[0].revoked  # the CA issued; the client died
    # Next start: a new process, the same folder and keyring.
    laptop = new_device(services, tmp_path, "legal-laptop")
    [status] = laptop.statuses(s)
    assert status.local is LocalState.PENDING
    assert laptop.resume_pending(s)[0].outcome is ResumeOutcome.COMPLETED
    assert laptop.keystore.pending() == []
    [status] = laptop.statuses(s)
    assert status.usable and status.device_serial_hex == issued[0].serial_hex
    enc = x509.load_pem_x509_certificate(
        services.ca.certificate_detail(s, cert).encryption_cert_pem.encode()
    )
    with laptop.unlock(cert, CERT_PASSWORD) as keys:
        assert keys.decrypt(cms.make_envelope(b"bid", enc)) == b"bid"
    assert laptop.resume_pending(s) == []


def test_a_lost_answer_keeps_the_activation_for_resume(services, company, cert, tmp_path):
    reg, s = company
    laptop = new_device(services, tmp_path, "legal-laptop")
    laptop.ca = CrashingCA(services.ca, "lost-answer")
    laptop.request_code(s, cert)
    code = last_code(services, reg.legal_person_phone)
    with pytest.raises(E.ServiceUnavailable):
        laptop.activate(s, cert, code, CERT_PASSWORD, CERT_PASSWORD)
    assert laptop.keystore.state(cert) is LocalState.PENDING
    laptop.ca = services.ca  # the connection is back
    # Pressing 激活 again finishes the first request instead of orphaning its certificate.
    with pytest.raises(E.AlreadyActivated):
        laptop.activate(s, cert, code, CERT_PASSWORD, CERT_PASSWORD)
    [issued] = services.ca.certificate_detail(s, cert).device_certs
    assert not issued.revoked and laptop.keystore.info(cert).device_serial_hex == issued.serial_hex
    laptop.unlock(cert, CERT_PASSWORD).lock()


def test_interrupted_before_the_ca_answered_rolls_back(services, company, cert, tmp_path):
    reg, s = company
    crashing = new_device(services, tmp_path, "legal-laptop")
    crashing.ca = CrashingCA(services.ca, "before")
    crashing.request_code(s, cert)
    with pytest.raises(SimulatedCrash):
        crashing.activate(
            s, cert, last_code(services, reg.legal_person_phone), CERT_PASSWORD, CERT_PASSWORD
        )
    services.clock.advance(services.review.operator_session(), 6 * 60)  # the code expires
    laptop = new_device(services, tmp_path, "legal-laptop")
    [report] = laptop.resume_pending(s)
    assert report.outcome is ResumeOutcome.ROLLED_BACK and report.detail == "sms_code_expired"
    assert laptop.keystore.state(cert) is LocalState.ABSENT
    assert services.ca.certificate_detail(s, cert).device_certs == ()
    download(services, laptop, s, cert, reg.legal_person_phone)  # a fresh download works


def test_a_damaged_pending_record_revokes_the_lost_key(services, company, cert, tmp_path):
    reg, s = company
    crashing = new_device(services, tmp_path, "legal-laptop")
    crashing.ca = CrashingCA(services.ca, "after")
    crashing.request_code(s, cert)
    with pytest.raises(SimulatedCrash):
        crashing.activate(
            s, cert, last_code(services, reg.legal_person_phone), CERT_PASSWORD, CERT_PASSWORD
        )
    record = crashing.keystore.folder / f"pending-{cert}.json"
    doc = json.loads(record.read_bytes())
    doc["ciphertext"] = doc["ciphertext"][:-8] + "AAAAAAA="
    record.write_text(json.dumps(doc))
    laptop = new_device(services, tmp_path, "legal-laptop")
    [report] = laptop.resume_pending(s)
    assert report.outcome is ResumeOutcome.REVOKED_LOST_KEY
    [issued] = services.ca.certificate_detail(s, cert).device_certs
    assert issued.revoked
    assert _crl_reason(services, issued.serial_hex) is x509.ReasonFlags.key_compromise
    assert laptop.keystore.state(cert) is LocalState.ABSENT and laptop.needs_download(s)


def test_interrupted_recovery_completes_and_supersedes(services, company, cert, tmp_path):
    reg, s = company
    laptop = new_device(services, tmp_path, "legal-laptop")
    first = download(services, laptop, s, cert, reg.legal_person_phone)
    for _ in range(6):
        with pytest.raises((E.WrongPassword, E.CertificateLocked)):
            laptop.unlock(cert, "guess-Password-2")
    laptop.ca = CrashingCA(services.ca, "after")
    laptop.request_code(s, cert)
    with pytest.raises(SimulatedCrash):
        laptop.recover_locked(
            s, cert, last_code(services, reg.legal_person_phone), NEW_PASSWORD, NEW_PASSWORD
        )
    restarted = new_device(services, tmp_path, "legal-laptop")
    assert restarted.resume_pending(s)[0].outcome is ResumeOutcome.COMPLETED
    assert _device_certs(services, s, cert)[first.device_serial_hex].revoked
    restarted.unlock(cert, NEW_PASSWORD).lock()


def test_no_keyring_is_a_clear_error_not_a_wrong_password(
    services, company, cert, tmp_path, memory_keyring
):
    reg, s = company
    laptop = new_device(services, tmp_path, "legal-laptop")
    download(services, laptop, s, cert, reg.legal_person_phone)
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(E.KeyringUnavailable) as err:
            laptop.unlock(cert, CERT_PASSWORD)
        assert "Secret Service" in err.value.message and "MOBILECA_INSECURE" in err.value.message
        with pytest.raises(E.KeyringUnavailable):
            laptop.statuses(s)
        other = approved_certificate(services, reg, s)
        laptop.request_code(s, other)
        code = last_code(services, reg.legal_person_phone)
        with pytest.raises(E.KeyringUnavailable):
            laptop.activate(s, other, code, CERT_PASSWORD, CERT_PASSWORD)
    finally:
        keyring.set_keyring(memory_keyring)
    assert laptop.keystore.tries_left(cert) == 6
    laptop.activate(s, other, code, CERT_PASSWORD, CERT_PASSWORD)  # the code is still good


def test_key_files_copied_to_another_computer(services, company, cert, tmp_path, memory_keyring):
    reg, s = company
    laptop = new_device(services, tmp_path, "legal-laptop")
    first = download(services, laptop, s, cert, reg.legal_person_phone)
    memory_keyring.entries.clear()  # the same folder, on a computer without the entry
    with pytest.raises(E.NotThisDevice):
        laptop.unlock(cert, CERT_PASSWORD)
    [status] = laptop.statuses(s)
    assert status.local is LocalState.NOT_THIS_DEVICE and laptop.needs_download(s)
    second = download(services, laptop, s, cert, reg.legal_person_phone)
    laptop.unlock(cert, CERT_PASSWORD).lock()
    # The other computer's device certificate is not this device's to revoke.
    states = _device_certs(services, s, cert)
    assert not states[first.device_serial_hex].revoked
    assert not states[second.device_serial_hex].revoked
    assert list(laptop.keystore.folder.glob("foreign-*/cert-*.json"))


def test_damaged_key_file_is_reported_and_other_certificates_work(
    services, company, cert, tmp_path
):
    reg, s = company
    laptop = new_device(services, tmp_path, "legal-laptop")
    download(services, laptop, s, cert, reg.legal_person_phone)
    other = approved_certificate(services, reg, s)
    download(services, laptop, s, other, reg.legal_person_phone)
    path = laptop.keystore.folder / f"cert-{cert}.json"
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    with pytest.raises(E.KeystoreCorrupt) as err:
        laptop.unlock(cert, CERT_PASSWORD)
    assert err.value.params["certificate"] == cert
    statuses = {st.certificate_id: st for st in laptop.statuses(s)}
    assert statuses[cert].local is LocalState.CORRUPT and statuses[cert].needs_download
    assert statuses[other].usable
    with laptop.unlock(other, CERT_PASSWORD) as keys:
        keys.sign(b"unaffected")
    download(services, laptop, s, cert, reg.legal_person_phone)  # download again
    laptop.unlock(cert, CERT_PASSWORD).lock()


def test_no_private_key_bytes_in_files_logs_or_errors(
    services, company, agent, cert, tmp_path, caplog
):
    reg, s = company
    caplog.set_level(logging.DEBUG)
    laptop = new_device(services, tmp_path, "legal-laptop")
    messages = []
    download(services, laptop, s, cert, reg.legal_person_phone)
    laptop.change_password(cert, CERT_PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    for attempt in ("wrong-Password-1", NEW_PASSWORD):
        try:
            keys = laptop.unlock(cert, attempt)
        except E.MobileCAError as exc:
            messages.append(f"{exc!r} {exc} {exc.to_dict()}")
    crashing = new_device(services, tmp_path, "second")
    crashing.ca = CrashingCA(services.ca, "after")
    other = approved_certificate(services, reg, s)
    crashing.request_code(s, other)
    with pytest.raises(SimulatedCrash):
        crashing.activate(
            s, other, last_code(services, reg.legal_person_phone), CERT_PASSWORD, CERT_PASSWORD
        )
    second = new_device(services, tmp_path, "second")
    second.resume_pending(s)
    with keys, second.unlock(other, CERT_PASSWORD) as keys2:
        secret_keys = [keys._signing, *keys._encryption.values()]
        secret_keys += [keys2._signing, *keys2._encryption.values()]
        messages += [repr(keys), str(keys2), repr(laptop.keystore), repr(laptop)]
    forms = private_forms(*secret_keys)
    blobs = {
        str(p.relative_to(tmp_path)): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()
    }
    blobs["log"] = "\n".join(r.getMessage() for r in caplog.records).encode()
    blobs["messages"] = "\n".join(messages).encode()
    assert any(name.endswith(".json") and "devices" in name for name in blobs)
    assert find_leaks(forms, blobs) == []
    # And the transport keys (made for each activation) never appear in clear either.
    assert b"PRIVATE KEY" not in b"".join(blobs.values())


def test_device_service_from_settings_uses_the_requested_store(
    services, tmp_path, memory_keyring, monkeypatch
):
    from mobileca_desktop.config import Settings
    from mobileca_desktop.keystore.kdf import CHEAP

    settings = Settings(data_dir=tmp_path / "data", device="kiosk-1")
    monkeypatch.delenv("MOBILECA_INSECURE_FILE_KEYRING", raising=False)
    normal = DeviceService.open(services.ca, settings, kdf=CHEAP)
    assert normal.keyring_description() == "system keyring: conftest.MemoryKeyring"
    assert normal.keystore.folder == settings.device_dir
    monkeypatch.setenv("MOBILECA_INSECURE_FILE_KEYRING", "1")
    kiosk = DeviceService.open(services.ca, settings, kdf=CHEAP)
    assert kiosk.keyring_description().startswith("INSECURE file keyring")


def test_revocation_reason_reaches_the_crl(services, company, cert, tmp_path):
    reg, s = company
    laptop = new_device(services, tmp_path, "legal-laptop")
    info = download(services, laptop, s, cert, reg.legal_person_phone)
    services.ca.revoke_device_certificate(s, info.device_serial_hex, RevocationReason.SUPERSEDED)
    assert _crl_reason(services, info.device_serial_hex) is x509.ReasonFlags.superseded
    [status] = laptop.statuses(s)
    assert status.device_cert_revoked and status.needs_download
    assert services.ca.certificate_detail(s, cert).status is CertStatus.NORMAL
    again = download(services, laptop, s, cert, reg.legal_person_phone)  # allowed: revoked here
    assert again.device_serial_hex != info.device_serial_hex

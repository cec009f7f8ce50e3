"""An older copy of a key file put back in place (a backup restored, a file copied over) is
refused: the keyring entry names the key file this device wrote last, so a key replaced by a
recovery, or a password replaced by a change, never opens again. Crash safety of the write
order (file and keyring entry) is tested by the SIGKILL harness (``test_keystore_crash.py``),
two processes by ``test_keystore_processes.py``."""

from __future__ import annotations

import json

import pytest
from conftest import last_code
from helpers_keystore import (
    CERT_PASSWORD,
    NEW_PASSWORD,
    MiniCA,
    approved_certificate,
    download,
    new_device,
    store_certificate,
)

from mobileca_desktop.domain import errors as E
from mobileca_desktop.keystore.kdf import CHEAP
from mobileca_desktop.keystore.secretstore import MemorySecretStore
from mobileca_desktop.keystore.store import Keystore, LocalState
from mobileca_desktop.views.messages import EN, ZH, error_text


@pytest.fixture
def cert(services, company):
    reg, s = company
    return approved_certificate(services, reg, s)


def _lock(device, cid: int) -> None:
    for _ in range(5):
        with pytest.raises(E.WrongPassword):
            device.unlock(cid, "guess-Password-1")
    with pytest.raises(E.CertificateLocked):
        device.unlock(cid, "guess-Password-1")


def test_a_key_file_from_before_a_recovery_is_refused(services, company, cert, tmp_path):
    reg, s = company
    laptop = new_device(services, tmp_path, "legal-laptop")
    first = download(services, laptop, s, cert, reg.legal_person_phone)
    path = laptop.keystore.folder / f"cert-{cert}.json"
    old_file = path.read_bytes()
    _lock(laptop, cert)
    laptop.request_code(s, cert)
    code = last_code(services, reg.legal_person_phone)
    second = laptop.recover_locked(s, cert, code, NEW_PASSWORD, NEW_PASSWORD)
    assert second.device_serial_hex != first.device_serial_hex
    new_file = path.read_bytes()

    path.write_bytes(old_file)  # the copy from before the recovery, put back
    with pytest.raises(E.KeyFileOutdated) as err:
        laptop.unlock(cert, CERT_PASSWORD)  # its own (old) password
    assert isinstance(err.value, E.KeystoreCorrupt)  # callers offer a new download
    assert err.value.code == "key_file_outdated" and err.value.params == {"certificate": cert}
    assert "older copy" in err.value.message
    assert "旧的副本" in error_text(err.value, ZH) and "重新下载证书" in error_text(err.value, ZH)
    assert "older copy" in error_text(err.value, EN)
    with pytest.raises(E.KeyFileOutdated):
        laptop.unlock(cert, NEW_PASSWORD)
    with pytest.raises(E.KeyFileOutdated):
        laptop.keystore.info(cert)
    [status] = laptop.statuses(s)
    assert status.local is LocalState.CORRUPT and status.needs_download

    path.write_bytes(new_file)  # the current file back: it opens, no try was counted
    assert laptop.keystore.tries_left(cert) == 6
    with laptop.unlock(cert, NEW_PASSWORD) as keys:
        assert keys.device_certificate.serial_number == int(second.device_serial_hex, 16)

    # What the message says to do also works: download again over the old copy.
    path.write_bytes(old_file)
    third = download(services, laptop, s, cert, reg.legal_person_phone, password=CERT_PASSWORD)
    assert third.device_serial_hex not in (first.device_serial_hex, second.device_serial_hex)
    with laptop.unlock(cert, CERT_PASSWORD) as keys:
        keys.sign(b"after the new download")


def _keystore(tmp_path, secrets: MemorySecretStore) -> Keystore:
    return Keystore(tmp_path / "device", "laptop", secrets, CHEAP)


def test_a_key_file_from_before_a_password_change_is_refused(tmp_path):
    ks = _keystore(tmp_path, MemorySecretStore())
    store_certificate(ks, MiniCA(generations=1), 3)
    path = ks._cert_path(3)
    old_file = path.read_bytes()
    ks.change_password(3, CERT_PASSWORD, NEW_PASSWORD)
    path.write_bytes(old_file)
    with pytest.raises(E.KeyFileOutdated):
        ks.unlock(3, CERT_PASSWORD)
    assert ks.state(3) is LocalState.CORRUPT


def test_the_fold_at_the_first_unlock_names_the_rewritten_file(tmp_path):
    # A file completed without the password is rewritten at its first unlock (the delivered
    # keys folded in): the rewritten file is the current one, the one before is refused.
    secrets = MemorySecretStore()
    ks = _keystore(tmp_path, secrets)
    mini = MiniCA(generations=1)
    draft = ks.begin_activation(5, CERT_PASSWORD, account_id=1, sms_code="123456")
    ks.finish_pending(5, mini.result(5, draft.csr_pem, draft.transport_public_key_pem))
    ks.discard_pending(5)
    sealed = ks._cert_path(5).read_bytes()
    assert b"sealed_keys" in sealed
    ks.unlock(5, CERT_PASSWORD).lock()
    assert b"sealed_keys" not in ks._cert_path(5).read_bytes()
    ks._cert_path(5).write_bytes(sealed)
    with pytest.raises(E.KeyFileOutdated):
        ks.unlock(5, CERT_PASSWORD)


def test_a_keystore_of_an_earlier_release_names_its_file_at_the_next_open(tmp_path):
    secrets = MemorySecretStore()
    ks = _keystore(tmp_path, secrets)
    store_certificate(ks, MiniCA(generations=1), 4)
    [(user, raw)] = secrets.entries.items()
    entry = json.loads(raw)
    doc = json.loads(ks._cert_path(4).read_bytes())
    record = {"mac": doc["mac"], "serial": doc["public"]["device_serial_hex"]}
    assert entry["files"]["4"] == record
    del entry["files"]  # as an earlier release left it
    secrets.entries[user] = json.dumps(entry)
    old_file = ks._cert_path(4).read_bytes()

    assert ks.state(4) is LocalState.READY  # opens; records the file found and its serial
    assert json.loads(secrets.entries[user])["files"]["4"] == record
    ks.change_password(4, CERT_PASSWORD, NEW_PASSWORD)
    ks._cert_path(4).write_bytes(old_file)
    with pytest.raises(E.KeyFileOutdated):
        ks.unlock(4, CERT_PASSWORD)


def test_a_keyring_entry_without_serials_records_it_at_the_next_open(tmp_path):
    # An entry written before the serial was recorded: the verified file names it, so a
    # later download over a damaged copy can still say which certificate it replaces.
    secrets = MemorySecretStore()
    ks = _keystore(tmp_path, secrets)
    store_certificate(ks, MiniCA(generations=1), 7)
    [(user, raw)] = secrets.entries.items()
    entry = json.loads(raw)
    serial = entry["files"]["7"].pop("serial")
    secrets.entries[user] = json.dumps(entry)
    assert ks.replaced_serial(7) == serial  # from the (still whole) file
    assert ks.state(7) is LocalState.READY
    assert json.loads(secrets.entries[user])["files"]["7"]["serial"] == serial
    ks._cert_path(7).write_bytes(b"{")  # damaged now: the entry still knows
    assert ks.state(7) is LocalState.CORRUPT
    assert ks.replaced_serial(7) == serial


def test_an_older_copy_costs_no_try_and_keeps_the_counter(tmp_path):
    ks = _keystore(tmp_path, MemorySecretStore())
    store_certificate(ks, MiniCA(generations=1), 6)
    old_file = ks._cert_path(6).read_bytes()
    ks.change_password(6, CERT_PASSWORD, NEW_PASSWORD)
    for _ in range(2):
        with pytest.raises(E.WrongPassword):
            ks.unlock(6, "guess-Password-1")
    current = ks._cert_path(6).read_bytes()
    ks._cert_path(6).write_bytes(old_file)
    for _ in range(10):
        with pytest.raises(E.KeyFileOutdated):
            ks.unlock(6, CERT_PASSWORD)
    ks._cert_path(6).write_bytes(current)
    assert ks.tries_left(6) == 4

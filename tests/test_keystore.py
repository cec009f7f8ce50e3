"""The device keystore on its own: the key file format, unlocking, the retry counter, the
keyring interface, atomic password changes, damaged files, and the calibrated KDF."""

from __future__ import annotations

import copy
import json
import logging
import os
import pickle
import shutil
import time
from pathlib import Path

import keyring
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from helpers_keystore import (
    CERT_PASSWORD,
    FIXTURE_BID,
    NEW_PASSWORD,
    MiniCA,
    find_leaks,
    private_forms,
)
from helpers_keystore import store_certificate as store
from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked

from mobileca_desktop import locking
from mobileca_desktop.crypto import cms
from mobileca_desktop.domain import errors as E
from mobileca_desktop.keystore import envelope, kdf
from mobileca_desktop.keystore import fileformat as ff
from mobileca_desktop.keystore import store as store_module
from mobileca_desktop.keystore.kdf import CHEAP, KdfProfile
from mobileca_desktop.keystore.password import password_strength
from mobileca_desktop.keystore.secretstore import (
    InsecureFileStore,
    MemorySecretStore,
    OSKeyring,
    StoreInfo,
    StoreKind,
    select_secret_store,
)
from mobileca_desktop.keystore.store import Keystore, LocalState


@pytest.fixture(scope="module")
def mini() -> MiniCA:
    return MiniCA(generations=2)


@pytest.fixture
def secrets() -> MemorySecretStore:
    return MemorySecretStore()


@pytest.fixture
def ks(tmp_path, secrets) -> Keystore:
    return Keystore(tmp_path / "devices" / "laptop", "laptop", secrets, CHEAP)


def test_unlock_signs_and_decrypts_every_generation_then_locks(ks, mini):
    store(ks, mini, 7)
    assert ks.state(7) is LocalState.READY and ks.tries_left(7) == 6
    bids = [cms.make_envelope(f"bid {g}".encode(), c) for g, (_, c) in enumerate(mini.encryption)]
    with ks.unlock(7, CERT_PASSWORD) as keys:
        signature = keys.sign(b"login nonce")
        keys.device_certificate.public_key().verify(
            signature, b"login nonce", ec.ECDSA(hashes.SHA256())
        )
        keys.device_certificate.verify_directly_issued_by(keys.chain[0])
        assert [keys.decrypt(b) for b in bids] == [b"bid 0", b"bid 1"]
        assert [r.generation for r in keys.encryption_refs] == [1, 2]
        with pytest.raises(TypeError):
            pickle.dumps(keys)
        with pytest.raises(TypeError):
            copy.copy(keys)
    assert keys.locked and "locked" in repr(keys)
    with pytest.raises(E.KeySessionClosed):
        keys.sign(b"after use")
    with pytest.raises(E.KeySessionClosed):
        keys.decrypt(bids[0])
    short = ks.unlock(7, CERT_PASSWORD, max_age=0)
    time.sleep(0.001)
    with pytest.raises(E.KeySessionClosed):
        short.sign(b"too late")


def test_key_file_holds_nothing_in_clear_and_says_its_format(ks, mini):
    store(ks, mini, 7)
    with ks.unlock(7, CERT_PASSWORD) as keys:
        forms = private_forms(keys._signing, *(k for k, _ in mini.encryption))
        text = repr(keys) + str(keys)
    blobs = {p.name: p.read_bytes() for p in ks.folder.iterdir() if p.is_file()}
    blobs["repr"] = text.encode()
    assert find_leaks(forms, blobs) == []
    doc = json.loads(blobs["cert-7.json"])
    assert doc["format"] == "mobileca-desktop/keystore" and doc["version"] == 1
    assert doc["kdf"]["name"] == "scrypt" and len(ff.b64d(doc["kdf"]["salt"], "salt")) == 16
    assert doc["cipher"] == "AES-256-GCM" and "sealed_keys" not in doc
    assert os.stat(ks.folder / "cert-7.json").st_mode & 0o077 == 0


def test_six_wrong_passwords_lock_and_an_old_file_keeps_the_lock(ks, mini):
    store(ks, mini, 7)
    backup = (ks.folder / "cert-7.json").read_bytes()
    for _ in range(2):
        with pytest.raises(E.WrongPassword):
            ks.unlock(7, "wrong-password-1")
    ks.unlock(7, CERT_PASSWORD).lock()  # a success resets the count
    assert ks.tries_left(7) == 6
    for left in (5, 4, 3, 2, 1):
        with pytest.raises(E.WrongPassword) as err:
            ks.unlock(7, "wrong-password-2")
        assert err.value.params["tries_left"] == left
    with pytest.raises(E.CertificateLocked):
        ks.unlock(7, "wrong-password-3")
    with pytest.raises(E.CertificateLocked):
        ks.unlock(7, CERT_PASSWORD)
    assert ks.state(7) is LocalState.LOCKED
    (ks.folder / "cert-7.json").write_bytes(backup)  # "restore from backup"
    with pytest.raises(E.CertificateLocked):
        ks.unlock(7, CERT_PASSWORD)
    with pytest.raises(E.CertificateLocked):
        ks.change_password(7, CERT_PASSWORD, NEW_PASSWORD)


def test_a_try_is_counted_before_the_password_is_derived(ks, mini, monkeypatch):
    store(ks, mini, 7)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # the process dies while the KDF runs

    monkeypatch.setattr(store_module, "derive_kek", killed)
    with pytest.raises(KeyboardInterrupt):
        ks.unlock(7, "a guess")
    assert ks.tries_left(7) == 5


def test_damaged_files_are_corrupt_not_wrong_passwords_and_others_unaffected(ks, mini):
    for cid in (1, 2, 3):
        store(ks, mini, cid)
    truncated = ks.folder / "cert-1.json"
    truncated.write_bytes(truncated.read_bytes()[:300])
    with pytest.raises(E.KeystoreCorrupt) as err:
        ks.unlock(1, CERT_PASSWORD)
    assert err.value.params["certificate"] == 1
    assert ks.state(1) is LocalState.CORRUPT

    tampered = ks.folder / "cert-2.json"
    doc = json.loads(tampered.read_bytes())
    ct = bytearray(ff.b64d(doc["ciphertext"], "ct"))
    ct[10] ^= 1
    doc["ciphertext"] = ff.b64e(bytes(ct))
    tampered.write_text(json.dumps(doc))
    with pytest.raises(E.KeystoreCorrupt):
        ks.unlock(2, CERT_PASSWORD)
    assert ks.state(2) is LocalState.CORRUPT

    with ks.unlock(3, CERT_PASSWORD) as keys:  # the third certificate is unaffected
        keys.sign(b"still works")
    assert ks.state(3) is LocalState.READY
    # A damaged file never counted as a wrong password.
    store(ks, mini, 1)  # download again over the damaged file
    assert ks.tries_left(1) == 6 and ks.state(1) is LocalState.READY


def test_altered_kdf_parameters_are_caught_by_the_mac(ks, mini):
    store(ks, mini, 4)
    path = ks.folder / "cert-4.json"
    doc = json.loads(path.read_bytes())
    doc["kdf"]["n"] = 2**22
    path.write_text(json.dumps(doc))
    start = time.perf_counter()
    with pytest.raises(E.KeystoreCorrupt):
        ks.unlock(4, CERT_PASSWORD)
    assert time.perf_counter() - start < 1  # refused before any 512 MiB derivation


def test_key_files_without_this_devices_keyring_entry_are_not_this_device(tmp_path, mini):
    home = MemorySecretStore()
    folder = tmp_path / "devices" / "laptop"
    store(Keystore(folder, "laptop", home, CHEAP), mini, 5)
    elsewhere = Keystore(folder, "laptop", MemorySecretStore(), CHEAP)  # copied folder
    with pytest.raises(E.NotThisDevice) as err:
        elsewhere.unlock(5, CERT_PASSWORD)
    assert str(folder) in str(err.value)
    assert elsewhere.state(5) is LocalState.NOT_THIS_DEVICE and elsewhere.is_foreign()
    moved = elsewhere.archive_foreign()
    assert moved is not None and (moved / "cert-5.json").exists()
    store(elsewhere, mini, 5)  # a keystore of its own, with its own entry
    assert elsewhere.state(5) is LocalState.READY


class _Locked(KeyringBackend):
    priority = 1

    def get_password(self, service, username):
        raise KeyringLocked("the collection is locked")

    set_password = delete_password = get_password


class _Plaintext(KeyringBackend):
    """Stands for keyrings.alt's plaintext file backend."""

    priority = 1

    def get_password(self, service, username):
        return None

    set_password = delete_password = get_password


_Plaintext.__module__ = "keyrings.alt.file"


@pytest.mark.parametrize(
    ("backend", "reason"),
    [
        (lambda: __import__("keyring.backends.fail").backends.fail.Keyring(), "no_keyring"),
        (_Locked, "locked"),
        (_Plaintext, "insecure_backend"),
    ],
)
def test_no_usable_keyring_is_its_own_error(tmp_path, mini, memory_keyring, backend, reason):
    ks = Keystore(tmp_path / "d", "d", OSKeyring(), CHEAP)
    store(ks, mini, 9)
    keyring.set_keyring(backend())
    with pytest.raises(E.KeyringUnavailable) as err:
        ks.unlock(9, CERT_PASSWORD)
    assert err.value.params["reason"] == reason
    assert err.value.params["advice"]
    with pytest.raises(E.KeyringUnavailable):
        ks.state(9)
    with pytest.raises(E.KeyringUnavailable):
        ks.begin_activation(10, CERT_PASSWORD, account_id=1, sms_code="1")
    keyring.set_keyring(memory_keyring)
    assert ks.tries_left(9) == 6  # nothing was counted as a wrong password


def test_os_keyring_says_which_store(memory_keyring):
    assert OSKeyring().describe() == "system keyring: conftest.MemoryKeyring"
    assert OSKeyring().info() == StoreInfo(
        StoreKind.SYSTEM, "conftest.MemoryKeyring", "system keyring: conftest.MemoryKeyring"
    )
    assert MemorySecretStore().info().kind is StoreKind.MEMORY
    OSKeyring().set("u", "v")
    assert OSKeyring().get("u") == "v"
    OSKeyring().delete("u")
    assert OSKeyring().get("u") is None


def test_insecure_file_store_only_when_asked_for(tmp_path, caplog):
    default = tmp_path / "INSECURE-file-keyring.json"
    assert isinstance(select_secret_store(default, env={}), OSKeyring)
    assert isinstance(
        select_secret_store(default, env={"MOBILECA_INSECURE_FILE_KEYRING": "0"}), OSKeyring
    )
    with caplog.at_level(logging.WARNING):
        chosen = select_secret_store(default, env={"MOBILECA_INSECURE_FILE_KEYRING": "1"})
    assert isinstance(chosen, InsecureFileStore) and chosen.path == default
    assert chosen.describe().startswith("INSECURE") and not chosen.is_secure
    assert chosen.info() == StoreInfo(StoreKind.INSECURE_FILE, str(default), chosen.describe())
    assert "INSECURE" in caplog.text
    other = tmp_path / "k.json"
    by_env = select_secret_store(default, env={"MOBILECA_INSECURE_FILE_KEYRING": str(other)})
    assert by_env.path == other
    assert select_secret_store(default, flag=True, env={}).path == default
    chosen.set("a", "1")
    chosen.set("b", "2")
    chosen.delete("a")
    assert (chosen.get("a"), chosen.get("b")) == (None, "2")
    assert os.stat(default).st_mode & 0o077 == 0


def test_change_password_rewraps(ks, mini):
    store(ks, mini, 7)
    salt_before = json.loads((ks.folder / "cert-7.json").read_bytes())["kdf"]["salt"]
    ks.change_password(7, CERT_PASSWORD, NEW_PASSWORD)
    assert json.loads((ks.folder / "cert-7.json").read_bytes())["kdf"]["salt"] != salt_before
    with pytest.raises(E.WrongPassword):
        ks.unlock(7, CERT_PASSWORD)
    with ks.unlock(7, NEW_PASSWORD) as keys:
        assert keys.decrypt(cms.make_envelope(b"x", mini.encryption[0][1])) == b"x"


def test_change_password_crash_before_rename_leaves_the_old_file(ks, mini, monkeypatch):
    store(ks, mini, 7)

    def crash(src, dst):
        raise OSError(5, "simulated crash")

    monkeypatch.setattr(ff.os, "replace", crash)
    with pytest.raises(OSError):
        ks.change_password(7, CERT_PASSWORD, NEW_PASSWORD)
    monkeypatch.undo()
    assert [p.name for p in ks.folder.iterdir() if p.name.endswith(".tmp")] == []
    with pytest.raises(E.WrongPassword):
        ks.unlock(7, NEW_PASSWORD)
    ks.unlock(7, CERT_PASSWORD).lock()


def test_change_password_crash_after_rename_leaves_the_new_file(ks, mini, monkeypatch):
    store(ks, mini, 7)

    def crash(folder):
        raise KeyboardInterrupt  # killed between the rename and the folder's fsync

    monkeypatch.setattr(locking, "fsync_dir", crash)
    with pytest.raises(KeyboardInterrupt):
        ks.change_password(7, CERT_PASSWORD, NEW_PASSWORD)
    monkeypatch.undo()
    ks.unlock(7, NEW_PASSWORD).lock()


def test_a_stray_temporary_file_is_ignored_and_swept(tmp_path, secrets, mini):
    folder = tmp_path / "devices" / "laptop"
    ks = Keystore(folder, "laptop", secrets, CHEAP)
    store(ks, mini, 7)
    # What a crash after writing (before the rename) leaves: a whole file under a temp name.
    stray = folder / ".cert-7.json.k2j3h4.tmp"
    stray.write_bytes((folder / "cert-7.json").read_bytes()[:-40])
    assert ks.certificate_ids() == [7]
    reopened = Keystore(folder, "laptop", secrets, CHEAP)
    assert not stray.exists()
    reopened.unlock(7, CERT_PASSWORD).lock()


def test_an_interrupted_activation_completes_without_the_password(ks, mini):
    draft = ks.begin_activation(8, CERT_PASSWORD, account_id=3, sms_code="246810")
    result = mini.result(8, draft.csr_pem, draft.transport_public_key_pem)
    draft.forget()  # the process died here; only the pending record is left
    assert ks.state(8) is LocalState.PENDING
    [pending] = ks.pending()
    assert pending.intact and pending.account_id == 3 and pending.idempotency_key
    assert ks.pending_code(8) == "246810"
    assert b"246810" not in (ks.folder / "pending-8.json").read_bytes()
    ks.finish_pending(8, result)
    ks.discard_pending(8)
    assert "sealed_keys" in json.loads((ks.folder / "cert-8.json").read_bytes())
    with ks.unlock(8, CERT_PASSWORD) as keys:
        assert keys.decrypt(cms.make_envelope(b"y", mini.encryption[1][1])) == b"y"
    # The first unlock moved the delivered keys inside the encrypted payload.
    assert "sealed_keys" not in json.loads((ks.folder / "cert-8.json").read_bytes())
    ks.unlock(8, CERT_PASSWORD).lock()


def test_a_wrong_answer_from_the_ca_is_refused(tmp_path, ks, mini):
    draft = ks.begin_activation(8, CERT_PASSWORD, account_id=3, sms_code="1")
    other = Keystore(tmp_path / "other", "other", MemorySecretStore(), CHEAP)
    stranger = other.begin_activation(8, CERT_PASSWORD, account_id=3, sms_code="1")
    for_someone_else = mini.result(8, stranger.csr_pem, draft.transport_public_key_pem)
    with pytest.raises(E.ActivationFailed):
        ks.finish_activation(draft, for_someone_else)
    encrypted_elsewhere = mini.result(8, draft.csr_pem, stranger.transport_public_key_pem)
    with pytest.raises(E.ActivationFailed):
        ks.finish_activation(draft, encrypted_elsewhere)
    assert ks.state(8) is LocalState.PENDING  # nothing stored


def test_envelopes_are_matched_by_recipient(ks, mini):
    store(ks, mini, 7)
    stranger = MiniCA(generations=1)
    bid = cms.make_envelope(b"bid", mini.encryption[1][1])
    [rcpt] = envelope.recipients(bid)
    assert rcpt.serial == mini.encryption[1][1].serial_number
    assert envelope.to_der(bid) == bid
    with ks.unlock(7, CERT_PASSWORD) as keys:
        with pytest.raises(E.NoDecryptionKey):
            keys.decrypt(cms.make_envelope(b"bid", stranger.encryption[0][1]))
        with pytest.raises(E.DecryptionFailed):
            keys.decrypt(b"\x30\x03\x02\x01\x00")
        with pytest.raises(E.DecryptionFailed):
            keys.decrypt(bid[:-20])


def test_password_strength():
    assert password_strength(CERT_PASSWORD)[1] == []
    assert password_strength("Demo2026pass") == (3, [])
    assert "too_short" in password_strength("Ab1!")[1]
    assert "one_kind" in password_strength("abcdxyzqwe")[1]
    assert "pattern" in password_strength("12345678")[1]
    assert "pattern" in password_strength("aaaaaaaa")[1]
    assert "common" in password_strength("Password123")[1]
    assert "edge_space" in password_strength(" Zhengshu2026")[1]
    assert password_strength("证书密码2026年")[1] == []
    assert password_strength("")[0] == 0


def test_kdf_profiles_are_bounded():
    assert KdfProfile.from_params(CHEAP.params()) == CHEAP
    for bad in (
        dict(CHEAP.params(), n=1000),
        dict(CHEAP.params(), n=2**30),
        dict(CHEAP.params(), r=0),
        dict(CHEAP.params(), name="pbkdf2"),
        dict(CHEAP.params(), n="16"),
    ):
        with pytest.raises(ValueError):
            KdfProfile.from_params(bad)


def test_calibrated_kdf_takes_a_noticeable_moment(tmp_path, secrets, mini):
    """The one test with the real, calibrated profile (about a second)."""
    ks = Keystore(tmp_path / "devices" / "real", "real", secrets)
    store(ks, mini, 1)
    cached = json.loads((ks.folder / "keystore.json").read_text())["kdf_profile"]
    assert cached["n"] >= kdf.FLOOR_N and 0.05 <= cached["seconds"] <= 1.0
    start = time.perf_counter()
    ks.unlock(1, CERT_PASSWORD).lock()
    unlock = time.perf_counter() - start
    assert 0.05 <= unlock <= 1.5, unlock
    doc = json.loads((ks.folder / "cert-1.json").read_bytes())
    assert doc["kdf"]["n"] == cached["n"]
    again = Keystore(ks.folder, "real", secrets)
    assert again.kdf_profile().n == cached["n"]  # cached, not measured again


def test_format_v1_files_still_open(tmp_path):
    """Upgrade fixture: a keystore written by format v1 (tests/data/keystore-v1)."""
    fixture = Path(__file__).parent / "data" / "keystore-v1"
    folder = tmp_path / "device"
    shutil.copytree(fixture / "device", folder)
    secrets = MemorySecretStore()
    secrets.entries.update(json.loads((fixture / "keyring.json").read_text()))
    ks = Keystore(folder, "fixture-device", secrets, CHEAP)
    assert ks.state(1) is LocalState.READY
    with ks.unlock(1, CERT_PASSWORD) as keys:
        assert keys.decrypt((fixture / "bid.der").read_bytes()) == FIXTURE_BID
        signature = keys.sign(b"still signs")
        keys.public_key.verify(signature, b"still signs", ec.ECDSA(hashes.SHA256()))


def test_a_chain_of_keyrings_never_falls_through_to_plaintext(memory_keyring):
    class ChainerBackend:  # the shape of keyring.backends.chainer.ChainerBackend
        def __init__(self, backends):
            self.backends = backends

    plaintext = _Plaintext()
    assert OSKeyring(ChainerBackend([memory_keyring, plaintext])).describe() == (
        "system keyring: conftest.MemoryKeyring"
    )
    OSKeyring(ChainerBackend([memory_keyring, plaintext])).set("u", "v")
    assert memory_keyring.entries == {("mobileca-desktop-device", "u"): "v"}
    with pytest.raises(E.KeyringUnavailable) as err:
        OSKeyring(ChainerBackend([plaintext, memory_keyring])).get("u")
    assert err.value.params["reason"] == "insecure_backend"
    with pytest.raises(E.KeyringUnavailable):
        OSKeyring(ChainerBackend([])).get("u")


def _during_next_derivation(monkeypatch, action):
    """Runs ``action()`` once, the first time a KEK is derived after this call (between a
    change's read of the key file and its write): what another window does meanwhile."""
    derive = store_module.derive_kek
    pending = [action]

    def hooked(*args):
        if pending:
            pending.pop()()
        return derive(*args)

    monkeypatch.setattr(store_module, "derive_kek", hooked)


def test_a_change_from_a_stale_view_fails_typed_and_changes_nothing(ks, mini, monkeypatch):
    store(ks, mini, 7)
    other = Keystore(ks.folder, "laptop", ks.secrets, CHEAP)  # another window, same profile
    assert ks.generation(7) == 0
    _during_next_derivation(
        monkeypatch, lambda: other.change_password(7, CERT_PASSWORD, "Elsewhere#2027")
    )
    with pytest.raises(E.PasswordChangedElsewhere) as caught:
        ks.change_password(7, CERT_PASSWORD, NEW_PASSWORD)
    assert caught.value.params == {"certificate": 7}
    monkeypatch.undo()
    assert ks.generation(7) == 1  # the other window's change, and only it
    with pytest.raises(E.WrongPassword):
        ks.unlock(7, NEW_PASSWORD)
    ks.unlock(7, "Elsewhere#2027").lock()
    assert ks.tries_left(7) == 6


def test_a_change_survives_a_fold_by_another_window_meanwhile(ks, mini, monkeypatch):
    draft = ks.begin_activation(7, CERT_PASSWORD, account_id=1, sms_code="123456")
    ks.finish_pending(7, mini.result(7, draft.csr_pem, draft.transport_public_key_pem))
    ks.discard_pending(7)
    draft.forget()
    other = Keystore(ks.folder, "laptop", ks.secrets, CHEAP)
    folded = []
    # The other window's first unlock folds the delivered keys into the payload (same
    # password and salt): the change retries on the new file without a second try.
    _during_next_derivation(monkeypatch, lambda: folded.append(other.unlock(7, CERT_PASSWORD)))
    ks.change_password(7, CERT_PASSWORD, NEW_PASSWORD)
    monkeypatch.undo()
    assert folded and ks.generation(7) == 2
    doc = json.loads((ks.folder / "cert-7.json").read_bytes())
    assert "sealed_keys" not in doc
    bids = [cms.make_envelope(f"bid {g}".encode(), c) for g, (_, c) in enumerate(mini.encryption)]
    with ks.unlock(7, NEW_PASSWORD) as keys:
        assert [keys.decrypt(b) for b in bids] == [b"bid 0", b"bid 1"]
    assert ks.tries_left(7) == 6


def test_a_temporary_file_is_swept_only_when_no_one_holds_the_lock(tmp_path, secrets, mini):
    import threading

    folder = tmp_path / "devices" / "laptop"
    ks = Keystore(folder, "laptop", secrets, CHEAP)
    store(ks, mini, 7)
    in_flight = folder / ".cert-7.json.abc123.tmp"
    held, release = threading.Event(), threading.Event()

    def writer():  # another writer, mid-write: holds the lock with its temporary file
        with locking.folder_lock(folder).hold():
            in_flight.write_bytes(b"half a file")
            held.set()
            release.wait(30)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert held.wait(30)
        Keystore(folder, "laptop", secrets, CHEAP)  # opening does not touch it
        assert in_flight.exists()
        with pytest.raises(E.ProfileInUse):
            Keystore(folder, "laptop", secrets, CHEAP, lock_timeout=0.2).unlock(7, CERT_PASSWORD)
    finally:
        release.set()
        thread.join(30)
    Keystore(folder, "laptop", secrets, CHEAP)  # the writer is gone: a crash's leftover
    assert not in_flight.exists()
    ks.unlock(7, CERT_PASSWORD).lock()
    assert ks.tries_left(7) == 6  # the refused unlock counted nothing

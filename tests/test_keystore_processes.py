"""One device profile, many processes: real processes hammer one keystore folder and its
INSECURE file keyring (the store several processes can share in CI) at the same moment.

Six worker processes (multiprocessing "spawn", ``tests/helpers_processes.py``) are started
once; each round gives them roles and starts them together at a barrier. Every round checks:
no untyped exception, no success reported for a change whose password does not open the
file, wrong passwords evaluated (counted in the workers, before each KDF run) within the
limit, and the key file opens with exactly one of the known passwords.

Windows' path is the one taken here: readers take the profile lock as writers do
(``mobileca_desktop/locking.py``), so no reader holds a key file open when a writer's
``os.replace`` runs. The cheap KDF keeps the whole file to a few seconds of work.
"""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import time
from pathlib import Path

import helpers_processes
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from helpers_keystore import CERT_PASSWORD, MiniCA
from helpers_keystore import store_certificate as store

from mobileca_desktop.crypto import cms
from mobileca_desktop.domain import errors as E
from mobileca_desktop.keystore import fileformat as ff
from mobileca_desktop.keystore.kdf import CHEAP, derive_kek
from mobileca_desktop.keystore.secretstore import InsecureFileStore
from mobileca_desktop.keystore.store import MAX_TRIES, Keystore, LocalState
from mobileca_desktop.services.device import DeviceService
from mobileca_desktop.views import messages

WORKERS = 6
RESULT_S = 60.0
TESTS = Path(__file__).resolve().parent


class Pool:
    """Six spawned workers sharing one barrier; ``run`` gives each a role for one round."""

    def __init__(self, root: Path) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.counter = root / "kdf-evaluations.txt"
        self.barrier = ctx.Barrier(WORKERS + 1)
        self.results = ctx.Queue()
        self.tasks = [ctx.Queue() for _ in range(WORKERS)]
        self.procs = [
            ctx.Process(
                target=helpers_processes.worker_main,
                args=(i, self.tasks[i], self.results, self.barrier, str(self.counter)),
                daemon=True,
            )
            for i in range(WORKERS)
        ]
        for p in self.procs:
            p.start()

    def run(self, roles: dict[int, tuple[str, dict]]) -> dict[int, list]:
        """One round: the given roles (others idle) start together; their outcomes."""
        self.counter.write_bytes(b"")
        for i in range(WORKERS):
            self.tasks[i].put(roles.get(i, ("idle", {})))
        self.barrier.wait(timeout=RESULT_S)
        out = {}
        for _ in range(WORKERS):
            index, outcome = self.results.get(timeout=RESULT_S)
            out[index] = outcome
        return out

    def evaluations(self) -> list[str]:
        """The passwords the workers ran the KDF on this round."""
        lines = self.counter.read_text(encoding="utf-8").splitlines()
        return [line.split(" ", 1)[1] for line in lines]

    def close(self) -> None:
        for q in self.tasks:
            q.put(None)
        for p in self.procs:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    pool = Pool(tmp_path_factory.mktemp("pool"))
    yield pool
    pool.close()


@pytest.fixture(scope="module")
def mini() -> MiniCA:
    return MiniCA(generations=2)


@pytest.fixture
def profile(tmp_path):
    folder, keyring = tmp_path / "devices" / "laptop", tmp_path / "INSECURE-file-keyring.json"
    ks = Keystore(folder, "laptop", InsecureFileStore(keyring), CHEAP)
    return ks, {"folder": str(folder), "keyring": str(keyring)}


def _untyped(results: dict[int, list]) -> list:
    return [o for outcome in results.values() for o in outcome if o[0] == "untyped"]


def _checked(pool: Pool, results: dict[int, list]) -> dict[int, list]:
    """What every round checks: no untyped exception, and no more wrong passwords evaluated
    than the limit (each refused try was a KDF run that the workers counted)."""
    assert _untyped(results) == []
    refused = [o for r in results.values() for o in r if o == ("typed", "wrong_password")]
    assert len(refused) <= MAX_TRIES
    assert len(pool.evaluations()) >= len(refused)
    return results


def _opens_with(ks: Keystore, cid: int, password: str) -> bool:
    """Whether ``password`` opens the key file, without counting a try (test-side check)."""
    doc, _kid, secret = ks._open(ks._cert_path(cid), cid)
    profile, salt = ks._kdf_of(doc, cid)
    return ks._open_payload(doc, derive_kek(password, salt, profile, secret)) is not None


def _the_password(ks: Keystore, cid: int, known: list[str]) -> str:
    opening = [p for p in known if _opens_with(ks, cid, p)]
    assert len(opening) == 1, f"opens with {len(opening)} of the known passwords"
    return opening[0]


def test_concurrent_guessers_get_at_most_the_limit_evaluated(pool, mini, profile):
    ks, where = profile
    for rnd in range(3):
        cid = 100 + rnd
        store(ks, mini, cid)
        results = pool.run(
            {i: ("guess", {**where, "cid": cid, "prefix": f"wrong{i}"}) for i in range(WORKERS)}
        )
        _checked(pool, results)
        codes = {o[1] for outcome in results.values() for o in outcome}
        assert codes <= {"wrong_password", "certificate_locked"}, codes
        wrong = [p for p in pool.evaluations() if p.startswith("wrong")]
        assert len(wrong) == MAX_TRIES, f"round {rnd}: {len(wrong)} wrong passwords evaluated"
        assert ks.state(cid) is LocalState.LOCKED
        assert _the_password(ks, cid, [CERT_PASSWORD]) == CERT_PASSWORD  # locked, not lost


def test_concurrent_changes_one_wins_the_others_are_told(pool, mini, profile):
    ks, where = profile
    for rnd in range(3):
        cid = 200 + rnd
        store(ks, mini, cid)
        new = {i: f"Neu#{rnd}-{i}-Pass" for i in range(4)}
        results = pool.run(
            {i: ("change", {**where, "cid": cid, "old": CERT_PASSWORD, "new": new[i]}) for i in new}
        )
        _checked(pool, results)
        winners = [i for i in new if results[i] == [("ok", None)]]
        losers = {results[i][0][1] for i in new if i not in winners}
        assert len(winners) == 1, results
        assert losers <= {"password_changed_elsewhere", "wrong_password"}, losers
        assert _the_password(ks, cid, [CERT_PASSWORD, *new.values()]) == new[winners[0]]
        assert len([p for p in pool.evaluations() if p == CERT_PASSWORD]) <= MAX_TRIES


def test_change_while_others_unlock_and_sign(pool, mini, profile):
    ks, where = profile
    cid = 300
    store(ks, mini, cid)
    passwords = [CERT_PASSWORD, "Zweites#2027", "Drittes#2028", "Viertes#2029"]
    for rnd in range(3):
        old, new = passwords[rnd], passwords[rnd + 1]
        message = f"login nonce {rnd}".encode()
        roles = {0: ("change", {**where, "cid": cid, "old": old, "new": new})}
        for i in range(1, 4):
            roles[i] = (
                "sign",
                {**where, "cid": cid, "passwords": [old, new], "message": message},
            )
        results = pool.run(roles)
        _checked(pool, results)
        assert results[0] == [("ok", None)]  # the only change: it must take effect
        device = x509.load_pem_x509_certificate(ks.info(cid).device_cert_pem.encode())
        for i in range(1, 4):
            last = results[i][-1]
            assert last[0] == "ok", results[i]
            device.public_key().verify(bytes.fromhex(last[1]), message, ec.ECDSA(hashes.SHA256()))
        assert _the_password(ks, cid, passwords) == new
        wrong = [p for p in pool.evaluations() if p == old]
        assert len(wrong) <= 1 + 3 and ks.tries_left(cid) >= MAX_TRIES - 3


def test_change_against_the_first_unlock_that_folds_delivered_keys(pool, mini, profile):
    ks, where = profile
    bids = [cms.make_envelope(f"bid {g}".encode(), c) for g, (_, c) in enumerate(mini.encryption)]
    for rnd in range(3):
        cid = 400 + rnd
        # An activation completed without the password: escrowed keys still in their ECIES boxes.
        draft = ks.begin_activation(cid, CERT_PASSWORD, account_id=1, sms_code="123456")
        result = mini.result(cid, draft.csr_pem, draft.transport_public_key_pem)
        draft.forget()
        ks.finish_pending(cid, result)
        ks.discard_pending(cid)
        new = f"Neues#{rnd}-Pass"
        roles = {0: ("change", {**where, "cid": cid, "old": CERT_PASSWORD, "new": new})}
        for i in (1, 2, 3):
            roles[i] = (
                "decrypt",
                {**where, "cid": cid, "passwords": [CERT_PASSWORD, new], "bids": bids},
            )
        results = pool.run(roles)
        _checked(pool, results)
        assert results[0] == [("ok", None)], results[0]
        for i in (1, 2, 3):
            assert results[i][-1] == ("ok", [b"bid 0".hex(), b"bid 1".hex()]), results[i]
        # The fold did not undo the change, and the change kept every delivered key.
        assert _the_password(ks, cid, [CERT_PASSWORD, new]) == new
        doc = ff.parse(ks._cert_path(cid).read_bytes())
        assert "sealed_keys" not in doc
        with ks.unlock(cid, new) as keys:
            assert [keys.decrypt(b) for b in bids] == [b"bid 0", b"bid 1"]


def test_opening_while_another_process_writes(pool, mini, profile, tmp_path):
    ks, where = profile
    cid = 500
    store(ks, mini, cid)
    passwords = [CERT_PASSWORD if i % 2 == 0 else "Anderes#2027" for i in range(9)]
    before = ks._cert_path(cid).read_bytes()
    for rnd in range(2):
        flag = tmp_path / f"done-{rnd}"
        roles = {
            0: ("changes", {**where, "cid": cid, "passwords": passwords, "flag": str(flag)}),
        }
        for i in range(1, WORKERS):
            roles[i] = ("open_until", {**where, "cid": cid, "flag": str(flag)})
        results = pool.run(roles)
        _checked(pool, results)
        assert results[0] == [("ok", None)] * (len(passwords) - 1)  # every write succeeded
        for i in range(1, WORKERS):
            # no failed open: never an older copy either (file and keyring entry change
            # together under the lock)
            assert results[i][:-1] == [], results[i]
            assert results[i][-1][1] >= 1
        assert _the_password(ks, cid, sorted(set(passwords))) == passwords[-1]
        assert not list(ks.folder.glob(".*.tmp"))
    # The keyring entry names the last file written, settled; the first one is refused.
    current = ks._cert_path(cid).read_bytes()
    record = ks._entry(ks._read_header()["keystore_id"])["files"][str(cid)]
    doc = ff.parse(current)
    assert record == {"mac": doc["mac"], "serial": doc["public"]["device_serial_hex"]}
    ks._cert_path(cid).write_bytes(before)
    with pytest.raises(E.KeyFileOutdated):
        ks.info(cid)
    ks._cert_path(cid).write_bytes(current)


def test_the_nonce_store_loses_nothing_and_spends_a_nonce_once(pool, tmp_path):
    path = tmp_path / "devices" / "laptop" / "scan-nonces.json"
    roles = {
        i: ("nonces", {"path": str(path), "prefix": f"w{i}", "count": 15, "shared": "same"})
        for i in range(4)
    }
    results = pool.run(roles)
    _checked(pool, results)
    shared = [results[i][-1] for i in range(4)]
    assert shared.count(("ok", None)) == 1, shared
    assert [o for o in shared if o != ("ok", None)] == [("typed", "scan_refused")] * 3
    from mobileca_desktop.services.scan import NonceStore

    store_ = NonceStore(path)
    assert all(store_.seen("p", f"w{i}-{n}") for i in range(4) for n in range(15))


# --- a second window on the same profile ----------------------------------------------------

_HOLDER = """
import sys
from pathlib import Path
from mobileca_desktop.locking import folder_lock
with folder_lock(Path(sys.argv[1])).hold():
    print("held", flush=True)
    sys.stdin.read()
"""


def test_a_profile_held_by_another_process_is_a_typed_in_use_error(mini, tmp_path):
    folder, keyring = tmp_path / "devices" / "laptop", tmp_path / "INSECURE-file-keyring.json"
    ks = Keystore(folder, "laptop", InsecureFileStore(keyring), CHEAP, lock_timeout=0.3)
    store(ks, mini, 1)
    device = DeviceService(None, ks, "laptop")  # type: ignore[arg-type]
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        start = time.monotonic()
        with pytest.raises(E.ProfileInUse) as caught:
            device.unlock(1, CERT_PASSWORD)
        assert time.monotonic() - start < 10
        with pytest.raises(E.ProfileInUse):
            device.change_password(1, CERT_PASSWORD, "Neues#2027-Pass", "Neues#2027-Pass")
        assert "另一个窗口" in messages.error_text(caught.value, messages.ZH)
        assert "another window" in messages.error_text(caught.value, messages.EN)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    # Released by the other process (as its exit would): the profile works again, untouched.
    assert ks.tries_left(1) == MAX_TRIES
    with device.unlock(1, CERT_PASSWORD) as keys:
        keys.sign(b"after")

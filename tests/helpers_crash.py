"""The SIGKILL crash harness for the keystore: run as its own process, it imports everything
once, then forks a child per run and kills it at a random point.

    python tests/helpers_crash.py password|activation FOLDER RUNS SEED

It runs in a process of its own (started by ``tests/test_keystore_crash.py``) so that it
forks a single-threaded Python, never the pytest process with Qt's threads in it. Each run:
fork, let the child activate a certificate, or two children change one certificate's password
at once (cheap KDF, the INSECURE file keyring shared by children and parent, the local CA on
SQLite), SIGKILL each after a random delay within the operation's duration, then check from
the parent, as the next start would, that the keystore opens with exactly one of the known
passwords (a change reported as done took effect), that the activation was completed or
left nothing behind at the CA, and that nothing else was lost. Prints one JSON line with
the outcomes; any broken check raises (exit status 1).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sys
import time
from collections import Counter
from pathlib import Path

from conftest import PASSWORD, People, demo_company, last_code
from cryptography import x509
from helpers_keystore import CERT_PASSWORD, NEW_PASSWORD, MiniCA, approved_certificate
from helpers_keystore import store_certificate as store

from mobileca_desktop.ca.engine import CAEngine, EngineConfig
from mobileca_desktop.ca.identity import CHEAP_PASSWORDS
from mobileca_desktop.ca.secrets import PassphraseFileSecret
from mobileca_desktop.crypto import cms
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import AccountKind
from mobileca_desktop.keystore import fileformat as ff
from mobileca_desktop.keystore.kdf import CHEAP, derive_kek
from mobileca_desktop.keystore.secretstore import InsecureFileStore
from mobileca_desktop.keystore.store import Keystore, LocalState
from mobileca_desktop.services.device import DeviceService, ResumeOutcome
from mobileca_desktop.services.local import LocalServices

THIRD_PASSWORD = "Disan#Mima-2028"


def fork_and_kill(child, delay: float) -> str:
    """Runs ``child()`` in a forked process and SIGKILLs it after ``delay`` seconds:
    "killed", "finished" or "failed"."""
    return fork_and_kill_all([child], [delay])[0]


# Exit statuses of a child: 0 finished; these for the typed refusals a concurrent change may
# meet; anything else (1: an untyped exception) is "failed".
_EXITS = {3: "elsewhere", 4: "wrong"}


def _child_status(child) -> int:
    try:
        child()
    except E.PasswordChangedElsewhere:
        return 3
    except E.WrongPassword:
        return 4
    except BaseException:
        return 1
    return 0


def fork_and_kill_all(children, delays: list[float]) -> list[str]:
    """Runs every ``children[i]()`` in a forked process at once and SIGKILLs each one still
    running ``delays[i]`` seconds later: for each, "killed", "finished", "elsewhere"
    (``PasswordChangedElsewhere``), "wrong" (``WrongPassword``) or "failed"."""
    pids = []
    for child in children:
        pid = os.fork()
        if pid == 0:  # the child: never return into the harness
            os._exit(_child_status(child))
        pids.append(pid)
    start = time.perf_counter()
    statuses: dict[int, int] = {}
    killed: set[int] = set()
    while len(statuses) < len(pids):  # busy-wait: sleep() is too coarse here
        now = time.perf_counter() - start
        for i, pid in enumerate(pids):
            if pid in statuses:
                continue
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                statuses[pid] = st
            elif now >= delays[i] and pid not in killed:
                with contextlib.suppress(ProcessLookupError):  # it finished just now
                    os.kill(pid, signal.SIGKILL)
                killed.add(pid)
    out = []
    for pid in pids:
        st = statuses[pid]
        if os.WIFSIGNALED(st):
            out.append("killed")
        else:
            code = os.WEXITSTATUS(st)
            out.append("finished" if code == 0 else _EXITS.get(code, "failed"))
    return out


def _timed_run(child) -> float:
    start = time.perf_counter()
    assert fork_and_kill(child, 30.0) == "finished"
    return time.perf_counter() - start


def _adapt(span: float, finished_in: float) -> float:
    """Follows the machine's speed: a child that finished before its kill point shows how
    long the operation takes now (other work on the machine changes it)."""
    return 0.8 * span + 0.2 * finished_in


def opens_with(ks: Keystore, cid: int, password: str) -> bool:
    """Whether ``password`` opens the key file, without counting a try."""
    doc, _kid, secret = ks._open(ks._cert_path(cid), cid)
    profile, salt = ks._kdf_of(doc, cid)
    return ks._open_payload(doc, derive_kek(password, salt, profile, secret)) is not None


def password_changes(folder: Path, runs: int, seed: int) -> dict:
    """Two processes change the same certificate's password at once, from the same old
    password to two different new ones, and each is SIGKILLed at its own random point (two
    kill points per run). After each run the key file opens with exactly one of the three
    passwords; a child that finished opened it with its own new password; at most one did."""
    rng = random.Random(seed)
    keyring_file = folder / "INSECURE-file-keyring.json"
    device = folder / "devices" / "laptop"

    def keystore() -> Keystore:
        return Keystore(device, "laptop", InsecureFileStore(keyring_file), CHEAP)

    store(keystore(), MiniCA(generations=2), 1)
    passwords = [CERT_PASSWORD, NEW_PASSWORD, THIRD_PASSWORD]
    spans = []
    for _ in range(3):
        spans.append(_timed_run(lambda: keystore().change_password(1, *passwords[:2])))
        keystore().change_password(1, passwords[1], passwords[0])
    span = sorted(spans)[1]
    current = 0
    outcomes: Counter[str] = Counter()
    unopenable = 0
    for _ in range(runs):
        old = passwords[current]
        new = [passwords[(current + 1) % 3], passwords[(current + 2) % 3]]
        start = time.perf_counter()
        kinds = fork_and_kill_all(
            [lambda n=n, old=old: keystore().change_password(1, old, n) for n in new],
            [rng.uniform(0, span * 1.2), rng.uniform(0, span * 1.2)],
        )
        if "finished" in kinds:
            span = _adapt(span, time.perf_counter() - start)
        assert "failed" not in kinds, kinds
        ks = keystore()  # the next start: sweeps what the killed children left
        opening = [i for i, p in enumerate(passwords) if opens_with(ks, 1, p)]
        if len(opening) != 1:
            unopenable += 1
            continue
        result = passwords[opening[0]]
        for kind, password in zip(kinds, new, strict=True):
            if kind == "finished":  # a change reported as done took effect
                assert result == password, (kinds, result)
        assert kinds.count("finished") <= 1
        ks.unlock(1, result).lock()
        assert ks.tries_left(1) == 6
        assert not list(device.glob(".*.tmp"))  # swept when the keystore was opened
        which = "old" if result == old else f"new{new.index(result) + 1}"
        outcomes[f"{kinds[0]}+{kinds[1]}:{which}"] += 1
        current = opening[0]
    assert unopenable == 0
    return {
        "runs": runs,
        "kill_points": 2 * runs,
        "unopenable": unopenable,
        "span_ms": round(span * 1000, 1),
        "outcomes": dict(outcomes),
    }


def _ca_world(folder: Path, seed: int):
    """The local CA on SQLite with a company, its approved certificate and a logged-in
    session: (engine, services, registration, session, certificate id)."""
    passphrase = folder / "ca-passphrase"
    passphrase.write_text("crash-harness-passphrase-" + os.urandom(8).hex())
    engine = CAEngine.open(
        folder / "ca",
        PassphraseFileSecret(passphrase),
        EngineConfig(passwords=CHEAP_PASSWORDS, kmc_pool_target=2, kmc_background=False),
    )
    services = LocalServices.over(engine)
    people = People(seed)
    reg = demo_company(people)
    services.ca.register_legal(reg)
    s = services.ca.login(AccountKind.LEGAL, reg.uscc, PASSWORD)
    cid = approved_certificate(services, reg, s)
    return engine, services, reg, s, cid


def activations(folder: Path, runs: int, seed: int) -> dict:
    rng = random.Random(seed)
    engine, services, reg, s, cid = _ca_world(folder, seed)
    keyring_file = folder / "INSECURE-file-keyring.json"
    enc = x509.load_pem_x509_certificate(
        services.ca.certificate_detail(s, cid).encryption_cert_pem.encode()
    )
    bid = cms.make_envelope(b"bid", enc)

    def device(name: str) -> DeviceService:
        ks = Keystore(folder / "devices" / name, name, InsecureFileStore(keyring_file), CHEAP)
        return DeviceService(services.ca, ks, name)

    def code() -> str:
        with contextlib.suppress(E.SmsCooldown):  # the last code was never used: still good
            services.ca.request_activation_code(s, cid)
        return last_code(services, reg.legal_person_phone)

    def child_activation(name: str, sms: str):
        def run():
            # A forked child must not reuse the parent's SQLite connections.
            engine.store.engine.dispose(close=False)
            engine.store._read_engine.dispose(close=False)
            device(name).activate(s, cid, sms, CERT_PASSWORD, CERT_PASSWORD)

        return run

    ready = [f"warm-up-{i}" for i in range(3)]
    span = sorted(_timed_run(child_activation(name, code())) for name in ready)[1]
    outcomes: Counter[str] = Counter()
    for i in range(runs):
        name = f"dev-{i}"
        child = child_activation(name, code())
        start = time.perf_counter()
        exit_kind = fork_and_kill(child, rng.uniform(0, span * 1.2))
        if exit_kind == "finished":
            span = _adapt(span, time.perf_counter() - start)
        assert exit_kind != "failed"
        # The next start of this device: resume, then check both sides agree.
        dev = device(name)
        reports = dev.resume_pending(s)
        assert all(r.outcome is not ResumeOutcome.STILL_PENDING for r in reports)
        assert dev.keystore.pending() == []
        state = dev.keystore.state(cid)
        assert state in (LocalState.READY, LocalState.ABSENT), state
        live = [
            d.serial_hex
            for d in services.ca.certificate_detail(s, cid).device_certs
            if d.device_name == name and not d.revoked
        ]
        if state is LocalState.READY:
            assert live == [dev.keystore.info(cid).device_serial_hex]
            with dev.unlock(cid, CERT_PASSWORD) as keys:
                assert keys.decrypt(bid) == b"bid"
            ready.append(name)
        else:
            assert live == []  # nothing issued, or issued and revoked as a lost key
        what = reports[0].outcome.value if reports else "no-record"
        outcomes[f"{exit_kind}:{state.value}:{what}"] += 1
    for name in ready:  # nothing else was lost along the way
        device(name).unlock(cid, CERT_PASSWORD).lock()
    assert engine.audit_verify()[1] is None
    services.close()
    return {"runs": runs, "span_ms": round(span * 1000, 1), "outcomes": dict(outcomes)}


def _die_at(step: str) -> None:
    """In a child: SIGKILL itself at ``step`` of the next key-file write, "staged" (the
    keyring entry names the new file, the old one is still in place) or "replaced" (the new
    file is in place, the entry not yet committed): the two windows of the write order."""
    real = ff.atomic_write

    def write(path: Path, data: bytes, **kwargs) -> None:
        if Path(path).name.startswith("cert-"):
            if step == "replaced":
                real(path, data, **kwargs)
            os.kill(os.getpid(), signal.SIGKILL)
        real(path, data, **kwargs)

    ff.atomic_write = write


def _entry_settled(ks: Keystore, cid: int) -> bool:
    kid = ks._read_header()["keystore_id"]
    record = ks._entry(kid)["files"][str(cid)]
    return set(record) <= {"mac", "serial"} and "mac" in record


def write_steps(folder: Path, runs: int, seed: int) -> dict:
    """Each run SIGKILLs one child at a chosen step of writing a key file (see ``_die_at``),
    in a password change or in the recovery of a locked certificate (through the services,
    against the local CA). The next start must open the keystore (old or new file as the
    step implies: nothing was half done), settle the keyring entry, and refuse the older copy
    of the file once the new one is in effect."""
    engine, services, reg, s, cid = _ca_world(folder, seed)
    keyring_file = folder / "INSECURE-file-keyring.json"
    enc = x509.load_pem_x509_certificate(
        services.ca.certificate_detail(s, cid).encryption_cert_pem.encode()
    )
    bid = cms.make_envelope(b"bid", enc)

    def keystore(name: str) -> Keystore:
        return Keystore(folder / "devices" / name, name, InsecureFileStore(keyring_file), CHEAP)

    def code() -> str:
        with contextlib.suppress(E.SmsCooldown):
            services.ca.request_activation_code(s, cid)
        return last_code(services, reg.legal_person_phone)

    def password_change(name: str, step: str) -> str:
        store(keystore(name), MiniCA(generations=1), 1)
        old = keystore(name)._cert_path(1).read_bytes()
        _die_at_then(step, lambda: keystore(name).change_password(1, CERT_PASSWORD, NEW_PASSWORD))
        ks = keystore(name)  # the next start
        want, other = (CERT_PASSWORD, NEW_PASSWORD)[:: 1 if step == "staged" else -1]
        assert opens_with(ks, 1, want) and not opens_with(ks, 1, other), step
        assert _entry_settled(ks, 1)
        ks.unlock(1, want).lock()
        assert ks.tries_left(1) == 6
        return _old_copy_refused(ks, 1, old, want, changed=step == "replaced")

    def recovery(name: str, step: str) -> str:
        dev = DeviceService(services.ca, keystore(name), name)
        dev.activate(s, cid, code(), CERT_PASSWORD, CERT_PASSWORD)
        old = dev.keystore._cert_path(cid).read_bytes()
        for _ in range(6):
            with contextlib.suppress(E.WrongPassword, E.CertificateLocked):
                dev.unlock(cid, "guess-Password-1")
        assert dev.keystore.state(cid) is LocalState.LOCKED
        sms = code()

        def run():
            engine.store.engine.dispose(close=False)
            engine.store._read_engine.dispose(close=False)
            DeviceService(services.ca, keystore(name), name).recover_locked(
                s, cid, sms, NEW_PASSWORD, NEW_PASSWORD
            )

        _die_at_then(step, run)
        dev = DeviceService(services.ca, keystore(name), name)  # the next start
        [report] = dev.resume_pending(s)
        assert report.outcome is ResumeOutcome.COMPLETED, report
        assert dev.keystore.state(cid) is LocalState.READY
        assert _entry_settled(dev.keystore, cid)
        live = [
            d.serial_hex
            for d in services.ca.certificate_detail(s, cid).device_certs
            if d.device_name == name and not d.revoked
        ]
        assert live == [dev.keystore.info(cid).device_serial_hex]
        with dev.unlock(cid, NEW_PASSWORD) as keys:
            assert keys.decrypt(bid) == b"bid"
        assert dev.keystore.tries_left(cid) == 6
        return _old_copy_refused(dev.keystore, cid, old, NEW_PASSWORD, changed=True)

    cases = [(op, step) for op in ("password", "recovery") for step in ("staged", "replaced")]
    outcomes: Counter[str] = Counter()
    for i in range(runs):
        op, step = cases[i % len(cases)]
        run_case = password_change if op == "password" else recovery
        outcomes[f"killed:{op}:{step}:{run_case(f'{op}-{i}', step)}"] += 1
    assert engine.audit_verify()[1] is None
    services.close()
    return {"runs": runs, "kill_points": runs, "unopenable": 0, "outcomes": dict(outcomes)}


def _die_at_then(step: str, operation) -> None:
    def child():
        _die_at(step)
        operation()

    assert fork_and_kill(child, 60.0) == "killed", step


def _old_copy_refused(ks: Keystore, cid: int, old: bytes, password: str, *, changed: bool) -> str:
    """Puts the copy of the key file from before the operation back: refused if the operation
    took effect (the current file back opens again), the same file otherwise."""
    path = ks._cert_path(cid)
    current = path.read_bytes()
    path.write_bytes(old)
    try:
        ks.info(cid)
    except E.KeyFileOutdated:
        assert changed
        path.write_bytes(current)
        ks.unlock(cid, password).lock()
        return "old-copy-refused"
    assert not changed and old == current
    return "old-file-kept"


if __name__ == "__main__":
    what, folder, runs, seed = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    harness = {"password": password_changes, "activation": activations, "steps": write_steps}[what]
    print(json.dumps({"harness": what, **harness(folder, runs, seed)}, ensure_ascii=False))

"""The SIGKILL crash harness for the keystore: run as its own process, it imports everything
once, then forks a child per run and kills it at a random point.

    python tests/helpers_crash.py password|activation FOLDER RUNS SEED

It runs in a process of its own (started by ``tests/test_keystore_crash.py``) so that it
forks a single-threaded Python, never the pytest process with Qt's threads in it. Each run:
fork, let the child change a password or activate a certificate (cheap KDF, the INSECURE file
keyring shared by child and parent, the local CA on SQLite), SIGKILL it after a random delay
within the operation's duration, then check from the parent, as the next start would, that
the keystore opens with the old or the new password, that the activation was completed or
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
from mobileca_desktop.keystore.kdf import CHEAP
from mobileca_desktop.keystore.secretstore import InsecureFileStore
from mobileca_desktop.keystore.store import Keystore, LocalState
from mobileca_desktop.services.device import DeviceService, ResumeOutcome
from mobileca_desktop.services.local import LocalServices


def fork_and_kill(child, delay: float) -> str:
    """Runs ``child()`` in a forked process and SIGKILLs it after ``delay`` seconds:
    "killed", "finished" or "failed"."""
    pid = os.fork()
    if pid == 0:  # the child: never return into the harness
        code = 0
        try:
            child()
        except BaseException:
            code = 1
        os._exit(code)
    deadline = time.perf_counter() + delay
    status = None
    while time.perf_counter() < deadline:  # busy-wait: sleep() is too coarse here
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
            break
    if status is None:
        with contextlib.suppress(ProcessLookupError):  # it finished just now
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return "killed"
    return "finished" if os.WEXITSTATUS(status) == 0 else "failed"


def _timed_run(child) -> float:
    start = time.perf_counter()
    assert fork_and_kill(child, 30.0) == "finished"
    return time.perf_counter() - start


def _adapt(span: float, finished_in: float) -> float:
    """Follows the machine's speed: a child that finished before its kill point shows how
    long the operation takes now (other work on the machine changes it)."""
    return 0.8 * span + 0.2 * finished_in


def password_changes(folder: Path, runs: int, seed: int) -> dict:
    rng = random.Random(seed)
    keyring_file = folder / "INSECURE-file-keyring.json"
    device = folder / "devices" / "laptop"

    def keystore() -> Keystore:
        return Keystore(device, "laptop", InsecureFileStore(keyring_file), CHEAP)

    store(keystore(), MiniCA(generations=2), 1)
    passwords = [CERT_PASSWORD, NEW_PASSWORD]
    spans = []
    for _ in range(3):
        spans.append(_timed_run(lambda: keystore().change_password(1, *passwords)))
        keystore().change_password(1, passwords[1], passwords[0])
    span = sorted(spans)[1]
    current = 0
    outcomes: Counter[str] = Counter()
    for _ in range(runs):
        old, new = passwords[current], passwords[1 - current]
        start = time.perf_counter()
        exit_kind = fork_and_kill(
            lambda old=old, new=new: keystore().change_password(1, old, new),
            rng.uniform(0, span * 1.2),
        )
        if exit_kind == "finished":
            span = _adapt(span, time.perf_counter() - start)
        assert exit_kind != "failed"
        ks = keystore()
        try:
            ks.unlock(1, old).lock()
            result = "old"
        except E.WrongPassword:
            ks.unlock(1, new).lock()  # must open with the new one, else this raises
            result, current = "new", 1 - current
        assert ks.tries_left(1) == 6
        assert not list(device.glob(".*.tmp"))  # swept when the keystore was opened
        outcomes[f"{exit_kind}:{result}"] += 1
    assert outcomes["finished:old"] == 0  # a finished change always took effect
    return {"runs": runs, "span_ms": round(span * 1000, 1), "outcomes": dict(outcomes)}


def activations(folder: Path, runs: int, seed: int) -> dict:
    rng = random.Random(seed)
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


if __name__ == "__main__":
    what, folder, runs, seed = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    harness = {"password": password_changes, "activation": activations}[what]
    print(json.dumps({"harness": what, **harness(folder, runs, seed)}, ensure_ascii=False))

"""Worker processes for ``tests/test_keystore_processes.py``: real processes (multiprocessing
"spawn") that share one device profile and its INSECURE file keyring.

Each worker imports the keystore once, then takes tasks from its own queue; all workers of
a round start together at a barrier, so their operations overlap. Every operation's outcome
is reported as ``("ok", value)``, ``("typed", code)`` (a ``MobileCAError``) or
``("untyped", traceback)``. Every KDF evaluation in a worker is appended to a counter file
(``pid password`` per line) *before* it runs, so the test can count the wrong passwords that
were really evaluated.
"""

from __future__ import annotations

import itertools
import os
import threading
import traceback
from pathlib import Path
from typing import Any

BARRIER_S = 60.0


def _count_kdf(counter_file: str) -> None:
    from mobileca_desktop.keystore import store

    derive = store.derive_kek

    def counted(password, salt, profile, device_secret):
        line = f"{os.getpid()} {password}\n".encode()
        fd = os.open(counter_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
        return derive(password, salt, profile, device_secret)

    store.derive_kek = counted


def _keystore(folder: str, keyring: str):
    from mobileca_desktop.keystore.kdf import CHEAP
    from mobileca_desktop.keystore.secretstore import InsecureFileStore
    from mobileca_desktop.keystore.store import Keystore

    return Keystore(Path(folder), "laptop", InsecureFileStore(Path(keyring)), CHEAP)


def attempt(fn) -> tuple[str, Any]:
    from mobileca_desktop.domain.errors import MobileCAError

    try:
        return ("ok", fn())
    except MobileCAError as exc:
        return ("typed", exc.code)
    except Exception as exc:  # what the test looks for: any untyped failure
        return ("untyped", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")


def _unlock_and(ks, cid: int, passwords: list[str], use) -> list[tuple[str, Any]]:
    """Unlocks with each password in turn until one opens (a change may have happened)."""
    out = []
    for password in passwords:

        def run(password=password):
            with ks.unlock(cid, password) as keys:
                return use(keys)

        result = attempt(run)
        out.append(result)
        if result != ("typed", "wrong_password"):
            break
    return out


# --- roles ---------------------------------------------------------------------------------


def idle() -> list:
    return []


def guess(folder: str, keyring: str, cid: int, prefix: str) -> list:
    ks = _keystore(folder, keyring)
    out = []
    for i in range(20):
        result = attempt(lambda i=i: ks.unlock(cid, f"{prefix}-{i}").lock())
        out.append(result)
        if result != ("typed", "wrong_password"):
            break
    return out


def change(folder: str, keyring: str, cid: int, old: str, new: str) -> list:
    ks = _keystore(folder, keyring)
    return [attempt(lambda: ks.change_password(cid, old, new))]


def changes(folder: str, keyring: str, cid: int, passwords: list[str], flag: str) -> list:
    """One password change after another (passwords[0] -> [1] -> [2] ...), then ``flag``."""
    out = []
    try:
        for old, new in itertools.pairwise(passwords):
            out.append(
                attempt(
                    lambda old=old, new=new: _keystore(folder, keyring).change_password(
                        cid, old, new
                    )
                )
            )
    finally:
        Path(flag).touch()
    return out


def sign(folder: str, keyring: str, cid: int, passwords: list[str], message: bytes) -> list:
    ks = _keystore(folder, keyring)
    return _unlock_and(ks, cid, passwords, lambda keys: keys.sign(message).hex())


def decrypt(folder: str, keyring: str, cid: int, passwords: list[str], bids: list) -> list:
    ks = _keystore(folder, keyring)
    return _unlock_and(ks, cid, passwords, lambda keys: [keys.decrypt(b).hex() for b in bids])


def open_until(folder: str, keyring: str, cid: int, flag: str) -> list:
    """Opens the keystore (which sweeps temporary files) and reads it until ``flag``
    exists; reports the failures and, last, how many opens it made."""
    out = []
    opens = 0
    while not Path(flag).exists() and opens < 5000:

        def one():
            ks = _keystore(folder, keyring)
            ks.state(cid)
            ks.info(cid)
            return ks.certificate_ids()

        result = attempt(one)
        opens += 1
        if result[0] != "ok":
            out.append(result)
    out.append(("ok", opens))
    return out


def nonces(path: str, prefix: str, count: int, shared: str) -> list:
    import time

    from mobileca_desktop.services.scan import NonceStore

    store = NonceStore(Path(path))
    now = time.time()
    out = []
    for i in range(count):
        out.append(attempt(lambda i=i: store.spend("p", f"{prefix}-{i}", int(now) + 60, now)))
    out.append(attempt(lambda: store.spend("p", shared, int(now) + 60, now)))
    return out


ROLES = {
    "idle": idle,
    "guess": guess,
    "change": change,
    "changes": changes,
    "sign": sign,
    "decrypt": decrypt,
    "open_until": open_until,
    "nonces": nonces,
}


def worker_main(index: int, tasks, results, barrier, counter_file: str) -> None:
    """A worker's life: take (role, kwargs) tasks until None; start each at the barrier."""
    import logging

    logging.disable(logging.WARNING)  # the INSECURE store's warning, once per Keystore
    _count_kdf(counter_file)
    while True:
        task = tasks.get()
        if task is None:
            return
        role, kwargs = task
        try:
            barrier.wait(timeout=BARRIER_S)
        except threading.BrokenBarrierError:
            results.put((index, [("untyped", "the start barrier broke")]))
            continue
        try:
            outcome = ROLES[role](**kwargs)
        except Exception:
            outcome = [("untyped", traceback.format_exc())]
        results.put((index, outcome))

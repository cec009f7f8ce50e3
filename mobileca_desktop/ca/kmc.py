"""The key management centre (KMC): RSA-2048 encryption keys, made ahead of time in a pool,
escrowed for every generation of a certificate lineage, and delivered to activating devices
under the documented ECIES (see docs/ecies.md).

RSA because CMS EnvelopedData key transport (cryptography's pkcs7 API, ``openssl cms``)
takes RSA recipients only; a pool because one RSA-2048 key costs ~57 ms to make.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy.orm import Session

from mobileca_desktop.ca import pki
from mobileca_desktop.ca.store import Store
from mobileca_desktop.ca.store import authority as q

log = logging.getLogger(__name__)


class KeyPool:
    def __init__(
        self,
        store: Store,
        wrap: Callable[[rsa.RSAPrivateKey, str], bytes],
        unwrap: Callable[[bytes, str], rsa.RSAPrivateKey],
        target: int = 8,
    ) -> None:
        self._store = store
        self._wrap = wrap
        self._unwrap = unwrap
        self.target = target
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self.generated = 0
        self.generation_seconds = 0.0

    def size(self) -> int:
        with self._store.read() as s:
            return q.pool_size(s)

    def take(self, session: Session) -> rsa.RSAPrivateKey:
        """A key from the pool, inside the caller's transaction; made on the spot if the
        pool is empty (slower, never fails for that reason)."""
        wrapped = q.pool_take(session)
        self._wake.set()
        if wrapped is None:
            return self._generate()
        return self._unwrap(wrapped, "kmc/pool")

    def _generate(self) -> rsa.RSAPrivateKey:
        t0 = time.perf_counter()
        key = pki.new_rsa_key()
        self.generation_seconds += time.perf_counter() - t0
        self.generated += 1
        return key

    def refill(self, count: int | None = None, now: dt.datetime | None = None) -> int:
        """Adds keys until the pool holds ``target`` (or adds ``count``). Returns keys added."""
        want = count if count is not None else max(0, self.target - self.size())
        for _ in range(want):
            key = self._generate()
            with self._store.tx() as s:
                q.pool_add(s, self._wrap(key, "kmc/pool"), now or dt.datetime.now(dt.UTC))
        return want

    def start_background(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="kmc-pool", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                while not self._stop.is_set() and self.size() < self.target:
                    self.refill(1)
            except Exception:  # the pool is an optimisation: log and carry on
                log.exception("KMC pool refill failed")
            self._wake.wait(timeout=30)
            self._wake.clear()

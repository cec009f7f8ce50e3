"""In-memory token buckets for the server's rate limits (SMS sends, code checks, logins).

One bucket per (limit, key), where the key is an account, a login name, a client address or
its network (IPv4 /24, IPv6 /64: ``netprefix``; many addresses of one network get one share).
A bucket holds ``burst`` tokens and refills at ``per_minute`` tokens a minute; an empty
bucket raises the typed ``RateLimited`` with the seconds to wait.

The buckets that bound guessing (logins per account, address and network; SMS sends and
code checks) are shared by every worker of one CA (``SharedBuckets``): they live in the CA's
database (``ca/store/ratebuckets.py``), so ``mobileca-ca serve --workers N``, or several
servers on one database, give a client the limit once, not N times. Each worker first takes
from its own in-memory ``Buckets`` with the same limits: a worker that alone has seen a key
exceed its limit refuses at once, without a database round trip (a flood costs no writes).
``InFlight`` and ``Tarpit`` stay per process by nature: they count and delay what this
process is holding (its queued hashes, its sleeping refusals), as the fair lane does.

Password hashes (logins, registrations) are what the server can do least of (~4 Argon2id
hashes a second a core). Their per-address and per-network buckets match that rate, and
``InFlight`` caps how many of one address's, and of one network's, hashes may be queued or
running at once: a flooding address or network is refused at once (429) instead of queueing
ahead of everyone else's logins.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from mobileca_desktop.ca.store import ratebuckets
from mobileca_desktop.ca.store.connection import Store
from mobileca_desktop.domain.errors import RateLimited


@dataclass(frozen=True)
class Limit:
    per_minute: float
    burst: int


@dataclass(frozen=True)
class RateLimits:
    """Defaults: generous for a person at a keyboard, tight for a script guessing codes."""

    sms_send: Limit = Limit(per_minute=6, burst=6)
    sms_check: Limit = Limit(per_minute=20, burst=20)
    login: Limit = Limit(per_minute=10, burst=10)
    # Per client address, across accounts (one machine guessing many accounts' codes).
    per_address_factor: int = 100
    # Password hashes per client address (logins, registrations, reviewer logins, whatever
    # the name): about what one core hashes (Argon2id ~0.25 s), with a small burst.
    login_per_address: Limit = Limit(per_minute=240, burst=20)
    # Hashes of one address queued or running at once; more are refused, not queued.
    login_in_flight: int = 2
    # The same for all the addresses of one network (IPv4 /24, IPv6 /64) together: one
    # share of the hashing rate (a larger burst: an office behind a block of addresses).
    login_per_network: Limit = Limit(per_minute=240, burst=40)
    login_in_flight_per_network: int = 4
    # ``login`` counts one account's logins per client address, so a guesser at another
    # address cannot lock its owner out; all addresses together get this many times that.
    per_account_factor: int = 10

    @classmethod
    def unlimited(cls) -> RateLimits:
        big = Limit(per_minute=1e9, burst=10**9)
        return cls(
            sms_send=big,
            sms_check=big,
            login=big,
            login_per_address=big,
            login_in_flight=10**9,
            login_per_network=big,
            login_in_flight_per_network=10**9,
        )


def widened(limit: Limit, factor: int) -> Limit:
    return Limit(per_minute=limit.per_minute * factor, burst=limit.burst * factor)


class Buckets:
    """Thread-safe; old full buckets are dropped so memory stays bounded."""

    MAX_BUCKETS = 100_000

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._state: dict[tuple[str, str], tuple[float, float]] = {}

    def take(self, name: str, key: str, limit: Limit) -> None:
        now = self._clock()
        rate = limit.per_minute / 60.0
        with self._lock:
            tokens, at = self._state.get((name, key), (float(limit.burst), now))
            tokens = min(float(limit.burst), tokens + (now - at) * rate)
            if tokens < 1.0:
                wait = math.ceil((1.0 - tokens) / rate) if rate > 0 else 60
                self._state[(name, key)] = (tokens, now)
                raise RateLimited(seconds=max(1, wait))
            self._state[(name, key)] = (tokens - 1.0, now)
            if len(self._state) > self.MAX_BUCKETS:
                self._prune(now)

    def _prune(self, now: float) -> None:
        # Buckets untouched for ten minutes are full again under every limit we use.
        for k in [k for k, (_t, at) in self._state.items() if now - at > 600]:
            del self._state[k]


class SharedBuckets:
    """Buckets shared by all the workers of one CA (its database), behind this worker's own.

    ``take_local`` is the in-memory fast path (call it on the event loop); ``take_shared``
    makes a database round trip (call it in a thread). Both raise ``RateLimited``."""

    PRUNE_EVERY = 60.0  # seconds between deletions of full buckets, per worker

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock
        self._local = Buckets()
        self._lock = threading.Lock()
        self._pruned = clock()

    def take_local(self, takes: Sequence[tuple[str, str, Limit]]) -> None:
        for name, key, limit in takes:
            self._local.take(name, key, limit)

    def take_shared(self, takes: Sequence[tuple[str, str, Limit]]) -> None:
        now = self._clock()
        with self._lock:
            prune = now - self._pruned >= self.PRUNE_EVERY
            if prune:
                self._pruned = now
        wait = ratebuckets.take(
            self._store,
            [ratebuckets.Take(n, k, lim.per_minute, lim.burst) for n, k, lim in takes],
            now,
            prune=prune,
        )
        if wait is not None:
            raise RateLimited(seconds=wait)

    def take(self, takes: Sequence[tuple[str, str, Limit]]) -> None:
        self.take_local(takes)
        self.take_shared(takes)


class InFlight:
    """Counts what each key has queued or running; thread-safe, empty keys are dropped."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count: dict[str, int] = {}

    @contextmanager
    def hold(self, key: str, most: int, retry_after: int = 1) -> Iterator[None]:
        """One slot of ``key`` for the block, or ``RateLimited`` at once when ``key``
        already holds ``most``."""
        with self._lock:
            held = self._count.get(key, 0)
            if held >= most:
                raise RateLimited(seconds=retry_after)
            self._count[key] = held + 1
        try:
            yield
        finally:
            with self._lock:
                left = self._count[key] - 1
                if left:
                    self._count[key] = left
                else:
                    del self._count[key]


class Tarpit:
    """Addresses that ignore ``Retry-After``: one refused again within ``window`` seconds of
    its last refusal waits ``delay`` seconds for the answer. A client that honours the
    header never waits; a flood's threads are held, costing the server a sleeping task
    instead of a core spent answering refusals."""

    MAX_KEYS = 100_000

    def __init__(
        self, delay: float = 1.0, window: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.delay = delay
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}

    def delay_for(self, key: str) -> float:
        now = self._clock()
        with self._lock:
            last = self._last.get(key)
            self._last[key] = now
            if len(self._last) > self.MAX_KEYS:
                self._last = {k: t for k, t in self._last.items() if now - t < self.window}
        return self.delay if last is not None and now - last < self.window else 0.0

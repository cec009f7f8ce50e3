"""A thread lane for the password hashes that serves the quiet clients first.

The server hashes few passwords a second (Argon2id, ~0.25 s and 64 MiB each). With a plain
first-come queue one address that keeps a few logins waiting at all times delays everyone
behind it. Here each client key (its address) has a use score that decays with time
(``half_life`` seconds); when a slot frees, the waiter with the lowest score goes next, ties
in arrival order. A real user arriving during a flood from another address waits for the
hash that is running, not for the flood's queue. Runs on the event loop (no locks).
"""

from __future__ import annotations

import asyncio
import functools
import heapq
import itertools
import math
import time
from collections.abc import Callable
from typing import Any

import anyio
import anyio.to_thread


class FairLane:
    MAX_KEYS = 50_000

    def __init__(
        self, slots: int, *, half_life: float = 10.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.slots = max(1, slots)
        self._decay = math.log(2) / half_life
        self._clock = clock
        self._busy = 0
        self._waiters: list[tuple[float, int, asyncio.Future]] = []
        self._order = itertools.count()
        self._scores: dict[str, tuple[float, float]] = {}
        self._threads: anyio.CapacityLimiter | None = None

    def _score(self, key: str) -> float:
        """The key's decayed use, counting this request."""
        now = self._clock()
        score, at = self._scores.get(key, (0.0, now))
        score = score * math.exp(-self._decay * (now - at)) + 1.0
        self._scores[key] = (score, now)
        if len(self._scores) > self.MAX_KEYS:
            cutoff = now - 20 / self._decay  # decayed to nothing
            self._scores = {k: v for k, v in self._scores.items() if v[1] > cutoff}
        return score

    async def run(self, key: str, fn: Callable[..., Any], *args: Any) -> Any:
        if self._threads is None:  # made inside the event loop
            self._threads = anyio.CapacityLimiter(self.slots)
        score = self._score(key)
        if self._busy < self.slots and not self._waiters:
            self._busy += 1
        else:
            slot: asyncio.Future = asyncio.get_running_loop().create_future()
            heapq.heappush(self._waiters, (score, next(self._order), slot))
            try:
                await slot
            except asyncio.CancelledError:
                if slot.done() and not slot.cancelled():
                    self._release()  # the slot was handed over as we were cancelled
                else:
                    slot.cancel()  # skipped when popped
                raise
        try:
            return await anyio.to_thread.run_sync(
                functools.partial(fn, *args), limiter=self._threads
            )
        finally:
            self._release()

    def _release(self) -> None:
        while self._waiters:
            _score, _n, slot = heapq.heappop(self._waiters)
            if not slot.done():
                slot.set_result(None)  # the slot passes on; _busy is unchanged
                return
        self._busy -= 1

    @property
    def waiting(self) -> int:
        return sum(1 for _s, _n, slot in self._waiters if not slot.done())

"""A thread lane for the password hashes that takes the client addresses in turn.

The server hashes few passwords a second (Argon2id, ~0.25 s and 64 MiB each). With a plain
first-come queue one address that keeps logins waiting at all times delays everyone behind
it. Here the waiters are served by start-time fair queueing with a unit cost: a request from
an address with requests queued or running gets its address's last tag + 1, one from an idle
address the virtual time (the tag last started) + 0.5; the smallest tag goes next, ties in
arrival order. Addresses thus take turns, whatever each one's number of requests: a real
user arriving during a flood from another address waits only for the hash that is running,
never for the flood's queue, and since every start moves the virtual time on, no address
waits for ever. Runs on the event loop (no locks).
"""

from __future__ import annotations

import asyncio
import functools
import heapq
import itertools
from collections.abc import Callable
from typing import Any

import anyio
import anyio.to_thread


class FairLane:
    MAX_KEYS = 50_000

    def __init__(self, slots: int) -> None:
        self.slots = max(1, slots)
        self._busy = 0
        self._waiters: list[tuple[float, int, asyncio.Future]] = []
        self._order = itertools.count()
        self._vtime = 0.0
        self._last: dict[str, float] = {}
        self._active: dict[str, int] = {}  # requests queued or running, by address
        self._threads: anyio.CapacityLimiter | None = None

    def _tag(self, key: str) -> float:
        # An address with nothing queued or running goes before the next turn of the busy
        # ones (half a turn); a busy one queues a whole turn after its last request.
        if self._active.get(key, 0) == 0:
            tag = self._vtime + 0.5
        else:
            tag = max(self._vtime, self._last.get(key, 0.0)) + 1
        self._last[key] = tag
        if len(self._last) > self.MAX_KEYS:
            # A last tag at or below the virtual time no longer counts (max() above).
            self._last = {k: t for k, t in self._last.items() if t > self._vtime}
        return tag

    async def run(self, key: str, fn: Callable[..., Any], *args: Any) -> Any:
        if self._threads is None:  # made inside the event loop
            self._threads = anyio.CapacityLimiter(self.slots)
        tag = self._tag(key)
        self._active[key] = self._active.get(key, 0) + 1
        try:
            return await self._queued(tag, fn, *args)
        finally:
            left = self._active[key] - 1
            if left:
                self._active[key] = left
            else:
                del self._active[key]

    async def _queued(self, tag: float, fn: Callable[..., Any], *args: Any) -> Any:
        if self._busy < self.slots and not self._waiters:
            self._busy += 1
            self._vtime = max(self._vtime, tag)
        else:
            slot: asyncio.Future = asyncio.get_running_loop().create_future()
            heapq.heappush(self._waiters, (tag, next(self._order), slot))
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
            tag, _n, slot = heapq.heappop(self._waiters)
            if not slot.done():
                self._vtime = max(self._vtime, tag)
                slot.set_result(None)  # the slot passes on; _busy is unchanged
                return
        self._busy -= 1

    @property
    def waiting(self) -> int:
        return sum(1 for _t, _n, slot in self._waiters if not slot.done())

"""A thread lane for the password hashes that takes client networks, and within a network its
addresses, in turn.

The server hashes few passwords a second (Argon2id, ~0.25 s and 64 MiB each). With a plain
first-come queue one address that keeps logins waiting at all times delays everyone behind
it, and so do many addresses of one network each keeping one login waiting. Here the
waiters are served by start-time fair queueing with a unit cost, on two levels:

- networks (IPv4 /24, IPv6 /64: ``netprefix.network_of``): a request from a network with
  requests queued or running gets its network's last tag + 1, one from an idle network the
  virtual time (the tag last started) + 0.5; the smallest tag takes the next turn, ties in
  arrival order;
- addresses within a network, by the same rule with the network's own virtual time: a turn
  of the network goes to its address with the smallest tag.

Networks thus take turns whatever their number of addresses or requests, and a network's
addresses share its turns: a real user arriving during a flood from another network waits
only for the hash that is running, never for the flood's queue, and one in the flooding
network waits for its network's turns only, not behind the busiest address's queue. Since
every start moves the virtual times on, nobody waits for ever. Runs on the event loop (no
locks).
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

from mobileca_desktop.netprefix import network_of


class _Turns:
    """Start-time fair tags for keys that take turns (unit cost)."""

    MAX_KEYS = 50_000

    def __init__(self) -> None:
        self.vtime = 0.0
        self.last: dict[str, float] = {}
        self.active: dict[str, int] = {}  # requests queued or running, by key

    def tag(self, key: str) -> float:
        # A key with nothing queued or running goes before the next turn of the busy ones
        # (half a turn); a busy one queues a whole turn after its last request.
        if self.active.get(key, 0) == 0:
            tag = self.vtime + 0.5
        else:
            tag = max(self.vtime, self.last.get(key, 0.0)) + 1
        self.last[key] = tag
        if len(self.last) > self.MAX_KEYS:
            # A last tag at or below the virtual time no longer counts (max() above).
            self.last = {k: t for k, t in self.last.items() if t > self.vtime}
        self.active[key] = self.active.get(key, 0) + 1
        return tag

    def started(self, tag: float) -> None:
        self.vtime = max(self.vtime, tag)

    def done(self, key: str) -> bool:
        """One request of ``key`` over; True when nothing is left of any key."""
        left = self.active[key] - 1
        if left:
            self.active[key] = left
        else:
            del self.active[key]
        return not self.active


class _Network:
    """The waiters of one network, by their addresses' tags."""

    def __init__(self) -> None:
        self.turns = _Turns()
        self.waiters: list[tuple[float, int, asyncio.Future]] = []


class FairLane:
    def __init__(self, slots: int) -> None:
        self.slots = max(1, slots)
        self._busy = 0
        self._order = itertools.count()
        self._turns = _Turns()  # between networks
        self._networks: dict[str, _Network] = {}  # those with requests queued or running
        # One entry a queued request: its network's turn (tag, order, network).
        self._queue: list[tuple[float, int, str]] = []
        self._threads: anyio.CapacityLimiter | None = None

    async def run(self, address: str, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` in a thread once it is the turn of ``address`` (a client address;
        another text is a network of its own)."""
        if self._threads is None:  # made inside the event loop
            self._threads = anyio.CapacityLimiter(self.slots)
        network = network_of(address)
        net = self._networks.get(network)
        if net is None:
            net = self._networks[network] = _Network()
        net_tag = self._turns.tag(network)
        address_tag = net.turns.tag(address)
        try:
            return await self._queued(network, net, net_tag, address_tag, fn, *args)
        finally:
            self._turns.done(network)
            if net.turns.done(address) and self._networks.get(network) is net:
                del self._networks[network]  # idle: its addresses' tags no longer count

    async def _queued(
        self,
        network: str,
        net: _Network,
        net_tag: float,
        address_tag: float,
        fn: Callable[..., Any],
        *args: Any,
    ) -> Any:
        if self._busy < self.slots and not self._queue:
            self._busy += 1
            self._turns.started(net_tag)
            net.turns.started(address_tag)
        else:
            slot: asyncio.Future = asyncio.get_running_loop().create_future()
            order = next(self._order)
            heapq.heappush(net.waiters, (address_tag, order, slot))
            heapq.heappush(self._queue, (net_tag, order, network))
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
        """Hands the freed slot to the next turn's network, there to its next address."""
        while self._queue:
            net_tag, _n, network = heapq.heappop(self._queue)
            net = self._networks.get(network)
            while net is not None and net.waiters:
                address_tag, _m, slot = heapq.heappop(net.waiters)
                if not slot.done():
                    self._turns.started(net_tag)
                    net.turns.started(address_tag)
                    slot.set_result(None)  # the slot passes on; _busy is unchanged
                    return
                # a cancelled waiter: its network's turn goes to its next address, if any
        self._busy -= 1

    @property
    def waiting(self) -> int:
        return sum(
            1 for net in self._networks.values() for _t, _n, slot in net.waiters if not slot.done()
        )

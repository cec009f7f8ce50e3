"""How slowly a client may send a request to our ASGI servers (the CA server and the platform).

A slow client (slowloris) holds a connection, a task and the memory of a half-read request
for as long as it keeps trickling bytes. Two layers bound that time:

- ``BodyDeadline`` (this module, ASGI): once the application starts reading a body, the
  whole body must arrive within ``Deadlines.body_seconds``, and after a grace of
  ``grace_seconds`` it must keep an average of at least ``min_rate`` bytes a second. A
  client that falls behind is answered 408 with ``Connection: close`` (the application's
  own answer to the cut-off read is discarded, as ``asgi_limits.BodyLimit`` does).
- ``http_deadlines.DeadlineH11Protocol`` (uvicorn's HTTP/1.1 protocol with timers): the
  request line and headers must be complete within ``header_seconds`` of the connection
  opening or of the previous answer, and a body the application never reads is cut off
  after ``body_seconds`` plus the grace, so nothing can trickle forever.

Shared by ``server`` and ``platform``; imports nothing of the project's but ``asgi_limits``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from mobileca_desktop.asgi_limits import CutOff, Refusal


@dataclass(frozen=True)
class Deadlines:
    """The time a client has to send a request (seconds) and the slowest body it may send.

    The defaults leave a phone on a poor mobile link (tens of KiB/s) room for the largest
    upload (16 MiB at 140 KiB/s in two minutes), while a connection that holds on costs an
    attacker at least ``min_rate`` of bandwidth and lives at most ``body_seconds``.
    """

    header_seconds: float = 15.0
    body_seconds: float = 120.0
    grace_seconds: float = 5.0
    min_rate: float = 4096.0  # bytes a second, averaged since the body's first read
    # Open connections from one network (IPv4 /24, IPv6 /64) at once; more are answered 503
    # and closed (``http_deadlines``): the deadlines bound how long, this how many.
    connections_per_network: int = 256
    # Peers whose connections are not counted (addresses or networks): the reverse proxies
    # a server trusts, which carry many clients' connections and bound them themselves.
    uncounted: tuple[str, ...] = ()

    def body_wait(self, elapsed: float, seen: int) -> float:
        """Seconds the body may still take to bring its next bytes, ``elapsed`` seconds
        after its first read with ``seen`` bytes read (<= 0: too slow already)."""
        behind_at = self.grace_seconds + seen / self.min_rate
        return min(self.body_seconds, behind_at) - elapsed


class BodyTooSlow(Exception):
    """Raised into the application when its body read passes the deadline."""


class BodyDeadline:
    """ASGI middleware: a request body that arrives too slowly is answered 408 and its
    connection closed. ``refusal(scope)`` builds the 408 in the application's error format."""

    def __init__(
        self,
        app: Callable[..., Awaitable[None]],
        *,
        deadlines: Deadlines,
        refusal: Callable[[dict], Refusal],
    ) -> None:
        self.app = app
        self.deadlines = deadlines
        self.refusal = refusal

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        first_read: float | None = None
        seen = 0
        ended = False
        answer = CutOff(send)

        async def timed_receive():
            nonlocal first_read, seen, ended
            if ended or answer.cut:
                return await receive()
            if first_read is None:  # the clock starts when the application reads
                first_read = loop.time()
            wait = self.deadlines.body_wait(loop.time() - first_read, seen)
            try:
                # Bytes already buffered are returned at once, even with no time left.
                async with asyncio.timeout(max(wait, 0.0)):
                    message = await receive()
            except TimeoutError:
                await answer.refuse(self.refusal(scope))
                raise BodyTooSlow from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                ended = not message.get("more_body", False)
            else:
                ended = True  # http.disconnect
            return message

        with contextlib.suppress(BodyTooSlow):  # already answered with the 408
            await self.app(scope, timed_receive, answer.send)

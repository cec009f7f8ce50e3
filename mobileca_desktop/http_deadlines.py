"""uvicorn's HTTP/1.1 protocol with deadlines for slow clients (see ``asgi_deadlines``).

uvicorn (with h11, the protocol it uses without httptools) bounds the size of a request's
headers (``h11_max_incomplete_event_size``) and the idle time between two requests of a
kept-alive connection (``timeout_keep_alive``), but not the time a client may take to send
its headers, nor a body the application does not read: one byte every few seconds holds a
connection forever. ``DeadlineH11Protocol`` adds one timer a connection, following the
client's side of the HTTP state machine:

- waiting for a request (connection opened, or the previous answer sent): its request line
  and headers must be complete within ``header_seconds``, else 408 and the connection closed;
- sending a body: it must end within ``body_seconds`` plus the grace (``BodyDeadline``
  answers 408 sooner when the application reads it), else the connection is closed;
- otherwise (the application is answering) no timer on the request; but while the answer's
  writing is paused (the client does not read it) the client has the grace plus the time
  ``min_rate`` takes for the write buffer's worth, else the connection is aborted.

It also counts each network's open connections (``netprefix``, per server): past
``connections_per_network`` a new one is answered 503 and closed at once, so one network
cannot hold all the server's sockets with connections that each keep their deadlines
(the server's trusted proxies, ``Deadlines.uncounted``, are not counted).

``apply(config, deadlines)`` sets a ``uvicorn.Config`` up for it (both servers use it).
"""

from __future__ import annotations

import asyncio
import ipaddress

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from mobileca_desktop.asgi_deadlines import Deadlines
from mobileca_desktop.netprefix import network_of

# uvicorn builds one protocol object a connection from its Config; the deadlines travel on
# the Config (it is pickled whole to worker processes with --workers).
CONFIG_ATTRIBUTE = "mobileca_deadlines"
MAX_HEADER_BYTES = 16 * 1024  # h11's default, named so that it is a decision
TIMEOUT_KEEP_ALIVE = 5  # seconds a kept-alive connection may sit idle (uvicorn's default)
TOO_SLOW = b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
TOO_MANY = (
    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Length: 0\r\n"
    b"Connection: close\r\n\r\n"
)
# asyncio's default high-water mark of a transport's write buffer (uvicorn sets none):
# writing pauses above it.
WRITE_BUFFER_HIGH = 64 * 1024
COUNTS_ATTRIBUTE = "mobileca_connections"  # on uvicorn's ServerState: network -> open ones


class DeadlineH11Protocol(H11Protocol):
    def __init__(self, config, server_state, app_state, _loop=None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.deadlines: Deadlines = getattr(config, CONFIG_ATTRIBUTE, None) or Deadlines()
        self._phase: str | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._network: str | None = None  # counted against its network while open
        self._write_timer: asyncio.TimerHandle | None = None  # an answer paused unread

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        counts: dict[str, int] = self.server_state.__dict__.setdefault(COUNTS_ATTRIBUTE, {})
        peer = self.client[0] if self.client else "unknown"
        if _uncounted(peer, self.deadlines.uncounted):
            self._follow()
            return
        network = network_of(peer)
        if counts.get(network, 0) >= self.deadlines.connections_per_network:
            transport.write(TOO_MANY)
            transport.close()
            return
        counts[network] = counts.get(network, 0) + 1
        self._network = network
        self._follow()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        self._stop_write_timer()
        if self._network is not None:
            counts: dict[str, int] = getattr(self.server_state, COUNTS_ATTRIBUTE)
            left = counts[self._network] - 1
            if left:
                counts[self._network] = left
            else:
                del counts[self._network]
            self._network = None
        super().connection_lost(exc)

    def pause_writing(self) -> None:
        """The client does not read its answer (its window is shut, the buffer is full): it
        has the grace plus what ``min_rate`` allows for the buffer's worth to move on, else
        the connection is closed (an answer never read held it and its task for ever)."""
        super().pause_writing()
        self._stop_write_timer()
        d = self.deadlines
        seconds = d.grace_seconds + WRITE_BUFFER_HIGH / d.min_rate
        self._write_timer = self.loop.call_later(seconds, self._too_slow_reader)

    def resume_writing(self) -> None:
        self._stop_write_timer()
        super().resume_writing()

    def _stop_write_timer(self) -> None:
        if self._write_timer is not None:
            self._write_timer.cancel()
            self._write_timer = None

    def _too_slow_reader(self) -> None:
        self._write_timer = None
        if self.transport is not None and not self.transport.is_closing():
            self.transport.abort()  # close() would wait for the unread buffer to be sent

    def _follow(self) -> None:
        """Arms the timer of the phase the client is in (kept while it stays there)."""
        state = self.conn.their_state
        phase = "headers" if state is h11.IDLE else "body" if state is h11.SEND_BODY else None
        if phase == self._phase:
            return
        self._stop_timer()
        self._phase = phase
        if phase is None or self.transport is None or self.transport.is_closing():
            return
        d = self.deadlines
        seconds = d.header_seconds if phase == "headers" else d.body_seconds + d.grace_seconds
        self._timer = self.loop.call_later(seconds, self._too_slow, phase)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _too_slow(self, phase: str) -> None:
        self._timer = None
        if self._phase != phase or self.transport.is_closing():
            return
        if phase == "headers" and self.conn.our_state is h11.IDLE:
            self.transport.write(TOO_SLOW)  # no request yet: h11 itself cannot answer
        self.transport.close()


def _uncounted(peer: str, networks: tuple[str, ...]) -> bool:
    if not networks:
        return False
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(n, strict=False) for n in networks)


def apply(config, deadlines: Deadlines | None = None):
    """Makes a ``uvicorn.Config`` (before it is loaded) serve with ``DeadlineH11Protocol``
    and ``deadlines`` (default: ``Deadlines()``), the header size cap and the keep-alive
    time named here. Returns the config."""
    config.http = DeadlineH11Protocol
    config.h11_max_incomplete_event_size = MAX_HEADER_BYTES
    config.timeout_keep_alive = TIMEOUT_KEEP_ALIVE
    setattr(config, CONFIG_ATTRIBUTE, deadlines or Deadlines())
    return config

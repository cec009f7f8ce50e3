"""Attack: slowloris. Many connections each trickle a request (its headers, or a body far
slower than any real client, or a body that never ends) to hold the server's connections,
tasks and half-read requests for as long as the attacker likes.

Both servers run real uvicorn on loopback with the deadline protocol
(``http_deadlines.DeadlineH11Protocol``) and ``asgi_deadlines.BodyDeadline``, here with short
deadlines: every attacking connection is answered 408 and closed within its deadline, and a
normal client is served at once while the attack runs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import select
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from helpers_platform import start

from mobileca_desktop.asgi_deadlines import Deadlines
from mobileca_desktop.server.app import ServerConfig, create_app
from mobileca_desktop.server.run import ThreadedServer

from .conftest import second_loopback_or_skip

SHORT = Deadlines(header_seconds=1.0, body_seconds=3.0, grace_seconds=0.5, min_rate=200.0)
TICK = 0.1  # the attacker sends its next piece every TICK seconds
MARGIN = 2.5  # what a loaded 2-core machine may add to a deadline


class Trickle:
    """One attacking connection: a request opening sent at once, then ``pieces``, one a
    tick. ``answer`` and ``closed_after`` are what the server did and when."""

    def __init__(
        self, host: str, port: int, opening: bytes, pieces: Iterator[bytes], source: str = ""
    ) -> None:
        self.sock = socket.create_connection((host, port), timeout=5, source_address=(source, 0))
        self.sock.setblocking(False)
        self.sock.sendall(opening)
        self.pieces = pieces
        self.started = time.monotonic()
        self.answer = b""
        self.closed_after: float | None = None

    def send_next(self) -> None:
        piece = next(self.pieces, b"")
        if piece:
            with contextlib.suppress(BlockingIOError, BrokenPipeError, ConnectionResetError):
                self.sock.send(piece)

    def read(self) -> None:
        try:
            data = self.sock.recv(65536)
        except BlockingIOError:
            return
        except ConnectionResetError:
            data = b""
        if data:
            self.answer += data
        else:
            self.closed_after = time.monotonic() - self.started
            self.sock.close()


def attack(trickles: list[Trickle], give_up_after: float, during=None) -> list[Trickle]:
    """Sends a piece on every open connection each tick until the server has closed them
    all (or ``give_up_after`` seconds); ``during()`` runs once, mid-attack."""
    end = time.monotonic() + give_up_after
    next_tick = time.monotonic()
    did_during = during is None
    while time.monotonic() < end:
        open_ = [t for t in trickles if t.closed_after is None]
        if not open_:
            break
        now = time.monotonic()
        if now >= next_tick:
            for t in open_:
                t.send_next()
            next_tick = now + TICK
            if not did_during:
                during()
                did_during = True
        readable, _, _ = select.select([t.sock for t in open_], [], [], max(next_tick - now, 0))
        for t in open_:
            if t.sock in readable:
                t.read()
    for t in trickles:
        if t.closed_after is None:
            t.sock.close()
    return trickles


def forever(piece: bytes) -> Iterator[bytes]:
    while True:
        yield piece


def slow_headers(host: str, port: int, source: str = "") -> Trickle:
    opening = f"POST /api/v1/sessions HTTP/1.1\r\nHost: {host}\r\n".encode()
    # One header byte a tick, never ending.
    return Trickle(host, port, opening, forever(b"X"), source=source)


def slow_body(host: str, port: int, path: str, piece: bytes, length: int = 10_000_000) -> Trickle:
    opening = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()
    return Trickle(host, port, opening, forever(piece))


def served_quickly(url: str, client: httpx.Client | None = None) -> float:
    start = time.monotonic()
    (client or httpx.Client()).get(url, timeout=10).raise_for_status()
    return time.monotonic() - start


@pytest.fixture
def ca_server(services):
    app = create_app(services.engine, ServerConfig(deadlines=SHORT))
    with ThreadedServer(app, deadlines=SHORT) as server:
        yield server


def test_slow_headers_are_cut_off_and_a_normal_client_is_served(ca_server):
    host, port = ca_server.host, ca_server.port
    normal: list[float] = []
    trickles = attack(
        [slow_headers(host, port) for _ in range(40)],
        give_up_after=SHORT.header_seconds + MARGIN + 3,
        during=lambda: normal.append(served_quickly(f"{ca_server.url}/healthz")),
    )
    for t in trickles:
        assert t.closed_after is not None, "a connection trickling its headers is still open"
        assert t.closed_after < SHORT.header_seconds + MARGIN
        assert t.answer.startswith(b"HTTP/1.1 408"), t.answer[:100]
    assert normal and normal[0] < 1.0


def test_a_body_slower_than_the_minimum_rate_is_408_after_the_grace(ca_server):
    # 1 byte a tick: 10 bytes/s against a minimum of 200 bytes/s.
    normal: list[float] = []
    trickles = attack(
        [slow_body(ca_server.host, ca_server.port, "/api/v1/sessions", b" ") for _ in range(40)],
        give_up_after=SHORT.body_seconds + MARGIN + 3,
        during=lambda: normal.append(served_quickly(f"{ca_server.url}/healthz")),
    )
    for t in trickles:
        assert t.closed_after is not None, "a connection trickling its body is still open"
        assert t.answer.startswith(b"HTTP/1.1 408"), t.answer[:100]
        assert b"service_unavailable" in t.answer
        # Cut at the rate rule (after the grace), well before the whole-body deadline.
        assert t.closed_after < SHORT.grace_seconds + MARGIN
    assert normal and normal[0] < 1.0


def test_a_body_that_keeps_the_rate_but_never_ends_is_408_at_the_deadline(ca_server):
    # 100 bytes a tick: 1,000 bytes/s, above the minimum rate, for a 10 MB body.
    (t,) = attack(
        [slow_body(ca_server.host, ca_server.port, "/api/v1/sessions", b" " * 100)],
        give_up_after=SHORT.body_seconds + MARGIN + 3,
    )
    assert t.closed_after is not None, "a body that keeps the minimum rate is held forever"
    assert t.answer.startswith(b"HTTP/1.1 408"), t.answer[:100]
    assert SHORT.body_seconds - TICK <= t.closed_after < SHORT.body_seconds + MARGIN


def test_a_body_the_application_never_reads_cannot_trickle_forever(ca_server):
    # A route that answers without reading the body (404): the connection stays in the
    # body's phase, and the protocol closes it after the body deadline and the grace.
    (t,) = attack(
        [slow_body(ca_server.host, ca_server.port, "/no/such/route", b" " * 100)],
        give_up_after=SHORT.body_seconds + SHORT.grace_seconds + MARGIN + 3,
    )
    assert t.answer.startswith(b"HTTP/1.1 404"), t.answer[:100]
    assert t.closed_after is not None, "an unread body trickling in holds the connection"
    assert t.closed_after < SHORT.body_seconds + SHORT.grace_seconds + MARGIN


def test_the_platform_cuts_off_slow_headers_and_slow_bodies(services, tmp_path):
    platform = start(services, tmp_path, deadlines=SHORT)
    try:
        host, port = platform.url.removeprefix("http://").split(":")
        normal: list[float] = []
        trickles = attack(
            [slow_headers(host, int(port)) for _ in range(20)]
            + [slow_body(host, int(port), "/scan/nosuchsession/callback", b" ") for _ in range(20)],
            give_up_after=SHORT.header_seconds + MARGIN + 3,
            during=lambda: normal.append(served_quickly(f"{platform.url}/")),
        )
        for t in trickles:
            assert t.closed_after is not None, "a slow connection to the platform is still open"
            assert t.answer.startswith(b"HTTP/1.1 408"), t.answer[:100]
        assert any(b"too_slow" in t.answer for t in trickles)
        assert normal and normal[0] < 1.0
    finally:
        platform.stop()


def test_one_network_cannot_hold_every_connection(services):
    """Connections that each keep their deadlines still cost a socket: past
    ``connections_per_network`` open ones from one /24, a new one is 503 and closed at once,
    whichever of the network's addresses it comes from; another network is served."""
    second_loopback_or_skip("127.0.2.1")
    few = dataclasses.replace(SHORT, connections_per_network=5)
    app = create_app(services.engine, ServerConfig(deadlines=few))
    with ThreadedServer(app, deadlines=few) as server:
        host, port = server.host, server.port
        held = [slow_headers(host, port, source=f"127.0.2.{i}") for i in range(1, 6)]
        # Three more from other addresses of the same /24 (accepted in order, after those).
        more = [slow_headers(host, port, source=f"127.0.2.{i}") for i in range(6, 9)]
        normal: list[float] = []
        other = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.3.1"))
        attack(
            held + more,
            give_up_after=few.header_seconds + MARGIN + 3,
            during=lambda: normal.append(served_quickly(f"{server.url}/healthz", other)),
        )
    refused = [t for t in held + more if t.answer.startswith(b"HTTP/1.1 503")]
    timed_out = [t for t in held + more if t.answer.startswith(b"HTTP/1.1 408")]
    assert len(refused) == 3 and len(timed_out) == 5, [t.answer[:20] for t in held + more]
    assert all(t.closed_after is not None and t.closed_after < 1.0 for t in refused)
    assert normal and normal[0] < 1.0


def test_a_trusted_proxy_is_not_counted_as_one_network(services, tmp_path):
    """The platform behind a reverse proxy it trusts: the proxy's connections carry many
    clients' and are not capped as one network's (the proxy bounds its clients)."""
    second_loopback_or_skip("127.0.2.1")
    few = dataclasses.replace(SHORT, connections_per_network=2)
    platform = start(services, tmp_path, deadlines=few, trusted_proxies=("127.0.2.0/24",))
    try:
        host, port = platform.url.removeprefix("http://").split(":")
        proxied = [slow_headers(host, int(port), source="127.0.2.1") for _ in range(4)]
        direct = [slow_headers(host, int(port), source="127.0.4.1") for _ in range(4)]
        attack(proxied + direct, give_up_after=few.header_seconds + MARGIN + 3)
        assert all(t.answer.startswith(b"HTTP/1.1 408") for t in proxied)
        assert sum(t.answer.startswith(b"HTTP/1.1 503") for t in direct) == 2
    finally:
        platform.stop()

"""Attack: slowloris on the answer. The requests are sent at once (pipelined), but their answers are
never read (a tiny receive window): the server's write pauses and waits for the client for ever,
holding the connection, its task and the unsent part of the answer in memory. The deadline
protocol timed the client's request only; a paused answer now has to move on within the
grace plus what ``min_rate`` allows, else the connection is closed."""

from __future__ import annotations

import socket
import time

import httpx

from mobileca_desktop.asgi_deadlines import Deadlines
from mobileca_desktop.http_deadlines import COUNTS_ATTRIBUTE
from mobileca_desktop.server.app import ServerConfig, create_app
from mobileca_desktop.server.run import ThreadedServer

SHORT = Deadlines(header_seconds=1.0, body_seconds=3.0, grace_seconds=0.5, min_rate=65536.0)
MARGIN = 2.5  # what a loaded 2-core machine may add to a deadline
PATH = "/api/v1/openapi.json"  # the largest answer anyone may ask for


def _held(server: ThreadedServer) -> int:
    """The connections the server holds open (``http_deadlines`` counts them a network)."""
    counts = getattr(server._server.server_state, COUNTS_ATTRIBUTE, {})
    return sum(counts.values())


def _released_within(server: ThreadedServer, seconds: float) -> bool:
    """Whether the server lets go of every connection within ``seconds``, while the
    attacker reads nothing (its window stays shut): that is the attack."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if _held(server) == 0:
            return True
        time.sleep(0.05)
    return False


def test_an_answer_never_read_does_not_hold_the_connection(services):
    config = ServerConfig(deadlines=SHORT)
    with ThreadedServer(create_app(services.engine, config), deadlines=SHORT) as server:
        size = len(httpx.get(server.url + PATH).content)
        pipelined = 200  # answers together more than the kernel buffers hold (~4 MiB)
        assert size * pipelined > 8 * 1024 * 1024, size
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        sock.connect((server.host, server.port))
        sock.sendall(f"GET {PATH} HTTP/1.1\r\nHost: ca\r\n\r\n".encode() * pipelined)
        limit = SHORT.grace_seconds + 65536 / SHORT.min_rate
        assert _released_within(server, limit + MARGIN), _held(server)
        sock.close()
        # A reader that keeps up is served whole.
        assert len(httpx.get(server.url + PATH).content) == size

"""Attack: a request body far over the limit, declared or chunked, to make a server hold it.

Both servers (CA and platform) count the body while it streams in (asgi_limits.BodyLimit):
the 413 comes back while the attacker is still sending, before the body has ended, so the
server cannot have read it whole.
"""

from __future__ import annotations

import select
import socket
import time

import pytest
from helpers_platform import start

from mobileca_desktop.platform.app import MAX_BODY as PLATFORM_MAX_BODY
from mobileca_desktop.server.app import ServerConfig, create_app
from mobileca_desktop.server.run import ThreadedServer

CHUNK = 64 * 1024


def _chunked_until_answered(host: str, port: int, path: str, limit: int) -> tuple[bytes, int]:
    """Streams a chunked body that never ends (the terminating chunk is never sent; at most
    4x the limit) and returns the answer with the number of body bytes sent. A server that
    waited for the end of the body would never answer (the read times out)."""
    sock = socket.create_connection((host, port), timeout=30)
    sent = 0
    try:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
        )
        chunk = f"{CHUNK:x}\r\n".encode() + b"7" * CHUNK + b"\r\n"
        deadline = time.monotonic() + 60
        while sent < 4 * limit and time.monotonic() < deadline:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += CHUNK
        # The terminating "0\r\n\r\n" is never sent: the body has not ended.
        answer = b""
        sock.settimeout(30)
        while b"\r\n\r\n" not in answer:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
        return answer, sent
    finally:
        sock.close()


def _declared(host: str, port: int, path: str, length: int) -> bytes:
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n\r\n".encode()
        )
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
        return answer


def test_ca_server_refuses_an_endless_chunked_body_with_413(services):
    limit = 1024 * 1024
    app = create_app(services.engine, ServerConfig(max_body_bytes=limit))
    with ThreadedServer(app) as server:
        answer, sent = _chunked_until_answered(server.host, server.port, "/api/v1/sessions", limit)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert sent >= limit  # the 413 needed no end of the body, only the limit passed
        # A declared length over the limit: refused before a byte of the body is sent.
        answer = _declared(server.host, server.port, "/api/v1/sessions", 10**12)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        # OCSP has its own, smaller limit.
        answer, sent = _chunked_until_answered(server.host, server.port, "/ocsp/bjca", 64 * 1024)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_ca_server_body_too_large_is_typed(services):
    from fastapi.testclient import TestClient

    app = create_app(services.engine, ServerConfig(max_body_bytes=1000))
    with TestClient(app) as client:

        def endless():
            for _ in range(100):
                yield b"x" * 500

        r = client.post("/api/v1/sessions", content=endless())
        assert r.status_code == 413 and r.json()["code"] == "document_too_large"


@pytest.fixture
def platform(services, tmp_path):
    p = start(services, tmp_path)
    yield p
    p.stop()


def test_platform_refuses_an_endless_chunked_body_with_413(platform):
    host, port = platform.url.removeprefix("http://").split(":")
    # The unauthenticated callback reads its body (a page's POST without login is 401 first).
    path = "/scan/whatever/callback"
    answer, sent = _chunked_until_answered(host, int(port), path, PLATFORM_MAX_BODY)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent >= PLATFORM_MAX_BODY
    for path in ("/scan/whatever/callback", "/api/seal", "/api/scan/login"):
        answer = _declared(host, int(port), path, PLATFORM_MAX_BODY + 1)
        assert answer.startswith(b"HTTP/1.1 413"), (path, answer[:200])

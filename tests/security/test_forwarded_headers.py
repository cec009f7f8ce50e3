"""X-Forwarded-For from a peer nobody said to trust changes nothing: uvicorn's own default
(proxy_headers with 127.0.0.1 allowed) rewrote the client address before the servers' own
policies saw it, so a process on the server's host could pose as any address — past the
platform's per-address session limits and the CA's per-address login limits, and as the
"same address" of a relayed login (found by an outside review)."""

from __future__ import annotations

import httpx
from helpers_platform import login_qr

from mobileca_desktop.server.app import ServerConfig, create_app
from mobileca_desktop.server.ratelimit import Limit, RateLimits
from mobileca_desktop.server.run import ThreadedServer


def _wrong_login(client: httpx.Client, name: str, address: str) -> int:
    body = {"kind": "legal", "login_name": name, "password": "wrong-Passw0rd!"}
    return client.post(
        "/api/v1/sessions", json=body, headers={"X-Forwarded-For": address}
    ).status_code


def test_the_platform_records_the_tcp_peer_not_a_forwarded_header(platform):
    web = httpx.Client(base_url=platform.url, headers={"X-Forwarded-For": "203.0.113.9"})
    sid, _text, _png = login_qr(platform, web)
    data = httpx.get(f"{platform.url}/scan/{sid}/data").json()
    assert data["requester"]["address"] == "127.0.0.1"
    created = 0
    for i in range(20):
        r = httpx.post(
            f"{platform.url}/api/scan/login", headers={"X-Forwarded-For": f"198.51.100.{i}"}
        )
        created += r.status_code == 200
    assert created < 20  # the per-address limit holds for one TCP peer (8 live sessions)
    web.close()


def test_the_ca_login_limit_sees_the_tcp_peer(services):
    limits = RateLimits(login_per_address=Limit(per_minute=1, burst=3))
    with ThreadedServer(create_app(services.engine, ServerConfig(limits=limits))) as server:
        client = httpx.Client(base_url=server.url, timeout=30)
        codes = [_wrong_login(client, f"91140100MA0Y{i:06d}", f"198.51.100.{i}") for i in range(8)]
        client.close()
    assert 429 in codes, codes  # rotating the header does not make new addresses

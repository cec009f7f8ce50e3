"""Wrong passwords for someone's account from another address do not lock its owner out: the
per-account login limit was keyed on the login name alone, so ten wrong passwords a minute
from anywhere kept an account refusing its owner's right password (outside review). It is
now per account and address, with a wider ceiling for the account over all addresses."""

from __future__ import annotations

import httpx
from conftest import PASSWORD

from mobileca_desktop.server.app import ServerConfig, create_app
from mobileca_desktop.server.run import ThreadedServer

from .conftest import second_loopback_or_skip


def _login(client: httpx.Client, name: str, password: str) -> int:
    body = {"kind": "legal", "login_name": name, "password": password}
    return client.post("/api/v1/sessions", json=body).status_code


def test_a_guesser_elsewhere_does_not_lock_the_owner_out(services, company):
    second_loopback_or_skip()
    reg, _s = company
    with ThreadedServer(create_app(services.engine, ServerConfig())) as server:
        attacker = httpx.Client(
            base_url=server.url,
            timeout=30,
            transport=httpx.HTTPTransport(local_address="127.0.0.2"),
        )
        codes = [_login(attacker, reg.uscc, "Wrong-pass-123") for _ in range(12)]
        assert codes.count(429) >= 1, codes  # the guesser is limited
        owner = httpx.Client(base_url=server.url, timeout=30)
        assert _login(owner, reg.uscc, PASSWORD) == 200
        attacker.close()
        owner.close()

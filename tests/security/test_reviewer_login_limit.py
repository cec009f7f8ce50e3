"""The reviewers' login limit holds for the reviewer, whatever the spelling, and a guesser
elsewhere does not lock the reviewer out.

The CA 审核台 login (``/review/login``) counted wrong passwords per login name alone, and in
its own spelling (``name.lower()``) while the engine finds the reviewer by
``name.strip().upper().lower()``: ten guesses from any address kept the reviewer's right
password refused (429) at the reviewer's own desk, and "ſ" (long s) for "s" gave a guesser a
fresh bucket per spelling of one account. The JSON login had the same gap for reviewers with
"K" (Kelvin sign), which upper() keeps and lower() makes "k". Both now count the name as the
engine finds it, per account and address, plus the account over all addresses."""

from __future__ import annotations

import itertools
import re

import httpx
import pytest

from mobileca_desktop.domain.models import AccountKind
from mobileca_desktop.server.app import ServerConfig, create_app
from mobileca_desktop.server.ratelimit import RateLimits
from mobileca_desktop.server.run import ThreadedServer

from .conftest import second_loopback_or_skip

PASSWORD = "Review2026pass"
WRONG = "Wrong-pass-123"
LOGIN = RateLimits().login


@pytest.fixture
def server(services):
    op = services.engine.operator_session()
    for name in ("sasks", "zhang"):
        services.engine.create_reviewer(
            op, login_name=name, name="审核员", password=PASSWORD, institution_id="bjca"
        )
    with ThreadedServer(create_app(services.engine, ServerConfig())) as running:
        yield running


def _client(url: str, address: str = "127.0.0.1") -> httpx.Client:
    return httpx.Client(
        base_url=url,
        timeout=30,
        follow_redirects=False,
        transport=httpx.HTTPTransport(local_address=address),
    )


def _page_login(c: httpx.Client, name: str, password: str) -> int:
    form = c.get("/review/login")
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text)
    assert match is not None
    data = {"csrf": match.group(1), "login_name": name, "password": password}
    return c.post("/review/login", data=data).status_code


def _api_login(c: httpx.Client, name: str, password: str) -> int:
    body = {"kind": AccountKind.REVIEWER.value, "login_name": name, "password": password}
    return c.post("/api/v1/sessions", json=body).status_code


def test_a_guesser_elsewhere_does_not_lock_a_reviewer_out(server):
    second_loopback_or_skip()
    with _client(server.url, "127.0.0.2") as attacker, _client(server.url) as owner:
        codes = [_page_login(attacker, "zhang", WRONG) for _ in range(LOGIN.burst + 2)]
        assert codes.count(429) >= 1, codes  # the guesser is limited
        assert _page_login(owner, "zhang", PASSWORD) == 303


def test_spellings_of_one_reviewer_share_its_limit_on_the_pages(server):
    # "ſ".lower() is "ſ", but the engine's upper() makes it "S": one account, 4 spellings.
    spellings = ["".join(p) for p in itertools.product("sſ", "a", "sſ", "k", "s")]
    with _client(server.url) as attacker:
        codes = [_page_login(attacker, n, WRONG) for n in spellings * 3]
        assert codes.count(401) == LOGIN.burst, codes


def test_spellings_of_one_reviewer_share_its_limit_on_the_json_login(server):
    # "\u212a" (Kelvin sign) is kept by upper() and made "k" by the engine's lower().
    spellings = ["".join(p) for p in itertools.product("sS", "aA", "sS", "k\u212a", "s")]
    with _client(server.url) as attacker:
        codes = [_api_login(attacker, n, WRONG) for n in spellings]
        assert codes.count(401) == LOGIN.burst, codes

"""Attack: hostile JSON and path values that once made the servers answer 500.

Deeply nested JSON (a ``RecursionError`` in the parser), also on the platform's
unauthenticated scan callback, and a 5,000-character ``bid_id`` (``ENAMETOOLONG`` when it
became a file name) are typed 4xx answers. A property test throws generated requests at every
JSON route of the platform, anonymous and logged in, as tests/test_remote.py does for the CA
server from its OpenAPI description: never a 5xx.
"""

from __future__ import annotations

import base64
import json
import urllib.parse

import httpx
import pytest
from fastapi.testclient import TestClient
from helpers_keystore import approved_certificate
from helpers_platform import activated_device, bids, browser, login_qr, login_with, start
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mobileca_desktop.asgi_limits import MAX_JSON_DEPTH, JsonTooDeep, loads_json
from mobileca_desktop.server.app import ServerConfig, create_app

DEEP_ARRAY = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"a":' * 5_000 + b"1" + b"}" * 5_000
# Deeper than our limit but shallow enough for json.loads: refused all the same.
MIDDLE = b'{"v":' + b"[" * 200 + b"]" * 200 + b"}"


def test_loads_json_bounds_the_depth():
    assert loads_json(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH) is not None
    over = b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1)
    for raw in (DEEP_ARRAY, DEEP_OBJECT, MIDDLE, over):
        with pytest.raises(JsonTooDeep):
            loads_json(raw)
    with pytest.raises(ValueError):
        loads_json(b"{not json")


def test_ca_server_answers_nested_json_with_a_typed_422(services):
    with TestClient(create_app(services.engine, ServerConfig())) as client:
        for path in ("/api/v1/sessions", "/api/v1/accounts/legal", "/api/v1/accounts/personal"):
            for raw in (DEEP_ARRAY, DEEP_OBJECT, MIDDLE):
                r = client.post(path, content=raw, headers={"content-type": "application/json"})
                assert r.status_code == 422, (path, r.status_code, r.text[:200])
                assert r.json()["code"] == "invalid_input"


@pytest.fixture
def platform(services, tmp_path):
    p = start(services, tmp_path)
    yield p
    p.stop()


@pytest.fixture
def logged_in(platform, services, company):
    reg, s = company
    cid = approved_certificate(services, reg, s)
    device = activated_device(services, s, cid, reg.legal_person_phone)
    return login_with(platform, services, device)


def test_platform_answers_nested_json_and_a_long_bid_id_with_4xx(platform, logged_in):
    live_sid = login_qr(platform).session_id
    anonymous = httpx.Client(base_url=platform.url)
    for path in ("/scan/nosuchsession/callback", f"/scan/{live_sid}/callback"):
        for raw in (DEEP_ARRAY, DEEP_OBJECT, MIDDLE):
            r = anonymous.post(path, content=raw)
            assert r.status_code == 400, (path, r.status_code, r.text[:200])
            assert r.json()["code"] == "bad_request"
    for path in ("/api/seal", "/api/encrypt", "/api/decrypt"):
        for raw in (DEEP_ARRAY, DEEP_OBJECT):
            r = logged_in.post(path, content=raw)
            assert r.status_code == 400 and r.json()["code"] == "bad_request", r.text[:200]
    r = logged_in.post("/api/decrypt", json={"bid_id": "A" * 5000})
    assert r.status_code == 404 and r.json()["code"] == "unknown_bid"
    for path in ("/api/scan/", "/scan/", "/qr/", "/sealed/"):
        suffix = {"/api/scan/": "", "/scan/": "/data", "/qr/": ".png", "/sealed/": ".pdf"}[path]
        r = logged_in.get(path + "B" * 5000 + suffix)
        assert 400 <= r.status_code < 500, (path, r.status_code)
    assert bids(logged_in) == []


JSON_ROUTES = [
    ("POST", "/api/scan/login"),
    ("POST", "/api/seal"),
    ("POST", "/api/encrypt"),
    ("POST", "/api/decrypt"),
    ("GET", "/api/bids"),
    ("GET", "/api/scan/{sid}"),
    ("GET", "/scan/{sid}/data"),
    ("GET", "/scan/{sid}/document.pdf"),
    ("POST", "/scan/{sid}/callback"),
    ("GET", "/qr/{sid}.png"),
    ("GET", "/qr/{sid}.svg"),
    ("GET", "/sealed/{sid}.pdf"),
]
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
SCALAR = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | TEXT
JUNK = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=10,
)
B64 = st.binary(max_size=200).map(lambda b: base64.b64encode(b).decode())
FIELDS = {
    "pdf": B64,
    "content": B64,
    "name": TEXT,
    "seal": st.sampled_from(["official", "legal_rep", "signature"]) | TEXT,
    "page": st.integers(-5, 5) | TEXT,
    "box": st.lists(st.integers(-(2**40), 2**40) | st.floats(), max_size=5) | JUNK,
    "bid_id": TEXT | st.text("ab-_9", min_size=60, max_size=6000),
    "v": st.integers(0, 3),
    "nonce": TEXT,
    "chain": st.lists(TEXT, max_size=2) | JUNK,
    "signature": TEXT,
    "binding": JUNK,
}
BODY = (
    st.fixed_dictionaries({}, optional=FIELDS)
    | JUNK
    | st.binary(max_size=80)
    | st.integers(1, 400).map(lambda n: b"[" * n + b"]" * n)
)


def test_property_platform_json_routes_never_5xx(platform, logged_in, services):
    """Generated requests on every JSON route of the platform, as an anonymous browser and
    as a logged-in one, with live and made-up session ids: a 4xx or a 2xx, never a 5xx."""
    live = [login_qr(platform).session_id, login_qr(platform, logged_in).session_id]
    anonymous = browser(platform)
    sid = st.sampled_from(live) | st.text("abcXYZ019-_", min_size=1, max_size=5000)

    @settings(
        max_examples=250,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        route=st.sampled_from(JSON_ROUTES),
        sid=sid,
        body=BODY,
        who=st.sampled_from(["anonymous", "logged_in"]),
    )
    def check(route, sid, body, who):
        method, template = route
        path = template.replace("{sid}", urllib.parse.quote(sid, safe=""))
        client = anonymous if who == "anonymous" else logged_in
        if method == "GET":
            r = client.get(path)
        else:
            raw = body if isinstance(body, bytes) else json.dumps(body).encode()
            r = client.post(path, content=raw, headers={"content-type": "application/json"})
        assert r.status_code < 500, (method, path[:80], body, r.status_code, r.text[:300])

    check()
    assert anonymous.get("/").status_code == 200  # and the platform still serves its pages

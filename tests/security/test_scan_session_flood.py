"""Unauthenticated scan sessions (the 扫码登录 page's QR codes) used to be unbounded and
kept for an hour after expiry. Now creation is bounded per requesting address and per
network (IPv4 /24, IPv6 /64; 429 with Retry-After) and in total, where the total never locks
a new user out: the most crowded network's oldest unscanned session makes room
(platform/admission.py). Expired sessions are dropped at expiry and forgotten soon after, so
neither one address nor many addresses of a few networks fill memory or stop others from
logging in."""

from __future__ import annotations

from helpers_keystore import CERT_PASSWORD
from helpers_platform import browser, client, finish_login, login_qr, start

from mobileca_desktop.platform.core import KEEP_ENDED, QR_LIFETIME
from mobileca_desktop.services.scan_api import ScanSource

from .conftest import ATTACKER_ADDRESS, ATTACKER_UA, browser_at, second_loopback_or_skip


def test_one_address_cannot_flood_and_others_still_log_in(services, tmp_path, victim):
    second_loopback_or_skip()
    platform = start(services, tmp_path / "bounded", max_pending_per_address=3)
    try:
        flooder = browser_at(platform, ATTACKER_ADDRESS, ATTACKER_UA)
        for _ in range(3):
            assert flooder.post("/api/scan/login", json={}).status_code == 200
        refused = flooder.post("/api/scan/login", json={})
        assert refused.status_code == 429 and refused.json()["code"] == "too_many_sessions"
        assert int(refused.headers["Retry-After"]) > 0
        assert len(platform.platform.sessions) == 3
        # Someone else, at another address, logs in meanwhile.
        scan = client(services, tmp_path, platform, victim.device, name="bounded")
        page = browser(platform)
        sid, text, _ = login_qr(platform, page)
        prompt = scan.prepare(victim.session, scan.read(text, ScanSource.SCREEN))
        scan.perform(victim.session, prompt, victim.cid, CERT_PASSWORD)
        finish_login(platform, page, sid)
    finally:
        platform.stop()


def test_expired_sessions_are_swept(services, tmp_path):
    platform = start(services, tmp_path / "total", max_pending_total=4)
    operator = services.engine.operator_session()
    try:
        web = browser(platform)
        sids = [web.post("/api/scan/login", json={}).json()["sid"] for _ in range(4)]
        held = platform.platform.sessions[sids[0]]
        assert held.qr_text
        # At expiry the sessions end and drop what they held, at once ...
        services.engine.advance_clock(operator, QR_LIFETIME + 1)
        assert web.get(f"/api/scan/{sids[0]}").json()["state"] == "expired"
        assert held.qr_text == "" and held.data_body is None
        assert web.get(f"/qr/{sids[0]}.png").status_code == 410
        # ... and are forgotten a minute later, not an hour.
        services.engine.advance_clock(operator, KEEP_ENDED + 1)
        fresh = web.post("/api/scan/login", json={})
        assert fresh.status_code == 200
        assert set(platform.platform.sessions) == {fresh.json()["sid"]}
        gone = web.get(f"/api/scan/{sids[0]}")
        assert gone.status_code == 404 and gone.json()["code"] == "unknown_session"
    finally:
        platform.stop()


def _browsers(platform, addresses: list[str]) -> list:
    for address in addresses:
        second_loopback_or_skip(address)
    return [browser_at(platform, a, ATTACKER_UA) for a in addresses]


def _new(web) -> str | None:
    r = web.post("/api/scan/login", json={})
    if r.status_code == 429:
        assert r.json()["code"] == "too_many_sessions" and int(r.headers["Retry-After"]) > 0
        return None
    assert r.status_code == 200, r.text
    return r.json()["sid"]


def test_many_addresses_of_one_network_share_one_cap(services, tmp_path):
    platform = start(
        services, tmp_path / "net", max_pending_per_address=2, max_pending_per_network=4
    )
    try:
        # Five attacking addresses in 127.0.2.0/24: two sessions each would be ten.
        flood = _browsers(platform, [f"127.0.2.{i}" for i in range(1, 6)])
        made = [sid for web in flood for sid in (_new(web), _new(web)) if sid]
        assert len(made) == 4, made  # the network's cap, whatever its number of addresses
        assert _new(flood[-1]) is None
        # Another network is not touched by it.
        (other,) = _browsers(platform, ["127.0.3.1"])
        assert _new(other) is not None
    finally:
        platform.stop()


def test_a_full_platform_makes_room_for_a_new_user_from_the_crowded_networks(
    services, tmp_path, victim
):
    """The total is reached by many addresses of a few networks, even with their sessions
    marked scanned (anyone may fetch the data): a new user from another network still gets
    a code and logs in, and the attacker's further sessions only displace its own."""
    platform = start(
        services,
        tmp_path / "full",
        max_pending_per_address=2,
        max_pending_per_network=4,
        max_pending_total=8,
    )
    try:
        flood = _browsers(platform, [f"127.0.{net}.{host}" for net in (2, 3) for host in (1, 2)])
        mine = [sid for web in flood for sid in (_new(web), _new(web)) if sid]
        assert len(mine) == 8 and len(platform.platform.sessions) == 8
        for web, sid in zip(flood * 2, mine, strict=False):
            assert web.get(f"/scan/{sid}/data").status_code == 200  # "scanned": no proof
        # More addresses of other networks: each new session displaces a crowded network's.
        more = _browsers(platform, ["127.0.5.1", "127.0.5.2", "127.0.6.1"])
        assert all(_new(web) is not None for web in more)
        assert len(platform.platform.sessions) == 8
        # The victim (127.0.0.1, another network) asks for a code on a full platform ...
        scan = client(services, tmp_path, platform, victim.device, name="full")
        page = browser(platform)
        sid, text, _ = login_qr(platform, page)
        prompt = scan.prepare(victim.session, scan.read(text, ScanSource.SCREEN))
        # ... the attacker keeps asking, from every address, while the victim types ...
        for web in flood + more:
            _new(web)
        assert len(platform.platform.sessions) == 8
        assert sid in platform.platform.sessions
        # ... and the victim logs in.
        scan.perform(victim.session, prompt, victim.cid, CERT_PASSWORD)
        finish_login(platform, page, sid)
    finally:
        platform.stop()

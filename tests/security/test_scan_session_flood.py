"""Unauthenticated scan sessions (the 扫码登录 page's QR codes) used to be unbounded and
kept for an hour after expiry. Now creation is bounded per requesting address and in total
(429 with Retry-After), and expired sessions are dropped at expiry and forgotten soon after,
so a flooding address neither fills memory nor stops others from logging in."""

from __future__ import annotations

from helpers_keystore import CERT_PASSWORD
from helpers_platform import browser, finish_login, login_qr, start

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
        from helpers_platform import client

        scan = client(services, tmp_path, platform, victim.device, name="bounded")
        page = browser(platform)
        sid, text, _ = login_qr(platform, page)
        prompt = scan.prepare(victim.session, scan.read(text, ScanSource.SCREEN))
        scan.perform(victim.session, prompt, victim.cid, CERT_PASSWORD)
        finish_login(platform, page, sid)
    finally:
        platform.stop()


def test_the_total_is_bounded_and_expired_sessions_are_swept(services, tmp_path):
    platform = start(services, tmp_path / "total", max_pending_total=4)
    operator = services.engine.operator_session()
    try:
        web = browser(platform)
        sids = [web.post("/api/scan/login", json={}).json()["sid"] for _ in range(4)]
        refused = web.post("/api/scan/login", json={})
        assert refused.status_code == 429
        held = platform.platform.sessions[sids[0]]
        assert held.qr_text
        # At expiry the sessions end and drop what they held, at once ...
        services.engine.advance_clock(operator, QR_LIFETIME + 1)
        assert web.get(f"/api/scan/{sids[0]}").json()["state"] == "expired"
        assert held.qr_text == "" and held.data_body is None
        assert web.get(f"/qr/{sids[0]}.png").status_code == 410
        # ... they no longer count against anyone ...
        assert web.post("/api/scan/login", json={}).status_code == 429  # the total holds
        services.engine.advance_clock(operator, KEEP_ENDED + 1)
        fresh = web.post("/api/scan/login", json={})
        assert fresh.status_code == 200
        # ... and are forgotten a minute later, not an hour.
        assert set(platform.platform.sessions) == {fresh.json()["sid"]}
        gone = web.get(f"/api/scan/{sids[0]}")
        assert gone.status_code == 404 and gone.json()["code"] == "unknown_session"
    finally:
        platform.stop()

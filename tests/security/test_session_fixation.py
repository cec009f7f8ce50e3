"""Session fixation and login CSRF on 扫码登录: the login cookie used to go to any request
presenting a browser value the browser chose itself (``mca_browser``), never rotated. Now a
session is bound to the browser that created it by a server-made, unguessable, HttpOnly
value; the login cookie is handed exactly once; no other browser, whatever cookies it
brings, is logged into an account it did not start a login for."""

from __future__ import annotations

import httpx
from helpers_keystore import CERT_PASSWORD
from helpers_platform import anonymous_state, browser, confirm_login, finish_login, login_qr

from mobileca_desktop.services.scan_api import ScanSource


def _confirm(victim, text: str) -> None:
    scan = victim.scan
    prompt = scan.prepare(victim.session, scan.read(text, ScanSource.SCREEN))
    scan.perform(victim.session, prompt, victim.cid, CERT_PASSWORD)


def _set_cookies(response: httpx.Response) -> list[str]:
    return response.headers.get_list("set-cookie")


def test_the_binding_value_is_made_by_the_server_httponly_and_new_per_session(platform):
    web = httpx.Client(base_url=platform.url)
    web.cookies.set("mca_scan", "chosen-by-the-browser")
    web.cookies.set("mca_browser", "chosen-by-the-browser")
    first = web.post("/api/scan/login", json={})
    [cookie] = [c for c in _set_cookies(first) if c.startswith("mca_scan=")]
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    value = cookie.split(";")[0].split("=", 1)[1]
    assert value != "chosen-by-the-browser" and len(value) >= 43  # 256 random bits
    second = web.post("/api/scan/login", json={})
    assert second.cookies["mca_scan"] not in (value, "chosen-by-the-browser")
    # No page sets a browser-chosen or long-lived browser value any more.
    assert not any(c.startswith("mca_browser=") for c in _set_cookies(web.get("/")))


def test_a_planted_or_guessed_browser_value_does_not_receive_the_login(platform, victim):
    """The attacker plants cookie values in their own browser (the old fixation: the same
    mca_browser value in the victim's browser) and polls the victim's session."""
    page = browser(platform)
    sid, text, _ = login_qr(platform, page)
    attacker = httpx.Client(base_url=platform.url)
    attacker.cookies.set("mca_browser", page.cookies.get("mca_browser") or "x")
    attacker.cookies.set("mca_scan", "x" * 43)
    _confirm(victim, text)
    st = attacker.get(f"/api/scan/{sid}")
    assert st.json()["state"] == "confirmed"
    assert "mca_login" not in st.cookies and "mca_login" not in attacker.cookies
    refused = confirm_login(attacker, sid)
    assert refused.status_code == 403 and refused.json()["code"] == "not_your_login"
    assert "mca_login" not in attacker.cookies
    assert attacker.get("/api/bids").status_code == 401
    # The victim's own page is logged in, as it asked.
    finish_login(platform, page, sid)
    assert page.get("/api/bids").status_code == 200


def test_the_login_cookie_is_handed_once_then_the_binding_is_spent(platform, victim):
    page = browser(platform)
    sid, text, _ = login_qr(platform, page)
    bind = page.cookies["mca_scan"]
    _confirm(victim, text)
    assert "mca_login" not in page.get(f"/api/scan/{sid}").cookies  # polling sets nothing
    first = confirm_login(page, sid)
    assert first.status_code == 200 and first.cookies.get("mca_login")
    assert any(c.startswith('mca_scan=""') or "max-age=0" in c.lower() for c in _set_cookies(first))
    # A copy of the binding cookie (a stolen cookie jar, a second tab) gets nothing more.
    thief = httpx.Client(base_url=platform.url)
    thief.cookies.set("mca_scan", bind)
    again = confirm_login(thief, sid)
    assert again.status_code == 409 and again.json()["code"] == "no_pending_login"
    assert "mca_login" not in again.cookies and "mca_login" not in thief.cookies
    assert thief.get("/api/bids").status_code == 401
    # The logged-in page polls on: no new login cookie either.
    assert "mca_login" not in page.get(f"/api/scan/{sid}").cookies
    assert len(platform.platform.logins) == 1


def test_a_browser_is_not_logged_into_an_account_it_did_not_start_a_login_for(platform, victim):
    """Login CSRF: the attacker starts a login, answers it with a certificate, and hands the
    session reference to the victim's browser (a link, a script): polling it logs the
    victim's browser into nothing. Another site cannot start a session in it either."""
    attacker_page = browser(platform)
    sid, text, _ = login_qr(platform, attacker_page)
    victim_page = browser(platform)
    victim_own_sid, _t, _p = login_qr(platform, victim_page)  # it has a binding cookie
    _confirm(victim, text)  # (any certificate: here the test's only one)
    polled = victim_page.get(f"/api/scan/{sid}")
    assert polled.json()["state"] == "confirmed" and polled.json()["result"] == {}
    assert confirm_login(victim_page, sid).status_code == 403
    assert "mca_login" not in victim_page.cookies
    assert victim_page.get("/api/bids").status_code == 401
    assert anonymous_state(platform, victim_own_sid)["state"] == "waiting"

    before = len(platform.platform.sessions)
    for headers in (
        {"Origin": "http://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "null"},
    ):
        refused = victim_page.post("/api/scan/login", json={}, headers=headers)
        assert refused.status_code == 403 and refused.json()["code"] == "cross_site"
        assert "mca_scan" not in refused.cookies
    assert len(platform.platform.sessions) == before
    same = victim_page.post(
        "/api/scan/login",
        json={},
        headers={"Origin": platform.url, "Sec-Fetch-Site": "same-origin"},
    )
    assert same.status_code == 200

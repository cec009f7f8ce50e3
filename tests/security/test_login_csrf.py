"""Login CSRF by answering first: someone who sees the victim's 扫码登录 code (over the
shoulder, a shared screenshot) answers it with their OWN certificate before the victim does.
Were the poll to set the login cookie, the victim's browser would be logged in as the
attacker's company (and could then upload a bid into the attacker's account). Now the
victim's page only learns whose account answered; the login cookie is set only when its user
clicks 确认登录, once; 不是我 drops the login and nothing is set."""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from conftest import PASSWORD, demo_company
from helpers_keystore import CERT_PASSWORD, approved_certificate, download, new_device
from helpers_platform import (
    anonymous_state,
    browser,
    client,
    confirm_login,
    decline_login,
    finish_login,
    login_qr,
    state,
)

from mobileca_desktop.domain.errors import PlatformRejected
from mobileca_desktop.domain.models import AccountKind
from mobileca_desktop.platform.core import LOGIN_CONFIRM_WINDOW
from mobileca_desktop.services.scan_api import ScanSource

ATTACKER_COMPANY = "晋阳抢先科技有限公司<b>MARK</b>"


@dataclasses.dataclass
class Attacker:
    company: str
    session: object
    cid: int
    scan: object  # the attacker's own real client (PlatformScanService)


@pytest.fixture
def attacker(services, people, tmp_path, platform):
    """Another company with its own certificate on its own device and client."""
    reg = dataclasses.replace(demo_company(people), company_name=ATTACKER_COMPANY)
    services.ca.register_legal(reg)
    s = services.ca.login(AccountKind.LEGAL, reg.uscc, PASSWORD)
    cid = approved_certificate(services, reg, s)
    device = new_device(services, tmp_path, "attacker")
    download(services, device, s, cid, reg.legal_person_phone)
    scan = client(services, tmp_path, platform, device, name="attacker")
    yield Attacker(reg.company_name, s, cid, scan)
    scan.close()


def _answer(who, text: str):
    """``who`` (victim or attacker) reads the code off a screen and confirms it."""
    prompt = who.scan.prepare(who.session, who.scan.read(text, ScanSource.SCREEN))
    return who.scan.perform(who.session, prompt, who.cid, CERT_PASSWORD)


def _logged_in(web: httpx.Client) -> bool:
    return web.get("/api/bids").status_code == 200


def test_an_attacker_answering_first_does_not_log_the_victims_browser_in(
    platform, victim, attacker
):
    page = browser(platform)
    sid, text, _ = login_qr(platform, page)
    outcome = _answer(attacker, text)  # the attacker saw the code first
    assert ATTACKER_COMPANY in outcome.message

    # The victim's page learns whose account answered, and is not logged in by polling.
    for _ in range(3):
        polled = page.get(f"/api/scan/{sid}")
        assert "mca_login" not in polled.cookies
        st = polled.json()
        assert st["state"] == "confirmed" and st["result"]["confirm"] == "pending"
        assert st["result"]["subject"] == ATTACKER_COMPANY
    assert "mca_login" not in page.cookies and not _logged_in(page)
    assert platform.platform.logins == {}
    # Nobody else learns it (the anonymous poll names nobody).
    assert anonymous_state(platform, sid)["result"] == {}

    # The victim's own scan comes too late: the code was used (its data is no longer served).
    with pytest.raises(PlatformRejected) as late:
        _answer(victim, text)
    assert late.value.params["code"] == "session_closed"

    # 不是我: nothing is set, the binding is spent, the session ends.
    declined = decline_login(page, sid)
    assert declined.status_code == 200, declined.text
    assert "mca_login" not in declined.cookies and "mca_login" not in page.cookies
    assert "mca_scan" not in page.cookies
    assert not _logged_in(page) and platform.platform.logins == {}
    st = state(platform, sid, page)
    assert st["state"] == "rejected" and st["code"] == "login_declined"
    # ... and cannot be turned into a login afterwards, by the same binding value or a copy.
    assert confirm_login(page, sid).status_code == 403
    assert platform.platform.logins == {}

    # The page makes a new code and the victim logs in as themselves.
    sid, text, _ = login_qr(platform, page)
    _answer(victim, text)
    assert finish_login(platform, page, sid)["result"]["subject"] == victim.reg.company_name
    assert _logged_in(page)
    [login] = platform.platform.logins.values()
    assert login.subject.name == victim.reg.company_name


def test_the_legitimate_flow_logs_in_exactly_once(platform, victim):
    page = browser(platform)
    sid, text, _ = login_qr(platform, page)
    bind = page.cookies["mca_scan"]
    _answer(victim, text)
    assert not _logged_in(page)
    st = finish_login(platform, page, sid)  # polls, then 确认登录
    assert st["result"]["subject"] == victim.reg.company_name
    assert _logged_in(page) and len(platform.platform.logins) == 1
    assert "mca_scan" not in page.cookies  # rotated: the binding is spent
    assert platform.platform.get(sid).result["confirm"] == "done"

    # A second confirm (the same page, or a copy of the spent binding cookie) gets nothing.
    cookie = page.cookies["mca_login"]
    again = confirm_login(page, sid)
    assert again.status_code == 403 and "mca_login" not in again.cookies
    copy = httpx.Client(base_url=platform.url)
    copy.cookies.set("mca_scan", bind)
    twice = confirm_login(copy, sid)
    assert twice.status_code == 409 and twice.json()["code"] == "no_pending_login"
    assert "mca_login" not in twice.cookies and not _logged_in(copy)
    # 不是我 after 确认登录 does not log the page out or change anything either.
    assert decline_login(copy, sid).status_code == 409
    assert page.cookies["mca_login"] == cookie and _logged_in(page)
    assert len(platform.platform.logins) == 1


def test_confirm_and_decline_refuse_other_sites(platform, victim):
    page = browser(platform)
    sid, text, _ = login_qr(platform, page)
    _answer(victim, text)
    for headers in (
        {"Origin": "http://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "null"},
    ):
        for action in ("login", "decline"):
            refused = page.post(f"/api/scan/{sid}/{action}", headers=headers)
            assert refused.status_code == 403 and refused.json()["code"] == "cross_site"
    assert "mca_login" not in page.cookies and not _logged_in(page)
    # The login is still pending for the page itself.
    finish_login(platform, page, sid)
    assert _logged_in(page)


def test_an_unconfirmed_login_expires(services, platform, victim):
    page = browser(platform)
    sid, text, _ = login_qr(platform, page)
    _answer(victim, text)
    assert state(platform, sid, page)["result"]["confirm"] == "pending"
    services.engine.advance_clock(services.engine.operator_session(), LOGIN_CONFIRM_WINDOW + 1)
    late = confirm_login(page, sid)
    assert late.status_code == 410 and late.json()["code"] == "login_expired", late.text
    assert "mca_login" not in page.cookies and not _logged_in(page)
    assert state(platform, sid, page)["state"] == "expired"
    assert platform.platform.logins == {}

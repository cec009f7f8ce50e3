"""QRLJacking: the attacker's browser (another computer: 127.0.0.2) opens the platform's
扫码登录 page and shows that QR code to the victim (a phishing page on the victim's screen);
the victim's client (127.0.0.1) reads it from its own screen and confirms. The platform must
refuse to log the attacker's browser in, and the victim's confirm page must have said who
was asking. From one computer the same flow still logs in."""

from __future__ import annotations

import httpx
import pytest
from helpers_keystore import CERT_PASSWORD
from helpers_platform import browser, finish_login, login_qr, start, state
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from qt_support import child

from mobileca_desktop.domain.errors import PlatformRejected
from mobileca_desktop.platform.requesters import AddressPolicy, normalise
from mobileca_desktop.services.scan_api import ScanSource
from mobileca_desktop.views.scan.confirm_page import ScanConfirmPage

from .conftest import (
    ATTACKER_ADDRESS,
    ATTACKER_UA,
    VICTIM_UA,
    browser_at,
    second_loopback_or_skip,
)


def _tries_left(victim) -> int | None:
    return victim.device.keystore.tries_left(victim.cid)


def _logged_in(web: httpx.Client) -> bool:
    return web.get("/api/bids").status_code == 200


def test_a_relayed_code_read_from_the_screen_logs_nobody_in(platform, victim):
    second_loopback_or_skip()
    attacker = browser_at(platform, ATTACKER_ADDRESS, ATTACKER_UA)
    sid, text, _png = login_qr(platform, attacker)
    tries = _tries_left(victim)

    # The victim's client reads the code off a phishing page on its own screen.
    request = victim.scan.read(text, ScanSource.SCREEN)
    prompt = victim.scan.prepare(victim.session, request)
    who = prompt.requester
    assert who is not None
    assert (who.address, who.client_address, who.same_address) == (
        ATTACKER_ADDRESS,
        "127.0.0.1",
        False,
    )
    assert (who.browser, who.system) == ("Firefox 128", "Linux")
    # ... and confirms anyway (the warning of test_the_confirm_page_warns_... was ignored).
    with pytest.raises(PlatformRejected) as refused:
        victim.scan.perform(victim.session, prompt, victim.cid, CERT_PASSWORD)
    assert refused.value.params["code"] == "address_mismatch"
    assert ATTACKER_ADDRESS in refused.value.params["reason"]

    # The attacker's browser is not logged in, now or later.
    st = state(platform, sid, attacker)
    assert st["state"] == "rejected" and st["code"] == "address_mismatch"
    assert st["result"] == {}
    assert "mca_login" not in attacker.cookies
    assert not _logged_in(attacker)
    assert "登录成功" not in attacker.get("/").text
    assert platform.platform.logins == {}
    # Nothing changed for the victim: the password counter is untouched and their own
    # browser logs in with the same certificate right after.
    assert _tries_left(victim) == tries
    own = browser(platform)
    sid, text, _ = login_qr(platform, own)
    victim.scan.perform(
        victim.session,
        victim.scan.prepare(victim.session, victim.scan.read(text, ScanSource.SCREEN)),
        victim.cid,
        CERT_PASSWORD,
    )
    finish_login(platform, own, sid)
    assert _logged_in(own) and not _logged_in(attacker)


def test_the_attacker_fetching_the_data_first_does_not_silence_the_warning(platform, victim):
    """The data names the address it is served to: the attacker's own early fetch (so that
    the data would say "same address") leaves the victim's copy saying "different"."""
    second_loopback_or_skip()
    attacker = browser_at(platform, ATTACKER_ADDRESS, ATTACKER_UA)
    _sid, text, _ = login_qr(platform, attacker)
    data_url = victim.scan.read(text, ScanSource.CAMERA).callback_url.replace("/callback", "/data")
    early = attacker.get(data_url).json()["requester"]
    assert early["client_address"] == ATTACKER_ADDRESS and early["same_address"] is True
    prompt = victim.scan.prepare(victim.session, victim.scan.read(text, ScanSource.CAMERA))
    assert prompt.requester.client_address == "127.0.0.1"
    assert not prompt.requester.same_address
    assert attacker.get(data_url).json()["requester"] == early  # fixed per address


@pytest.mark.parametrize("source", [ScanSource.SCREEN, ScanSource.CLIPBOARD])
def test_the_same_flow_from_one_computer_logs_in(platform, victim, source):
    web = browser(platform)
    web.headers["User-Agent"] = VICTIM_UA
    sid, text, _ = login_qr(platform, web)
    prompt = victim.scan.prepare(victim.session, victim.scan.read(text, source))
    who = prompt.requester
    assert who is not None and who.same_address and who.address == "127.0.0.1"
    assert (who.browser, who.system) == ("Chrome 120", "Windows 10/11")
    outcome = victim.scan.perform(victim.session, prompt, victim.cid, CERT_PASSWORD)
    assert victim.reg.company_name in outcome.message
    assert finish_login(platform, web, sid)["result"]["subject"] == victim.reg.company_name
    assert _logged_in(web)


def test_a_code_from_a_camera_may_come_from_another_computer_and_is_warned_about(platform, victim):
    """A camera may look at another computer's screen (the user's own second machine): the
    platform cannot tell a relay from that, so the confirm page's warning is the defence
    (docs/scan-protocol.md §9, what the defence does not cover)."""
    second_loopback_or_skip()
    other = browser_at(platform, ATTACKER_ADDRESS, ATTACKER_UA)
    sid, text, _ = login_qr(platform, other)
    prompt = victim.scan.prepare(victim.session, victim.scan.read(text, ScanSource.CAMERA))
    assert prompt.requester is not None and not prompt.requester.same_address
    victim.scan.perform(victim.session, prompt, victim.cid, CERT_PASSWORD)
    finish_login(platform, other, sid)


def test_relaxed_behind_nat_the_warning_stays(services, tmp_path, victim):
    second_loopback_or_skip()
    relaxed = start(services, tmp_path / "relaxed", require_same_address=False)
    try:
        from helpers_platform import client

        scan = client(services, tmp_path, relaxed, victim.device, name="relaxed")
        other = browser_at(relaxed, ATTACKER_ADDRESS, ATTACKER_UA)
        sid, text, _ = login_qr(relaxed, other)
        prompt = scan.prepare(victim.session, scan.read(text, ScanSource.SCREEN))
        assert prompt.requester is not None and not prompt.requester.same_address
        scan.perform(victim.session, prompt, victim.cid, CERT_PASSWORD)
        finish_login(relaxed, other, sid)
    finally:
        relaxed.stop()


def test_a_spoofed_forwarded_for_is_believed_only_from_a_trusted_proxy(platform, victim):
    """The attacker's browser claims to be 127.0.0.1 in X-Forwarded-For: the platform does
    not trust that header from it, so the relay is still seen and refused."""
    second_loopback_or_skip()
    attacker = browser_at(platform, ATTACKER_ADDRESS, ATTACKER_UA)
    attacker.headers["X-Forwarded-For"] = "127.0.0.1"
    sid, text, _ = login_qr(platform, attacker)
    prompt = victim.scan.prepare(victim.session, victim.scan.read(text, ScanSource.SCREEN))
    assert prompt.requester.address == ATTACKER_ADDRESS
    with pytest.raises(PlatformRejected, match=ATTACKER_ADDRESS):
        victim.scan.perform(victim.session, prompt, victim.cid, CERT_PASSWORD)
    assert not _logged_in(attacker)


def test_client_addresses_behind_proxies_and_on_dual_stack():
    assert normalise("::ffff:127.0.0.1") == "127.0.0.1"
    assert normalise("[::FFFF:7f00:1]") == "127.0.0.1"
    assert normalise("fe80::1%eth0") == "fe80::1"
    assert normalise("2001:DB8:0:0::1") == "2001:db8::1"
    assert normalise("::1") != normalise("127.0.0.1")  # two families: two addresses
    assert normalise("testclient") == "testclient"
    none = AddressPolicy()
    assert none.client_address("::ffff:10.0.0.5", "203.0.113.7") == "10.0.0.5"
    proxies = AddressPolicy.of(["10.0.0.0/8", "::1"])
    # the right-most entry that is not a trusted proxy; client-written entries to its left
    # prove nothing
    assert proxies.client_address("10.0.0.5", "127.0.0.1, 203.0.113.7, 10.1.1.1") == ("203.0.113.7")
    assert proxies.client_address("::1", "::ffff:198.51.100.4") == "198.51.100.4"
    assert proxies.client_address("10.0.0.5", None) == "10.0.0.5"
    assert proxies.client_address("10.0.0.5", "garbage") == "10.0.0.5"
    assert proxies.client_address("10.0.0.5", "10.2.2.2") == "10.2.2.2"  # all proxies
    assert proxies.client_address("192.0.2.1", "203.0.113.7") == "192.0.2.1"  # not a proxy
    with pytest.raises(ValueError):
        AddressPolicy.of(["not an address"])


@pytest.fixture
def victim_pc(mca_world, mca_client, mca_platform, mca_phone):
    """The victim (the kit's demo company) with its certificate on its computer: a kit client
    window whose scan service trusts the kit's platform simulator (answering from 127.0.0.1)."""
    company, s = mca_world.demo.company, mca_world.legal_session()
    cid = mca_world.approved_certificate()
    pc = mca_client("victim")
    pc.keys.request_code(s, cid)
    code = mca_phone.last_code(company.legal_person_phone)
    pc.keys.activate(s, cid, code, CERT_PASSWORD, CERT_PASSWORD)
    return pc


def confirm_page(victim_pc, mca_world, text: str) -> ScanConfirmPage:
    """The victim's confirm page for the code ``text`` read from its screen, in its window."""
    scan, session = victim_pc.scan, mca_world.legal_session()
    prompt = scan.prepare(session, scan.read(text, ScanSource.SCREEN))
    page = ScanConfirmPage(victim_pc.window, prompt)
    victim_pc.window.push(page)
    return page


def test_the_confirm_page_warns_before_the_password_field(
    qtbot, mca_platform, mca_world, victim_pc
):
    second_loopback_or_skip()
    platform = mca_platform.running
    attacker = browser_at(platform, ATTACKER_ADDRESS, "<b>MARK</b> Firefox/128.0")
    _sid, text, _ = login_qr(platform, attacker)
    victim_pc.window.resize(900, 1400)
    page = confirm_page(victim_pc, mca_world, text)
    warning = child(page, "addressWarning", QLabel)
    qtbot.waitUntil(warning.isVisible, timeout=5000)
    assert ATTACKER_ADDRESS in warning.text() and "127.0.0.1" in warning.text()
    assert "请立即取消" in warning.text()
    # above the password field, in the order the page is read
    field = page.password.edit
    assert (
        warning.mapTo(page, warning.rect().topLeft()).y()
        < field.mapTo(page, field.rect().topLeft()).y()
    )
    address = child(page, "requesterAddressValue", QLabel)
    assert ATTACKER_ADDRESS in address.text() and "不同" in address.text()
    assert child(page, "requesterBrowserValue", QLabel).text() == "Firefox 128"
    assert child(page, "requesterTimeValue", QLabel).text()
    # The User-Agent is the browser's own words: shown as text, never as rich text.
    for name in (
        "requesterAddressValue",
        "requesterBrowserValue",
        "requesterSystemValue",
        "requesterTimeValue",
        "addressWarning",
    ):
        assert child(page, name, QLabel).textFormat() == Qt.TextFormat.PlainText, name


def test_the_confirm_page_has_no_warning_for_a_browser_on_this_computer(
    mca_platform, mca_world, victim_pc
):
    platform = mca_platform.running
    _sid, text, _ = login_qr(platform, browser(platform))
    page = confirm_page(victim_pc, mca_world, text)
    assert page.address_warning is None
    assert "相同" in child(page, "requesterAddressValue", QLabel).text()


@pytest.mark.parametrize(
    ("user_agent", "words"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            ("Microsoft Edge 131", "Windows 10/11"),
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            ("Safari 17", "iOS 17"),
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Mobile Safari/537.36",
            ("Chrome 126", "Android 14"),
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.4 Safari/605.1.15",
            ("Safari 17", "macOS 10.15"),
        ),
        ("python-httpx/0.27.0", ("python-httpx 0.27.0", "")),
        ("", ("", "")),
        ("<b>MARK</b>", ("", "")),
    ],
)
def test_the_browser_and_system_in_plain_words(user_agent, words):
    from mobileca_desktop.services.useragent import describe

    assert describe(user_agent) == words

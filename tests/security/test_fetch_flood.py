"""Fetching a session's operation data from many addresses (anyone who saw the QR can) does
not lock the real client out: the platform kept at most 8 per-address copies and refused the
ninth fetch with 429, so an outside review's 8 fetches from 127.0.0.2-9 stopped the victim's
login. Now every fetch is served and the answer's copy is made again from its address."""

from __future__ import annotations

import httpx
from helpers_keystore import CERT_PASSWORD
from helpers_platform import confirm_login, login_qr

from mobileca_desktop.services.scan_api import ScanSource

from .conftest import VICTIM_UA, browser_at, second_loopback_or_skip


def test_many_fetching_addresses_do_not_stop_the_real_login(platform, victim):
    second_loopback_or_skip()
    web = browser_at(platform, "127.0.0.1", VICTIM_UA)
    sid, text, _png = login_qr(platform, web)
    for i in range(2, 14):  # more addresses than copies are kept for
        with httpx.Client(transport=httpx.HTTPTransport(local_address=f"127.0.0.{i}")) as other:
            assert other.get(f"{platform.url}/scan/{sid}/data").status_code == 200
    request = victim.scan.read(text, ScanSource.SCREEN)
    prompt = victim.scan.prepare(victim.session, request)
    assert prompt.requester is not None and prompt.requester.same_address
    victim.scan.perform(victim.session, prompt, victim.cid, CERT_PASSWORD)
    assert confirm_login(web, sid).status_code == 200
    web.close()

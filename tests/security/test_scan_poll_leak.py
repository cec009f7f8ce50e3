"""The anonymous poll (``GET /api/scan/<sid>``) used to tell anyone who knew a session
reference (it is in the QR code) which company logged in, with which device certificate
and through which CA institution. Now only the browser that owns the session learns that."""

from __future__ import annotations

import httpx
import pytest
from helpers_keystore import CERT_PASSWORD
from helpers_platform import anonymous_state, browser, login_qr, state

from mobileca_desktop.domain.errors import PlatformRejected
from mobileca_desktop.services.scan_api import ScanSource


def _secrets(victim) -> list[str]:
    info = victim.device.keystore.info(victim.cid)
    return [victim.reg.company_name, victim.reg.uscc, info.device_serial_hex]


def test_nobody_but_the_owning_browser_learns_who_logged_in(platform, victim):
    page = browser(platform)
    sid, text, _ = login_qr(platform, page)
    prompt = victim.scan.prepare(victim.session, victim.scan.read(text, ScanSource.SCREEN))
    victim.scan.perform(victim.session, prompt, victim.cid, CERT_PASSWORD)

    onlookers = [
        httpx.Client(base_url=platform.url),  # no cookies
        browser(platform),  # another browser of the platform, with a session of its own
    ]
    login_qr(platform, onlookers[1])
    for onlooker in onlookers:
        response = onlooker.get(f"/api/scan/{sid}")
        st = response.json()
        assert st["state"] == "confirmed" and st["result"] == {}
        for secret in _secrets(victim):
            assert secret.lower() not in response.text.lower(), secret
        assert "mca_login" not in response.cookies
    # The owner sees it all.
    owned = state(platform, sid, page)
    assert owned["result"]["subject"] == victim.reg.company_name
    assert owned["result"]["device_serial"] and owned["result"]["institution"]
    assert victim.reg.company_name in owned["message"]


def test_a_refusal_naming_the_subject_is_not_shown_to_onlookers(services, platform, victim):
    page = browser(platform)
    sid, text, _ = login_qr(platform, page)
    prompt = victim.scan.prepare(victim.session, victim.scan.read(text, ScanSource.SCREEN))
    services.ca.revoke(victim.session, victim.cid)
    with pytest.raises(PlatformRejected):
        victim.scan.perform(victim.session, prompt, victim.cid, CERT_PASSWORD)
    anon = httpx.get(f"{platform.url}/api/scan/{sid}")
    assert anon.json()["state"] == "rejected" and anon.json()["result"] == {}
    assert anon.json()["message"] == anon.json()["state_text"]
    for secret in _secrets(victim):
        assert secret.lower() not in anon.text.lower(), secret
    assert state(platform, sid, page)["message"] != anonymous_state(platform, sid)["message"]

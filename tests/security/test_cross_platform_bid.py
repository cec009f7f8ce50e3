"""扫码解密 opens a bid only at the platform it was sealed for: a second platform the client
also trusts, holding a copy of the first one's stored envelope (a leak, an insider, shared
storage), asks the client to open it and gets nothing (found by an outside review: the
client checked subject, digest and description, not the platform named in the bid)."""

from __future__ import annotations

import shutil

import helpers_platform as hp
import pytest
from helpers_keystore import CERT_PASSWORD, approved_certificate, download, new_device

from mobileca_desktop.domain.errors import BidRefused
from mobileca_desktop.services.scan import NonceStore, PlatformScanService

SECRET = b"SECRET PRICE 1,000,000 for X only"


def test_a_bid_sealed_at_one_platform_does_not_open_at_another(services, company, tmp_path):
    reg, s = company
    cid = approved_certificate(services, reg, s)
    device = new_device(services, tmp_path, "victim")
    download(services, device, s, cid, reg.legal_person_phone)
    x = hp.start(services, tmp_path / "x", platform_id="platform-x", name="甲交易平台")
    y = hp.start(services, tmp_path / "y", platform_id="platform-y", name="乙交易平台")
    try:
        client = PlatformScanService(
            services.ca,
            device,
            [hp.trusted(x), hp.trusted(y)],
            NonceStore(tmp_path / "nonces.json"),
            clock=lambda: services.engine.clock.now().timestamp(),
        )

        def scan(text: str):
            return hp.scan(client, s, text, cid, CERT_PASSWORD)

        web_x = hp.browser(x)
        q = hp.login_qr(x, web_x)
        scan(q.qr_text)
        hp.finish_login(x, web_x, q.session_id)
        scan(hp.encrypt_qr(x, web_x, SECRET, project="X-project").qr_text)
        bid_id = hp.bids(web_x)[0]["id"]
        for ext in ("json", "p7m"):  # Y holds X's stored envelope and its description
            shutil.copy(x.platform.bids_dir / f"{bid_id}.{ext}", y.platform.bids_dir)

        web_y = hp.browser(y)
        q = hp.login_qr(y, web_y)
        scan(q.qr_text)
        hp.finish_login(y, web_y, q.session_id)
        q = hp.decrypt_qr(y, web_y, bid_id)
        with pytest.raises(BidRefused) as refused:
            scan(q.qr_text)
        assert "another trading platform" in str(refused.value.params) + refused.value.message
        state = hp.state(y, q.session_id, web_y)
        assert state["state"] != "confirmed"
        assert SECRET.decode() not in str(state)
        # At its own platform the same bid still opens.
        q = hp.decrypt_qr(x, web_x, bid_id)
        scan(q.qr_text)
        assert hp.state(x, q.session_id, web_x)["state"] == "confirmed"
    finally:
        x.stop()
        y.stop()

"""Another site's page cannot start an operation in a logged-in browser: /api/seal,
/api/encrypt and /api/decrypt refuse a cross-origin request as /api/scan/login does (a
same-site page on another port got 200 and a new binding cookie: outside review)."""

from __future__ import annotations

import helpers_platform as hp
import pytest
from helpers_keystore import CERT_PASSWORD

FOREIGN = {
    "Origin": "http://127.0.0.1:8888",
    "Sec-Fetch-Site": "same-site",
    "Content-Type": "text/plain",
}
BODIES = {
    "/api/seal": b'{"pdf":"JVBERi0=","name":"evil.pdf"}',
    "/api/encrypt": b'{"content":"UE9JU09O","name":"evil.txt","project":"x"}',
    "/api/decrypt": b'{"bid_id":"nothing"}',
}


@pytest.mark.parametrize("path", sorted(BODIES))
def test_operations_refuse_other_sites(platform, victim, path):
    web = hp.browser(platform)
    q = hp.login_qr(platform, web)
    hp.scan(victim.scan, victim.session, q.qr_text, victim.cid, CERT_PASSWORD)
    hp.finish_login(platform, web, q.session_id)
    r = web.post(path, content=BODIES[path], headers=FOREIGN)
    assert r.status_code == 403 and r.json()["code"] == "cross_site", r.text
    assert "mca_scan" not in r.headers.get("set-cookie", "")
    web.close()

"""Stray answers: anyone who sees a QR code can post to its callback. Junk with a parseable
certificate used to end the session as 已拒绝, so the victim's real answer failed. Now the
signature and the binding are verified before any state change, and only an authentic
answer (signed over this session's binding by a certificate of a pinned CA, for the subject
the session expects) may end it."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from helpers_keystore import CERT_PASSWORD
from helpers_platform import answer, browser, clock_now, fetch, finish_login, login_qr, state

from mobileca_desktop.crypto import scanproto
from mobileca_desktop.domain.errors import PlatformRejected
from mobileca_desktop.services.scan_api import ScanSource


class Forger:
    """Someone with a key and a self-made certificate naming the victim's company."""

    def __init__(self, reg) -> None:
        self.signing_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, reg.company_name),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, reg.company_name),
                x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, reg.uscc),
            ]
        )
        now = dt.datetime.now(dt.UTC)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.signing_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .sign(self.signing_key, hashes.SHA256())
        )
        self.chain = [self.cert]


def _pem(cert) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def test_stray_posts_do_not_end_the_session_and_the_real_answer_still_logs_in(
    services, platform, victim
):
    page = browser(platform)
    sid, text, _ = login_qr(platform, page)
    posted = fetch(text)  # the attacker saw the code: it can read the data too
    forger = Forger(victim.reg)
    cb = posted.payload.callback_url
    good = answer(posted, forger, now=clock_now(services))
    victim_pem = victim.device.keystore.info(victim.cid).device_cert_pem
    strays = {
        "bad_request": [
            b"not json",
            {"v": 1, "s": sid, "n": posted.payload.nonce},  # an older client's version
            {**good, "binding": {"v": 2}},
            {**good, "chain": ["not a certificate"]},
        ],
        "wrong_session": [{**good, "s": "x" * 22}],
        "wrong_nonce": [{**good, "n": scanproto.b64url(bytes(16))}],
        "binding_mismatch": [
            {**good, "binding": {**good["binding"], "d": "0" * 64}},
            {**good, "binding": {**good["binding"], "op": "seal"}},
        ],
        # junk signatures with any parseable certificate, the victim's own (public) one too
        "bad_signature": [
            {**good, "signature": scanproto.b64(b"0" * 70), "chain": [_pem(forger.cert)]},
            {**good, "signature": scanproto.b64(b"0" * 70), "chain": [victim_pem]},
        ],
        # correctly signed, by a certificate no pinned CA issued
        "untrusted_chain": [good],
    }
    for code, bodies in strays.items():
        for body in bodies:
            if isinstance(body, bytes):
                response = httpx.post(cb, content=body)
            else:
                response = httpx.post(cb, json=body)
            assert response.status_code == 400, (code, response.text)
            assert response.json()["code"] == code, (code, response.text)
            st = state(platform, sid, page)
            assert st["state"] == "scanned" and st["code"] is None, (code, st)

    # The victim's real answer, after all of that, still logs their page in.
    prompt = victim.scan.prepare(victim.session, victim.scan.read(text, ScanSource.SCREEN))
    victim.scan.perform(victim.session, prompt, victim.cid, CERT_PASSWORD)
    assert finish_login(platform, page, sid)["result"]["subject"] == victim.reg.company_name


def test_a_stray_post_before_the_data_was_fetched_changes_nothing(services, platform, victim):
    page = browser(platform)
    sid, text, _ = login_qr(platform, page)
    payload = scanproto.parse(text)[0]
    forger = Forger(victim.reg)
    binding = scanproto.binding_dict(payload, "0" * 64, clock_now(services), "camera")
    body = {
        "v": 2,
        "s": sid,
        "n": payload.nonce,
        "binding": binding,
        "signature": scanproto.b64(scanproto.sign_binding(binding, forger.signing_key)),
        "chain": [_pem(forger.cert)],
    }
    response = httpx.post(payload.callback_url, json=body)
    assert response.json()["code"] == "binding_mismatch"
    assert state(platform, sid, page)["state"] == "waiting"


def test_only_an_authentic_refusal_ends_the_session(services, platform, victim):
    """The scanning user's own certificate, revoked: a real refusal, shown on the page."""
    page = browser(platform)
    sid, text, _ = login_qr(platform, page)
    prompt = victim.scan.prepare(victim.session, victim.scan.read(text, ScanSource.SCREEN))
    services.ca.revoke(victim.session, victim.cid)
    with pytest.raises(PlatformRejected) as refused:
        victim.scan.perform(victim.session, prompt, victim.cid, CERT_PASSWORD)
    assert refused.value.params["code"] == "revoked"
    st = state(platform, sid, page)
    assert st["state"] == "rejected" and st["code"] == "revoked"
    assert "mca_login" not in page.cookies

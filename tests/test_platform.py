"""The trading-platform simulator, server side: each operation against a real engine, real
device certificates and keys, over real HTTP on loopback, and the attacks that concern the
platform (replay, wrong nonce, revoked / expired / not-yet-valid / wrong-institution
certificates, a withdrawn agent, an altered original, a foreign signer)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import socket

import httpx
import pytest
import segno
from conftest import PASSWORD, demo_company, pdf_bytes
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from helpers_flow import Device
from helpers_keystore import approved_certificate
from helpers_platform import (
    activated_device,
    answer,
    bids,
    browser,
    clock_now,
    decrypt_key_answer,
    decrypt_qr,
    encrypt_qr,
    encryption_certificate,
    envelope_wrapped,
    fetch,
    finish_login,
    login_qr,
    login_with,
    post,
    seal_answer,
    seal_qr,
    seal_with,
    start,
    state,
)
from PIL import Image

from mobileca_desktop.crypto import cms, ecies, scanproto
from mobileca_desktop.domain.models import AccountKind, AgentDetails
from mobileca_desktop.platform.trust import CertificateChecker, EngineTrust, Refusal


@pytest.fixture
def platform(services, tmp_path):
    p = start(services, tmp_path)
    yield p
    p.stop()


@pytest.fixture
def holder(services, company):
    """The demo company's 单位证书 on one device: (registration, session, cid, device)."""
    reg, s = company
    cid = approved_certificate(services, reg, s)
    return reg, s, cid, activated_device(services, s, cid, reg.legal_person_phone)


def test_login_shows_the_company_and_logs_the_page_in(platform, services, holder):
    reg, _s, _cid, device = holder
    page = browser(platform)
    sid, text, png = login_qr(platform, page)
    assert png.startswith(b"\x89PNG") and text.startswith("MCA1.")
    assert state(platform, sid)["state"] == "waiting"
    fetched = fetch(text)
    assert state(platform, sid)["state"] == "scanned"
    response = post(fetched, answer(fetched, device, now=clock_now(services)))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "ok": True,
        "message": f"扫码成功：{reg.company_name}。请在浏览器上确认登录",
    }
    st = finish_login(platform, page, sid)
    assert st["result"]["subject"] == reg.company_name
    home = page.get("/").text
    assert f"登录成功：<b>{reg.company_name}</b>" in home


def test_an_answer_is_refused_when_replayed_or_with_a_wrong_nonce(platform, services, holder):
    *_, device = holder
    sid, text, _ = login_qr(platform)
    fetched = fetch(text)
    body = answer(fetched, device, now=clock_now(services))
    wrong = dict(body, n=body["n"][:-2] + ("AA" if body["n"][-2:] != "AA" else "AQ"))
    response = post(fetched, wrong)
    assert response.status_code == 400 and response.json()["code"] == "wrong_nonce"
    assert state(platform, sid)["state"] == "scanned"  # a stray post does not end the session
    assert post(fetched, body).status_code == 200
    replay = post(fetched, body)
    assert replay.status_code == 409
    assert replay.json()["ok"] is False and replay.json()["code"] == "replayed"


def _login_answer(platform, services, device):
    sid, text, _ = login_qr(platform)
    fetched = fetch(text)
    return sid, post(fetched, answer(fetched, device, now=clock_now(services)))


def _refused(platform, sid, response, code, words, *, ends=True):
    """The answer was refused with ``code``; an authentic answer's refusal ends the session
    (shown on its page), a stray one's (``ends=False``) leaves it live and unmarked."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["ok"] is False and body["code"] == code, body
    assert words in body["message"]
    st = state(platform, sid)
    if ends:
        assert st["state"] == "rejected" and st["code"] == code and words in st["message"]
    else:
        assert st["state"] in ("scanned", "authorized") and st["code"] is None, st
    return body


def test_a_revoked_certificate_is_refused_with_the_reason(platform, services, holder):
    _reg, s, cid, device = holder
    services.ca.revoke(s, cid)
    sid, response = _login_answer(platform, services, device)
    _refused(platform, sid, response, "revoked", "证书已吊销")


def test_an_agent_logs_in_for_the_company_until_the_grant_is_withdrawn(
    platform, services, holder, agent
):
    reg, s, cid, device = holder
    agent_reg, agent_s = agent
    grant = services.ca.grant(
        s,
        cid,
        AgentDetails(agent_reg.name, agent_reg.id_number, agent_reg.phone),
        dt.datetime.now(dt.UTC) + dt.timedelta(days=30),
    )
    pc = activated_device(services, agent_s, cid, reg.legal_person_phone, name="agent-pc")
    _sid, response = _login_answer(platform, services, pc)
    assert response.status_code == 200, response.text
    assert response.json()["message"].startswith(
        f"扫码成功：经办人 {agent_reg.name} 代表 {reg.company_name}。"
    )
    # The agent's device holds the escrowed key too: it opens the company's bid.
    page = login_with(platform, services, device)
    _encrypt(platform, services, page, device, s, cid)
    [bid] = bids(page)
    sid, response = _decrypt(platform, services, page, pc, bid["id"])
    assert response.status_code == 200, response.text
    assert state(platform, sid)["result"]["authorized_by"] == (
        f"经办人 {agent_reg.name} 代表 {reg.company_name}"
    )

    services.ca.withdraw_grant(s, grant.id)
    sid, response = _login_answer(platform, services, pc)
    _refused(platform, sid, response, "grant_withdrawn", f"经办人 {agent_reg.name} 的授权已撤回")
    sid, text, _ = decrypt_qr(platform, page, bid["id"])
    fetched = fetch(text)
    response = post(fetched, answer(fetched, pc, now=clock_now(services), step="authorize"))
    _refused(platform, sid, response, "grant_withdrawn", "授权已撤回或到期")


def test_expired_and_not_yet_valid_certificates_by_the_ca_clock(platform, services, holder):
    reg, _s, cid, device = holder
    operator = services.engine.operator_session()
    services.engine.advance_clock(operator, 3 * 86400)
    # Activated while the demo clock is three days ahead: the certificate still starts at the
    # real time (validators on the real clock must not see it as future-dated), so it keeps
    # working when the clock goes back.
    s = services.ca.login(AccountKind.LEGAL, reg.uscc, PASSWORD)
    later = activated_device(services, s, cid, reg.legal_person_phone, name="later")
    assert later.cert.not_valid_before_utc <= dt.datetime.now(dt.UTC)
    services.engine.reset_clock(operator)
    services.engine.clock._read_at = -1.0  # re-read the offset at once (no 1 s wait)
    sid, response = _login_answer(platform, services, later)
    assert response.status_code == 200, response.text
    # A certificate is refused before its start, by the clock the platform checks with.
    checker = CertificateChecker(EngineTrust(services.engine))
    with pytest.raises(Refusal) as early:
        checker.check(later.cert, now=later.cert.not_valid_before_utc - dt.timedelta(hours=1))
    assert early.value.code == "not_yet_valid" and "尚未生效" in early.value.message
    services.engine.advance_clock(operator, 400 * 86400)
    sid, response = _login_answer(platform, services, device)
    _refused(platform, sid, response, "expired", "已过期")


def test_a_certificate_from_an_institution_the_platform_does_not_accept(services, holder, tmp_path):
    others = frozenset(i.id for i in services.engine.institutions() if i.id != "bjca")
    assert others
    p = start(services, tmp_path, accepted_institutions=others)
    try:
        sid, response = _login_answer(p, services, holder[3])
        _refused(p, sid, response, "wrong_institution", "北京数字认证股份有限公司")
    finally:
        p.stop()


def test_a_binding_for_another_session_or_a_forged_signature_is_refused(platform, services, holder):
    *_, device = holder
    sid, text, _ = login_qr(platform)
    fetched = fetch(text)
    body = answer(fetched, device, now=clock_now(services))
    body["binding"] = dict(body["binding"], d="0" * 64)
    response = post(fetched, body)
    _refused(platform, sid, response, "binding_mismatch", "签名内容与本次会话不符", ends=False)
    body = answer(fetched, device, now=clock_now(services))
    other = Device("thief")
    body["signature"] = answer(fetched, _with_key(device, other.signing_key))["signature"]
    _refused(platform, sid, post(fetched, body), "bad_signature", "签名验证失败", ends=False)
    # Neither stray post ended the session: the real answer still logs the page in.
    assert post(fetched, answer(fetched, device, now=clock_now(services))).status_code == 200
    assert state(platform, sid)["state"] == "confirmed"


def _with_key(device, key):
    clone = Device(device.name)
    clone.signing_key, clone.chain = key, device.chain
    return clone


# --- 扫码签章 -----------------------------------------------------------------------------


def test_seal_accepts_an_incremental_seal_by_the_logged_in_company(platform, services, holder):
    reg, _s, _cid, device = holder
    page = login_with(platform, services, device)
    original = pdf_bytes("投标函 第一页")
    sid, text, _ = seal_qr(platform, page, original, seal="official")
    fetched = fetch(text)
    assert fetched.data["seal"] == {"kind": "official", "page": 1, "box": [380, 80, 520, 220]}
    assert fetched.data["subject"]["uscc"] == reg.uscc
    response = post(fetched, seal_answer(fetched, device, services))
    assert response.status_code == 200, response.text
    st = state(platform, sid)
    assert st["state"] == "confirmed" and st["result"]["signer"] == reg.company_name
    sealed = page.get(st["result"]["download"]).content
    assert sealed.startswith(original) and len(sealed) > len(original)
    assert httpx.get(f"{platform.url}{st['result']['download']}").status_code == 401


def test_seal_refuses_an_altered_original_and_a_foreign_signer(platform, services, holder, people):
    _reg, _s, _cid, device = holder
    page = login_with(platform, services, device)
    original = pdf_bytes("投标函 金额 100 万元")
    sid, text, _ = seal_qr(platform, page, original)
    fetched = fetch(text)
    altered = original.replace(b"created by Pillow", b"created by Pillox", 1)
    assert altered != original
    response = post(fetched, seal_answer(fetched, device, services, pdf=altered))
    _refused(platform, sid, response, "not_incremental", "不是平台所发文件的增量更新")

    sid, text, _ = seal_qr(platform, page, original, box=(60, 60, 200, 200))
    fetched = fetch(text)
    elsewhere = seal_with(original, device, 1, (380, 80, 520, 220), services)
    body = answer(fetched, device, now=clock_now(services), pdf=scanproto.b64(elsewhere))
    _refused(platform, sid, post(fetched, body), "seal_position", "所见即所签")

    # The user moved the seal on the confirm page: the reported place is accepted when the
    # seal is there and on that page; a report that does not match the file is refused.
    sid, text, _ = seal_qr(platform, page, original, box=(60, 60, 200, 200))
    fetched = fetch(text)
    moved = seal_with(original, device, 1, (300, 400, 420, 520), services)
    body = answer(
        fetched,
        device,
        now=clock_now(services),
        pdf=scanproto.b64(moved),
        placement={"page": 1, "box": [300, 400, 420, 520]},
    )
    assert post(fetched, body).status_code == 200
    assert state(platform, sid)["state"] == "confirmed"
    for placement, words in (
        ({"page": 1, "box": [60, 60, 200, 200]}, "所见即所签"),
        ({"page": 2, "box": [300, 400, 420, 520]}, "所选的页面"),
        ({"page": "1", "box": [300, 400, 420, 520]}, "印章位置格式不对"),
    ):
        sid, text, _ = seal_qr(platform, page, original, box=(60, 60, 200, 200))
        fetched = fetch(text)
        body = answer(
            fetched,
            device,
            now=clock_now(services),
            pdf=scanproto.b64(seal_with(original, device, 1, (300, 400, 420, 520), services)),
            placement=placement,
        )
        response = post(fetched, body)
        assert response.status_code == 400 and words in response.json()["message"], placement

    other_reg = demo_company(people)
    other_reg = dataclasses.replace(other_reg, company_name="山西另一家建设有限公司")
    services.ca.register_legal(other_reg)
    other_s = services.ca.login(AccountKind.LEGAL, other_reg.uscc, PASSWORD)
    other_cid = approved_certificate(services, other_reg, other_s)
    foreign = activated_device(services, other_s, other_cid, other_reg.legal_person_phone)
    sid, text, _ = seal_qr(platform, page, original)
    fetched = fetch(text)
    sealed_by_foreign = seal_answer(fetched, foreign, services)
    body = answer(fetched, device, now=clock_now(services), pdf=sealed_by_foreign["pdf"])
    response = post(fetched, body)
    _refused(platform, sid, response, "wrong_signer", "山西另一家建设有限公司")


# --- 扫码加密 and 扫码解密 -------------------------------------------------------------------


BID = "投标文件：报价 1,234,567.00 元，工期 180 日历天。".encode()


def _encrypt(platform, services, page, device, s, cid, content=BID):
    sid, text, _ = encrypt_qr(platform, page, content)
    fetched = fetch(text)
    assert fetched.data["bid_sha256"] == hashlib.sha256(content).hexdigest()
    enc = encryption_certificate(services, s, cid)
    body = answer(
        fetched,
        device,
        now=clock_now(services),
        encryption_certificate=enc.public_bytes(serialization.Encoding.PEM).decode(),
    )
    response = post(fetched, body)
    assert response.status_code == 200, response.text
    assert state(platform, sid)["state"] == "confirmed"
    return enc


def _decrypt(platform, services, page, device, bid_id):
    sid, text, png = decrypt_qr(platform, page, bid_id)
    # The longest payload (it carries k) still fits a QR code of version <= 20 at level M.
    assert len(text) <= 600 and segno.make(text, error="m").version <= 20
    assert Image.open(io.BytesIO(png)).size[0] >= 200
    fetched = fetch(text)
    authorize = answer(fetched, device, now=clock_now(services), step="authorize")
    response = post(fetched, authorize)
    assert response.status_code == 200, response.text
    assert state(platform, sid)["state"] == "authorized"
    assert "wrapped_key" not in response.json()  # v2: only the envelope, checked by the client
    wrapped = envelope_wrapped(fetched)
    response = post(fetched, decrypt_key_answer(fetched, device, wrapped, authorize["signature"]))
    return sid, response


def test_encrypt_stores_a_signed_envelope_and_decrypt_opens_it(platform, services, holder):
    reg, s, cid, device = holder
    page = login_with(platform, services, device)
    enc = _encrypt(platform, services, page, device, s, cid)
    [bid] = bids(page)
    assert bid["encryption_serial"] == format(enc.serial_number, "x") and not bid["opened_at"]
    envelope = (platform.platform.bids_dir / f"{bid['id']}.p7m").read_bytes()
    assert BID not in envelope
    record = json.loads(
        cms.open_envelope(envelope, enc, device.encryption_keys[bid["encryption_serial"]])
    )
    assert scanproto.unb64(record["content"]) == BID
    assert scanproto.verify_binding(
        record["binding"], scanproto.unb64(record["signature"]), device.cert
    )

    _sid, text, _ = decrypt_qr(platform, page, bid["id"])
    described = fetch(text).data["bid"]
    assert described["project"] == "太原东站改造工程" and described["bidder"] == reg.company_name
    assert described["sealed_at"] == record["binding"]["t"]
    assert described["sha256"] == hashlib.sha256(BID).hexdigest()
    sid, response = _decrypt(platform, services, page, device, bid["id"])
    assert response.status_code == 200, response.text
    st = state(platform, sid)
    assert st["state"] == "confirmed" and "投标签名有效" in st["message"]
    assert st["result"]["preview"] == BID.decode() and st["result"]["signer"] == reg.company_name
    assert bids(page)[0]["opened_at"]


def test_decrypt_after_renewal_on_another_device_and_not_for_another_company(
    platform, services, holder, people, tmp_path
):
    reg, s, cid, device = holder
    page = login_with(platform, services, device)
    _encrypt(platform, services, page, device, s, cid)
    [bid] = bids(page)
    renewed = services.ca.renew(s, cid, idempotency_key="renew").certificate_id
    laptop = activated_device(services, s, renewed, reg.legal_person_phone, name="laptop")
    # The old device certificate is superseded (revoked): it may no longer authorise.
    sid, text, _ = decrypt_qr(platform, page, bid["id"])
    fetched = fetch(text)
    response = post(fetched, answer(fetched, device, now=clock_now(services), step="authorize"))
    _refused(platform, sid, response, "revoked", "证书已被更新或变更取代")
    sid, response = _decrypt(platform, services, page, laptop, bid["id"])
    assert response.status_code == 200, response.text
    assert state(platform, sid)["state"] == "confirmed"


def test_decrypt_refuses_a_wrong_content_key_and_another_company(
    platform, services, holder, people
):
    _reg, s, cid, device = holder
    page = login_with(platform, services, device)
    _encrypt(platform, services, page, device, s, cid)
    [bid] = bids(page)
    sid, text, _ = decrypt_qr(platform, page, bid["id"])
    fetched = fetch(text)
    authorize = answer(fetched, device, now=clock_now(services), step="authorize")
    response = post(fetched, authorize)
    assert response.status_code == 200
    short = ecies.encrypt_to(
        fetched.payload.ephemeral_public_key(), b"k" * 8, scanproto.key_aad(fetched.payload.nonce)
    )
    wrapped = envelope_wrapped(fetched)
    # Step (b) without step (a)'s signature is anyone's post: refused, the session stays.
    stray = decrypt_key_answer(fetched, device, wrapped, "AAAA")
    stray["sealed_key"] = scanproto.box_to_json(short)
    assert post(fetched, stray).json()["code"] == "not_authorized"
    assert state(platform, sid)["state"] == "authorized"
    body = decrypt_key_answer(fetched, device, wrapped, authorize["signature"])
    body["sealed_key"] = scanproto.box_to_json(short)
    _refused(platform, sid, post(fetched, body), "content_key_length", "内容密钥长度不对")

    other_reg = demo_company(people)
    services.ca.register_legal(other_reg)
    other_s = services.ca.login(AccountKind.LEGAL, other_reg.uscc, PASSWORD)
    other_cid = approved_certificate(services, other_reg, other_s)
    foreign = activated_device(services, other_s, other_cid, other_reg.legal_person_phone)
    sid, text, _ = decrypt_qr(platform, page, bid["id"])
    fetched = fetch(text)
    response = post(fetched, answer(fetched, foreign, now=clock_now(services), step="authorize"))
    # Another company's authentic answer is not the scanning user's: the session stays.
    _refused(platform, sid, response, "wrong_subject", "不属于投标人", ends=False)


# --- a remote CA (mobileca-ca serve) ------------------------------------------------------


def test_a_platform_on_a_remote_ca_reads_roots_ocsp_and_the_clock_over_http(
    services, holder, tmp_path
):
    from mobileca_desktop.platform.run import PlatformConfig, PlatformSetupError, certify
    from mobileca_desktop.platform.run import start_platform as start_remote
    from mobileca_desktop.server.app import ServerConfig, create_app
    from mobileca_desktop.server.run import ThreadedServer

    _reg, s, cid, device = holder
    ca = ThreadedServer(create_app(services.engine, ServerConfig(demo=True))).start()
    try:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        config = PlatformConfig(data_dir=tmp_path / "remote", ca_url=ca.url, port=port)
        with pytest.raises(PlatformSetupError, match="certify"):
            start_remote(config)  # no certificate yet, and no engine to issue one
        certify(tmp_path / "remote", services.engine, origin=f"http://127.0.0.1:{port}")
        p = start_remote(config)
        try:
            assert p.origin == f"http://127.0.0.1:{port}"
            _sid, response = _login_answer(p, services, device)
            assert response.status_code == 200, response.text
            services.engine.advance_clock(services.engine.operator_session(), 400 * 86400)
            p.platform.trust.refresh()  # instead of waiting out its one-second cache
            assert abs(p.platform.now().timestamp() - clock_now(services)) < 5
            services.engine.reset_clock(services.engine.operator_session())
            services.ca.revoke(s, cid)
            p.platform.trust.refresh()
            sid, response = _login_answer(p, services, device)
            _refused(p, sid, response, "revoked", "证书已吊销")
        finally:
            p.stop()
    finally:
        ca.stop()


def test_the_command_line_certifies_and_says_what_is_wrong(services, tmp_path, capsys):
    from cryptography import x509

    from mobileca_desktop.platform.cli import main

    assert (
        main(
            [
                "certify",
                "--data-dir",
                str(tmp_path / "p"),
                "--ca-data-dir",
                str(tmp_path / "nowhere"),
                "--origin",
                "http://127.0.0.1:8480",
            ]
        )
        == 2
    )
    assert "no CA folder" in capsys.readouterr().err
    assert (
        main(
            [
                "certify",
                "--data-dir",
                str(tmp_path / "p"),
                "--ca-data-dir",
                str(tmp_path / "ca"),
                "--origin",
                "http://127.0.0.1:8480",
            ]
        )
        == 0
    )
    cert = x509.load_pem_x509_certificate((tmp_path / "p" / "platform-cert.pem").read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.UniformResourceIdentifier) == ["http://127.0.0.1:8480"]
    assert (tmp_path / "p" / "platform-key.pem").stat().st_mode & 0o077 == 0
    assert (
        main(
            [
                "certify",
                "--data-dir",
                str(tmp_path / "p"),
                "--ca-data-dir",
                str(tmp_path / "ca"),
                "--origin",
                "http://example.com:8480",
            ]
        )
        == 2
    )
    assert "loopback" in capsys.readouterr().err


def test_mobileca_platform_serve_against_a_remote_ca(services, holder, tmp_path):
    """The installed command as a trainer runs it: ``mobileca-platform serve --ca-url``."""
    import subprocess
    import sys
    import time
    import types

    from mobileca_desktop.platform.run import certify
    from mobileca_desktop.server.app import create_app
    from mobileca_desktop.server.run import ThreadedServer

    ca = ThreadedServer(create_app(services.engine)).start()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    origin = f"http://127.0.0.1:{port}"
    certify(tmp_path / "p", services.engine, origin=origin)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mobileca_desktop.platform.cli",
            "serve",
            "--data-dir",
            str(tmp_path / "p"),
            "--ca-url",
            ca.url,
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        info = None
        while info is None:
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "the platform did not start"
            try:
                info = httpx.get(f"{origin}/.well-known/mobileca-platform", timeout=1).json()
            except httpx.TransportError:
                time.sleep(0.05)
        assert info["origin"] == origin and info["platform_id"] == "sxggzy-sim"
        running = types.SimpleNamespace(url=origin)
        _sid, response = _login_answer(running, services, holder[3])
        assert response.status_code == 200, response.text
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        ca.stop()


def test_a_personal_certificate_logs_in_as_the_person_and_may_not_encrypt(
    platform, services, agent, portrait
):
    from helpers_flow import apply

    from mobileca_desktop.domain.models import CertKind, Method

    reg, s = agent
    app_id = apply(
        services,
        s,
        kind=CertKind.PERSONAL,
        method=Method.FACE,
        handler=None,
        legal_phone=reg.phone,
        portrait=portrait,
    )
    services.review.approve(services.review.operator_session(), app_id)
    cid = services.ca.get_application(s, app_id).certificate_id
    device = activated_device(services, s, cid, reg.phone)
    page = login_with(platform, services, device)
    assert f"登录成功：<b>{reg.name}</b>" in page.get("/").text
    response = page.post("/api/encrypt", json={"name": "b", "content": scanproto.b64(b"x")})
    assert response.status_code == 400 and response.json()["code"] == "certificate_kind"
    seal = page.post(
        "/api/seal",
        json={"name": "a.pdf", "pdf": scanproto.b64(pdf_bytes("x")), "seal": "official"},
    )
    assert seal.status_code == 400 and "个人签名" in seal.json()["message"]


def test_bad_requests_get_a_clear_refusal_and_change_nothing(platform, services, holder):
    anonymous = browser(platform)
    for path, body in (("/api/seal", {}), ("/api/encrypt", {}), ("/api/decrypt", {})):
        response = anonymous.post(path, json=body)
        assert response.status_code == 401 and response.json()["code"] == "not_logged_in"
    page = login_with(platform, services, holder[3])
    pdf = scanproto.b64(pdf_bytes("x"))
    cases = [
        ({"pdf": scanproto.b64(b"not a pdf")}, "不是可读取的 PDF"),
        ({"pdf": "***"}, "请上传 PDF"),
        ({"pdf": pdf, "page": 3}, "页码超出范围"),
        ({"pdf": pdf, "page": "one"}, "页码必须是数字"),
        ({"pdf": pdf, "box": [0, 0, 5, 5]}, "印章位置不合理"),
        ({"pdf": pdf, "box": [1, 2]}, "四个数字"),
        ({"pdf": pdf, "box": [500, 700, 640, 840]}, "超出了该页的页面范围"),
        ({"pdf": pdf, "seal": "stamp"}, "印章种类"),
    ]
    for body, words in cases:
        response = page.post("/api/seal", json=body)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["ok"] is False and words in response.json()["message"], body
    assert page.post("/api/decrypt", json={"bid_id": "../../etc"}).status_code == 404
    assert page.post("/api/seal", content=b"{not json").json()["code"] == "bad_request"
    assert httpx.get(f"{platform.url}/api/scan/nosuchsession").status_code == 404
    sid, text, _ = login_qr(platform)
    fetched = fetch(text)
    for raw in (b"[]", b"not json", b'{"v": 2}'):
        response = httpx.post(fetched.payload.callback_url, content=raw)
        assert response.status_code == 400 and response.json()["ok"] is False
    assert state(platform, sid)["state"] == "scanned"
    assert bids(page) == []


def test_a_qr_code_expires_on_the_ca_clock(platform, services, holder):
    operator = services.engine.operator_session()
    waiting_sid, waiting_text, _ = login_qr(platform)
    scanned_sid, scanned_text, _ = login_qr(platform)
    fetched = fetch(scanned_text)
    services.engine.advance_clock(operator, 121)
    assert state(platform, waiting_sid)["state"] == "expired"
    late = httpx.get(scanproto.parse(waiting_text)[0].data_url)
    assert late.status_code == 410 and late.json()["code"] == "session_closed"
    # Scanned before exp: the user may still be typing the password for a while ...
    assert state(platform, scanned_sid)["state"] == "scanned"
    services.engine.advance_clock(operator, 200)
    # ... but not for ever.
    response = post(fetched, answer(fetched, holder[3], now=clock_now(services)))
    assert response.status_code == 410 and response.json()["code"] == "expired"
    assert state(platform, scanned_sid)["state"] == "expired"


def test_the_platform_is_a_relying_party_not_a_client():
    """It must not reach the client's services, keystore or views (import-linter checks
    the Qt ban; this checks the rest, from the source)."""
    import ast
    from pathlib import Path

    import mobileca_desktop.platform as pkg

    forbidden = ("mobileca_desktop.services", "mobileca_desktop.keystore", "mobileca_desktop.views")
    for path in Path(pkg.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(forbidden), f"{path.name} imports {name}"


def test_an_upload_gets_the_shared_check_and_a_default_seal_inside_the_page(
    platform, services, holder
):
    """The upload runs crypto/pdfcheck's check (the client's, trial seal included): the
    specific refusals, and for odd pages a default box inside the visible page."""
    from pdf_corpus import CORPUS

    page = login_with(platform, services, holder[3])
    for case in ("encrypted", "certified_no_changes", "broken_object_stream", "circular_page_tree"):
        body = {"name": f"{case}.pdf", "pdf": scanproto.b64(CORPUS[case][0]()), "seal": "official"}
        response = page.post("/api/seal", json=body)
        assert response.status_code == 400, case
        assert response.json()["code"] == CORPUS[case][1], response.text
    words = {"encrypted": "已加密", "certified_no_changes": "认证签名锁定"}
    for case, word in words.items():
        body = {"name": "x.pdf", "pdf": scanproto.b64(CORPUS[case][0]()), "seal": "official"}
        assert word in page.post("/api/seal", json=body).json()["message"]
    from mobileca_desktop.crypto import pdfcheck

    for case in ("rotate_90", "cropbox_inside_mediabox", "negative_origin", "small_page"):
        pdf = CORPUS[case][0]()
        _sid, text, _ = seal_qr(platform, page, pdf, box=None)
        fetched = fetch(text)
        box = fetched.data["seal"]["box"]
        area = pdfcheck.measure(pdf).page(1)
        assert area.contains(box), (case, area, box)


def test_a_company_with_a_long_name_logs_in_under_its_full_name(platform, services, people):
    """100 characters do not fit a certificate's subject (the CN takes 64 bytes): the
    platform reads the whole registered name from the CA's full-names extension."""
    long_name = ("山西省太原市示例建设工程集团股份有限公司第三分公司" * 5)[:100]
    reg = dataclasses.replace(demo_company(people), company_name=long_name)
    services.ca.register_legal(reg)
    s = services.ca.login(AccountKind.LEGAL, reg.uscc, PASSWORD)
    cid = approved_certificate(services, reg, s)
    device = activated_device(services, s, cid, reg.legal_person_phone)
    cn = device.cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    assert len(cn.encode()) <= 64 and cn != long_name
    page = login_with(platform, services, device)
    assert f"登录成功：<b>{long_name}</b>" in page.get("/").text

"""The reviewers' web pages (CA 审核台 under /review/): login by cookie, the queue, an
application with its documents and signature check, the actions behind a CSRF token, and
the engine's authorisation (another institution's reviewer gets 404)."""

from __future__ import annotations

import re

import pytest
from conftest import pdf_bytes
from fastapi.testclient import TestClient
from helpers_flow import apply

from mobileca_desktop.domain.models import (
    CertKind,
    CertStatus,
    DocKind,
    Handler,
    Method,
    VerificationState,
)
from mobileca_desktop.server.app import ServerConfig, create_app
from mobileca_desktop.server.reviewer_pages import COOKIE

REVIEWER_PASSWORD = "Review2026pass"


@pytest.fixture
def engine(services):
    return services.engine


@pytest.fixture
def reviewers(engine):
    op = engine.operator_session()
    engine.create_reviewer(
        op, login_name="zhang", name="张审核", password=REVIEWER_PASSWORD, institution_id="bjca"
    )
    engine.create_reviewer(
        op, login_name="li", name="李审核", password=REVIEWER_PASSWORD, institution_id="sxca"
    )


def _client(engine) -> TestClient:
    return TestClient(create_app(engine, ServerConfig()), follow_redirects=False)


def _login(c: TestClient, name: str, password: str = REVIEWER_PASSWORD):
    form = c.get("/review/login")
    assert form.status_code == 200 and "审核员登录" in form.text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text).group(1)
    return c.post("/review/login", data={"csrf": csrf, "login_name": name, "password": password})


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)


def _status(services, s, app_id: int) -> CertStatus:
    rows = services.ca.list_certificates(s)
    return next(r for r in rows if r.application_id == app_id).status


def test_review_pages_end_to_end(services, engine, reviewers, company, portrait):
    reg, s = company
    first, second = (
        apply(
            services,
            s,
            kind=CertKind.UNIT,
            method=Method.FACE,
            handler=Handler.LEGAL_PERSON,
            legal_phone=reg.legal_person_phone,
            portrait=portrait,
        )
        for _ in range(2)
    )
    with _client(engine) as c:
        # Not logged in: every page goes to the login form.
        for path in ("/review/", f"/review/applications/{first}", "/review/documents/1"):
            r = c.get(path)
            assert r.status_code == 303 and r.headers["location"] == "/review/login"
        r = c.post(f"/review/applications/{first}/approve", data={"csrf": "x"})
        assert r.status_code == 303 and r.headers["location"] == "/review/login"

        bad = _login(c, "zhang", "wrong-password")
        assert bad.status_code == 401 and "账号或密码错误" in bad.text
        assert COOKIE not in c.cookies

        ok = _login(c, "zhang")
        assert ok.status_code == 303 and ok.headers["location"] == "/review/"
        cookie = ok.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")

        queue = c.get("/review/")
        assert queue.status_code == 200
        assert "CA 审核台 — " in queue.text and "<title>" in queue.text
        assert f'href="/review/applications/{first}"' in queue.text
        assert "王建国" in queue.text or "山西示例建设工程有限公司" in queue.text
        assert "企业数字证书" in queue.text and "法人刷脸" in queue.text and "有效" in queue.text
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", queue.text)

        page = c.get(f"/review/applications/{first}")
        assert page.status_code == 200
        assert "电子签名" in page.text and 'class="valid">有效' in page.text
        assert "通过" in page.text and "驳回" in page.text and "永久取消审核" in page.text
        stored = {d.id: d for d in services.ca.get_application(s, first).documents}
        images = re.findall(r'<img class="doc" src="/review/documents/(\d+)"', page.text)
        assert {int(i) for i in images} == {
            i for i, d in stored.items() if d.mime != "application/pdf"
        }
        front = next(d for d in stored.values() if d.filename == "front.jpg")
        doc = c.get(f"/review/documents/{front.id}")
        assert doc.status_code == 200 and doc.headers["content-type"] == "image/jpeg"
        assert doc.headers["content-disposition"].startswith("inline")
        assert doc.headers["x-content-type-options"] == "nosniff"
        assert doc.content[:3] == b"\xff\xd8\xff"
        pdf = next(d for d in stored.values() if d.mime == "application/pdf")
        assert f'<a href="/review/documents/{pdf.id}"' in page.text
        csrf = _csrf(page.text)

        # Without or with a wrong CSRF token: refused, nothing changes.
        for data in ({}, {"csrf": "0" * 64}):
            r = c.post(f"/review/applications/{first}/approve", data=data)
            assert r.status_code == 403 and "CSRF" in r.text
        assert _status(services, s, first) is CertStatus.REVIEWING

        # 驳回 needs a reason: shown in plain words, nothing changes.
        r = c.post(f"/review/applications/{second}/reject", data={"csrf": csrf, "reason": " "})
        assert r.status_code == 422 and "请填写原因" in r.text and "Traceback" not in r.text
        assert _status(services, s, second) is CertStatus.REVIEWING

        r = c.post(f"/review/applications/{first}/approve", data={"csrf": csrf})
        assert r.status_code == 303 and r.headers["location"].startswith("/review/?done=approve")
        assert "已通过" in c.get(r.headers["location"]).text
        assert _status(services, s, first) is CertStatus.NORMAL

        # Approving again is a typed error in words, not a traceback.
        again = c.post(f"/review/applications/{first}/approve", data={"csrf": csrf})
        assert again.status_code == 409 and "状态不允许" in again.text

        r = c.post(
            f"/review/applications/{second}/reject",
            data={"csrf": csrf, "reason": "身份证照片不清晰 <b>"},
        )
        assert r.status_code == 303
        assert _status(services, s, second) is CertStatus.INVALID
        rows = services.ca.list_certificates(s)
        assert next(r for r in rows if r.application_id == second).reason == "身份证照片不清晰 <b>"
        shown = c.get(f"/review/applications/{second}").text
        assert "身份证照片不清晰 &lt;b&gt;" in shown and "<b>" not in shown

        # Logout needs the token too, then the cookie no longer works.
        assert c.post("/review/logout", data={}).status_code == 403
        r = c.post("/review/logout", data={"csrf": csrf})
        assert r.status_code == 303
        c.cookies.clear()

    with _client(engine) as other:
        assert _login(other, "li").status_code == 303
        assert f"/review/applications/{first}" not in other.get("/review/").text
        r = other.get(f"/review/applications/{second}")
        assert r.status_code == 404 and "未找到" in r.text
        page = other.get("/review/")
        r = other.post(
            f"/review/applications/{second}/cancel",
            data={"csrf": _csrf(page.text), "reason": "x"},
        )
        assert r.status_code == 404
        assert _status(services, s, second) is CertStatus.INVALID
        assert other.get("/review/documents/1").status_code == 404


def test_login_form_needs_its_csrf_token(engine, reviewers):
    with _client(engine) as c:
        r = c.post(
            "/review/login",
            data={"csrf": "0" * 64, "login_name": "zhang", "password": REVIEWER_PASSWORD},
        )
        assert r.status_code == 403 and COOKIE not in c.cookies
        # A cookie that is not a session is the login page again.
        c.cookies.set(COOKIE, "nonsense", path="/review")
        assert c.get("/review/").status_code == 303


def test_letter_waiting_for_acceptance(services, engine, reviewers, company):
    reg, s = company
    app = services.ca.create_application(s, CertKind.UNIT, "bjca", idempotency_key="letter-1")
    services.ca.set_method(s, app.id, Method.LETTER)
    services.ca.set_handler(s, app.id, Handler.LEGAL_PERSON, None)
    services.ca.upload_document(s, app.id, DocKind.LETTER, pdf_bytes("授权书"), "letter.pdf")
    with _client(engine) as c:
        assert _login(c, "zhang").status_code == 303
        queue = c.get("/review/").text
        letters = queue.split("待接受的授权书", 1)[1]
        assert f'href="/review/applications/{app.id}"' in letters and "待接受" in letters
        page = c.get(f"/review/applications/{app.id}").text
        assert "接受授权书" in page and "拒绝授权书" in page and ">通过<" not in page
        r = c.post(f"/review/applications/{app.id}/accept_letter", data={"csrf": _csrf(page)})
        assert r.status_code == 303
    assert services.ca.get_application(s, app.id).verification is VerificationState.PASSED


def test_a_letter_whose_draft_was_discarded_leaves_the_queue(services, engine, reviewers, company):
    """The applicant discards a draft whose letter waited: it leaves the queue, and its page
    says what happened (AppState.DISCARDED) and offers no action."""
    reg, s = company
    app = services.ca.create_application(s, CertKind.UNIT, "bjca", idempotency_key="letter-2")
    services.ca.set_method(s, app.id, Method.LETTER)
    services.ca.set_handler(s, app.id, Handler.LEGAL_PERSON, None)
    services.ca.upload_document(s, app.id, DocKind.LETTER, pdf_bytes("授权书"), "letter.pdf")
    with _client(engine) as c:
        assert _login(c, "zhang").status_code == 303
        assert f'href="/review/applications/{app.id}"' in c.get("/review/").text
        services.ca.discard_draft(s, app.id)
        assert f'href="/review/applications/{app.id}"' not in c.get("/review/").text
        page = c.get(f"/review/applications/{app.id}").text
        assert "已失效（申请人已撤销）" in page
        assert "接受授权书" not in page and ">通过<" not in page

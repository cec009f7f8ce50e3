"""The CA 审核台 window and the demo clock, driven as a trainer would, beside the applicant's
own window: an approval turns the applicant's row 正常, a rejection (reason required) 已失效
with 继续, a tampered application cannot be approved; the clock moved 400 days shows
已过期. On the QA kit (mobileca_desktop.testing): the demo company's client window (services
guarded: any call on the GUI thread fails the test), the 审核台 and 演示时钟 opened from its
⋯ menu."""

from __future__ import annotations

import pytest
from conftest import PASSWORD, pdf_bytes
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QLabel, QPushButton
from qt_support import child, click, type_text

from mobileca_desktop.domain.models import (
    AppState,
    CertKind,
    CertStatus,
    DocKind,
    Handler,
    Method,
    SignatureCheck,
    SignatureVerdict,
    VerificationState,
)
from mobileca_desktop.testing.pages import CertListPage, ReviewerDesk
from mobileca_desktop.views.reviewer.clock_dialog import ClockDialog
from mobileca_desktop.views.reviewer.reviewer_window import ReviewerWindow
from mobileca_desktop.views.reviewer.words import signature_words

WAIT = 15000


@pytest.fixture
def client(mca_client):
    laptop = mca_client("test-laptop")
    yield laptop
    laptop.settle()


def log_in(client) -> None:
    client.login_page().log_in_as_company()


def certificates(client) -> CertListPage:
    return client.page().open_certificates()


def row_of(page, app_id: int):
    return next(r for r in page.rows if r.row.application_id == app_id)


def open_reviewer(client) -> ReviewerWindow:
    client.choose_from_menu("reviewerAction")  # ⋯ → CA 审核台
    reviewer = client.window.findChild(ReviewerWindow)
    assert reviewer is not None and reviewer.isVisible() and reviewer.isWindow()
    # It opens on a reviewer's login; a trainer on the local CA enters as the operator.
    assert reviewer.pages.currentWidget() is reviewer.login_page
    click(client.qtbot, reviewer.operator_button)
    client.wait_until(lambda: reviewer.loaded, "the queue")
    return reviewer


def pick(client, reviewer: ReviewerWindow, app_id: int) -> None:
    """Clicks the application's row in the queue and waits for its detail (and actions)."""
    ReviewerDesk(client, reviewer).pick(app_id)


def action(reviewer: ReviewerWindow, name: str) -> QPushButton:
    return reviewer.action_buttons[name]


def test_reviewer_approves_one_and_rejects_another(qtbot, client, mca_world):
    services, s, company = mca_world.services, mca_world.legal_session(), mca_world.demo.company
    first = mca_world.submitted_application(CertKind.UNIT)
    second = mca_world.submitted_application(CertKind.LEGAL_REP)

    window = client.window
    log_in(client)
    certs = certificates(client).widget
    assert row_of(certs, first).badge.text() == "审核中"
    assert row_of(certs, second).badge.text() == "审核中"

    reviewer = open_reviewer(client)
    assert reviewer.table.rowCount() == 2
    assert "CA 操作员" in reviewer.who.text()
    pick(client, reviewer, first)
    detail = reviewer.detail_holder
    assert child(detail, "review_applicant", QLabel).text() == company.name
    assert child(detail, "review_kind", QLabel).text() == "企业数字证书"
    assert child(detail, "review_method", QLabel).text() == "对公打款"
    assert child(detail, "review_handler", QLabel).text() == "法人本人"
    assert child(detail, "signatureVerdict", QLabel).text().startswith("有效")
    # The documents: the licence (PDF) in a PDF view, the ID card photos as images.
    item = reviewer.item
    by_kind = {d.kind: d for d in item.application.documents}
    pdf_view = child(detail, f"document_{by_kind[DocKind.LICENCE].id}", QPdfView)
    qtbot.waitUntil(lambda: pdf_view.document().pageCount() == 1, timeout=WAIT)
    photo = child(detail, f"document_{by_kind[DocKind.ID_FRONT].id}", QLabel)
    assert not photo.pixmap().isNull()

    click(qtbot, action(reviewer, "approveButton"))
    qtbot.waitUntil(lambda: "已通过" in reviewer.banner.text(), timeout=WAIT)
    # The queue refreshed, and the applicant's 证书管理 reloaded by itself.
    qtbot.waitUntil(lambda: reviewer.table.rowCount() == 1, timeout=WAIT)
    qtbot.waitUntil(lambda: row_of(window.current(), first).badge.text() == "正常", timeout=WAIT)

    pick(client, reviewer, second)
    # 驳回 needs a reason: said next to the field, nothing sent.
    click(qtbot, action(reviewer, "rejectButton"))
    assert reviewer.reason.error.isVisible()
    assert "原因" in reviewer.reason.error_text()
    assert services.ca.get_application(s, second).state is AppState.SUBMITTED
    type_text(qtbot, reviewer.reason, "营业执照照片不清晰")
    assert not reviewer.reason.error.isVisible()
    click(qtbot, action(reviewer, "rejectButton"))
    qtbot.waitUntil(lambda: "已驳回" in reviewer.banner.text(), timeout=WAIT)
    qtbot.waitUntil(lambda: reviewer.table.rowCount() == 0, timeout=WAIT)
    assert "没有待审核" in child(reviewer, "queueStatus", QLabel).text()

    certs = window.current()
    qtbot.waitUntil(lambda: row_of(certs, second).badge.text() == "已失效", timeout=WAIT)
    rejected = row_of(certs, second)
    assert rejected.continue_button is not None
    qtbot.waitUntil(rejected.continue_button.isVisible, timeout=WAIT)
    assert "营业执照照片不清晰" in child(rejected, "certRowNote", QLabel).text()
    assert services.ca.get_application(s, second).reject_reason == "营业执照照片不清晰"

    # Opened again, the same window comes back.
    client.choose_from_menu("reviewerAction")
    assert window.findChildren(ReviewerWindow) == [reviewer]


def test_cancel_for_good_and_a_tampered_application(client, mca_world):
    services, s = mca_world.services, mca_world.legal_session()
    cancelled = mca_world.submitted_application(CertKind.UNIT)
    tampered = mca_world.submitted_application(CertKind.LEGAL_REP)
    from sqlalchemy import select

    from mobileca_desktop.ca.db import DocumentRow

    with services.engine.store.tx() as db:
        doc = db.execute(
            select(DocumentRow).where(
                DocumentRow.application_id == tampered, DocumentRow.kind == "licence"
            )
        ).scalar()
        doc.sha256 = "0" * 64

    log_in(client)
    reviewer = open_reviewer(client)
    pick(client, reviewer, tampered)
    verdict = child(reviewer.detail_holder, "signatureVerdict", QLabel)
    assert verdict.text().startswith("已篡改")
    assert not action(reviewer, "approveButton").isEnabled()

    pick(client, reviewer, cancelled)
    type_text(client.qtbot, reviewer.reason, "申请材料与主体库不符")
    click(client.qtbot, action(reviewer, "cancelButton"))
    client.wait_until(lambda: "永久取消" in reviewer.banner.text(), "永久取消")
    assert services.ca.get_application(s, cancelled).state is AppState.CANCELLED

    certs = certificates(client).widget
    row = row_of(certs, cancelled)
    assert row.badge.text() == "已失效" and row.continue_button is None


def test_every_application_state_has_the_reviewers_word(client):
    """The queue shows every application, a draft the applicant discarded too (AppState
    DISCARDED): each state has its word, none raises."""
    log_in(client)
    reviewer = open_reviewer(client)
    words = {state: reviewer._state(state, False) for state in AppState}
    assert words[AppState.DISCARDED] == "已失效（申请人已撤销）"
    assert len(set(words.values())) == len(AppState)
    # The 电子签名 check: a word per verdict (the engine's, never its English detail).
    checks = {v: SignatureCheck.of(v, "any text") for v in SignatureVerdict}
    said = {v: signature_words(c) for v, c in checks.items()}
    assert said[SignatureVerdict.UNSIGNED] == ("未签名", False)
    assert said[SignatureVerdict.VALID] == ("有效", True)
    assert said[SignatureVerdict.TAMPERED] == ("已篡改", False)
    assert said[SignatureVerdict.INVALID] == said[SignatureVerdict.OUTSIDE_VALIDITY]
    assert said[SignatureVerdict.INVALID] == ("无效", False)
    details = {reviewer._signature_detail(c) for c in checks.values()}
    assert len(details) == len(SignatureVerdict) and "any text" not in details


def test_letter_of_authorisation_is_accepted_or_rejected(qtbot, client, mca_world):
    s, ca = mca_world.legal_session(), mca_world.services.ca
    letters = []
    for kind in (CertKind.UNIT, CertKind.LEGAL_REP):
        app = ca.create_application(s, kind, "bjca")
        ca.set_method(s, app.id, Method.LETTER)
        ca.set_handler(s, app.id, Handler.LEGAL_PERSON)
        ca.upload_document(s, app.id, DocKind.LETTER, pdf_bytes("letter"), "授权书.pdf")
        letters.append(app.id)
    log_in(client)
    reviewer = open_reviewer(client)
    assert reviewer.table.rowCount() == 2
    assert reviewer.table.item(0, 3).text() == "接受授权书"

    pick(client, reviewer, letters[0])
    assert "approveButton" not in reviewer.action_buttons
    click(qtbot, action(reviewer, "acceptLetterButton"))
    qtbot.waitUntil(lambda: "授权书已接受" in reviewer.banner.text(), timeout=WAIT)
    info = ca.get_application(s, letters[0])
    assert info.verification is VerificationState.PASSED

    qtbot.waitUntil(lambda: reviewer.table.rowCount() == 1, timeout=WAIT)
    pick(client, reviewer, letters[1])
    click(qtbot, action(reviewer, "rejectLetterButton"))
    assert reviewer.reason.error.isVisible()
    type_text(qtbot, reviewer.reason, "授权书未加盖公章")
    click(qtbot, action(reviewer, "rejectLetterButton"))
    qtbot.waitUntil(lambda: "授权书已拒绝" in reviewer.banner.text(), timeout=WAIT)
    assert ca.get_application(s, letters[1]).verification is VerificationState.FAILED


def test_a_ca_without_an_operator_asks_a_reviewer_to_log_in(
    qtbot, mca_world, mca_client, monkeypatch
):
    class NoOperator:
        """The review service of a remote CA started without --demo."""

        def __init__(self, inner) -> None:
            self._inner = inner

        def __getattr__(self, name):
            if name == "operator_session":
                raise AttributeError(name)
            return getattr(self._inner, name)

    services = mca_world.services
    op = services.review.operator_session()
    services.engine.create_reviewer(
        op, login_name="shen", name="审核员沈", password=PASSWORD, institution_id="bjca"
    )
    wrapped = type("S", (), {})()
    wrapped.ca, wrapped.inbox, wrapped.clock = services.ca, services.inbox, services.clock
    wrapped.review = NoOperator(services.review)
    monkeypatch.setattr(mca_world, "services", wrapped)  # the window's CA: no operator
    client = mca_client("test-laptop")
    client.login_page()
    client.choose_from_menu("reviewerAction")  # ⋯ → CA 审核台
    reviewer = client.window.findChild(ReviewerWindow)
    qtbot.waitUntil(lambda: reviewer.pages.currentWidget() is reviewer.login_page, timeout=WAIT)
    type_text(qtbot, reviewer.login_name, "shen")
    type_text(qtbot, reviewer.login_password, "wrong-password-1")
    click(qtbot, reviewer.login_button)
    qtbot.waitUntil(lambda: reviewer.login_password.error.isVisible(), timeout=WAIT)
    assert "密码错误" in reviewer.login_password.error_text()
    type_text(qtbot, reviewer.login_password, PASSWORD)
    click(qtbot, reviewer.login_button)
    qtbot.waitUntil(lambda: reviewer.loaded, timeout=WAIT)
    assert "审核员沈" in reviewer.who.text()


def test_the_clock_moved_400_days_shows_expired(qtbot, client, mca_world):
    services = mca_world.services
    cid = mca_world.approved_certificate(CertKind.UNIT)
    window = client.window
    log_in(client)
    certs = certificates(client).widget
    assert next(r for r in certs.rows if r.row.certificate_id == cid).badge.text() == "正常"

    client.choose_from_menu("clockAction")  # ⋯ → 演示时钟
    dialog = window.findChild(ClockDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.info is not None, timeout=WAIT)
    assert "未拨快" in child(dialog, "clockOffset", QLabel).text()
    assert not dialog.reset_button.isEnabled()

    # One day on (longer than a 12-hour login): the window stays logged in, mid-demo.
    click(qtbot, child(dialog, "advanceDay", QPushButton))
    qtbot.waitUntil(lambda: "已拨快 1 天" in dialog.offset_label.text(), timeout=WAIT)
    client.settle()
    assert window.current() is certs and window.session is not None

    assert dialog.days.value() == 400
    click(qtbot, dialog.custom_button)
    qtbot.waitUntil(lambda: "已拨快 401 天" in dialog.offset_label.text(), timeout=WAIT)
    assert services.clock.info().offset_seconds == 401 * 86400
    assert dialog.reset_button.isEnabled()

    # 证书管理 reloads by itself and shows 已过期, with no new login.
    qtbot.waitUntil(
        lambda: next(r for r in certs.rows if r.row.certificate_id == cid).badge.text() == "已过期",
        timeout=WAIT,
    )
    assert window.current() is certs
    expired = next(r for r in certs.rows if r.row.certificate_id == cid)
    assert expired.badge.text() == "已过期" and expired.row.status is CertStatus.EXPIRED
    assert expired.continue_button is not None  # 继续: 证书更新

    # Back to the real time: this login is still valid then, and 证书管理 reloads by itself.
    click(qtbot, dialog.reset_button)
    qtbot.waitUntil(lambda: "未拨快" in dialog.offset_label.text(), timeout=WAIT)
    assert services.clock.info().offset_seconds == 0
    qtbot.waitUntil(
        lambda: next(r for r in certs.rows if r.row.certificate_id == cid).badge.text() == "正常",
        timeout=WAIT,
    )
    assert window.current() is certs

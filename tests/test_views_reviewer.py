"""The CA 审核台 window and the demo clock, driven as a trainer would, beside the applicant's
own window: an approval turns the applicant's row 正常, a rejection (reason required) 已失效
with 继续, a tampered application cannot be approved; the clock moved 400 days shows
已过期. Services are guarded: any call on the GUI thread fails the test."""

from __future__ import annotations

import pytest
from conftest import PASSWORD, pdf_bytes
from helpers_flow import apply
from helpers_keystore import approved_certificate
from PySide6.QtCore import Qt
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QLabel, QPushButton
from qt_support import child, click, open_window, settle, type_text, wait_page
from qt_support import log_in as login

from mobileca_desktop.domain.models import (
    AccountKind,
    AppState,
    CertKind,
    CertStatus,
    DocKind,
    Handler,
    Method,
    VerificationState,
)
from mobileca_desktop.views.reviewer.clock_dialog import ClockDialog
from mobileca_desktop.views.reviewer.reviewer_window import ReviewerWindow

WAIT = 15000


def certificates(qtbot, window):
    click(qtbot, window.current().tiles["certsTile"])
    page = wait_page(qtbot, window, "certListPage")
    qtbot.waitUntil(lambda: page.loaded, timeout=WAIT)
    return page


def row_of(page, app_id: int):
    return next(r for r in page.rows if r.row.application_id == app_id)


def submitted(services, reg, s, kind=CertKind.UNIT, method=Method.DEPOSIT) -> int:
    return apply(
        services,
        s,
        kind=kind,
        method=method,
        handler=Handler.LEGAL_PERSON,
        legal_phone=reg.legal_person_phone,
        portrait=b"",
    )


def open_reviewer(qtbot, window) -> ReviewerWindow:
    window.open_reviewer()  # what the top bar's menu calls
    reviewer = window.findChild(ReviewerWindow)
    assert reviewer is not None and reviewer.isVisible() and reviewer.isWindow()
    # It opens on a reviewer's login; a trainer on the local CA enters as the operator.
    assert reviewer.pages.currentWidget() is reviewer.login_page
    click(qtbot, reviewer.operator_button)
    qtbot.waitUntil(lambda: reviewer.loaded, timeout=WAIT)
    return reviewer


def pick(qtbot, reviewer: ReviewerWindow, app_id: int) -> None:
    """Clicks the application's row in the queue and waits for its detail."""
    table = reviewer.table
    row = next(r for r, i in enumerate(reviewer.items) if i.application.id == app_id)
    rect = table.visualItemRect(table.item(row, 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(
        lambda: reviewer.detail_loaded and reviewer.item.application.id == app_id, timeout=WAIT
    )
    # Widgets added to a shown window appear at the next turn of the event loop.
    qtbot.waitUntil(
        lambda: all(b.isVisible() for b in reviewer.action_buttons.values()), timeout=WAIT
    )


def action(reviewer: ReviewerWindow, name: str) -> QPushButton:
    return reviewer.action_buttons[name]


def test_reviewer_approves_one_and_rejects_another(qtbot, services, company):
    reg, s = company
    first = submitted(services, reg, s, CertKind.UNIT)
    second = submitted(services, reg, s, CertKind.LEGAL_REP)

    window = open_window(qtbot, services)
    login(qtbot, window, AccountKind.LEGAL, reg.uscc)
    certs = certificates(qtbot, window)
    assert row_of(certs, first).badge.text() == "审核中"
    assert row_of(certs, second).badge.text() == "审核中"

    reviewer = open_reviewer(qtbot, window)
    assert reviewer.table.rowCount() == 2
    assert "CA 操作员" in reviewer.who.text()
    pick(qtbot, reviewer, first)
    detail = reviewer.detail_holder
    assert child(detail, "review_applicant", QLabel).text() == reg.company_name
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

    pick(qtbot, reviewer, second)
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
    window.open_reviewer()
    assert window.findChildren(ReviewerWindow) == [reviewer]
    settle(qtbot)


def test_cancel_for_good_and_a_tampered_application(qtbot, services, company):
    reg, s = company
    cancelled = submitted(services, reg, s, CertKind.UNIT)
    tampered = submitted(services, reg, s, CertKind.LEGAL_REP)
    from sqlalchemy import select

    from mobileca_desktop.ca.db import DocumentRow

    with services.engine.store.tx() as db:
        doc = db.execute(
            select(DocumentRow).where(
                DocumentRow.application_id == tampered, DocumentRow.kind == "licence"
            )
        ).scalar()
        doc.sha256 = "0" * 64

    window = open_window(qtbot, services)
    login(qtbot, window, AccountKind.LEGAL, reg.uscc)
    reviewer = open_reviewer(qtbot, window)
    pick(qtbot, reviewer, tampered)
    verdict = child(reviewer.detail_holder, "signatureVerdict", QLabel)
    assert verdict.text().startswith("已篡改")
    assert not action(reviewer, "approveButton").isEnabled()

    pick(qtbot, reviewer, cancelled)
    type_text(qtbot, reviewer.reason, "申请材料与主体库不符")
    click(qtbot, action(reviewer, "cancelButton"))
    qtbot.waitUntil(lambda: "永久取消" in reviewer.banner.text(), timeout=WAIT)
    assert services.ca.get_application(s, cancelled).state is AppState.CANCELLED

    certs = certificates(qtbot, window)
    row = row_of(certs, cancelled)
    assert row.badge.text() == "已失效" and row.continue_button is None
    settle(qtbot)


def test_every_application_state_has_the_reviewers_word(qtbot, services, company):
    """The queue shows every application, a draft the applicant discarded too (AppState
    DISCARDED): each state has its word, none raises."""
    reg, s = company
    window = open_window(qtbot, services)
    login(qtbot, window, AccountKind.LEGAL, reg.uscc)
    reviewer = open_reviewer(qtbot, window)
    words = {state: reviewer._state(state, False) for state in AppState}
    assert words[AppState.DISCARDED] == "已失效（申请人已撤销）"
    assert len(set(words.values())) == len(AppState)
    settle(qtbot)


def test_letter_of_authorisation_is_accepted_or_rejected(qtbot, services, company):
    reg, s = company
    ca = services.ca
    letters = []
    for kind in (CertKind.UNIT, CertKind.LEGAL_REP):
        app = ca.create_application(s, kind, "bjca")
        ca.set_method(s, app.id, Method.LETTER)
        ca.set_handler(s, app.id, Handler.LEGAL_PERSON)
        ca.upload_document(s, app.id, DocKind.LETTER, pdf_bytes("letter"), "授权书.pdf")
        letters.append(app.id)
    window = open_window(qtbot, services)
    login(qtbot, window, AccountKind.LEGAL, reg.uscc)
    reviewer = open_reviewer(qtbot, window)
    assert reviewer.table.rowCount() == 2
    assert reviewer.table.item(0, 3).text() == "接受授权书"

    pick(qtbot, reviewer, letters[0])
    assert "approveButton" not in reviewer.action_buttons
    click(qtbot, action(reviewer, "acceptLetterButton"))
    qtbot.waitUntil(lambda: "授权书已接受" in reviewer.banner.text(), timeout=WAIT)
    info = ca.get_application(s, letters[0])
    assert info.verification is VerificationState.PASSED

    qtbot.waitUntil(lambda: reviewer.table.rowCount() == 1, timeout=WAIT)
    pick(qtbot, reviewer, letters[1])
    click(qtbot, action(reviewer, "rejectLetterButton"))
    assert reviewer.reason.error.isVisible()
    type_text(qtbot, reviewer.reason, "授权书未加盖公章")
    click(qtbot, action(reviewer, "rejectLetterButton"))
    qtbot.waitUntil(lambda: "授权书已拒绝" in reviewer.banner.text(), timeout=WAIT)
    assert ca.get_application(s, letters[1]).verification is VerificationState.FAILED
    settle(qtbot)


def test_a_ca_without_an_operator_asks_a_reviewer_to_log_in(qtbot, services):
    class NoOperator:
        """The review service of a remote CA started without --demo."""

        def __init__(self, inner) -> None:
            self._inner = inner

        def __getattr__(self, name):
            if name == "operator_session":
                raise AttributeError(name)
            return getattr(self._inner, name)

    op = services.review.operator_session()
    services.engine.create_reviewer(
        op, login_name="shen", name="审核员沈", password=PASSWORD, institution_id="bjca"
    )
    wrapped = type("S", (), {})()
    wrapped.ca, wrapped.inbox, wrapped.clock = services.ca, services.inbox, services.clock
    wrapped.review = NoOperator(services.review)
    window = open_window(qtbot, wrapped)
    wait_page(qtbot, window, "loginPage")
    window.open_reviewer()
    reviewer = window.findChild(ReviewerWindow)
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
    settle(qtbot)


def test_the_clock_moved_400_days_shows_expired(qtbot, services, company):
    reg, s = company
    cid = approved_certificate(services, reg, s, CertKind.UNIT)
    window = open_window(qtbot, services)
    login(qtbot, window, AccountKind.LEGAL, reg.uscc)
    certs = certificates(qtbot, window)
    assert next(r for r in certs.rows if r.row.certificate_id == cid).badge.text() == "正常"

    window.open_clock()  # what the top bar's menu calls
    dialog = window.findChild(ClockDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.info is not None, timeout=WAIT)
    assert "未拨快" in child(dialog, "clockOffset", QLabel).text()
    assert not dialog.reset_button.isEnabled()

    # One day on (longer than a 12-hour login): the window stays logged in, mid-demo.
    click(qtbot, child(dialog, "advanceDay", QPushButton))
    qtbot.waitUntil(lambda: "已拨快 1 天" in dialog.offset_label.text(), timeout=WAIT)
    settle(qtbot)
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
    settle(qtbot)


@pytest.fixture(autouse=True)
def _reset_clock(services):
    yield
    services.clock.reset(services.review.operator_session())

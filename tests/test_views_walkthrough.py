"""What a trainer and a supplier hit walking the handbook (issue 18), through the real
widgets: the wizard's step counter never jumps on its own, an unticked CA says 请选择 CA 机构,
the bank notice's big number is the amount the 对公打款 step asks for; an expired
certificate stays in 证书管理 beside its renewal; 新增授权 offers the agents already named in
an application. Services are guarded: a call on the GUI thread fails the test."""

from __future__ import annotations

import re

import pytest
from conftest import PASSWORD
from helpers_flow import apply
from helpers_keystore import approved_certificate
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QLabel,
    QPushButton,
    QRadioButton,
    QToolButton,
)
from qt_support import child, click, log_in, open_window, settle, type_text, wait_page
from test_accessibility import clipped

from mobileca_desktop.domain.models import (
    AccountKind,
    AgentDetails,
    CertKind,
    CertStatus,
    Handler,
    MessageKind,
    Method,
)
from mobileca_desktop.services.wizard import Step
from mobileca_desktop.views.cert_row import CertRow
from mobileca_desktop.views.message_card import MessageCard

T = 15000
COUNTER = re.compile(r"第 (\d+)(?: / (\d+) 步| 步（共 (\d+)–(\d+) 步）)")


@pytest.fixture
def window(qtbot, services):
    window = open_window(qtbot, services)
    yield window
    settle(qtbot)


def choose(qtbot, page, object_name: str) -> None:
    def ready() -> bool:
        button = page.view.findChild(QRadioButton, object_name)
        return button is not None and button.isVisible()

    qtbot.waitUntil(ready, timeout=T)  # institutions arrive from the service
    click(qtbot, child(page.view, object_name, QRadioButton))


class Counter:
    """Reads 第 n / N 步 at every step shown and checks it as a user would: the total, once
    given, changes only right after the handler role was chosen otherwise, and a range given
    before is never left for a total outside it."""

    def __init__(self, page) -> None:
        self.page = page
        self.seen: list[tuple[Step, int, int | None, tuple[int, int] | None]] = []

    def read(self, handler_changed: bool = False) -> tuple[int, int | None]:
        text = self.page.progress.text()
        m = COUNTER.fullmatch(text)
        assert m, text
        index = int(m.group(1))
        total = int(m.group(2)) if m.group(2) else None
        span = (int(m.group(3)), int(m.group(4))) if m.group(3) else None
        assert index == self.page.wizard.steps().index(self.page.wizard.step) + 1
        if self.seen:
            _step, _i, last_total, last_span = self.seen[-1]
            if last_total is not None and total is not None and not handler_changed:
                assert total == last_total, (self.seen, text)
            if last_span is not None and total is not None:
                assert last_span[0] <= total <= last_span[1], (self.seen, text)
        self.seen.append((self.page.wizard.step, index, total, span))
        return index, total


def next_step(qtbot, page, expected: Step) -> None:
    click(qtbot, page.next_button)
    qtbot.waitUntil(lambda: page.wizard.step is expected and not page.busy, timeout=T)


def test_the_wizard_counter_the_unchosen_ca_and_the_deposit_notice(
    qtbot, window, services, company, agent
):
    reg, _ = company
    agent_reg, _ = agent
    log_in(qtbot, window, AccountKind.LEGAL, reg.uscc)
    click(qtbot, child(window.current(), "applyUnitTile", QToolButton))
    page = wait_page(qtbot, window, "wizardPage")
    counter = Counter(page)
    # Before the handler role is chosen the total is a range, not a number that jumps later.
    assert page.progress.text() == "第 1 步（共 8–10 步）"
    counter.read()

    # An unticked CA radio button: said plainly, in the banner.
    qtbot.waitUntil(
        lambda: page.view.findChild(QRadioButton, "institution_bjca") is not None, timeout=T
    )
    click(qtbot, page.next_button)
    qtbot.waitUntil(lambda: page.banner.isVisible() and not page.busy, timeout=T)
    assert page.banner.text() == "请选择 CA 机构"
    assert "填写有误" not in page.banner.text()
    assert page.wizard.step is Step.INSTITUTION

    choose(qtbot, page, "institution_bjca")
    next_step(qtbot, page, Step.METHOD)
    counter.read()
    click(qtbot, page.next_button)  # no method ticked either
    qtbot.waitUntil(lambda: page.banner.isVisible() and not page.busy, timeout=T)
    assert page.banner.text() == "请选择核验方式"
    choose(qtbot, page, "method_deposit")
    next_step(qtbot, page, Step.HANDLER)
    assert counter.read() == (3, None)
    choose(qtbot, page, "handler_agent")
    next_step(qtbot, page, Step.AGENT)
    assert counter.read(handler_changed=True) == (4, 10)
    fields = page.view.fields
    type_text(qtbot, fields["agent_name"], agent_reg.name)
    type_text(qtbot, fields["agent_id_number"], agent_reg.id_number)
    type_text(qtbot, fields["agent_phone"], agent_reg.phone)
    next_step(qtbot, page, Step.VERIFY)
    assert counter.read() == (5, 10)

    # 对公打款: the notice's big number is the amount this step asks for; the 授权码 of the
    # memo line is labelled as the next step's.
    before = {m.id for m in services.inbox.messages(reg.legal_person_phone)}
    click(qtbot, child(page.view, "startDepositButton", QPushButton))
    amount_field = page.view.fields["deposit_amount"]
    qtbot.waitUntil(lambda: amount_field.isVisible() and not page.busy, timeout=T)
    assert "此处填写到账金额；附言中的授权码在下一步填写" in child(page.view, "verifyStatus").text()
    (notice,) = [
        m
        for m in services.inbox.messages(reg.legal_person_phone)
        if m.id not in before and m.kind is MessageKind.DEPOSIT
    ]
    card = MessageCard(notice)
    qtbot.addWidget(card)
    amount = re.search(r"收到转账 (\d+\.\d\d) 元", notice.body).group(1)
    big = [label for label in card.findChildren(QLabel) if label.property("role") == "code"]
    assert [label.text() for label in big] == [amount]  # one big number: the amount
    assert child(card, "inboxAmount", QLabel).text() == amount
    auth_code = child(card, "inboxCode", QLabel).text()
    assert auth_code == notice.code and f"授权码{auth_code}" in notice.body
    assert auth_code != amount
    captions = " ".join(label.text() for label in card.findChildren(QLabel))
    assert "到账金额（元）" in captions and "在“授权码”一步填写" in captions

    type_text(qtbot, amount_field, amount)  # what the big number says
    next_step(qtbot, page, Step.AUTH_CODE)
    assert counter.read() == (6, 10)
    type_text(qtbot, page.view.fields["auth_code"], auth_code)
    next_step(qtbot, page, Step.CONFIRM)
    assert counter.read() == (7, 10)

    # Back to the role and a different choice: the total follows that choice, and only it.
    for expected in (Step.AUTH_CODE, Step.VERIFY, Step.AGENT, Step.HANDLER):
        click(qtbot, page.back_button)
        assert page.wizard.step is expected
        counter.read()
    assert counter.seen[-1][1:3] == (3, 10)
    choose(qtbot, page, "handler_legal_person")
    next_step(qtbot, page, Step.VERIFY)
    assert counter.read(handler_changed=True) == (4, 8)
    assert page.progress.text() == "第 4 / 8 步"
    assert [total for _s, _i, total, _span in counter.seen if total is not None] == [
        *[10] * 8,
        8,
    ]


def test_an_expired_certificate_stays_beside_its_renewal(qtbot, window, services, company):
    reg, s = company
    cid = approved_certificate(services, reg, s)
    services.clock.advance(services.review.operator_session(), 400 * 86400)
    s = services.ca.login(AccountKind.LEGAL, reg.uscc, PASSWORD)  # the old login expired
    log_in(qtbot, window, AccountKind.LEGAL, reg.uscc)
    click(qtbot, child(window.current(), "certsTile", QToolButton))
    certs = wait_page(qtbot, window, "certListPage")
    qtbot.waitUntil(lambda: certs.loaded, timeout=T)
    (row,) = [r for r in certs.findChildren(CertRow) if r.row.certificate_id == cid]
    assert row.badge.text() == "已过期"
    click(qtbot, row.continue_button)

    def dialog():
        found = window.findChildren(QDialog, "renewDialog")
        return next((d for d in found if d.isVisible()), None)

    qtbot.waitUntil(lambda: dialog() is not None, timeout=T)
    click(qtbot, dialog().confirm_button)
    wait_page(qtbot, window, "activationPage")
    new_id = services.ca.certificate_detail(s, cid).successor_id
    assert new_id is not None

    # Back to 证书管理: the renewal and, beside it, the expired certificate as 已过期.
    certs.loaded = False
    click(qtbot, window.top_bar.back)
    certs = wait_page(qtbot, window, "certListPage")

    def rows() -> dict[int | None, CertRow]:
        return {r.row.certificate_id: r for r in certs.findChildren(CertRow) if r in certs.rows}

    qtbot.waitUntil(lambda: certs.loaded and new_id in rows(), timeout=T)
    shown = rows()
    assert set(shown) == {cid, new_id}
    assert shown[new_id].badge.text() == "正常"
    old = shown[cid]
    assert old.badge.text() == "已过期"
    assert old.continue_button is None  # renewed once; 继续 is not offered again
    assert child(old, "certRowNote").text() == "已完成证书更新，请使用新证书。"
    assert old.row.successor_id == new_id

    # Its 证书详情 says 已过期, points to the new certificate and offers no action on it.
    qtbot.mouseClick(old, Qt.MouseButton.LeftButton)
    detail = wait_page(qtbot, window, "certDetailPage")
    qtbot.waitUntil(lambda: detail.loads >= 1, timeout=T)
    assert detail.badge.text() == "已过期"
    assert child(detail, "successorNote").isVisible()
    for name in ("renewButton", "changeButton", "revokeButton"):
        assert not detail.buttons[name].isEnabled(), name
    assert services.ca.certificate_detail(s, cid).status is CertStatus.EXPIRED


def test_new_grant_offers_the_agents_named_in_applications(
    qtbot, window, services, company, agent, people
):
    reg, s = company
    agent_reg, _ = agent
    cid = approved_certificate(services, reg, s)
    # An older draft names an agent with a very long name (listed last: newest first).
    long_name = "阿卜杜热合曼·买买提依明·艾合买提江·托合提尼亚孜·司马义·吐尔逊"
    draft = services.ca.create_application(s, CertKind.LEGAL_REP, "bjca")
    services.ca.set_method(s, draft.id, Method.FACE)
    far = AgentDetails(long_name, people.id_number(1985), people.phone())
    services.ca.set_handler(s, draft.id, Handler.AGENT, far)
    # Applications handled by an agent name 李经办 (twice: listed once).
    named = AgentDetails(agent_reg.name, agent_reg.id_number, agent_reg.phone)
    for kind in (CertKind.LEGAL_REP, CertKind.UNIT):
        apply(
            services,
            s,
            kind=kind,
            method=Method.DEPOSIT,
            handler=Handler.AGENT,
            legal_phone=reg.legal_person_phone,
            portrait=b"",
            agent=named,
            submit=False,
        )
    assert services.ca.application_agents(s) == [named, far]

    log_in(qtbot, window, AccountKind.LEGAL, reg.uscc)
    click(qtbot, window.current().tiles["grantsTile"])
    grants = wait_page(qtbot, window, "grantsPage")
    qtbot.waitUntil(lambda: grants.loaded, timeout=T)
    click(qtbot, child(grants, "newGrantButton", QPushButton))
    page = wait_page(qtbot, window, "newGrantPage")
    qtbot.waitUntil(lambda: page.loaded, timeout=T)
    assert child(page, f"grantCert_{cid}", QRadioButton).isChecked()
    choice = child(page, "agentChoice", QComboBox)
    assert choice.isVisible()
    assert choice.count() == 3 and choice.itemText(0) == "填写新的经办人"
    assert choice.itemText(2).startswith(f"{long_name} · ")
    assert choice.itemText(1).startswith(f"{agent_reg.name} · ")
    assert agent_reg.id_number not in choice.itemText(1)  # the list hides the full number
    assert agent_reg.phone[-4:] in choice.itemText(1)
    # At the window's minimum size the choice list is not cut off (the long name elides).
    window.resize(window.minimumSize())
    qtbot.waitUntil(lambda: window.size() == window.minimumSize(), timeout=T)
    QApplication.processEvents()
    assert clipped("新增授权", window) == []

    # Picking the agent fills the three fields; 填写新的经办人 empties them to type another.
    choice.setCurrentIndex(1)
    values = {n: page.fields[n].value() for n in page.fields}
    assert values == {
        "agent_name": agent_reg.name,
        "agent_id_number": agent_reg.id_number,
        "agent_phone": agent_reg.phone,
    }
    choice.setCurrentIndex(0)
    assert all(page.fields[n].value() == "" for n in page.fields)
    choice.setCurrentIndex(1)
    type_text(qtbot, page.fields["agent_phone"], "")  # changed after picking
    choice.setCurrentIndex(0)  # what was typed since is kept
    assert page.fields["agent_name"].value() == agent_reg.name
    assert page.fields["agent_phone"].value() == ""

    choice.setCurrentIndex(1)
    click(qtbot, page.submit_button)
    grants = wait_page(qtbot, window, "grantsPage")
    qtbot.waitUntil(lambda: len(grants.rows) == 1, timeout=T)
    (made,) = services.ca.list_grants(s)
    assert made.certificate_id == cid and made.agent_name == agent_reg.name


def test_a_new_account_types_its_first_agent(qtbot, window, services, company):
    reg, s = company
    approved_certificate(services, reg, s)  # handled by the legal person: no agent named
    assert services.ca.application_agents(s) == []
    log_in(qtbot, window, AccountKind.LEGAL, reg.uscc)
    click(qtbot, window.current().tiles["grantsTile"])
    grants = wait_page(qtbot, window, "grantsPage")
    qtbot.waitUntil(lambda: grants.loaded, timeout=T)
    click(qtbot, child(grants, "newGrantButton", QPushButton))
    page = wait_page(qtbot, window, "newGrantPage")
    qtbot.waitUntil(lambda: page.loaded, timeout=T)
    assert not child(page, "agentChoice", QComboBox).isVisible()
    assert page.fields["agent_name"].edit.isVisible()

"""What a trainer and a supplier hit walking the handbook (issue 18), through the real
widgets: the wizard's step counter never jumps on its own, an unticked CA says 请选择 CA 机构,
the bank notice's big number is the amount the 对公打款 step asks for; an expired
certificate stays in 证书管理 beside its renewal; 新增授权 offers the agents already named in
an application. On the QA kit (mobileca_desktop.testing): its demo company and agent, its
client window (services guarded: a call on the GUI thread fails the test) and page objects."""

from __future__ import annotations

import re

import pytest
from helpers_flow import apply
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QRadioButton
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
from mobileca_desktop.testing.pages import HomePage
from mobileca_desktop.views.message_card import MessageCard

COUNTER = re.compile(r"第 (\d+)(?: / (\d+) 步| 步（共 (\d+)–(\d+) 步）)")


@pytest.fixture
def client(mca_client):
    laptop = mca_client("test-laptop")
    yield laptop
    laptop.settle()


@pytest.fixture
def home(client) -> HomePage:
    """The demo company logged in (法人登录): 首页."""
    return client.login_page().log_in_as_company()


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


def test_the_wizard_counter_the_unchosen_ca_and_the_deposit_notice(
    client, home, mca_demo, mca_phone
):
    company, agent = mca_demo.company, mca_demo.agent
    wizard = home.apply(CertKind.UNIT)
    page = wizard.widget
    counter = Counter(page)
    # Before the handler role is chosen the total is a range, not a number that jumps later.
    assert page.progress.text() == "第 1 步（共 8–10 步）"
    counter.read()

    # An unticked CA radio button: said plainly, in the banner.
    wizard.find("institution_bjca", QRadioButton)
    wizard.click(page.next_button)
    client.wait_until(lambda: page.banner.isVisible() and not page.busy, "the banner")
    assert page.banner.text() == "请选择 CA 机构"
    assert "填写有误" not in page.banner.text()
    assert wizard.step is Step.INSTITUTION

    wizard.choose("institution_bjca").next(Step.METHOD)
    counter.read()
    wizard.click(page.next_button)  # no method ticked either
    client.wait_until(lambda: page.banner.isVisible() and not page.busy, "the banner")
    assert page.banner.text() == "请选择核验方式"
    wizard.choose("method_deposit").next(Step.HANDLER)
    assert counter.read() == (3, None)
    wizard.choose("handler_agent").next(Step.AGENT)
    assert counter.read(handler_changed=True) == (4, 10)
    wizard.fill("agent_name", agent.name).fill("agent_id_number", agent.id_number)
    wizard.fill("agent_phone", agent.phone).next(Step.VERIFY)
    assert counter.read() == (5, 10)

    # 对公打款: the notice's big number is the amount this step asks for; the 授权码 of the
    # memo line is labelled as the next step's.
    number = company.legal_person_phone
    before = mca_phone.last_id(number)
    told = wizard.start_deposit()  # 发起打款: the amount the phone's notice says
    assert "此处填写到账金额；附言中的授权码在下一步填写" in wizard.text("verifyStatus")
    (notice,) = [m for m in mca_phone.messages(number, before) if m.kind is MessageKind.DEPOSIT]
    card = MessageCard(notice)
    client.qtbot.addWidget(card)
    amount = re.search(r"收到转账 (\d+\.\d\d) 元", notice.body).group(1)
    assert told == amount
    big = [label for label in card.findChildren(QLabel) if label.property("role") == "code"]
    assert [label.text() for label in big] == [amount]  # one big number: the amount
    assert card.findChild(QLabel, "inboxAmount").text() == amount
    auth_code = card.findChild(QLabel, "inboxCode").text()
    assert auth_code == notice.code and f"授权码{auth_code}" in notice.body
    assert auth_code != amount
    captions = " ".join(label.text() for label in card.findChildren(QLabel))
    assert "到账金额（元）" in captions and "在“授权码”一步填写" in captions

    wizard.fill("deposit_amount", amount).next(Step.AUTH_CODE)  # what the big number says
    assert counter.read() == (6, 10)
    wizard.fill("auth_code", auth_code).next(Step.CONFIRM)
    assert counter.read() == (7, 10)

    # Back to the role and a different choice: the total follows that choice, and only it.
    for expected in (Step.AUTH_CODE, Step.VERIFY, Step.AGENT, Step.HANDLER):
        wizard.previous()
        assert wizard.step is expected
        counter.read()
    assert counter.seen[-1][1:3] == (3, 10)
    wizard.choose("handler_legal_person").next(Step.VERIFY)
    assert counter.read(handler_changed=True) == (4, 8)
    assert page.progress.text() == "第 4 / 8 步"
    assert [total for _s, _i, total, _span in counter.seen if total is not None] == [
        *[10] * 8,
        8,
    ]


def test_an_expired_certificate_stays_beside_its_renewal(client, mca_world, mca_clock):
    company, ca = mca_world.demo.company, mca_world.services.ca
    cid = mca_world.approved_certificate()
    mca_clock.advance(days=400)
    s = ca.login(AccountKind.LEGAL, company.uscc, company.password)  # the old login expired
    certs = client.login_page().log_in_as_company().open_certificates()
    row = certs.row(certificate_id=cid)
    assert row.status == "已过期"
    activation = row.renew()  # 继续, 确认更新: the new certificate's 证书下载
    new_id = ca.certificate_detail(s, cid).successor_id
    assert new_id is not None and activation.widget.certificate_id == new_id

    # Back to 证书管理: the renewal and, beside it, the expired certificate as 已过期.
    certs = activation.back()
    assert certs.object_name == "certListPage"

    def rows() -> dict:
        return {r.certificate_id: r for r in certs.rows()}

    client.wait_until(lambda: new_id in rows(), "the renewal in 证书管理")
    shown = rows()
    assert set(shown) == {cid, new_id}
    assert shown[new_id].status == "正常"
    old = shown[cid]
    assert old.status == "已过期"
    assert old.widget.continue_button is None  # renewed once; 继续 is not offered again
    assert old.note == "已完成证书更新，请使用新证书。"
    assert old.widget.row.successor_id == new_id

    # Its 证书详情 says 已过期, points to the new certificate and offers no action on it.
    detail = old.open()
    assert detail.status == "已过期"
    assert detail.find("successorNote").isVisible()
    for name in ("renewButton", "changeButton", "revokeButton"):
        assert not detail.widget.buttons[name].isEnabled(), name
    assert ca.certificate_detail(s, cid).status is CertStatus.EXPIRED


def test_new_grant_offers_the_agents_named_in_applications(client, home, mca_world, people):
    services, s = mca_world.services, mca_world.legal_session()
    company, agent = mca_world.demo.company, mca_world.demo.agent
    window = client.window
    cid = mca_world.approved_certificate()
    # An older draft names an agent with a very long name (listed last: newest first).
    long_name = "阿卜杜热合曼·买买提依明·艾合买提江·托合提尼亚孜·司马义·吐尔逊"
    draft = services.ca.create_application(s, CertKind.LEGAL_REP, "bjca")
    services.ca.set_method(s, draft.id, Method.FACE)
    far = AgentDetails(long_name, people.id_number(1985), people.phone())
    services.ca.set_handler(s, draft.id, Handler.AGENT, far)
    # Applications handled by an agent name 李经办 (twice: listed once).
    named = AgentDetails(agent.name, agent.id_number, agent.phone)
    for kind in (CertKind.LEGAL_REP, CertKind.UNIT):
        apply(
            services,
            s,
            kind=kind,
            method=Method.DEPOSIT,
            handler=Handler.AGENT,
            legal_phone=company.legal_person_phone,
            portrait=b"",
            agent=named,
            submit=False,
        )
    assert services.ca.application_agents(s) == [named, far]

    page = home.open_grants().new_grant()
    form = page.widget
    assert page.find(f"grantCert_{cid}", QRadioButton).isChecked()
    choice = page.find("agentChoice", QComboBox)
    assert choice.isVisible()
    assert choice.count() == 3 and choice.itemText(0) == "填写新的经办人"
    assert choice.itemText(2).startswith(f"{long_name} · ")
    assert choice.itemText(1).startswith(f"{agent.name} · ")
    assert agent.id_number not in choice.itemText(1)  # the list hides the full number
    assert agent.phone[-4:] in choice.itemText(1)
    # At the window's minimum size the choice list is not cut off (the long name elides).
    window.resize(window.minimumSize())
    client.wait_until(lambda: window.size() == window.minimumSize(), "the minimum size")
    QApplication.processEvents()
    assert clipped("新增授权", window) == []

    # Picking the agent fills the three fields; 填写新的经办人 empties them to type another.
    choice.setCurrentIndex(1)
    values = {n: form.fields[n].value() for n in form.fields}
    assert values == {
        "agent_name": agent.name,
        "agent_id_number": agent.id_number,
        "agent_phone": agent.phone,
    }
    choice.setCurrentIndex(0)
    assert all(form.fields[n].value() == "" for n in form.fields)
    choice.setCurrentIndex(1)
    page.type(form.fields["agent_phone"], "")  # changed after picking
    choice.setCurrentIndex(0)  # what was typed since is kept
    assert form.fields["agent_name"].value() == agent.name
    assert form.fields["agent_phone"].value() == ""

    choice.setCurrentIndex(1)
    page.click(form.submit_button)
    grants = client.wait_page("grantsPage")
    client.wait_until(lambda: len(grants.rows) == 1, "the new grant")
    (made,) = services.ca.list_grants(s)
    assert made.certificate_id == cid and made.agent_name == agent.name


def test_a_new_account_types_its_first_agent(home, mca_world):
    s = mca_world.legal_session()
    mca_world.approved_certificate()  # handled by the legal person: no agent named
    assert mca_world.services.ca.application_agents(s) == []
    page = home.open_grants().new_grant()
    choice = page.widget.findChild(QComboBox, "agentChoice")
    assert choice is not None and not choice.isVisible()
    assert page.widget.fields["agent_name"].edit.isVisible()

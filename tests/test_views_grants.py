"""授权管理 driven as users would, on the QA kit (mobileca_desktop.testing): the legal person
grants a certificate to an agent (typed errors next to their fields, nothing lost), the agent
sees it on a second computer and downloads it, the legal person withdraws it and the agent
sees it withdrawn. The kit's services are guarded: any call on the GUI thread fails the test.
The page objects reach the pages; what each page shows is checked on its widgets."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QMessageBox, QPushButton, QRadioButton

from mobileca_desktop.domain.models import GrantStatus
from mobileca_desktop.testing.pages import GrantsPage, NewGrantPage, ReceivedGrantsPage
from mobileca_desktop.views.format import SHANGHAI
from mobileca_desktop.views.grant_form_page import end_of_day

CERT_PASSWORD = "Zhengshu#2026"


def wrong_check_character(id_number: str) -> str:
    last = id_number[-1]
    return id_number[:-1] + ("1" if last != "1" else "2")


def new_grant(client) -> NewGrantPage:
    """The demo company logged in: 授权管理 → 新增授权."""
    grants = client.login_page().log_in_as_company().open_grants()
    assert isinstance(grants, GrantsPage)
    return grants.new_grant()


def fill(new: NewGrantPage, name: str, id_number: str, phone: str) -> None:
    fields = new.widget.fields
    new.type(fields["agent_name"], name)
    new.type(fields["agent_id_number"], id_number)
    new.type(fields["agent_phone"], phone)


def test_the_legal_person_grants_a_certificate(mca_client, mca_world):
    agent, services = mca_world.demo.agent, mca_world.services
    legal = mca_world.legal_session()
    unit_cert = mca_world.approved_certificate()
    client = mca_client("legal-pc")
    grants = client.login_page().log_in_as_company().open_grants()
    assert grants.rows() == []
    assert grants.find("grantListStatus").isVisible()

    new = grants.new_grant()
    page = new.widget
    fill(new, agent.name, wrong_check_character(agent.id_number), agent.phone)
    # Only the 正常 unit certificate is offered, and chosen by default; the page says that
    # personal certificates cannot be granted.
    radio = new.find(f"grantCert_{unit_cert}", QRadioButton)
    assert radio.isChecked() and radio.isEnabled()
    assert "个人证书不支持授权" in new.text("grantKindsNote")
    # The default period is one year from the CA's today, within the certificate's validity.
    now = dt.datetime.now(SHANGHAI).date()
    today = QDate(now.year, now.month, now.day)
    assert page.until.date() == today.addYears(1)
    assert page.until.maximumDate() >= page.until.date()

    # A wrong check character: the CA's typed error under the ID number; nothing lost.
    new.click(page.submit_button)
    field = page.fields["agent_id_number"]
    client.wait_until(field.error.isVisible, "the ID number's error")
    assert "校验位错误" in field.error_text()
    assert page.fields["agent_name"].value() == agent.name
    assert page.fields["agent_phone"].value() == agent.phone
    assert new.is_current()
    assert services.ca.list_grants(legal) == []

    # An empty name is found at once, next to its field.
    new.type(page.fields["agent_name"], "")
    new.click(page.submit_button)
    assert page.fields["agent_name"].error.isVisible()
    assert not field.error.isVisible()  # errors are cleared on each try
    new.type(page.fields["agent_name"], agent.name)

    # Corrected: 确认授权 → back on the list with the new grant.
    new.type(field, agent.id_number)
    assert not field.error.isVisible()
    new.click("period_6m")
    assert page.until.date() == today.addMonths(6)
    new.click(page.submit_button)
    grants = GrantsPage(client)
    client.wait_until(lambda: len(grants.rows()) == 1, "the new grant listed")
    assert "授权成功" in grants.toast()
    row = grants.rows()[0]
    assert row.status == "授权中" and row.certificate_id == unit_cert
    assert agent.name in row.widget.accessibleName()
    made = services.ca.list_grants(legal)
    assert len(made) == 1 and made[0].certificate_id == unit_cert
    assert made[0].valid_until == end_of_day(today.addMonths(6))
    # The agent's phone got the notice.
    assert any(m.title == "证书授权通知" for m in mca_world.phone.messages(agent.phone))


def test_grant_to_the_legal_person_himself_is_refused_next_to_the_id(mca_client, mca_world):
    company = mca_world.demo.company
    mca_world.approved_certificate()
    new = new_grant(mca_client("legal-pc"))
    fill(new, company.legal_person_name, company.legal_person_id_number, company.legal_person_phone)
    new.click(new.widget.submit_button)
    field = new.widget.fields["agent_id_number"]
    new.client.wait_until(field.error.isVisible, "the ID number's error")
    assert "法定代表人" in field.error_text()
    assert new.is_current()


def test_nothing_to_grant_says_so(mca_client):
    new = new_grant(mca_client("legal-pc"))
    assert "暂无可授权的证书" in new.text("grantCertStatus")
    assert not new.widget.submit_button.isEnabled()


def test_agent_sees_downloads_and_loses_a_withdrawn_grant(mca_client, mca_world):
    company, services = mca_world.demo.company, mca_world.services
    legal = mca_world.legal_session()
    unit_cert = mca_world.approved_certificate()
    mca_world.grant(unit_cert, days=90)

    # The agent on a second computer.
    agent_pc = mca_client("agent-pc")
    received = agent_pc.login_page().log_in_as_agent().open_grants()
    assert isinstance(received, ReceivedGrantsPage)
    (row,) = received.rows()
    assert row.status == "授权中"
    text = row.widget.accessibleName()
    assert company.name in text and "企业数字证书" in text and "授权期限" in text
    button = row.widget.download_button
    assert button is not None and button.text() == "下载到本机"

    # 下载到本机: the code goes to the legal person's phone; back on 授权管理, downloaded.
    row.download().activate(CERT_PASSWORD)
    received = agent_pc.page().back()
    assert isinstance(received, ReceivedGrantsPage)
    (row,) = received.rows()
    assert row.widget.download_button is None
    assert "已下载到本机" in row.note

    # The legal person withdraws it, after reading what that does.
    legal_pc = mca_client("legal-pc")
    grants = legal_pc.login_page().log_in_as_company().open_grants()
    (row,) = grants.rows()
    grants.click(row.widget.withdraw_button)
    box = grants.widget.confirm
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert box.objectName() == "withdrawConfirm" and box.parent() is legal_pc.window
    assert "吊销" in box.informativeText()
    grants.click(box.findChild(QPushButton, "cancelWithdraw"))  # changes its mind first
    legal_pc.settle()
    assert services.ca.list_grants(legal)[0].status is GrantStatus.ACTIVE
    grants = grants.rows()[0].withdraw()  # asked again, 撤销授权 this time
    (row,) = grants.rows()
    assert row.status == "已撤销" and row.widget.withdraw_button is None
    assert services.ca.list_grants(legal)[0].status is GrantStatus.WITHDRAWN

    # The agent's page, shown again, says so; nothing to download any more.
    received = agent_pc.page().back().open_grants()
    (row,) = received.rows()
    assert row.status == "已撤销" and row.widget.download_button is None
    assert "吊销" in row.note
    detail = services.ca.certificate_detail(legal, unit_cert)
    agent_copies = [d for d in detail.device_certs if d.device_name == "agent-pc"]
    assert agent_copies and all(d.revoked for d in agent_copies)

"""The client window driven as a user would: register, log in, look at certificates, read
the phone inbox. On the QA kit (mobileca_desktop.testing): its demo company and agent, its
client window (services guarded: any call on the GUI thread fails the test) and page
objects; the pages are checked on their widgets."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QToolButton

from mobileca_desktop.domain.models import AccountKind, CertKind, CertStatus
from mobileca_desktop.testing.pages import HomePage, LoginPage, MessageView
from mobileca_desktop.views.cert_row import CertRow
from mobileca_desktop.views.message_card import MessageCard

PASSWORD = "Demo2026pass"


@pytest.fixture
def client(mca_client):
    """The test laptop, on the login page."""
    laptop = mca_client("test-laptop")
    yield laptop
    laptop.settle()


@pytest.fixture
def login(client) -> LoginPage:
    return client.login_page()


def test_register_a_company_and_log_in(client, login, people):
    window = client.window
    page = login.open_registration(AccountKind.LEGAL)
    uscc, phone = people.uscc(), people.phone()
    values = {
        "company_name": "太原示范科技有限公司",
        "uscc": uscc,
        "city": "太原市",
        "bank_name": "中国建设银行太原分行",
        "bank_account": "1405 0160 0000 1234",
        "legal_person_name": "张立新",
        "legal_person_id_number": people.id_number(1979),
        "legal_person_phone": phone,
        "password": PASSWORD,
        "password_again": PASSWORD,
    }
    assert page.widget.fields["province"].value() == "山西省"
    login_page = page.register(**values)

    assert login_page.toast() == "注册成功，请登录"
    form = login_page.widget.form(AccountKind.LEGAL)
    assert form.login_name.value() == uscc  # filled in for the user
    login_page.type(form.password, PASSWORD)
    login_page.click(form.login_button)

    home = HomePage(client)
    assert home.identity_name == "太原示范科技有限公司"
    assert uscc in home.text("identityKind")
    assert "test-laptop" in home.text("identityDevice")
    tiles = {t.objectName() for t in home.widget.findChildren(QToolButton) if t.property("role")}
    assert {"applyUnitTile", "applyLegalRepTile", "certsTile", "grantsTile", "scanTile"} <= tiles
    assert "applyPersonalTile" not in tiles  # 申请个人证书: personal login only

    # The company's e-licence went to the legal person's phone: the inbox knows the number.
    inbox = client.phone_inbox()
    assert window.inbox_panel.isVisible() and window.inbox_panel.current_phone() == phone
    assert "电子营业执照" in inbox.wait_message().message.title


def test_registration_errors_stay_next_to_their_fields(login, people):
    page = login.open_registration(AccountKind.PERSONAL)
    fields = page.widget.fields
    page.click(page.widget.submit_button)
    assert fields["name"].error_text() == "请填写姓名"
    assert fields["phone"].error_text() == "请填写手机号"

    fields["name"].set_value("赵晓梅")
    good_id = people.id_number(1992)
    bad_id = good_id[:-1] + ("0" if good_id[-1] != "0" else "1")  # wrong check character
    page.fill(id_number=bad_id, phone=people.phone(), password=PASSWORD)
    page.fill(password_again=PASSWORD + "x")
    page.click(page.widget.submit_button)
    assert fields["password_again"].error_text() == "两次输入的密码不一致"
    assert fields["name"].error_text() == ""

    page.fill(password_again=PASSWORD)
    page.click(page.widget.submit_button)
    page.client.wait_until(lambda: fields["id_number"].error_text() != "", "the ID error")
    assert fields["id_number"].error_text() == "身份证号有误：校验位错误"
    assert fields["id_number"].value() == bad_id  # nothing entered is lost
    assert fields["name"].value() == "赵晓梅"

    page.fill(id_number=good_id)
    assert fields["id_number"].error_text() == ""  # typing clears the error
    page.fill(password="short1", password_again="short1")
    page.click(page.widget.submit_button)
    page.client.wait_until(lambda: fields["password"].error_text() != "", "the password error")
    assert fields["password"].error_text() == "密码强度不够：至少 8 位"


def test_a_person_logs_in_by_phone(client, login, mca_demo):
    agent = mca_demo.agent
    home = login.log_in(AccountKind.PERSONAL, agent.phone, agent.password)
    assert home.identity_name == agent.name
    assert home.find("applyPersonalTile", QToolButton).isVisible()
    assert home.widget.findChild(QToolButton, "applyUnitTile") is None
    assert client.window.inbox_panel.current_phone() == agent.phone

    login_page = home.log_out()
    assert login_page.widget.tabs.currentIndex() == 1  # back on 个人登录
    assert client.window.session is None


def test_a_wrong_password_is_shown_next_to_the_field(client, login, mca_demo):
    company = mca_demo.company
    said = login.log_in_refused(AccountKind.LEGAL, company.uscc, "Wrong2026pass")
    form = login.widget.form(AccountKind.LEGAL)
    assert said == form.password.error_text() == "账号或密码错误"
    assert form.password.error.isVisible()
    assert client.window.current().objectName() == "loginPage"
    login.type(form.password, company.password)
    assert form.password.error_text() == ""
    login.click(form.login_button)
    client.wait_page("homePage")


def test_certificates_detail_and_seal(client, login, mca_world, mca_reviewer):
    mca_world.approved_certificate(CertKind.UNIT)
    mca_world.submitted_application(CertKind.LEGAL_REP)  # 审核中
    rejected = mca_world.submitted_application(CertKind.LEGAL_REP)
    mca_reviewer.reject(rejected, "营业执照照片不清晰")

    page = login.log_in_as_company().open_certificates()
    window = client.window
    rows = {r.row.status: r for r in page.widget.findChildren(CertRow)}
    assert set(rows) == {CertStatus.NORMAL, CertStatus.REVIEWING, CertStatus.INVALID}
    assert rows[CertStatus.NORMAL].badge.text() == "正常"
    by_widget = {r.widget: r for r in page.rows()}
    assert "北京数字认证股份有限公司" in by_widget[rows[CertStatus.REVIEWING]].note
    assert "营业执照照片不清晰" in by_widget[rows[CertStatus.INVALID]].note
    assert rows[CertStatus.INVALID].continue_button is not None  # 继续 on 已失效
    assert rows[CertStatus.NORMAL].continue_button is None

    detail = by_widget[rows[CertStatus.NORMAL]].open()
    assert window.top_bar.title.text() == "证书详情"
    values = detail.widget.values
    assert values["issuer"].text() == "北京数字认证股份有限公司"
    assert values["kind"].text() == "企业数字证书"
    assert values["notAfter"].text().endswith("23:59:59")
    assert values["serial"].text().replace("\u200b", "") == detail.widget.detail.serial_hex
    assert detail.status == "正常"
    seal = detail.widget.seal_images["official"]
    assert seal.pixmap() is not None and not seal.pixmap().isNull()
    assert seal.accessibleName() == "公章"

    assert detail.back().object_name == "certListPage"


def test_the_inbox_shows_the_sms_code(client, login, mca_world, mca_phone, mca_demo):
    number = mca_demo.company.legal_person_phone
    mca_world.submitted_application(CertKind.UNIT)
    code = mca_phone.last_code(number)
    inbox = client.phone_inbox(number)
    panel = inbox.widget
    client.wait_until(lambda: len(panel.cards) >= 2, "the messages of the legal person")
    newest = panel.cards[0]
    assert isinstance(newest, MessageCard) and newest.message.code == code
    assert MessageView(inbox, newest).code == code  # its inboxCode label
    ids = [c.message.id for c in panel.cards]
    assert ids == sorted(ids, reverse=True)  # newest first
    assert panel.cards[-1].message.title == "电子营业执照"

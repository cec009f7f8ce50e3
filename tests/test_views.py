"""The client window driven as a user would: register, log in, look at certificates, read
the phone inbox. Services are guarded: any call on the GUI thread fails the test."""

from __future__ import annotations

import pytest
from conftest import PASSWORD, last_code
from helpers_flow import apply
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QToolButton
from qt_support import child, click, open_window, settle, type_text, wait_page

from mobileca_desktop.domain.models import AccountKind, CertKind, CertStatus, Handler, Method
from mobileca_desktop.views.cert_row import CertRow
from mobileca_desktop.views.message_card import MessageCard


@pytest.fixture
def window(qtbot, services):
    win = open_window(qtbot, services)
    wait_page(qtbot, win, "loginPage")
    yield win
    settle(qtbot)


def choose_tab(qtbot, window, kind: AccountKind):
    """Clicks the 法人登录 or 个人登录 tab; returns that tab's form."""
    page = window.current()
    index = 0 if kind is AccountKind.LEGAL else 1
    qtbot.mouseClick(page.tabs, Qt.MouseButton.LeftButton, pos=page.tabs.tabRect(index).center())
    assert page.tabs.currentIndex() == index
    return page.form(kind)


def login(qtbot, window, kind: AccountKind, login_name: str, password: str = PASSWORD):
    form = choose_tab(qtbot, window, kind)
    type_text(qtbot, form.login_name, login_name)
    type_text(qtbot, form.password, password)
    click(qtbot, form.login_button)
    return form


def test_register_a_company_and_log_in(qtbot, window, people):
    form = window.current().form(AccountKind.LEGAL)
    click(qtbot, form.register_button)
    page = wait_page(qtbot, window, "registerLegalPage")
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
    assert page.fields["province"].value() == "山西省"
    for name, text in values.items():
        type_text(qtbot, page.fields[name], text)
    click(qtbot, page.submit_button)

    login_page = wait_page(qtbot, window, "loginPage")
    assert window.toast.text() == "注册成功，请登录"
    form = login_page.form(AccountKind.LEGAL)
    assert form.login_name.value() == uscc  # filled in for the user
    type_text(qtbot, form.password, PASSWORD)
    click(qtbot, form.login_button)

    home = wait_page(qtbot, window, "homePage")
    assert child(home, "identityName").text() == "太原示范科技有限公司"
    assert uscc in child(home, "identityKind").text()
    assert "test-laptop" in child(home, "identityDevice").text()
    tiles = {t.objectName() for t in home.findChildren(QToolButton) if t.property("role")}
    assert {"applyUnitTile", "applyLegalRepTile", "certsTile", "grantsTile", "scanTile"} <= tiles
    assert "applyPersonalTile" not in tiles  # 申请个人证书: personal login only

    # The company's e-licence went to the legal person's phone: the inbox knows the number.
    click(qtbot, window.top_bar.inbox)
    assert window.inbox_panel.isVisible() and window.inbox_panel.current_phone() == phone
    qtbot.waitUntil(lambda: bool(window.inbox_panel.cards), timeout=10000)
    assert "电子营业执照" in window.inbox_panel.cards[0].message.title


def test_registration_errors_stay_next_to_their_fields(qtbot, window, people):
    click(qtbot, choose_tab(qtbot, window, AccountKind.PERSONAL).register_button)
    page = wait_page(qtbot, window, "registerPersonalPage")
    click(qtbot, page.submit_button)
    assert page.fields["name"].error_text() == "请填写姓名"
    assert page.fields["phone"].error_text() == "请填写手机号"

    page.fields["name"].set_value("赵晓梅")
    good_id = people.id_number(1992)
    bad_id = good_id[:-1] + ("0" if good_id[-1] != "0" else "1")  # wrong check character
    type_text(qtbot, page.fields["id_number"], bad_id)
    type_text(qtbot, page.fields["phone"], people.phone())
    type_text(qtbot, page.fields["password"], PASSWORD)
    type_text(qtbot, page.fields["password_again"], PASSWORD + "x")
    click(qtbot, page.submit_button)
    assert page.fields["password_again"].error_text() == "两次输入的密码不一致"
    assert page.fields["name"].error_text() == ""

    type_text(qtbot, page.fields["password_again"], PASSWORD)
    click(qtbot, page.submit_button)
    qtbot.waitUntil(lambda: page.fields["id_number"].error_text() != "", timeout=10000)
    assert page.fields["id_number"].error_text() == "身份证号有误：校验位错误"
    assert page.fields["id_number"].value() == bad_id  # nothing entered is lost
    assert page.fields["name"].value() == "赵晓梅"

    type_text(qtbot, page.fields["id_number"], good_id)
    assert page.fields["id_number"].error_text() == ""  # typing clears the error
    type_text(qtbot, page.fields["password"], "short1")
    type_text(qtbot, page.fields["password_again"], "short1")
    click(qtbot, page.submit_button)
    qtbot.waitUntil(lambda: page.fields["password"].error_text() != "", timeout=10000)
    assert page.fields["password"].error_text() == "密码强度不够：至少 8 位"


def test_a_person_logs_in_by_phone(qtbot, window, agent):
    reg, _ = agent
    login(qtbot, window, AccountKind.PERSONAL, reg.phone)
    home = wait_page(qtbot, window, "homePage")
    assert child(home, "identityName").text() == reg.name
    assert child(home, "applyPersonalTile", QToolButton).isVisible()
    assert home.findChild(QToolButton, "applyUnitTile") is None
    assert window.inbox_panel.current_phone() == reg.phone

    click(qtbot, child(window.current(), "logoutButton", QPushButton))
    login_page = wait_page(qtbot, window, "loginPage")
    assert login_page.tabs.currentIndex() == 1  # back on 个人登录
    assert window.session is None


def test_a_wrong_password_is_shown_next_to_the_field(qtbot, window, company):
    reg, _ = company
    form = login(qtbot, window, AccountKind.LEGAL, reg.uscc, "Wrong2026pass")
    qtbot.waitUntil(lambda: form.password.error_text() != "", timeout=10000)
    assert form.password.error_text() == "账号或密码错误"
    assert form.password.error.isVisible()
    assert window.current().objectName() == "loginPage"
    type_text(qtbot, form.password, PASSWORD)
    assert form.password.error_text() == ""
    click(qtbot, form.login_button)
    wait_page(qtbot, window, "homePage")


def test_certificates_detail_and_seal(qtbot, window, services, company, portrait):
    reg, s = company
    op = services.review.operator_session()
    issued = apply(
        services,
        s,
        kind=CertKind.UNIT,
        method=Method.FACE,
        handler=Handler.LEGAL_PERSON,
        legal_phone=reg.legal_person_phone,
        portrait=portrait,
    )
    services.review.approve(op, issued)
    reviewing = apply(
        services,
        s,
        kind=CertKind.LEGAL_REP,
        method=Method.FACE,
        handler=Handler.LEGAL_PERSON,
        legal_phone=reg.legal_person_phone,
        portrait=portrait,
    )
    rejected = apply(
        services,
        s,
        kind=CertKind.LEGAL_REP,
        method=Method.FACE,
        handler=Handler.LEGAL_PERSON,
        legal_phone=reg.legal_person_phone,
        portrait=portrait,
    )
    services.review.reject(op, rejected, "营业执照照片不清晰")
    del reviewing

    login(qtbot, window, AccountKind.LEGAL, reg.uscc)
    home = wait_page(qtbot, window, "homePage")
    click(qtbot, child(home, "certsTile", QToolButton))
    page = wait_page(qtbot, window, "certListPage")
    qtbot.waitUntil(lambda: page.loaded, timeout=10000)
    rows = {r.row.status: r for r in page.findChildren(CertRow)}
    assert set(rows) == {CertStatus.NORMAL, CertStatus.REVIEWING, CertStatus.INVALID}
    assert rows[CertStatus.NORMAL].badge.text() == "正常"
    assert "北京数字认证股份有限公司" in child(rows[CertStatus.REVIEWING], "certRowNote").text()
    assert "营业执照照片不清晰" in child(rows[CertStatus.INVALID], "certRowNote").text()
    assert rows[CertStatus.INVALID].continue_button is not None  # 继续 on 已失效
    assert rows[CertStatus.NORMAL].continue_button is None

    qtbot.mouseClick(rows[CertStatus.NORMAL], Qt.MouseButton.LeftButton)
    detail = wait_page(qtbot, window, "certDetailPage")
    qtbot.waitUntil(lambda: detail.detail is not None, timeout=10000)
    assert window.top_bar.title.text() == "证书详情"
    assert detail.values["issuer"].text() == "北京数字认证股份有限公司"
    assert detail.values["kind"].text() == "企业数字证书"
    assert detail.values["notAfter"].text().endswith("23:59:59")
    assert detail.values["serial"].text().replace("\u200b", "") == detail.detail.serial_hex
    assert detail.badge.text() == "正常"
    seal = detail.seal_images["official"]
    assert seal.pixmap() is not None and not seal.pixmap().isNull()
    assert seal.accessibleName() == "公章"

    click(qtbot, window.top_bar.back)
    wait_page(qtbot, window, "certListPage")


def test_the_inbox_shows_the_sms_code(qtbot, window, services, company, portrait):
    reg, s = company
    apply(
        services,
        s,
        kind=CertKind.UNIT,
        method=Method.FACE,
        handler=Handler.LEGAL_PERSON,
        legal_phone=reg.legal_person_phone,
        portrait=portrait,
    )
    code = last_code(services, reg.legal_person_phone)
    click(qtbot, window.top_bar.inbox)
    panel = window.inbox_panel
    panel.phone.setFocus()
    qtbot.keyClicks(panel.phone.lineEdit(), reg.legal_person_phone)
    qtbot.waitUntil(lambda: len(panel.cards) >= 2, timeout=10000)
    newest = panel.cards[0]
    assert isinstance(newest, MessageCard) and newest.message.code == code
    assert child(newest, "inboxCode").text() == code
    ids = [c.message.id for c in panel.cards]
    assert ids == sorted(ids, reverse=True)  # newest first
    assert panel.cards[-1].message.title == "电子营业执照"

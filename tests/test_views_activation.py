"""证书下载 / 激活 through the real widgets: from 证书详情 (wrong SMS code, mismatched and weak
passwords explained next to their fields, nothing entered lost), an interrupted download
completed on entering, and 扫一扫's first-use prompt → 继续 → (choose) → activation. On the QA
kit (mobileca_desktop.testing): its demo company, client windows on device profiles and
page objects to reach each page; what the page shows is checked on its widgets."""

from __future__ import annotations

import pytest
from conftest import last_code
from PySide6.QtWidgets import QDialog, QPushButton, QToolButton
from qt_support import child, click, settle, type_text, wait_page

from mobileca_desktop.domain.models import CertKind
from mobileca_desktop.views.activation_page import ActivationPage
from mobileca_desktop.views.cert_detail_page import CertDetailPage

T = 15000
CERT_PASSWORD = "Zhengshu#2026"


def login_legal(mca_client):
    """The demo company logged in on its computer (``client.keys``: the device's keys)."""
    client = mca_client("legal-pc")
    client.login_page().log_in_as_company()
    return client


def open_detail(client, kind: CertKind = CertKind.UNIT) -> CertDetailPage:
    """From 首页: 证书管理 → the row of ``kind`` → 证书详情 (the page widget, loaded)."""
    from mobileca_desktop.testing.pages import HomePage

    certs = HomePage(client).open_certificates()
    row = next(r for r in certs.rows() if r.kind is kind)
    return row.open().widget


def ready_form(qtbot, window) -> ActivationPage:
    page = wait_page(qtbot, window, "activationPage")
    qtbot.waitUntil(lambda: page.loaded and page.activate_button.isEnabled(), timeout=T)
    return page


def request_code(qtbot, services, page: ActivationPage, phone: str) -> str:
    before = len([m for m in services.inbox.messages(phone) if m.code])
    click(qtbot, page.code_button)
    qtbot.waitUntil(lambda: "验证码已发送" in page.sent.text(), timeout=T)
    assert len([m for m in services.inbox.messages(phone) if m.code]) == before + 1
    assert page.code_button.text().endswith("秒") and not page.code_button.isEnabled()
    return last_code(services, phone)


def fill(qtbot, page: ActivationPage, code: str, password: str, again: str) -> None:
    type_text(qtbot, page.sms, code)
    type_text(qtbot, page.passwords.password, password)
    type_text(qtbot, page.passwords.again, again)


def test_download_from_the_detail_page(qtbot, mca_client, mca_world):
    reg, services = mca_world.demo.company, mca_world.services
    cid = mca_world.approved_certificate()
    client = login_legal(mca_client)
    window, device = client.window, client.keys
    detail = open_detail(client)
    assert "本机尚未下载" in detail.device_state.text()
    assert "加密证书的序列号" in child(detail, "serialNote").text()
    assert not detail.buttons["passwordButton"].isEnabled()  # nothing to change yet
    click(qtbot, detail.buttons["downloadButton"])

    page = ready_form(qtbot, window)
    assert window.top_bar.title.text() == "证书下载"
    assert child(page, "activationSubject").text() == reg.name
    code = request_code(qtbot, services, page, reg.legal_person_phone)

    # A wrong SMS code: said next to the code field, with the tries left; nothing lost.
    wrong = "000000" if code != "000000" else "111111"
    fill(qtbot, page, wrong, CERT_PASSWORD, CERT_PASSWORD)
    click(qtbot, page.activate_button)
    qtbot.waitUntil(lambda: page.sms.error_text() != "", timeout=T)
    assert page.sms.error_text() == "验证码错误，还可尝试 4 次"
    assert page.passwords.password.edit.text() == CERT_PASSWORD
    assert device.keystore.state(cid) == "absent"

    # Mismatched passwords: next to the second field, before anything is sent.
    type_text(qtbot, page.sms, code)
    type_text(qtbot, page.passwords.again, CERT_PASSWORD + "x")
    click(qtbot, page.activate_button)
    assert page.passwords.again.error_text() == "两次输入的密码不一致"
    assert page.sms.value() == code
    # A weak password: next to the first field, with what to fix; the meter says 弱.
    type_text(qtbot, page.passwords.password, "12345678")
    assert child(page, "strengthLevel").text() == "强度：弱"
    click(qtbot, page.activate_button)
    assert "密码强度不够" in page.passwords.password.error_text()
    assert "连续序列" in page.passwords.password.error_text()
    settle(qtbot)
    assert device.keystore.state(cid) == "absent"

    type_text(qtbot, page.passwords.password, CERT_PASSWORD)
    assert child(page, "strengthLevel").text() in ("强度：强", "强度：很强")
    type_text(qtbot, page.passwords.again, CERT_PASSWORD)
    click(qtbot, page.activate_button)
    done = child(page, "activationDone")
    qtbot.waitUntil(done.isVisible, timeout=T)
    assert device.keystore.state(cid) == "ready"
    serial = device.keystore.info(cid).device_serial_hex
    assert serial in child(page, "activationDoneText").text().replace("\u200b", "")
    with device.unlock(cid, CERT_PASSWORD):
        pass

    click(qtbot, child(page, "activationDoneButton", QPushButton))
    detail = wait_page(qtbot, window, "certDetailPage")
    qtbot.waitUntil(lambda: "本机已下载此证书" in detail.device_state.text(), timeout=T)
    assert "本机签名证书" in child(detail, "serialNote").text()
    assert detail.values["serial"].text().replace("\u200b", "") == serial
    assert detail.buttons["passwordButton"].isEnabled()
    assert "downloadButton" not in detail.buttons
    settle(qtbot)


def test_an_interrupted_download_completes_on_entering(qtbot, mca_client, mca_world, monkeypatch):
    reg, services = mca_world.demo.company, mca_world.services
    s = mca_world.legal_session()
    cid = mca_world.approved_certificate()
    client = mca_client("legal-pc")
    device = client.keys
    device.request_code(s, cid)
    code = last_code(services, reg.legal_person_phone)
    # The CA issued the certificate, then the client died before storing it.
    with monkeypatch.context() as m:
        m.setattr(device.keystore, "finish_activation", lambda *a: (_ for _ in ()).throw(OSError))
        with pytest.raises(OSError):
            device.activate(s, cid, code, CERT_PASSWORD, CERT_PASSWORD)
    assert device.keystore.state(cid) == "pending"

    client.login_page().log_in_as_company()
    window = client.window
    detail = open_detail(client)
    assert "上次的下载被中断" in detail.device_state.text()
    click(qtbot, detail.buttons["downloadButton"])
    page = wait_page(qtbot, window, "activationPage")
    done = child(page, "activationDone")
    qtbot.waitUntil(done.isVisible, timeout=T)
    assert "上次中断的证书下载已在本机完成" in child(page, "activationDoneText").text()
    assert device.keystore.state(cid) == "ready"
    with device.unlock(cid, CERT_PASSWORD):
        pass
    settle(qtbot)


def visible_dialog(qtbot, window, name: str) -> QDialog:
    def find():
        return next(
            (d for d in window.findChildren(QDialog, name) if d.isVisible()),
            None,
        )

    qtbot.waitUntil(lambda: find() is not None, timeout=T)
    return find()


def test_scan_first_use_prompts_then_downloads(qtbot, mca_client, mca_world):
    reg, services = mca_world.demo.company, mca_world.services
    cid = mca_world.approved_certificate()
    client = login_legal(mca_client)
    window, device = client.window, client.keys
    home = window.current()

    # 取消 leaves the user on the home page.
    click(qtbot, child(home, "scanTile", QToolButton))
    dialog = visible_dialog(qtbot, window, "firstUseDialog")
    assert dialog.heading.text() == "初次使用需要下载安全证书并设置证书密码"
    click(qtbot, dialog.cancel_button)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=T)
    assert window.current() is home

    click(qtbot, child(home, "scanTile", QToolButton))
    dialog = visible_dialog(qtbot, window, "firstUseDialog")
    assert dialog.confirm_button.text() == "继续"
    click(qtbot, dialog.confirm_button)
    page = ready_form(qtbot, window)  # one certificate: no choice to make
    assert page.certificate_id == cid
    code = request_code(qtbot, services, page, reg.legal_person_phone)
    fill(qtbot, page, code, CERT_PASSWORD, CERT_PASSWORD)
    click(qtbot, page.activate_button)
    qtbot.waitUntil(child(page, "activationDone").isVisible, timeout=T)
    button = child(page, "activationDoneButton", QPushButton)
    assert button.text() == "开始扫一扫"
    assert device.keystore.state(cid) == "ready"
    click(qtbot, button)
    wait_page(qtbot, window, "scanPage")
    click(qtbot, window.top_bar.back)  # the scanner closes its source
    wait_page(qtbot, window, "homePage")

    # From now on 扫一扫 opens the scanner at once.
    click(qtbot, child(window.current(), "scanTile", QToolButton))
    wait_page(qtbot, window, "scanPage")
    assert not any(d.isVisible() for d in window.findChildren(QDialog, "firstUseDialog"))
    click(qtbot, window.top_bar.back)
    wait_page(qtbot, window, "homePage")
    settle(qtbot)


def test_scan_first_use_with_two_certificates_asks_which(qtbot, mca_client, mca_world):
    mca_world.approved_certificate(CertKind.UNIT)
    legal_rep = mca_world.approved_certificate(CertKind.LEGAL_REP)
    window = login_legal(mca_client).window
    click(qtbot, child(window.current(), "scanTile", QToolButton))
    dialog = visible_dialog(qtbot, window, "firstUseDialog")
    click(qtbot, dialog.confirm_button)
    chooser = wait_page(qtbot, window, "chooseCertificatePage")
    assert window.top_bar.title.text() == "选择证书"
    assert len(chooser.choices) == 2
    click(qtbot, chooser.choices[legal_rep])
    page = ready_form(qtbot, window)
    assert page.certificate_id == legal_rep
    assert child(page, "activationKind").text() == "法人数字证书"
    # The chooser is gone: back leads home, not to the choice.
    click(qtbot, window.top_bar.back)
    wait_page(qtbot, window, "homePage")
    settle(qtbot)


def test_scan_without_any_certificate_says_what_to_do(qtbot, mca_client):
    window = login_legal(mca_client).window
    click(qtbot, child(window.current(), "scanTile", QToolButton))
    box = visible_dialog(qtbot, window, "scanNoCertificate")
    assert "请先在首页申请证书" in box.text()
    assert window.current().objectName() == "homePage"
    settle(qtbot)


def test_an_agent_downloads_a_granted_certificate(qtbot, mca_client, mca_world):
    reg, services = mca_world.demo.company, mca_world.services
    cid = mca_world.approved_certificate()
    mca_world.grant(cid, days=90)
    client = mca_client("agent-pc")
    client.login_page().log_in_as_agent()
    window, laptop = client.window, client.keys

    detail = open_detail(client)
    assert child(detail, "detailGrantedBy").text() == f"授权人：{reg.name}"
    # Only the owner manages the certificate: the agent has no 更新 / 变更 / 吊销.
    assert set(detail.buttons) == {"passwordButton", "downloadButton"}
    click(qtbot, detail.buttons["downloadButton"])
    page = ready_form(qtbot, window)
    assert "授权人" in child(page, "activationKind").text()
    code = request_code(qtbot, services, page, reg.legal_person_phone)  # the legal person's
    fill(qtbot, page, code, CERT_PASSWORD, CERT_PASSWORD)
    click(qtbot, page.activate_button)
    qtbot.waitUntil(child(page, "activationDone").isVisible, timeout=T)
    assert laptop.keystore.state(cid) == "ready"
    settle(qtbot)

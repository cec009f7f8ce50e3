"""证书详情's actions through the real widgets: 修改证书密码 (tries left, lock → recovery),
证书更新 then download again, 证书变更 → re-review (审核中), 吊销 with its confirmation, and an
expired certificate's 继续 → 证书更新 after the demo clock moved 400 days. On the QA kit
(mobileca_desktop.testing): its demo company and client window (``client.keys``: the
device); the pages are driven and checked on their widgets."""

from __future__ import annotations

import pytest
from conftest import jpeg_bytes, last_code, pdf_bytes
from helpers_keystore import CERT_PASSWORD, NEW_PASSWORD, approved_certificate, download
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QPushButton, QRadioButton, QToolButton
from qt_support import child, click, settle, type_text, wait_page

from mobileca_desktop.domain.errors import CertificateLocked, WrongPassword
from mobileca_desktop.domain.models import AccountKind, CertStatus, DocKind
from mobileca_desktop.services.wizard import Step
from mobileca_desktop.views.cert_row import CertRow

T = 15000


@pytest.fixture
def legal_pc(mca_client):
    """The demo company's computer, on the login page."""
    return mca_client("legal-pc")


@pytest.fixture
def device(legal_pc):
    """That computer's keys (``DeviceService``)."""
    return legal_pc.keys


@pytest.fixture
def world(mca_world):
    """(the demo company, the services, its login)."""
    return mca_world.demo.company, mca_world.services, mca_world.legal_session()


def login_legal(client):
    client.login_page().log_in_as_company()
    return client.window


def open_list(qtbot, window):
    click(qtbot, child(window.current(), "certsTile", QToolButton))
    certs = wait_page(qtbot, window, "certListPage")
    qtbot.waitUntil(lambda: certs.loaded, timeout=T)
    return certs


def open_detail(qtbot, window, cid: int):
    certs = open_list(qtbot, window)
    row = next(r for r in certs.findChildren(CertRow) if r.row.certificate_id == cid)
    qtbot.mouseClick(row, Qt.MouseButton.LeftButton)
    detail = wait_page(qtbot, window, "certDetailPage")
    qtbot.waitUntil(lambda: detail.loads >= 1, timeout=T)
    return detail


def visible_dialog(qtbot, window, name: str) -> QDialog:
    def find():
        return next((d for d in window.findChildren(QDialog, name) if d.isVisible()), None)

    qtbot.waitUntil(lambda: find() is not None, timeout=T)
    return find()


def activate_in_page(qtbot, services, window, phone: str, password: str = CERT_PASSWORD):
    page = wait_page(qtbot, window, "activationPage")
    qtbot.waitUntil(lambda: page.loaded and page.activate_button.isEnabled(), timeout=T)
    click(qtbot, page.code_button)
    qtbot.waitUntil(lambda: "验证码已发送" in page.sent.text(), timeout=T)
    type_text(qtbot, page.sms, last_code(services, phone))
    type_text(qtbot, page.passwords.password, password)
    type_text(qtbot, page.passwords.again, password)
    click(qtbot, page.activate_button)
    qtbot.waitUntil(child(page, "activationDone").isVisible, timeout=T)
    return page


def status_of(services, s, cid: int) -> CertStatus:
    return services.ca.certificate_detail(s, cid).status


def test_change_password_shows_tries_left(qtbot, world, legal_pc, device):
    reg, services, s = world
    cid = approved_certificate(services, reg, s)
    download(services, device, s, cid, reg.legal_person_phone)
    window = login_legal(legal_pc)
    detail = open_detail(qtbot, window, cid)
    assert "本机已下载此证书" in detail.device_state.text()
    click(qtbot, detail.buttons["passwordButton"])
    page = wait_page(qtbot, window, "changePasswordPage")
    assert window.top_bar.title.text() == "修改证书密码"

    type_text(qtbot, page.old, "Wrong#Pass2026")
    type_text(qtbot, page.new.password, NEW_PASSWORD)
    type_text(qtbot, page.new.again, NEW_PASSWORD)
    click(qtbot, page.submit_button)
    qtbot.waitUntil(lambda: page.old.error_text() != "", timeout=T)
    assert page.old.error_text() == "证书密码错误，本机还可尝试 5 次"
    assert page.new.password.edit.text() == NEW_PASSWORD  # nothing entered is lost

    type_text(qtbot, page.new.again, "Other#Pass2027")
    click(qtbot, page.submit_button)
    assert page.new.again.error_text() == "两次输入的密码不一致"

    type_text(qtbot, page.old, CERT_PASSWORD)
    type_text(qtbot, page.new.again, NEW_PASSWORD)
    click(qtbot, page.submit_button)
    wait_page(qtbot, window, "certDetailPage")
    with device.unlock(cid, NEW_PASSWORD):
        pass
    with pytest.raises(WrongPassword):
        device.unlock(cid, CERT_PASSWORD)
    settle(qtbot)


def test_a_password_changed_in_another_window_meanwhile_is_not_a_success(
    qtbot, world, legal_pc, device, monkeypatch
):
    from mobileca_desktop.keystore import store as store_module
    from mobileca_desktop.keystore.store import Keystore

    reg, services, s = world
    cid = approved_certificate(services, reg, s)
    download(services, device, s, cid, reg.legal_person_phone)
    window = login_legal(legal_pc)
    detail = open_detail(qtbot, window, cid)
    click(qtbot, detail.buttons["passwordButton"])
    page = wait_page(qtbot, window, "changePasswordPage")
    # A second window on the same profile changes the password while this change runs.
    ks = device.keystore
    other = Keystore(ks.folder, ks.device_name, ks.secrets, ks._kdf)
    derive, pending = store_module.derive_kek, [True]

    def meanwhile(*args):
        if pending:
            pending.pop()
            other.change_password(cid, CERT_PASSWORD, "Elsewhere#2027")
        return derive(*args)

    monkeypatch.setattr(store_module, "derive_kek", meanwhile)
    type_text(qtbot, page.old, CERT_PASSWORD)
    type_text(qtbot, page.new.password, NEW_PASSWORD)
    type_text(qtbot, page.new.again, NEW_PASSWORD)
    click(qtbot, page.submit_button)
    qtbot.waitUntil(lambda: page.old.error_text() != "", timeout=T)
    assert page.old.error_text().startswith("证书密码已在其他窗口修改")
    assert window.current() is page  # still here: nothing was said to have succeeded
    assert page.new.password.edit.text() == NEW_PASSWORD
    monkeypatch.undo()
    with pytest.raises(WrongPassword):
        device.unlock(cid, NEW_PASSWORD)
    with device.unlock(cid, "Elsewhere#2027"):
        pass
    settle(qtbot)


def test_a_locked_certificate_is_recovered_by_downloading_again(qtbot, world, legal_pc, device):
    reg, services, s = world
    cid = approved_certificate(services, reg, s)
    download(services, device, s, cid, reg.legal_person_phone)
    for _ in range(5):
        with pytest.raises(WrongPassword):
            device.unlock(cid, "Wrong#Pass2026")
    window = login_legal(legal_pc)
    detail = open_detail(qtbot, window, cid)
    click(qtbot, detail.buttons["passwordButton"])
    page = wait_page(qtbot, window, "changePasswordPage")
    type_text(qtbot, page.old, "Wrong#Pass2026")  # the sixth wrong try locks it
    type_text(qtbot, page.new.password, NEW_PASSWORD)
    type_text(qtbot, page.new.again, NEW_PASSWORD)
    click(qtbot, page.submit_button)
    recovery = child(page, "recoveryCard")
    qtbot.waitUntil(recovery.isVisible, timeout=T)
    assert "已在本机锁定" in page.old.error_text()
    with pytest.raises(CertificateLocked):
        device.unlock(cid, CERT_PASSWORD)

    click(qtbot, child(page, "recoverButton", QPushButton))
    activation = wait_page(qtbot, window, "activationPage")
    qtbot.waitUntil(lambda: activation.loaded, timeout=T)
    assert "已在本机锁定" in child(activation, "activationState").text()
    activate_in_page(qtbot, services, window, reg.legal_person_phone, NEW_PASSWORD)
    click(qtbot, child(activation, "activationDoneButton", QPushButton))
    detail = wait_page(qtbot, window, "certDetailPage")
    with device.unlock(cid, NEW_PASSWORD):
        pass
    settle(qtbot)


def test_renew_then_download_again(qtbot, world, legal_pc, device):
    reg, services, s = world
    cid = approved_certificate(services, reg, s)
    download(services, device, s, cid, reg.legal_person_phone)
    window = login_legal(legal_pc)
    detail = open_detail(qtbot, window, cid)

    click(qtbot, detail.buttons["renewButton"])
    dialog = visible_dialog(qtbot, window, "renewDialog")
    assert "重新下载" in dialog.text()
    click(qtbot, dialog.cancel_button)
    settle(qtbot)
    assert services.ca.certificate_detail(s, cid).successor_id is None

    click(qtbot, detail.buttons["renewButton"])
    dialog = visible_dialog(qtbot, window, "renewDialog")
    click(qtbot, dialog.confirm_button)
    activation = wait_page(qtbot, window, "activationPage")
    new_id = services.ca.certificate_detail(s, cid).successor_id
    assert new_id is not None and activation.certificate_id == new_id
    assert status_of(services, s, cid) is CertStatus.REVOKED  # superseded
    activate_in_page(qtbot, services, window, reg.legal_person_phone)
    click(qtbot, child(activation, "activationDoneButton", QPushButton))
    new_detail = wait_page(qtbot, window, "certDetailPage")
    assert new_detail.certificate_id == new_id
    qtbot.waitUntil(lambda: "本机已下载此证书" in new_detail.device_state.text(), timeout=T)
    assert new_detail.badge.text() == "正常"
    assert device.keystore.state(new_id) == "ready"

    # Back goes to 证书管理 (not to the superseded certificate's page).
    click(qtbot, window.top_bar.back)
    certs = wait_page(qtbot, window, "certListPage")
    qtbot.waitUntil(lambda: certs.loaded, timeout=T)
    by_id = {r.row.certificate_id: r.row.status for r in certs.findChildren(CertRow)}
    assert by_id[new_id] is CertStatus.NORMAL
    settle(qtbot)


def test_change_goes_to_review(qtbot, world, legal_pc, device, tmp_path):
    reg, services, s = world
    cid = approved_certificate(services, reg, s)
    window = login_legal(legal_pc)
    detail = open_detail(qtbot, window, cid)
    click(qtbot, detail.buttons["changeButton"])
    page = wait_page(qtbot, window, "changeCertificatePage")
    assert set(page.fields) == {"company_name", "province", "city"}
    assert page.fields["company_name"].value() == reg.name

    click(qtbot, page.submit_button)  # nothing changed: said next to the first field
    assert page.fields["company_name"].error_text() == "请至少修改一项信息"
    type_text(qtbot, page.fields["company_name"], "山西示例建设集团有限公司")
    click(qtbot, page.submit_button)

    wizard = wait_page(qtbot, window, "wizardPage")
    assert window.top_bar.title.text() == "证书变更"
    qtbot.waitUntil(lambda: wizard.wizard.step is Step.CONFIRM, timeout=T)
    shown = [label.text() for label in wizard.view.values.values()]
    assert "山西示例建设集团有限公司" in shown  # the changed subject is what is confirmed

    def next_step(expected: Step) -> None:
        click(qtbot, wizard.next_button)
        qtbot.waitUntil(lambda: wizard.wizard.step is expected and not wizard.busy, timeout=T)

    next_step(Step.DOCUMENTS)
    files = {
        DocKind.LICENCE: ("licence.pdf", pdf_bytes("营业执照")),
        DocKind.ID_FRONT: ("front.jpg", jpeg_bytes("front")),
        DocKind.ID_BACK: ("back.jpg", jpeg_bytes("back")),
    }
    for kind, (name, data) in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        wizard.view.upload(kind, path)
        qtbot.waitUntil(lambda k=kind: wizard.view.slots[k].doc is not None, timeout=T)
    next_step(Step.SIGN)
    send = child(wizard.view, "smsCodeButton", QPushButton)
    qtbot.waitUntil(lambda: send.isVisible() and send.isEnabled(), timeout=T)  # step shown
    click(qtbot, send)
    qtbot.waitUntil(lambda: child(wizard.view, "smsSent").isVisible(), timeout=T)
    type_text(qtbot, wizard.view.fields["sms_code"], last_code(services, reg.legal_person_phone))
    next_step(Step.SUBMITTED)

    click(qtbot, wizard.next_button)  # 查看证书管理
    certs = wait_page(qtbot, window, "certListPage")
    qtbot.waitUntil(lambda: certs.loaded, timeout=T)
    rows = [r.row for r in certs.findChildren(CertRow)]
    reviewing = [r for r in rows if r.status is CertStatus.REVIEWING]
    assert [r.subject_name for r in reviewing] == ["山西示例建设集团有限公司"]
    # The old certificate stays usable while the reviewer looks.
    assert status_of(services, s, cid) is CertStatus.NORMAL
    settle(qtbot)


def test_revoke_asks_first(qtbot, world, legal_pc, device):
    reg, services, s = world
    cid = approved_certificate(services, reg, s)
    window = login_legal(legal_pc)
    detail = open_detail(qtbot, window, cid)

    click(qtbot, detail.buttons["revokeButton"])
    dialog = visible_dialog(qtbot, window, "revokeDialog")
    assert "不可撤回" in dialog.text() and "解密投标文件" in dialog.text()
    assert dialog.cancel_button.isDefault()  # Enter does not revoke
    click(qtbot, dialog.cancel_button)
    settle(qtbot)
    assert status_of(services, s, cid) is CertStatus.NORMAL
    assert detail.badge.text() == "正常"

    click(qtbot, detail.buttons["revokeButton"])
    dialog = visible_dialog(qtbot, window, "revokeDialog")
    reason = child(dialog, "reason_key_compromise", QRadioButton)
    qtbot.mouseClick(reason, Qt.MouseButton.LeftButton)
    assert reason.isChecked()
    loads = detail.loads
    click(qtbot, dialog.confirm_button)
    qtbot.waitUntil(lambda: detail.loads > loads, timeout=T)
    assert detail.badge.text() == "已吊销"
    assert status_of(services, s, cid) is CertStatus.REVOKED
    for name in ("renewButton", "changeButton", "revokeButton"):
        assert not detail.buttons[name].isEnabled(), name
    assert "downloadButton" not in detail.buttons
    settle(qtbot)


def test_expired_certificate_continue_renews(qtbot, world, legal_pc, device):
    reg, services, s = world
    cid = approved_certificate(services, reg, s)
    services.clock.advance(services.review.operator_session(), 400 * 86400)
    s = services.ca.login(AccountKind.LEGAL, reg.uscc, reg.password)  # the old login expired
    window = login_legal(legal_pc)
    certs = open_list(qtbot, window)
    row = next(r for r in certs.findChildren(CertRow) if r.row.certificate_id == cid)
    assert row.badge.text() == "已过期"
    click(qtbot, row.continue_button)
    dialog = visible_dialog(qtbot, window, "renewDialog")
    assert dialog.heading.text() == "证书已过期，是否进行证书更新？"
    click(qtbot, dialog.confirm_button)
    activation = wait_page(qtbot, window, "activationPage")
    new_id = services.ca.certificate_detail(s, cid).successor_id
    assert activation.certificate_id == new_id
    assert status_of(services, s, new_id) is CertStatus.NORMAL
    activate_in_page(qtbot, services, window, reg.legal_person_phone)
    click(qtbot, child(activation, "activationDoneButton", QPushButton))
    certs = wait_page(qtbot, window, "certListPage")
    qtbot.waitUntil(
        lambda: any(r.row.certificate_id == new_id for r in certs.findChildren(CertRow)),
        timeout=T,
    )
    new_row = next(r for r in certs.findChildren(CertRow) if r.row.certificate_id == new_id)
    assert new_row.badge.text() == "正常"
    assert device.keystore.state(new_id) == "ready"
    settle(qtbot)

"""证书新办 through the real wizard pages: a legal person applies for a unit certificate by
face, uploads the documents, signs with the SMS code, and sees 审核中 in 证书管理."""

from __future__ import annotations

import pytest
from conftest import PASSWORD, jpeg_bytes, last_code, pdf_bytes
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QRadioButton, QToolButton
from qt_support import child, click, open_window, settle, type_text, wait_page

from mobileca_desktop.domain.models import AccountKind, AppState, CertStatus, DocKind
from mobileca_desktop.services.wizard import Step
from mobileca_desktop.views.cert_row import CertRow


@pytest.fixture
def home(qtbot, services, company):
    reg, _ = company
    window = open_window(qtbot, services)
    page = wait_page(qtbot, window, "loginPage")
    form = page.form(AccountKind.LEGAL)
    type_text(qtbot, form.login_name, reg.uscc)
    type_text(qtbot, form.password, PASSWORD)
    click(qtbot, form.login_button)
    wait_page(qtbot, window, "homePage")
    yield window
    settle(qtbot)


def next_step(qtbot, page, expected: Step) -> None:
    click(qtbot, page.next_button)
    qtbot.waitUntil(lambda: page.wizard.step is expected and not page.busy, timeout=15000)


def choose(qtbot, page, object_name: str) -> None:
    qtbot.waitUntil(lambda: page.view.findChild(QRadioButton, object_name) is not None)
    button = child(page.view, object_name, QRadioButton)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert button.isChecked()


def test_apply_for_a_unit_certificate_by_face(qtbot, home, services, company, portrait, tmp_path):
    reg, _ = company
    window = home
    click(qtbot, child(window.current(), "applyUnitTile", QToolButton))
    page = wait_page(qtbot, window, "wizardPage")
    assert window.top_bar.title.text() == "申请单位证书"
    assert child(page, "wizardHeading").text() == "选择 CA 机构"

    click(qtbot, page.next_button)  # nothing chosen: said in the banner, no step lost
    qtbot.waitUntil(lambda: page.banner.isVisible(), timeout=10000)
    assert page.banner.text() == "请选择 CA 机构"
    choose(qtbot, page, "institution_bjca")
    next_step(qtbot, page, Step.METHOD)
    choose(qtbot, page, "method_face")
    next_step(qtbot, page, Step.HANDLER)
    choose(qtbot, page, "handler_legal_person")
    next_step(qtbot, page, Step.VERIFY)
    assert "法人刷脸" in page.heading.text()

    # 上一步 and forward again: the choices are still made.
    click(qtbot, page.back_button)
    assert page.wizard.step is Step.HANDLER
    assert child(page.view, "handler_legal_person", QRadioButton).isChecked()
    next_step(qtbot, page, Step.VERIFY)

    photo = tmp_path / "face.png"
    photo.write_bytes(portrait)
    page.view.load_photo(photo)  # what 选择照片 does with the chosen file
    qtbot.waitUntil(lambda: page.wizard.data.face_photo == portrait, timeout=10000)
    assert not child(page.view, "facePreview").pixmap().isNull()
    next_step(qtbot, page, Step.CONFIRM)
    assert "山西示例建设工程有限公司" in page.view.values["证书主体"].text()
    next_step(qtbot, page, Step.DOCUMENTS)

    bad = tmp_path / "notes.txt"
    bad.write_text("not an image")
    files = {
        DocKind.LICENCE: ("licence.pdf", pdf_bytes("营业执照")),
        DocKind.ID_FRONT: ("front.jpg", jpeg_bytes("front")),
        DocKind.ID_BACK: ("back.jpg", jpeg_bytes("back")),
    }
    assert set(page.view.slots) == set(files)
    page.view.upload(DocKind.ID_FRONT, bad)  # an unsupported file: said on its slot
    qtbot.waitUntil(lambda: child(page.view.slots[DocKind.ID_FRONT], "docError").isVisible())
    assert "不是可读取的" in child(page.view.slots[DocKind.ID_FRONT], "docError").text()
    for kind, (name, data) in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        page.view.upload(kind, path)
        qtbot.waitUntil(lambda k=kind: page.view.slots[k].doc is not None, timeout=10000)
    assert "已上传：front.jpg" in child(page.view.slots[DocKind.ID_FRONT], "docState").text()
    next_step(qtbot, page, Step.SIGN)
    assert page.next_button.text() == "提交"

    click(qtbot, child(page.view, "smsCodeButton", QPushButton))
    qtbot.waitUntil(lambda: child(page.view, "smsSent").isVisible(), timeout=10000)
    code = last_code(services, reg.legal_person_phone)
    wrong = "000000" if code != "000000" else "111111"
    type_text(qtbot, page.view.fields["sms_code"], wrong)
    click(qtbot, page.next_button)
    field = page.view.fields["sms_code"]
    qtbot.waitUntil(lambda: field.error_text() != "", timeout=10000)
    assert field.error_text() == "验证码错误，还可尝试 4 次"
    assert page.wizard.step is Step.SIGN
    type_text(qtbot, page.view.fields["sms_code"], code)
    next_step(qtbot, page, Step.SUBMITTED)
    assert page.wizard.application.state is AppState.SUBMITTED
    qtbot.waitUntil(
        lambda: "北京数字认证股份有限公司" in child(page.view, "institutionContact").text(),
        timeout=10000,
    )

    click(qtbot, page.next_button)  # 查看证书管理
    certs = wait_page(qtbot, window, "certListPage")
    qtbot.waitUntil(lambda: certs.loaded, timeout=10000)
    (row,) = certs.findChildren(CertRow)
    assert row.row.status is CertStatus.REVIEWING and row.badge.text() == "审核中"
    click(qtbot, window.top_bar.back)
    wait_page(qtbot, window, "homePage")

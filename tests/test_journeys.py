"""Whole journeys through the application wizard (证书新办), driven through the real widgets
as a user would: register and log in, apply for each kind of certificate by each
verification method (法人本人 and 经办人), upload, sign with the SMS code, reject → 继续 →
resubmit, approve, and leave and come back to a draft.

They run on the QA kit (mobileca_desktop.testing): its throw-away CA with the demo company,
its client windows on guarded services (any call on the GUI thread fails the test) and its
reviewer; the steps are taken on the widgets by hand, to check what each screen says. Codes,
the e-licence and the deposit amount are read from the 手机收件箱 panel; the test calls
services directly only for what happens elsewhere (the CA reviewer) and to know which inbox
messages are new. The file dialog is the only thing replaced: ``Files`` answers it with the
file a user picks.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
from conftest import PASSWORD, jpeg_bytes, pdf_bytes
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QToolButton,
)
from qt_support import WAIT_MS, child, click, type_text, wait_page

from mobileca_desktop.cacli.demo import DEMO_BANK
from mobileca_desktop.domain.models import (
    AccountKind,
    AppState,
    CertKind,
    CertStatus,
    DocKind,
    MessageKind,
)
from mobileca_desktop.services.wizard import Step
from mobileca_desktop.testing import pages
from mobileca_desktop.views.cert_row import CertRow
from mobileca_desktop.views.message_card import MessageCard

WAIT = WAIT_MS


# --- fixtures ---------------------------------------------------------------------------------


class Files:
    """The file dialog, answered with the file the user picks (``pick``); what it was asked
    (caption, filter) is kept to check the dialog offered the right kinds of file."""

    def __init__(self, monkeypatch, folder: Path) -> None:
        self.folder = folder
        self.picked: Path | None = None
        self.asked: list[tuple[str, str]] = []
        monkeypatch.setattr(QFileDialog, "getOpenFileName", self._dialog)

    def write(self, name: str, data: bytes) -> Path:
        path = self.folder / name
        path.write_bytes(data)
        return path

    def pick(self, path: Path) -> None:
        self.picked = path

    def _dialog(self, _parent=None, caption="", _directory="", file_filter="", *_a, **_k):
        self.asked.append((caption, file_filter))
        path, self.picked = self.picked, None
        return (str(path) if path else "", file_filter)


@pytest.fixture
def files(monkeypatch, tmp_path) -> Files:
    folder = tmp_path / "files"
    folder.mkdir()
    return Files(monkeypatch, folder)


@pytest.fixture
def webcam(tmp_path, portrait) -> Path:
    """The webcam of the client: a file frame source showing the portrait."""
    camera = tmp_path / "webcam.png"
    camera.write_bytes(portrait)
    return camera


# --- what a user does -------------------------------------------------------------------------


def start_wizard(qtbot, window, tile: str, title: str):
    click(qtbot, child(window.current(), tile, QToolButton))
    page = wait_page(qtbot, window, "wizardPage")
    assert window.top_bar.title.text() == title
    return page


def choose(qtbot, page, object_name: str) -> None:
    def ready() -> bool:
        button = page.view.findChild(QRadioButton, object_name)
        return button is not None and button.isVisible()

    qtbot.waitUntil(ready, timeout=WAIT)  # institutions arrive from the service
    button = child(page.view, object_name, QRadioButton)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert button.isChecked()


def checked(page, object_name: str) -> bool:
    return child(page.view, object_name, QRadioButton).isChecked()


def shown(page, step: Step) -> bool:
    """The page shows ``step``: its view is on screen (a view added to the page's layout is
    shown at the next turn of the event loop) and nothing is running."""
    return page.wizard.step is step and not page.busy and page.view.isVisible()


def next_step(qtbot, page, expected: Step) -> None:
    click(qtbot, page.next_button)
    qtbot.waitUntil(lambda: shown(page, expected), timeout=WAIT)


def back_step(qtbot, page, expected: Step) -> None:
    click(qtbot, page.back_button)
    qtbot.waitUntil(lambda: shown(page, expected), timeout=WAIT)


def refused(qtbot, page, step: Step) -> None:
    """下一步 that must not move on: the page stays, the answer is on screen."""
    click(qtbot, page.next_button)
    qtbot.waitUntil(lambda: not page.busy, timeout=WAIT)
    assert page.wizard.step is step


def banner_after_next(qtbot, page, step: Step) -> str:
    refused(qtbot, page, step)
    qtbot.waitUntil(page.banner.isVisible, timeout=WAIT)
    return page.banner.text()


def error_after_next(qtbot, page, step: Step, field: str) -> str:
    refused(qtbot, page, step)
    qtbot.waitUntil(lambda: page.view.fields[field].error_text() != "", timeout=WAIT)
    return page.view.fields[field].error_text()


def shows(widget, text: str) -> bool:
    """Some label of ``widget`` says ``text`` (for labels without an objectName)."""
    return any(text in label.text() for label in widget.findChildren(QLabel))


def last_id(services, phone: str) -> int:
    """The newest message id of a phone so far: what comes after is new."""
    return max((m.id for m in services.inbox.messages(phone)), default=0)


def phone_message(client, phone: str, after: int = 0, pick=lambda m: True) -> MessageCard:
    """The 手机收件箱 window beside the client on ``phone`` (the kit's ``PhoneInbox``): the
    newest message newer than ``after`` that ``pick`` accepts, once on screen; its card."""
    return client.phone_inbox(phone).wait_message(after, pick).widget


def press(qtbot, button) -> None:
    """Clicks a button once it is on screen (widgets a page adds to a shown layout appear at
    the next turn of the event loop)."""
    qtbot.waitUntil(button.isVisible, timeout=WAIT)
    click(qtbot, button)


def choose_file(qtbot, page, files: Files, kind: DocKind, path: Path) -> None:
    """选择文件 / 替换 on a slot of 上传证件, the file picked in the dialog."""
    files.pick(path)
    press(qtbot, child(page.view.slots[kind], "chooseDocButton", QPushButton))
    qtbot.waitUntil(lambda: not page.busy, timeout=WAIT)


def drop_file(qtbot, page, kind: DocKind, path: Path) -> None:
    """A file dragged from the file manager and dropped onto a slot."""
    slot = page.view.slots[kind]
    qtbot.waitUntil(slot.isVisible, timeout=WAIT)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    pos = slot.rect().center()
    args = (
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with warnings.catch_warnings():  # PySide6 marks the only (QPoint) constructor deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(pos, *args)
    QApplication.sendEvent(slot, enter)
    assert enter.isAccepted()  # the slot takes files
    QApplication.sendEvent(slot, QDropEvent(QPointF(pos), *args))
    assert page.busy  # the upload started
    qtbot.waitUntil(lambda: not page.busy, timeout=WAIT)


def uploaded(page, kind: DocKind) -> str | None:
    doc = page.view.slots[kind].doc
    return doc.filename if doc else None


def upload_documents(qtbot, page, files: Files, kinds: list[DocKind]) -> None:
    samples = {
        DocKind.LICENCE: ("licence.pdf", pdf_bytes("营业执照")),
        DocKind.ID_FRONT: ("front.jpg", jpeg_bytes("front")),
        DocKind.ID_BACK: ("back.jpg", jpeg_bytes("back")),
    }
    assert set(page.view.slots) == set(kinds)
    for kind in kinds:
        name, data = samples[kind]
        choose_file(qtbot, page, files, kind, files.write(name, data))
        qtbot.waitUntil(lambda k=kind, n=name: uploaded(page, k) == n, timeout=WAIT)


def face_by_camera(qtbot, page) -> None:
    """打开摄像头 (the configured file frame source), 拍照 once a frame is shown."""
    view = page.view
    click(qtbot, child(view, "startCameraButton", QPushButton))
    assert "webcam.png" in child(view, "faceCameraNote").text()
    capture = child(view, "captureFaceButton", QPushButton)
    qtbot.waitUntil(capture.isEnabled, timeout=WAIT)
    click(qtbot, capture)
    qtbot.waitUntil(lambda: page.wizard.data.face_photo is not None, timeout=WAIT)
    assert not child(view, "facePreview").pixmap().isNull()


def request_sms(qtbot, client, services, page, phone: str) -> str:
    """获取验证码, then the code as the signer's phone shows it."""
    after = last_id(services, phone)
    click(qtbot, child(page.view, "smsCodeButton", QPushButton))
    qtbot.waitUntil(lambda: child(page.view, "smsSent").isVisible(), timeout=WAIT)
    card = phone_message(client, phone, after, lambda m: "电子签名" in m.body)
    return child(card, "inboxCode", QLabel).text()


def submit(qtbot, client, services, page, phone: str, institution: str, wrong_first=False):
    """Signs on 短信验证码电子签名 and submits; ends on 已提交 with the institution's contact."""
    code = request_sms(qtbot, client, services, page, phone)
    if wrong_first:
        wrong = "000000" if code != "000000" else "111111"
        type_text(qtbot, page.view.fields["sms_code"], wrong)
        text = error_after_next(qtbot, page, Step.SIGN, "sms_code")
        assert text == "验证码错误，还可尝试 4 次"
        assert page.wizard.application.state is AppState.DRAFT
    type_text(qtbot, page.view.fields["sms_code"], code)
    assert page.view.fields["sms_code"].error_text() == ""
    next_step(qtbot, page, Step.SUBMITTED)
    assert page.wizard.application.state is AppState.SUBMITTED
    assert child(page.view, "submittedHeading").text() == "证书申请材料已提交"
    qtbot.waitUntil(
        lambda: institution in child(page.view, "institutionContact").text(), timeout=WAIT
    )
    assert page.next_button.text() == "查看证书管理"


def kit_certificates(client) -> list[CertRow]:
    """证书管理 through the QA kit's page objects (from 已提交's 查看证书管理, or back to 首页
    and its tile), the rows' widgets once loaded."""
    window = client.window
    if window.current().objectName() == "wizardPage":
        click(client.qtbot, window.current().next_button)
        certs = pages.CertListPage(client)
    else:
        page = client.page()
        while page.object_name != "homePage":
            page = page.back()
        certs = page.open_certificates()
    return [row.widget for row in certs.rows()]


def home(qtbot, window):
    while window.current().objectName() != "homePage":
        click(qtbot, window.top_bar.back)
    return window.current()


# --- the journeys -----------------------------------------------------------------------------


def test_a_person_registers_logs_in_and_applies_for_a_personal_certificate(
    qtbot, mca_client, mca_world, webcam, people, files
):
    # On the QA kit: its CA and window (the webcam shows the portrait); the widgets by hand.
    services = mca_world.services
    client = mca_client("person-pc", camera=webcam)
    window = client.window
    login_page = client.login_page().widget
    qtbot.mouseClick(
        login_page.tabs, Qt.MouseButton.LeftButton, pos=login_page.tabs.tabRect(1).center()
    )
    click(qtbot, login_page.form(AccountKind.PERSONAL).register_button)
    register = wait_page(qtbot, window, "registerPersonalPage")
    phone = people.phone()
    for name, text in (
        ("name", "赵晓梅"),
        ("id_number", people.id_number(1992)),
        ("phone", phone),
        ("password", PASSWORD),
        ("password_again", PASSWORD),
    ):
        type_text(qtbot, register.fields[name], text)
    click(qtbot, register.submit_button)
    login_page = wait_page(qtbot, window, "loginPage")
    assert window.toast.text() == "注册成功，请登录"
    assert login_page.tabs.currentIndex() == 1  # 个人登录
    form = login_page.form(AccountKind.PERSONAL)
    assert form.login_name.value() == phone
    type_text(qtbot, form.password, PASSWORD)
    click(qtbot, form.login_button)
    home_page = wait_page(qtbot, window, "homePage")
    assert child(home_page, "identityName").text() == "赵晓梅"

    page = start_wizard(qtbot, window, "applyPersonalTile", "申请个人证书")
    assert page.progress.text() == "第 1 / 6 步"  # no method, handler or agent pages
    choose(qtbot, page, "institution_sxca")
    next_step(qtbot, page, Step.VERIFY)
    assert page.heading.text() == "身份核验 · 本人刷脸"
    assert shows(page.view, "申请人本人正面免冠")  # not the legal person's wording
    assert banner_after_next(qtbot, page, Step.VERIFY) == "请拍照或选择照片"
    face_by_camera(qtbot, page)
    next_step(qtbot, page, Step.CONFIRM)
    values = page.view.values
    assert values["证书类型"].text() == "个人数字证书"
    assert values["证书主体"].text() == "赵晓梅"
    assert values["核验方式"].text().endswith("（已通过）")
    qtbot.waitUntil(lambda: values["CA 机构"].text() == "山西省数字证书认证中心", timeout=WAIT)
    assert "办理人员" not in values
    next_step(qtbot, page, Step.DOCUMENTS)

    assert set(page.view.slots) == {DocKind.ID_FRONT, DocKind.ID_BACK}
    choose_file(qtbot, page, files, DocKind.ID_FRONT, files.write("front.png", jpeg_bytes("f")))
    qtbot.waitUntil(lambda: uploaded(page, DocKind.ID_FRONT) == "front.png", timeout=WAIT)
    assert files.asked[-1][1] == "图片 (*.jpg *.jpeg *.png)"
    drop_file(qtbot, page, DocKind.ID_BACK, files.write("back.jpg", jpeg_bytes("back")))
    qtbot.waitUntil(lambda: uploaded(page, DocKind.ID_BACK) == "back.jpg", timeout=WAIT)
    assert "已上传：front.png" in child(page.view.slots[DocKind.ID_FRONT], "docState").text()
    next_step(qtbot, page, Step.SIGN)
    assert "申请人" in child(page.view, "signHint").text()

    submit(qtbot, client, services, page, phone, "山西省数字证书认证中心")
    (row,) = kit_certificates(client)
    assert row.row.status is CertStatus.REVIEWING and row.badge.text() == "审核中"
    note = child(row, "certRowNote").text()
    assert "山西省数字证书认证中心" in note and "0351-0000102" in note
    assert row.continue_button is None


def test_a_legal_representative_certificate_by_the_e_licence(qtbot, mca_client, mca_world, files):
    # On the QA kit (mobileca_desktop.testing): its demo CA, window and page objects.
    services, reg = mca_world.services, mca_world.demo.company
    client = mca_client("legal-pc")
    window = client.window
    client.login_page().log_in_as_company()
    page = start_wizard(qtbot, window, "applyLegalRepTile", "申请法定代表人证书")
    choose(qtbot, page, "institution_cfca")
    next_step(qtbot, page, Step.METHOD)
    choose(qtbot, page, "method_elicence")
    next_step(qtbot, page, Step.HANDLER)
    assert shows(page.view, "核验方式：电子营业执照")
    choose(qtbot, page, "handler_legal_person")
    next_step(qtbot, page, Step.VERIFY)
    assert page.heading.text() == "身份核验 · 电子营业执照"
    text_box = child(page.view, "elicenceText", QPlainTextEdit)

    # A QR text that is not a genuine e-licence: said in the banner, the text kept.
    text_box.setFocus()
    qtbot.keyClicks(text_box, "SXEL1.forged.text")
    assert banner_after_next(qtbot, page, Step.VERIFY) == (
        "电子营业执照核验未通过：不是有效的电子营业执照"
    )
    assert page.view.elicence.toPlainText() == "SXEL1.forged.text"

    # The licence on the legal person's phone: 复制二维码内容, then paste it on the page.
    card = phone_message(
        client,
        reg.legal_person_phone,
        pick=lambda m: m.kind is MessageKind.ELICENCE and bool(m.attachment),
    )
    click(qtbot, child(card, "copyAttachment", QPushButton))
    text_box = child(page.view, "elicenceText", QPlainTextEdit)
    text_box.setFocus()
    text_box.selectAll()
    qtbot.keyClick(text_box, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert text_box.toPlainText() == card.message.attachment
    next_step(qtbot, page, Step.CONFIRM)
    values = page.view.values
    assert values["证书类型"].text() == "法人数字证书"
    assert values["核验方式"].text() == "电子营业执照（已通过）"
    assert values["办理人员"].text() == "法人本人"
    next_step(qtbot, page, Step.DOCUMENTS)
    upload_documents(qtbot, page, files, [DocKind.LICENCE, DocKind.ID_FRONT, DocKind.ID_BACK])
    assert files.asked[0][1] == "营业执照 (*.pdf *.jpg *.jpeg *.png)"  # the licence may be a PDF
    next_step(qtbot, page, Step.SIGN)
    assert "法定代表人" in child(page.view, "signHint").text()
    submit(qtbot, client, services, page, reg.legal_person_phone, "中金金融认证中心有限公司")
    (row,) = kit_certificates(client)
    assert row.row.status is CertStatus.REVIEWING and row.row.kind is CertKind.LEGAL_REP
    assert "400-000-0103" in child(row, "certRowNote").text()


def test_a_unit_certificate_by_deposit_with_an_agent_rejected_continued_and_approved(
    qtbot, mca_client, mca_world, mca_reviewer, people, files
):
    # On the QA kit (mobileca_desktop.testing): its demo CA, window, reviewer and page objects.
    services, reg = mca_world.services, mca_world.demo.company
    client = mca_client("legal-pc")
    window = client.window
    client.login_page().log_in_as_company()
    page = start_wizard(qtbot, window, "applyUnitTile", "申请单位证书")
    choose(qtbot, page, "institution_bjca")
    next_step(qtbot, page, Step.METHOD)
    choose(qtbot, page, "method_deposit")
    next_step(qtbot, page, Step.HANDLER)
    choose(qtbot, page, "handler_agent")
    next_step(qtbot, page, Step.AGENT)
    assert page.progress.text() == "第 4 / 10 步"

    # 经办人信息: what is missing or wrong is said next to its field.
    fields = page.view.fields
    assert error_after_next(qtbot, page, Step.AGENT, "agent_name") == "经办人姓名填写有误：必填"
    agent_phone = people.phone()
    type_text(qtbot, fields["agent_name"], "李经办")
    type_text(qtbot, fields["agent_id_number"], reg.legal_person_id_number)
    type_text(qtbot, fields["agent_phone"], agent_phone)
    assert fields["agent_name"].error_text() == ""  # typing cleared it
    assert error_after_next(qtbot, page, Step.AGENT, "agent_id_number") == (
        "经办人身份证号填写有误：法定代表人本人办理请选择“法人本人”"
    )
    assert fields["agent_name"].value() == "李经办"  # nothing entered is lost
    type_text(qtbot, fields["agent_id_number"], people.id_number(1990))
    next_step(qtbot, page, Step.VERIFY)
    assert page.heading.text() == "身份核验 · 对公打款"

    # 对公打款: start it, read the bank's notice, one wrong amount, then the right one.
    amount = page.view.fields["deposit_amount"]
    assert amount.isHidden()
    after = last_id(services, reg.legal_person_phone)
    press(qtbot, child(page.view, "startDepositButton", QPushButton))
    qtbot.waitUntil(lambda: amount.isVisible() and not page.busy, timeout=WAIT)
    status = child(page.view, "verifyStatus").text()
    assert DEMO_BANK in status and "剩余 3 次" in status
    notice = phone_message(
        client, reg.legal_person_phone, after, lambda m: m.kind is MessageKind.DEPOSIT
    )
    body = notice.message.body
    right = re.search(r"收到转账 (\d+\.\d\d) 元", body).group(1)
    auth_code = child(notice, "inboxCode", QLabel).text()
    assert f"授权码{auth_code}" in body  # the 授权码 rides in the memo line
    wrong = "0.99" if right != "0.99" else "0.98"
    type_text(qtbot, amount, wrong)
    assert error_after_next(qtbot, page, Step.VERIFY, "deposit_amount") == (
        "对公打款核验未通过：金额不正确，还可尝试 2 次"
    )
    assert amount.value() == wrong
    type_text(qtbot, amount, right)
    next_step(qtbot, page, Step.AUTH_CODE)

    assert "对公账户入账通知" in child(page.view, "authCodeHint").text()
    type_text(qtbot, page.view.fields["auth_code"], auth_code)
    next_step(qtbot, page, Step.CONFIRM)
    values = page.view.values
    assert values["核验方式"].text() == "对公打款（已通过）"
    assert values["办理人员"].text().startswith("经办人：李经办（")
    assert agent_phone[-4:] in values["办理人员"].text()
    next_step(qtbot, page, Step.DOCUMENTS)
    upload_documents(qtbot, page, files, [DocKind.LICENCE, DocKind.ID_FRONT, DocKind.ID_BACK])
    next_step(qtbot, page, Step.SIGN)
    assert "经办人 李经办" in child(page.view, "signHint").text()

    # The agent signs: the code goes to the agent's phone; a wrong one first.
    submit(qtbot, client, services, page, agent_phone, "北京数字认证股份有限公司", wrong_first=True)
    app_id = page.wizard.application.id
    (row,) = kit_certificates(client)
    assert row.row.status is CertStatus.REVIEWING and row.badge.text() == "审核中"
    assert "北京数字认证股份有限公司，电话 400-000-0101" in child(row, "certRowNote").text()

    # The reviewer refuses it (elsewhere, off the GUI): 已失效 with the reason, and 继续.
    mca_reviewer.reject(app_id, "身份证人像面照片不清晰")
    (row,) = kit_certificates(client)
    assert row.row.status is CertStatus.INVALID and row.badge.text() == "已失效"
    assert "身份证人像面照片不清晰" in child(row, "certRowNote").text()
    press(qtbot, row.continue_button)

    # The wizard resumes with everything entered: at the signature, the agent still there.
    page = wait_page(qtbot, window, "wizardPage")
    qtbot.waitUntil(lambda: shown(page, Step.SIGN), timeout=WAIT)
    assert page.wizard.application.id == app_id
    assert page.wizard.application.state is AppState.DRAFT
    assert "经办人 李经办" in child(page.view, "signHint").text()
    back_step(qtbot, page, Step.DOCUMENTS)
    assert uploaded(page, DocKind.LICENCE) == "licence.pdf"
    assert uploaded(page, DocKind.ID_BACK) == "back.jpg"
    choose_file(qtbot, page, files, DocKind.ID_FRONT, files.write("front-2.jpg", jpeg_bytes("F")))
    qtbot.waitUntil(lambda: uploaded(page, DocKind.ID_FRONT) == "front-2.jpg", timeout=WAIT)
    back_step(qtbot, page, Step.CONFIRM)
    assert page.view.values["核验方式"].text() == "对公打款（已通过）"
    back_step(qtbot, page, Step.AUTH_CODE)
    back_step(qtbot, page, Step.VERIFY)
    assert "核验已通过" in child(page.view, "verifyStatus").text()
    back_step(qtbot, page, Step.AGENT)
    assert page.view.fields["agent_name"].value() == "李经办"
    back_step(qtbot, page, Step.HANDLER)
    assert checked(page, "handler_agent")
    for step in (Step.AGENT, Step.VERIFY, Step.AUTH_CODE, Step.CONFIRM, Step.DOCUMENTS, Step.SIGN):
        next_step(qtbot, page, step)
    submit(qtbot, client, services, page, agent_phone, "北京数字认证股份有限公司")
    (row,) = kit_certificates(client)
    assert row.row.status is CertStatus.REVIEWING

    # Approved: 正常.
    mca_reviewer.approve(app_id)
    (row,) = kit_certificates(client)
    assert row.row.status is CertStatus.NORMAL and row.badge.text() == "正常"
    assert row.row.certificate_id is not None and row.continue_button is None


def test_a_unit_certificate_by_letter_and_what_can_go_wrong_uploading(
    qtbot, mca_client, mca_world, mca_reviewer, files
):
    # On the QA kit: its demo CA, window and reviewer; the file dialog answered by ``files``.
    services, reg = mca_world.services, mca_world.demo.company
    client = mca_client("legal-pc")
    window = client.window
    client.login_page().log_in_as_company()
    page = start_wizard(qtbot, window, "applyUnitTile", "申请单位证书")
    choose(qtbot, page, "institution_gdca")
    next_step(qtbot, page, Step.METHOD)
    choose(qtbot, page, "method_letter")
    next_step(qtbot, page, Step.HANDLER)
    choose(qtbot, page, "handler_legal_person")
    next_step(qtbot, page, Step.VERIFY)
    assert page.heading.text() == "身份核验 · 上传授权书"
    assert banner_after_next(qtbot, page, Step.VERIFY) == "请上传授权书"

    # The letter is uploaded, then waits for the CA institution.
    letter = files.write("授权书.pdf", pdf_bytes("授权书 盖章"))
    files.pick(letter)
    press(qtbot, child(page.view, "chooseLetterButton", QPushButton))
    status = child(page.view, "verifyStatus")
    qtbot.waitUntil(lambda: status.text() == "授权书已上传，等待 CA 机构审核。", timeout=WAIT)
    assert files.asked[-1] == ("选择授权书", "授权书 (*.pdf *.jpg *.jpeg *.png)")
    assert banner_after_next(qtbot, page, Step.VERIFY) == "请先等待 CA 机构审核授权书"

    mca_reviewer.accept_letter(page.wizard.application.id)  # the reviewer, off the GUI
    press(qtbot, child(page.view, "refreshButton", QPushButton))
    qtbot.waitUntil(
        lambda: status.text() == "授权书已通过 CA 机构审核，请点击下一步。", timeout=WAIT
    )
    next_step(qtbot, page, Step.CONFIRM)
    assert page.view.values["核验方式"].text() == "上传授权书（已通过）"
    next_step(qtbot, page, Step.DOCUMENTS)

    # 上传证件: from file, replace, remove, and a file that is not what it says.
    upload_documents(qtbot, page, files, [DocKind.LICENCE, DocKind.ID_FRONT, DocKind.ID_BACK])
    slot = page.view.slots[DocKind.LICENCE]
    assert child(slot, "chooseDocButton", QPushButton).text() == "替换"
    assert slot.thumb.text() == "PDF"
    choose_file(qtbot, page, files, DocKind.LICENCE, files.write("执照.jpg", jpeg_bytes("L")))
    qtbot.waitUntil(lambda: uploaded(page, DocKind.LICENCE) == "执照.jpg", timeout=WAIT)
    assert not page.view.slots[DocKind.LICENCE].thumb.pixmap().isNull()  # an image preview

    press(qtbot, child(page.view.slots[DocKind.ID_BACK], "removeDocButton", QPushButton))
    qtbot.waitUntil(lambda: uploaded(page, DocKind.ID_BACK) is None and not page.busy)
    back_slot = page.view.slots[DocKind.ID_BACK]
    assert child(back_slot, "docState").text().startswith("未上传")
    assert child(back_slot, "removeDocButton", QPushButton).isHidden()
    assert banner_after_next(qtbot, page, Step.DOCUMENTS) == "请先上传身份证国徽面"

    fake = files.write("back.jpg", b"just some notes, not a picture\n")
    choose_file(qtbot, page, files, DocKind.ID_BACK, fake)
    error = child(page.view.slots[DocKind.ID_BACK], "docError")
    qtbot.waitUntil(error.isVisible, timeout=WAIT)
    assert error.text() == "文件“back.jpg”不是可读取的 JPG、PNG 或 PDF"
    assert uploaded(page, DocKind.ID_BACK) is None
    assert uploaded(page, DocKind.LICENCE) == "执照.jpg"  # nothing else lost
    assert uploaded(page, DocKind.ID_FRONT) == "front.jpg"
    assert not page.banner.isVisible()

    choose_file(qtbot, page, files, DocKind.ID_BACK, files.write("back-ok.jpg", jpeg_bytes("B")))
    qtbot.waitUntil(lambda: uploaded(page, DocKind.ID_BACK) == "back-ok.jpg", timeout=WAIT)
    assert not child(page.view.slots[DocKind.ID_BACK], "docError").isVisible()
    docs = {d.kind: d.filename for d in page.wizard.application.documents}
    assert docs[DocKind.LETTER] == "授权书.pdf"
    assert docs[DocKind.LICENCE] == "执照.jpg" and docs[DocKind.ID_BACK] == "back-ok.jpg"
    next_step(qtbot, page, Step.SIGN)
    submit(qtbot, client, services, page, reg.legal_person_phone, "数安时代科技股份有限公司")
    (row,) = kit_certificates(client)
    assert row.row.status is CertStatus.REVIEWING
    assert "400-000-0104" in child(row, "certRowNote").text()


def test_back_forward_and_a_new_window_keep_the_draft(qtbot, mca_client, mca_world, webcam, people):
    # On the QA kit: the program is closed and started again on the same computer.
    services, reg = mca_world.services, mca_world.demo.company
    client = mca_client("legal-pc", camera=webcam)
    window = client.window
    client.login_page().log_in_as_company()
    page = start_wizard(qtbot, window, "applyUnitTile", "申请单位证书")
    choose(qtbot, page, "institution_sxca")
    next_step(qtbot, page, Step.METHOD)
    choose(qtbot, page, "method_face")
    next_step(qtbot, page, Step.HANDLER)
    choose(qtbot, page, "handler_agent")
    next_step(qtbot, page, Step.AGENT)
    agent = {
        "agent_name": "孙代办",
        "agent_id_number": people.id_number(1988),
        "agent_phone": people.phone(),
    }
    for name, value in agent.items():
        type_text(qtbot, page.view.fields[name], value)

    # 上一步 (the button, then the top bar's <) and forward again: all still entered.
    back_step(qtbot, page, Step.HANDLER)
    assert checked(page, "handler_agent")
    click(qtbot, window.top_bar.back)
    qtbot.waitUntil(lambda: shown(page, Step.METHOD), timeout=WAIT)
    assert window.current() is page
    assert checked(page, "method_face")
    back_step(qtbot, page, Step.INSTITUTION)
    qtbot.waitUntil(  # the institutions are loaded again, the chosen one checked
        lambda: page.view.findChild(QRadioButton, "institution_sxca") is not None, timeout=WAIT
    )
    assert checked(page, "institution_sxca")
    assert not page.back_button.isVisible()  # the first page
    for step in (Step.METHOD, Step.HANDLER, Step.AGENT):
        next_step(qtbot, page, step)
    assert {n: page.view.fields[n].value() for n in agent} == agent
    next_step(qtbot, page, Step.VERIFY)
    assert page.heading.text() == "身份核验 · 法人刷脸"
    app_id = page.wizard.application.id

    # The window is closed mid-wizard; the app is started again.
    client.close()
    client = mca_client("legal-pc", camera=webcam)
    window = client.window
    client.login_page().log_in_as_company()
    click(qtbot, child(window.current(), "applyUnitTile", QToolButton))
    page = wait_page(qtbot, window, "wizardPage")
    assert window.toast.text() == "继续办理尚未提交的申请"
    qtbot.waitUntil(lambda: shown(page, Step.VERIFY), timeout=WAIT)
    assert page.wizard.application.id == app_id
    assert page.heading.text() == "身份核验 · 法人刷脸"
    back_step(qtbot, page, Step.AGENT)
    assert page.view.fields["agent_name"].value() == "孙代办"
    assert page.view.fields["agent_phone"].value()[-4:] == agent["agent_phone"][-4:]
    back_step(qtbot, page, Step.HANDLER)
    assert checked(page, "handler_agent")
    back_step(qtbot, page, Step.METHOD)
    assert checked(page, "method_face")
    for step in (Step.HANDLER, Step.AGENT, Step.VERIFY):
        next_step(qtbot, page, step)

    # 法人刷脸 from the camera (a file frame source), then the 授权码 by SMS.
    after = last_id(services, reg.legal_person_phone)
    face_by_camera(qtbot, page)
    next_step(qtbot, page, Step.AUTH_CODE)
    assert "短信" in child(page.view, "authCodeHint").text()
    card = phone_message(client, reg.legal_person_phone, after, lambda m: m.title == "授权码")
    assert "孙代办" in card.message.body
    code = child(card, "inboxCode", QLabel).text()
    wrong = "000000" if code != "000000" else "111111"
    type_text(qtbot, page.view.fields["auth_code"], wrong)
    assert error_after_next(qtbot, page, Step.AUTH_CODE, "auth_code").startswith("验证码错误")
    type_text(qtbot, page.view.fields["auth_code"], code)
    next_step(qtbot, page, Step.CONFIRM)
    assert page.view.values["办理人员"].text().startswith("经办人：孙代办")

    # Closed again at 信息确认: the next window resumes there.
    client.close()
    client = mca_client("legal-pc", camera=webcam)
    window = client.window
    client.login_page().log_in_as_company()
    click(qtbot, child(window.current(), "applyUnitTile", QToolButton))
    page = wait_page(qtbot, window, "wizardPage")
    qtbot.waitUntil(lambda: shown(page, Step.CONFIRM), timeout=WAIT)
    assert page.wizard.application.id == app_id
    assert page.view.values["核验方式"].text() == "法人刷脸（已通过）"
    # A 法定代表人证书 is another kind: no draft of it, it starts afresh.
    home(qtbot, window)
    page = start_wizard(qtbot, window, "applyLegalRepTile", "申请法定代表人证书")
    assert page.wizard.application is None and page.wizard.step is Step.INSTITUTION

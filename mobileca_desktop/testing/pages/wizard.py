"""The application wizard (证书新办)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from mobileca_desktop.testing.pages.base import PageObject
from mobileca_desktop.testing.pages.certificates import CertListPage

# --- the application wizard (证书新办) ----------------------------------------------------------


class WizardPage(PageObject):
    """申请…证书: one page whose step view changes (``step``: ``services.wizard.Step``)."""

    object_name = "wizardPage"

    def ready(self) -> None:
        self.client.wait_until(self._shown, "the wizard's step")

    def _shown(self) -> bool:
        page = self.widget
        return not page.busy and page.view is not None and page.view.isVisible()

    @property
    def step(self) -> Any:
        return self.widget.wizard.step

    @property
    def heading(self) -> str:
        return self.widget.heading.text()

    @property
    def banner(self) -> str:
        banner = self.widget.banner
        return banner.text() if banner.isVisible() else ""

    @property
    def application_id(self) -> int | None:
        app = self.widget.wizard.application
        return app.id if app is not None else None

    def choose(self, object_name: str) -> WizardPage:
        """A choice of the step (``institution_bjca``, ``method_deposit``,
        ``handler_legal_person``...), once the step's data are shown."""
        from PySide6.QtWidgets import QRadioButton

        self.client.wait_until(
            lambda: any(
                b.isVisible() for b in self.widget.view.findChildren(QRadioButton, object_name)
            ),
            lambda: f"the choice {object_name!r} (the wizard is on {self.heading})",
        )
        button = self.widget.view.findChild(QRadioButton, object_name)
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert button.isChecked(), object_name
        self.client.pace()
        return self

    def fill(self, field: str, text: str) -> WizardPage:
        """Types into the step's field ``field`` (``agent_name``, ``deposit_amount``...)."""
        self.type(self.widget.view.fields[field], text)
        return self

    def field_error(self, field: str) -> str:
        return self.widget.view.fields[field].error_text()

    def next(self, expected: Any = None) -> WizardPage:
        """下一步: waits for the next step (``expected``, when given) and fails with what the
        page says when it does not move on."""
        before = self.step
        self.click(self.widget.next_button)
        self.client.wait_until(lambda: not self.widget.busy, "下一步")
        if self.step is before and expected is not before:
            errors = [f"{n}: {f.error_text()}" for n, f in self._fields() if f.error_text()]
            raise AssertionError(f"下一步 refused on {before}: {self.banner or errors}")
        self.ready()
        if expected is not None and self.step is not expected:
            raise AssertionError(f"下一步 went to {self.step}, not {expected}")
        return self

    def back(self) -> PageObject:
        """The top bar's back (<): a step back while there is one (this page object), else
        out of the wizard."""
        if not self.widget.wizard.can_go_back:
            return super().back()
        before = self.step
        self.click(self.client.top_bar_button("backButton"))
        self.client.wait_until(lambda: self.step is not before and self._shown(), "a step back")
        return self

    def previous(self) -> WizardPage:
        """上一步 (the page's own button)."""
        before = self.step
        self.click(self.widget.back_button)
        self.client.wait_until(lambda: self.step is not before and self._shown(), "上一步")
        return self

    def _fields(self) -> list[tuple[str, Any]]:
        return list(getattr(self.widget.view, "fields", {}).items())

    def start_deposit(self) -> str:
        """对公打款: 发起打款; returns the amount the bank's notice on the phone says."""
        world = self.client.world
        number = world.demo.company.legal_person_phone
        self.click(self.find("startDepositButton"))
        amount = self.widget.view.fields["deposit_amount"]
        self.client.wait_until(lambda: amount.isVisible() and not self.widget.busy, "打款")
        return world.phone.deposit_amount(number)

    def upload(self, kind: Any, path: Any) -> WizardPage:
        """上传证件: ``path`` dragged from the file manager and dropped onto the slot of
        ``kind`` (a ``DocKind``); waits for the upload."""
        import warnings

        from PySide6.QtCore import QMimeData, QPointF, QUrl
        from PySide6.QtGui import QDragEnterEvent, QDropEvent

        slot = self.widget.view.slots[kind]
        self.client.wait_until(slot.isVisible, f"the slot {kind}")
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        pos = slot.rect().center()
        args = (
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        with warnings.catch_warnings():  # PySide6 marks the (QPoint) constructor deprecated
            warnings.simplefilter("ignore", DeprecationWarning)
            enter = QDragEnterEvent(pos, *args)
        QApplication.sendEvent(slot, enter)
        assert enter.isAccepted(), f"the slot {kind} refused the drag"
        QApplication.sendEvent(slot, QDropEvent(QPointF(pos), *args))
        self._wait_uploaded(kind, str(getattr(path, "name", path)))
        return self

    def _wait_uploaded(self, kind: Any, name: str) -> None:
        def uploaded() -> bool:  # the step view may be rebuilt: look the slot up again
            doc = self.widget.view.slots[kind].doc
            return not self.widget.busy and doc is not None and doc.filename == name

        self.client.wait_until(uploaded, f"{name} uploaded")
        self.client.pace()

    # --- 办理人员 and 身份核验, as the handbook goes -------------------------------------------

    def handled_by_legal_person(self) -> WizardPage:
        """办理人员: 法人本人, 下一步."""
        return self.choose("handler_legal_person").next()

    def handled_by_agent(self, agent: Any = None) -> WizardPage:
        """办理人员: 经办人 (the demo agent by default: ``.name``, ``.id_number``, ``.phone``),
        下一步, the agent's details typed on 经办人信息, 下一步."""
        agent = agent or self.client.world.demo.agent
        self.choose("handler_agent").next()
        self.fill("agent_name", agent.name).fill("agent_id_number", agent.id_number)
        return self.fill("agent_phone", agent.phone).next()

    def _legal_phone(self) -> str:
        number = self.client.world.demo.company.legal_person_phone
        self.client.phones_seen.add(number)
        return number

    def _mark(self) -> int:
        return self.client.world.phone.last_id(self._legal_phone())

    def next_past_auth_code(self, after: int = 0) -> WizardPage:
        """下一步 after a passed check; with an 经办人 the 授权码 step follows: the code the
        legal person's phone got after message ``after`` (by SMS, or in the 对公打款 notice's
        memo line), 下一步."""
        from mobileca_desktop.services.wizard import Step

        self.next()
        if self.step is Step.AUTH_CODE:
            code = self.client.world.phone.last_code(self._legal_phone(), after)
            self.fill("auth_code", code).next()
        return self

    def verify_by_deposit(self) -> WizardPage:
        """对公打款: 发起打款, the amount from the bank's notice, 下一步 (and the 授权码)."""
        amount = self.start_deposit()
        return self.fill("deposit_amount", amount).next_past_auth_code()

    def verify_by_face(self, portrait: bytes) -> WizardPage:
        """法人刷脸 / 本人刷脸: the webcam shows ``portrait`` (a photo with one face), 打开摄像头,
        拍照, 下一步 (and the 授权码). Needs the kit's picture camera (``client.camera``)."""
        camera = self.client.camera
        assert camera is not None, (
            "刷脸 needs the kit's picture webcam (mca_client without camera=)"
        )
        camera.show(portrait, side=480)
        after = self._mark()
        self.click("startCameraButton")
        self.click("captureFaceButton")
        preview = self.find("facePreview")
        self.client.wait_until(lambda: not preview.pixmap().isNull(), "the photo (拍照)")
        return self.next_past_auth_code(after)

    def choose_photo(self, path: Any) -> WizardPage:
        """法人刷脸 / 本人刷脸 from a photo file: 选择照片, ``path`` picked in the file dialog;
        waits for the preview (the photo is checked when 下一步 is pressed)."""
        with self.client.file_dialog_answers(path):
            self.click("choosePhotoButton")
        preview = self.find("facePreview")
        self.client.wait_until(
            lambda: not self.widget.busy and not preview.pixmap().isNull(), "the photo (选择照片)"
        )
        self.client.pace()
        return self

    def verify_by_elicence(self) -> WizardPage:
        """电子营业执照: the licence's QR text from the legal person's phone (复制二维码内容)
        pasted on the page, 下一步 (and the 授权码)."""
        from mobileca_desktop.domain.models import MessageKind

        number = self._legal_phone()
        licences = [
            m
            for m in self.client.world.phone.messages(number)
            if m.kind is MessageKind.ELICENCE and m.attachment
        ]
        assert licences, "no 电子营业执照 on the legal person's phone"
        after = self._mark()
        self.type(self.find("elicenceText"), licences[0].attachment or "")
        return self.next_past_auth_code(after)

    def upload_letter(self, path: Any) -> WizardPage:
        """上传授权书: 选择授权书文件, the file ``path`` picked: 授权书已上传，等待 CA 机构审核。"""
        with self.client.file_dialog_answers(path):
            self.click("chooseLetterButton")
            status = self.find("verifyStatus")
            self.client.wait_until(
                lambda: status.text() == "授权书已上传，等待 CA 机构审核。", "授权书已上传"
            )
        return self

    def letter_accepted(self) -> WizardPage:
        """The CA institution accepts the letter (``mca_reviewer``, off the GUI); 刷新审核状态,
        下一步 (and the 授权码)."""
        app_id = self.application_id
        assert app_id is not None, "no 授权书 was uploaded"
        after = self._mark()  # an 经办人's 授权码 may be sent as the letter is accepted
        self.client.world.reviewer.accept_letter(app_id)
        self.click("refreshButton")
        status = self.find("verifyStatus")
        self.client.wait_until(
            lambda: status.text() == "授权书已通过 CA 机构审核，请点击下一步。", "授权书已通过"
        )
        return self.next_past_auth_code(after)

    def choose_file(self, kind: Any, path: Any) -> WizardPage:
        """上传证件: 选择文件 on the slot of ``kind`` (a ``DocKind``), ``path`` picked in the
        file dialog; waits for the upload."""
        from PySide6.QtWidgets import QAbstractButton

        slot = self.widget.view.slots[kind]
        button = slot.findChild(QAbstractButton, "chooseDocButton")
        with self.client.file_dialog_answers(path):
            self.click(button)
        self._wait_uploaded(kind, str(getattr(path, "name", path)))
        return self

    def _slot_label(self, kind: Any, name: str) -> Any:
        from PySide6.QtWidgets import QLabel

        found = self.widget.view.slots[kind].findChild(QLabel, name)  # the view may be rebuilt
        return found if found is not None and found.isVisible() else None

    def document_state(self, kind: Any) -> str:
        """What the slot of ``kind`` (a ``DocKind``) says of its document (已上传：…)."""
        label = self._slot_label(kind, "docState")
        return label.text() if label is not None else ""

    def choose_file_refused(self, kind: Any, path: Any) -> str:
        """选择文件 on the slot of ``kind`` with a file it must refuse (``path`` picked in the
        file dialog): returns the error shown on the slot."""
        from PySide6.QtWidgets import QAbstractButton

        button = self.widget.view.slots[kind].findChild(QAbstractButton, "chooseDocButton")
        with self.client.file_dialog_answers(path):
            self.click(button)
        self.client.wait_until(
            lambda: not self.widget.busy and self._slot_label(kind, "docError") is not None,
            f"the error on the slot {kind}",
        )
        return self._slot_label(kind, "docError").text()

    def upload_samples(self, folder: Any) -> WizardPage:
        """上传证件: a sample of each document the step asks for (营业执照 PDF, 身份证 photos),
        written into ``folder`` and dropped onto its slot, 下一步."""
        from pathlib import Path

        from mobileca_desktop.testing.world import sample_jpeg, sample_pdf

        samples = {"licence": ("营业执照.pdf", sample_pdf("营业执照")),
                   "id_front": ("身份证人像面.jpg", sample_jpeg("front")),
                   "id_back": ("身份证国徽面.jpg", sample_jpeg("back"))}  # fmt: skip
        for kind in list(self.widget.view.slots):
            name, data = samples[str(getattr(kind, "value", kind))]
            path = Path(folder) / name
            path.write_bytes(data)
            self.upload(kind, path)
        return self.next()

    def sign(self, number: str | None = None) -> WizardPage:
        """短信验证码电子签名: 获取验证码, the code from the signer's phone (the legal person's
        by default), 下一步: 已提交."""
        from mobileca_desktop.services.wizard import Step

        world = self.client.world
        number = number or world.demo.company.legal_person_phone
        after = world.phone.last_id(number)
        self.click(self.find("smsCodeButton"))
        self.client.wait_until(lambda: bool(self.find_all("smsSent")), "验证码已发送")
        self.client.phones_seen.add(number)
        self.fill("sms_code", world.phone.last_code(number, after))
        return self.next(Step.SUBMITTED)

    def view_certificates(self) -> CertListPage:
        """已提交's 查看证书管理."""
        self.click(self.widget.next_button)
        return CertListPage(self.client)

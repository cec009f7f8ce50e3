"""The chosen method's page: 法人刷脸 (a photo), 电子营业执照 (the QR text), 对公打款 (start,
then the amount), 上传授权书 (the letter, then the CA institution's acceptance)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton

from mobileca_desktop.domain.errors import VerificationFailed
from mobileca_desktop.domain.models import (
    CertKind,
    DepositNotice,
    Method,
    VerificationState,
)
from mobileca_desktop.views import messages
from mobileca_desktop.views.background import BackgroundOp
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.form_field import FormField
from mobileca_desktop.views.format import text_of
from mobileca_desktop.views.theme import set_role
from mobileca_desktop.views.wizard.step_view import StepView

IMAGE_FILTER = "图片 (*.jpg *.jpeg *.png)"
LETTER_FILTER = "授权书 (*.pdf *.jpg *.jpeg *.png)"


class VerifyStep(StepView):
    aliases: ClassVar[dict[str, str]] = {"amount": "deposit_amount"}

    def __init__(self, page) -> None:
        super().__init__(page)
        app = self.wizard.application
        assert app is not None and app.method is not None
        self.method = app.method
        personal = app.kind is CertKind.PERSONAL
        title = "本人刷脸" if personal and self.method is Method.FACE else text_of(self.method)
        page.heading.setText(f"身份核验 · {title}")
        self.card = Card(spacing=10)
        self.box.addWidget(self.card)
        self.status = set_role(QLabel(), "banner")
        self.status.setObjectName("verifyStatus")
        self.status.setWordWrap(True)
        self.status.hide()
        self.box.addWidget(self.status)
        if self.wizard.verified:
            self._say("核验已通过，请点击下一步。")
        getattr(self, f"_build_{self.method.value}")()

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def _button(self, object_name: str, text: str, slot) -> QPushButton:
        button = set_role(QPushButton(text), "small")
        button.setObjectName(object_name)
        button.setAccessibleName(text)
        button.clicked.connect(slot)
        row = QHBoxLayout()
        row.addWidget(button)
        row.addStretch()
        self.card.box.addLayout(row)
        return button

    # --- 法人刷脸 ---------------------------------------------------------------------------

    def _build_face(self) -> None:
        personal = self.wizard.data.kind is CertKind.PERSONAL
        hint = QLabel(
            ("申请人本人" if personal else "法定代表人本人")
            + "正面免冠照片，光线充足，画面中只有一张人脸。"
        )
        hint.setWordWrap(True)
        self.card.box.addWidget(hint)
        self.preview = QLabel("尚未选择照片")
        self.preview.setObjectName("facePreview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumHeight(140)
        self.preview.setStyleSheet("background: #F4F5F7; border-radius: 8px; color: #6B7280;")
        self.card.box.addWidget(self.preview)
        self._button("choosePhotoButton", "选择照片", self._choose_photo)
        camera = set_role(
            QLabel("摄像头拍照将随摄像头功能在后续版本提供，目前请选择照片文件。"), "muted"
        )
        camera.setWordWrap(True)
        self.card.box.addWidget(camera)
        if self.wizard.data.face_photo:
            self._preview(self.wizard.data.face_photo)

    def _choose_photo(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择照片", "", IMAGE_FILTER)
        if path:
            self.load_photo(Path(path))

    def load_photo(self, path: Path) -> None:
        """Reads the photo off the GUI thread; it is checked when 下一步 is pressed."""
        BackgroundOp(self, path.read_bytes, on_success=lambda data: self._photo(path, data)).run()

    def _photo(self, path: Path, data: bytes) -> None:
        self.wizard.data.face_photo, self.wizard.data.face_filename = data, path.name
        self._preview(data)

    def _preview(self, data: bytes) -> None:
        pix = QPixmap()
        if pix.loadFromData(data):
            ratio = self.devicePixelRatioF()
            scaled = pix.scaledToHeight(
                round(160 * ratio), Qt.TransformationMode.SmoothTransformation
            )
            scaled.setDevicePixelRatio(ratio)
            self.preview.setPixmap(scaled)
        else:
            self.preview.setText("无法预览此文件")

    # --- 电子营业执照 -----------------------------------------------------------------------

    def _build_elicence(self) -> None:
        hint = QLabel(
            "请粘贴电子营业执照二维码的内容（在“手机收件箱”的电子营业执照消息中点击"
            "“复制二维码内容”）。扫码识别将随扫码功能在后续版本提供。"
        )
        hint.setWordWrap(True)
        self.card.box.addWidget(hint)
        self.elicence = QPlainTextEdit(self.wizard.data.elicence_text)
        self.elicence.setObjectName("elicenceText")
        self.elicence.setAccessibleName("电子营业执照二维码内容")
        self.elicence.setPlaceholderText("SXEL1.…")
        self.elicence.setFixedHeight(96)
        self.card.box.addWidget(self.elicence)

    # --- 对公打款 ---------------------------------------------------------------------------

    def _build_deposit(self) -> None:
        hint = QLabel(
            "系统将向单位对公账户打一笔 1 元以内的款项。到账后请填写收到的金额，共 3 次机会。"
        )
        hint.setWordWrap(True)
        self.card.box.addWidget(hint)
        self.deposit_button = self._button("startDepositButton", "发起对公打款", self._start)
        self.amount = FormField(
            "deposit_amount",
            "到账金额（元）",
            placeholder="如：0.37",
            value=self.wizard.data.deposit_amount,
            max_length=8,
        )
        self.fields["deposit_amount"] = self.amount
        self.card.box.addWidget(self.amount)
        app = self.wizard.application
        started = app is not None and app.verification is VerificationState.PENDING
        self.amount.setVisible(started)
        if self.wizard.data.deposit is not None:
            self._deposited(self.wizard.data.deposit)
        elif started:
            self._say("已发起对公打款，请查看对公账户入账通知后填写金额。")
        if self.wizard.verified:
            self.deposit_button.hide()
            self.amount.hide()

    def _start(self) -> None:
        self.run(self.wizard.start_deposit, self._deposited)

    def _deposited(self, notice: DepositNotice) -> None:
        self.amount.show()
        self.amount.set_value(self.wizard.data.deposit_amount)
        self.deposit_button.setText("重新打款")
        self._say(
            f"已向 {notice.bank_name} 尾号 {notice.account_masked[-4:]} 的对公账户打款，"
            f"请查看入账通知后填写金额（剩余 {notice.tries_left} 次）。"
        )

    # --- 上传授权书 -------------------------------------------------------------------------

    def _build_letter(self) -> None:
        hint = QLabel("请上传加盖单位公章的授权书（PDF 或图片）。CA 机构审核通过后方可继续。")
        hint.setWordWrap(True)
        self.card.box.addWidget(hint)
        self._button("chooseLetterButton", "选择授权书文件", self._choose_letter)
        self._button("refreshButton", "刷新审核状态", self._refresh)
        self._letter_state()

    def _letter_state(self) -> None:
        if self.wizard.verified:
            self._say("授权书已通过 CA 机构审核，请点击下一步。")
            return
        state = self.wizard.application.verification if self.wizard.application else None
        self._say(
            {
                VerificationState.PENDING: "授权书已上传，等待 CA 机构审核。",
                VerificationState.FAILED: "授权书未通过审核，请重新上传。",
            }.get(state, "")
        )

    def _choose_letter(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择授权书", "", LETTER_FILTER)
        if path:
            self.upload_letter(Path(path))

    def upload_letter(self, path: Path) -> None:
        wizard = self.wizard
        self.run(
            lambda: wizard.upload_letter(path.read_bytes(), path.name),
            lambda _doc: self._letter_state(),
        )

    def _refresh(self) -> None:
        self.run(self.wizard.refresh, lambda _app: self._letter_state())

    # --- writing back -----------------------------------------------------------------------

    def apply(self) -> None:
        if self.method is Method.ELICENCE:
            self.wizard.data.elicence_text = self.elicence.toPlainText().strip()
        elif self.method is Method.DEPOSIT:
            self.wizard.data.deposit_amount = self.amount.value()

    def show_error(self, err: BaseException) -> bool:
        if super().show_error(err):
            return True
        if isinstance(err, VerificationFailed) and self.method is Method.DEPOSIT:
            self.amount.set_error(messages.error_text(err))
            return True
        if self.method is Method.LETTER:
            self._letter_state()
        return False

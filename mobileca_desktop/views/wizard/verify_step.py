"""The chosen method's page: 法人刷脸 (the camera, or a photo), 电子营业执照 (the QR text),
对公打款 (start, then the amount), 上传授权书 (the letter, then the CA institution's
acceptance)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QPlainTextEdit, QPushButton

from mobileca_desktop.domain.errors import VerificationFailed
from mobileca_desktop.domain.models import (
    CertKind,
    DepositNotice,
    Handler,
    Method,
    VerificationState,
)
from mobileca_desktop.views import messages
from mobileca_desktop.views.background import BackgroundOp
from mobileca_desktop.views.camera_view import CameraView, png_of
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.form_field import FormField
from mobileca_desktop.views.format import text_of
from mobileca_desktop.views.scan import sources
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role
from mobileca_desktop.views.wizard.step_view import StepView
from mobileca_desktop.views.words import QT_TRANSLATE_NOOP

IMAGE_FILTER = QT_TRANSLATE_NOOP("VerifyStep", "图片 (*.jpg *.jpeg *.png)")
LETTER_FILTER = QT_TRANSLATE_NOOP("VerifyStep", "授权书 (*.pdf *.jpg *.jpeg *.png)")
FACE_BOX = (0.3, 0.08, 0.4, 0.84)  # where the face goes (fractions of the frame)


class VerifyStep(StepView):
    aliases: ClassVar[dict[str, str]] = {"amount": "deposit_amount"}

    def __init__(self, page) -> None:
        super().__init__(page)
        app = self.wizard.application
        assert app is not None and app.method is not None
        self.method = app.method
        personal = app.kind is CertKind.PERSONAL
        title = (
            self.tr("本人刷脸") if personal and self.method is Method.FACE else text_of(self.method)
        )
        page.heading.setText(self.tr("身份核验 · {title}").format(title=title))
        self.card = Card(spacing=10)
        self.box.addWidget(self.card)
        self.status = set_role(PlainLabel(), "banner")
        self.status.setObjectName("verifyStatus")
        self.status.setWordWrap(True)
        self.status.hide()
        self.box.addWidget(self.status)
        if self.wizard.verified:
            self._say(self.tr("核验已通过，请点击下一步。"))
        BUILD_METHOD[self.method](self)

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
        hint = PlainLabel(
            self.tr("申请人本人正面免冠，光线充足，画面中只有一张人脸。")
            if personal
            else self.tr("法定代表人本人正面免冠，光线充足，画面中只有一张人脸。")
        )
        hint.setWordWrap(True)
        self.card.box.addWidget(hint)
        self.preview = PlainLabel(self.tr("尚未拍照或选择照片"))
        self.preview.setObjectName("facePreview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumHeight(140)
        self.preview.setStyleSheet("background: #F4F5F7; border-radius: 8px; color: #6B7280;")
        self.card.box.addWidget(self.preview)
        # The live camera, shown on 打开摄像头; the face goes in the oval-ish box.
        self.camera = CameraView(self, box=FACE_BOX, fps=12.0)
        self.camera.setObjectName("faceCamera")
        self.camera.setAccessibleName(self.tr("刷脸摄像头预览"))
        self.camera.frame_shown.connect(self._camera_ready)
        self.camera.failed.connect(self._camera_failed)
        self.camera.hide()
        self.card.box.addWidget(self.camera)
        row = QHBoxLayout()
        self.camera_button = self._small(
            "startCameraButton", self.tr("打开摄像头"), self.open_camera
        )
        self.capture_button = set_role(QPushButton(self.tr("拍照")), "primary")
        self.capture_button.setObjectName("captureFaceButton")
        self.capture_button.setAccessibleName(self.tr("拍照"))
        self.capture_button.setMinimumHeight(42)
        self.capture_button.clicked.connect(self.capture)
        self.capture_button.hide()
        self.card.box.addWidget(self.capture_button)  # under the preview, full width
        photo = self._small("choosePhotoButton", self.tr("选择照片"), self._choose_photo)
        row.addWidget(self.camera_button)
        row.addWidget(photo)
        row.addStretch()
        self.card.box.addLayout(row)
        self.camera_note = set_role(PlainLabel(), "muted")
        self.camera_note.setObjectName("faceCameraNote")
        self.camera_note.setWordWrap(True)
        self.camera_note.hide()
        self.card.box.addWidget(self.camera_note)
        if self.wizard.data.face_photo:
            self._preview(self.wizard.data.face_photo)

    def _small(self, object_name: str, text: str, slot) -> QPushButton:
        button = set_role(QPushButton(text), "small")
        button.setObjectName(object_name)
        button.setAccessibleName(text)
        button.clicked.connect(slot)
        return button

    def open_camera(self) -> None:
        """打开摄像头: the configured camera (``--camera``), live, until 拍照."""
        settings = self.page.nav.ctx.settings if self.page.nav.ctx else None
        (spec, label), *_ = sources.configured(settings)
        self.preview.hide()
        self.camera.show()
        self.capture_button.show()
        self.capture_button.setEnabled(False)
        self.camera_note.setText(self.tr("正在使用：{source}").format(source=label))
        self.camera_note.show()
        self.camera.start(sources.opener(spec))

    def _camera_ready(self) -> None:
        self.capture_button.setEnabled(self.camera.running)

    def _camera_failed(self, err: BaseException) -> None:
        self.capture_button.setEnabled(False)
        self.camera_note.setText(
            messages.error_text(err) + self.tr("。也可点击“选择照片”使用照片文件。")
        )

    def capture(self) -> None:
        """拍照: the newest frame becomes the photo (PNG made off the GUI thread)."""
        image = self.camera.snapshot_image()
        if image is None:
            return
        image = image.copy()
        self.camera.stop()
        self.camera.hide()
        self.capture_button.hide()
        self.camera_note.hide()
        self.preview.show()
        BackgroundOp(
            self,
            lambda: png_of(image),
            on_success=lambda data: self._photo_data("camera.png", data),
        ).run()

    def _choose_photo(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择照片"), "", self.tr(IMAGE_FILTER))
        if path:
            self.load_photo(Path(path))

    def load_photo(self, path: Path) -> None:
        """Reads the photo off the GUI thread; it is checked when 下一步 is pressed."""
        if self.camera.running or self.camera.isVisible():
            self.camera.stop()
            self.camera.hide()
            self.capture_button.hide()
            self.camera_note.hide()
            self.preview.show()
        BackgroundOp(
            self, path.read_bytes, on_success=lambda data: self._photo_data(path.name, data)
        ).run()

    def _photo_data(self, name: str, data: bytes) -> None:
        self.wizard.data.face_photo, self.wizard.data.face_filename = data, name
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
            self.preview.setText(self.tr("无法预览此文件"))

    # --- 电子营业执照 -----------------------------------------------------------------------

    def _build_elicence(self) -> None:
        hint = PlainLabel(
            self.tr(
                "请粘贴电子营业执照二维码的内容（在“手机收件箱”的电子营业执照消息中点击"
                "“复制二维码内容”）。"
            )
        )
        hint.setWordWrap(True)
        self.card.box.addWidget(hint)
        self.elicence = QPlainTextEdit(self.wizard.data.elicence_text)
        self.elicence.setObjectName("elicenceText")
        self.elicence.setAccessibleName(self.tr("电子营业执照二维码内容"))
        self.elicence.setPlaceholderText("SXEL1.…")
        self.elicence.setFixedHeight(96)
        self.elicence.setTabChangesFocus(True)  # Tab moves on, as in every other field
        self.card.box.addWidget(self.elicence)

    # --- 对公打款 ---------------------------------------------------------------------------

    def _build_deposit(self) -> None:
        hint = PlainLabel(
            self.tr(
                "系统将向单位对公账户打一笔 1 元以内的款项。到账后请填写收到的金额，共 3 次机会。"
            )
        )
        hint.setWordWrap(True)
        self.card.box.addWidget(hint)
        self.deposit_button = self._button(
            "startDepositButton", self.tr("发起对公打款"), self._start
        )
        self.amount = FormField(
            "deposit_amount",
            self.tr("到账金额（元）"),
            placeholder=self.tr("如：0.37"),
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
            self._say(self.tr("已发起对公打款，请查看对公账户入账通知后填写金额。"))
        if self.wizard.verified:
            self.deposit_button.hide()
            self.amount.hide()

    def _start(self) -> None:
        self.run(self.wizard.start_deposit, self._deposited)

    def _deposited(self, notice: DepositNotice) -> None:
        self.amount.show()
        self.amount.set_value(self.wizard.data.deposit_amount)
        self.deposit_button.setText(self.tr("重新打款"))
        text = self.tr(
            "已向 {bank} 尾号 {tail} 的对公账户打款，请查看入账通知后填写金额（剩余 {left} 次）。"
        ).format(
            bank=notice.bank_name,
            tail=notice.account_masked[-4:],
            left=notice.tries_left,
        )
        if self.wizard.data.handler is Handler.AGENT:
            text += self.tr("此处填写到账金额；附言中的授权码在下一步填写。")
        self._say(text)

    # --- 上传授权书 -------------------------------------------------------------------------

    def _build_letter(self) -> None:
        hint = PlainLabel(
            self.tr("请上传加盖单位公章的授权书（PDF 或图片）。CA 机构审核通过后方可继续。")
        )
        hint.setWordWrap(True)
        self.card.box.addWidget(hint)
        self._button("chooseLetterButton", self.tr("选择授权书文件"), self._choose_letter)
        self._button("refreshButton", self.tr("刷新审核状态"), self._refresh)
        self._letter_state()

    def _letter_state(self) -> None:
        if self.wizard.verified:
            self._say(self.tr("授权书已通过 CA 机构审核，请点击下一步。"))
            return
        state = self.wizard.application.verification if self.wizard.application else None
        words = {
            VerificationState.PENDING: self.tr("授权书已上传，等待 CA 机构审核。"),
            VerificationState.FAILED: self.tr("授权书未通过审核，请重新上传。"),
        }
        self._say(words.get(state, "") if state is not None else "")

    def _choose_letter(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("选择授权书"), "", self.tr(LETTER_FILTER)
        )
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


# The page of each verification method (刷脸 / 电子营业执照 / 对公打款 / 授权书), by method.
BUILD_METHOD: dict[Method, Callable[[VerifyStep], None]] = {
    Method.FACE: VerifyStep._build_face,
    Method.ELICENCE: VerifyStep._build_elicence,
    Method.DEPOSIT: VerifyStep._build_deposit,
    Method.LETTER: VerifyStep._build_letter,
}

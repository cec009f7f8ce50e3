"""确认: before anything is signed, who asks (the platform's name, and which browser asked it:
address, browser, system, when), for what (the operation and its details), on which document
(a PDF preview for 扫码签章) and with which certificate; then the certificate password (the
keystore's retry counter applies). When the browser that asked is not at this computer's
address, a warning in plain words stands before the password field (a relayed code)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
)

from mobileca_desktop.domain.errors import CertificateLocked, KeySessionClosed, WrongPassword
from mobileca_desktop.services.scan_api import (
    CertificateChoice,
    Requester,
    ScanOperation,
    ScanPrompt,
)
from mobileca_desktop.views import messages
from mobileca_desktop.views.background import BackgroundOp
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.form_field import FormField
from mobileca_desktop.views.format import display_time
from mobileca_desktop.views.page import Page
from mobileca_desktop.views.scan.labels import confirm_text, operation_text
from mobileca_desktop.views.scan.seal_preview import SealPlacer
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role

if TYPE_CHECKING:
    from mobileca_desktop.views.navigation import Navigator

PDF_HEIGHT = 320
# Rows of the platform's details (in the platform's words) that the page already shows.
SAID_BY_PAGE = frozenset({"平台", "交易平台", "操作"})


class ScanConfirmPage(Page):
    def __init__(self, window: Navigator, prompt: ScanPrompt) -> None:
        super().__init__()
        self.title = self.tr("确认操作")
        self.setObjectName("scanConfirmPage")
        self.nav = window
        self.prompt = prompt
        self.busy = False
        self.values: dict[str, QLabel] = {}
        request = prompt.request

        # Who asks, and for what.
        head = Card(spacing=8)
        asks = set_role(PlainLabel(self.tr("以下交易平台请求使用您的证书")), "muted")
        asks.setWordWrap(True)
        platform = PlainLabel(request.platform_name)
        platform.setObjectName("platformName")
        platform.setWordWrap(True)
        platform.setStyleSheet("font-size: 17px; font-weight: 600;")
        origin = set_role(PlainLabel(request.origin), "muted")
        origin.setObjectName("platformOrigin")
        origin.setWordWrap(True)
        origin.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        head.box.addWidget(asks)
        head.box.addWidget(platform)
        head.box.addWidget(origin)
        self.body.addWidget(head)
        self.body.addWidget(self._requester_card(prompt.requester))

        what = Card(spacing=8)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(8)
        grid.setColumnStretch(1, 1)
        rows: list[tuple[str, str, str]] = [
            ("operation", self.tr("操作"), operation_text(request.operation)),
            ("summary", self.tr("内容"), prompt.summary),
        ]
        # The platform's own rows, less what is already said (its name, the operation).
        said = {label for _n, label, _v in rows} | SAID_BY_PAGE
        rows += [
            (f"detail{i}", label, value)
            for i, (label, value) in enumerate(prompt.details)
            if label not in said and value != request.platform_name
        ]
        rows.append(("expires", self.tr("二维码有效期至"), display_time(request.expires_at)))
        for r, (name, label, value) in enumerate(rows):
            key = set_role(PlainLabel(label), "muted")
            key.setWordWrap(True)
            val = set_role(PlainLabel(value), "value")
            val.setObjectName(f"{name}Value")
            val.setWordWrap(True)
            val.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(key, r, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(val, r, 1)
            self.values[label] = val
        what.box.addLayout(grid)
        self.body.addWidget(what)

        # The document: what you see is what you seal.
        self.pdf: QPdfDocument | None = None
        self.placer: SealPlacer | None = None
        if prompt.document is not None:
            self.body.addWidget(self._document_card(prompt))

        # A relayed code: said in plain words before the password can be typed.
        self.address_warning: QLabel | None = None
        if prompt.requester is not None and not prompt.requester.same_address:
            self.address_warning = self._address_warning(prompt.requester)
            self.body.addWidget(self.address_warning)

        # The certificate, and its password.
        cert_card = Card(spacing=8)
        cert_card.box.addWidget(set_role(PlainLabel(self.tr("使用证书")), "section"))
        self.certificate_combo = QComboBox()
        self.certificate_combo.setObjectName("certificateCombo")
        self.certificate_combo.setAccessibleName(self.tr("使用证书"))
        # A long company name must not widen the page past the window (it is elided).
        self.certificate_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.certificate_combo.setMinimumContentsLength(12)
        for choice in prompt.certificates:
            self.certificate_combo.addItem(self._choice_text(choice), choice.certificate_id)
        self.certificate_combo.setVisible(len(prompt.certificates) > 1)
        self.certificate_label = set_role(PlainLabel(), "value")
        self.certificate_label.setObjectName("certificateLabel")
        self.certificate_label.setWordWrap(True)
        if len(prompt.certificates) == 1:
            self.certificate_label.setText(self._choice_text(prompt.certificates[0]))
        elif not prompt.certificates:
            self.certificate_label.setText(self.tr("本机没有可办理此项操作的证书，请先下载证书"))
            set_role(self.certificate_label, "error")
        self.certificate_label.setVisible(len(prompt.certificates) <= 1)
        cert_card.box.addWidget(self.certificate_combo)
        cert_card.box.addWidget(self.certificate_label)
        self.password = FormField(
            "cert_password",
            self.tr("证书密码"),
            password=True,
            placeholder=self.tr("请输入证书密码"),
        )
        self.password.edit.returnPressed.connect(self.confirm)
        cert_card.box.addWidget(self.password)
        self.body.addWidget(cert_card)

        self.banner = set_role(PlainLabel(), "banner")
        self.banner.setObjectName("confirmBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.body.addWidget(self.banner)

        buttons = QHBoxLayout()
        self.cancel_button = QPushButton(self.tr("取消"))
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setAccessibleName(self.tr("取消"))
        self.cancel_button.setMinimumHeight(42)
        self.cancel_button.clicked.connect(self.cancel)
        label = confirm_text(request.operation)
        self.confirm_button = set_role(QPushButton(label), "primary")
        self.confirm_button.setObjectName("confirmButton")
        self.confirm_button.setAccessibleName(label)
        self.confirm_button.setMinimumHeight(42)
        self.confirm_button.setEnabled(bool(prompt.certificates))
        self.confirm_button.clicked.connect(self.confirm)
        buttons.addWidget(self.cancel_button, 1)
        buttons.addWidget(self.confirm_button, 2)
        self.body.addLayout(buttons)
        note = set_role(PlainLabel(self.tr("确认后将使用本机证书签名并提交给交易平台。")), "muted")
        note.setWordWrap(True)
        self.body.addWidget(note)
        self.body.addStretch()

    def _requester_card(self, who: Requester | None) -> Card:
        """Who asked the platform: the browser's address, browser, system and time, as the
        platform saw them (outside text: shown as plain text)."""
        card = Card(spacing=8)
        card.setObjectName("requesterCard")
        card.box.addWidget(set_role(PlainLabel(self.tr("发起请求的浏览器")), "section"))
        if who is None:
            note = set_role(PlainLabel(), "muted")
            note.setObjectName("requesterUnknown")
            note.setWordWrap(True)
            note.setText(
                self.tr(
                    "该交易平台没有说明是哪个浏览器发起的请求（旧版扫码协议）。"
                    "请确认是您本人刚刚在交易平台上发起了此项操作。"
                )
            )
            card.box.addWidget(note)
            return card
        if who.same_address:
            where = self.tr("{address}（与本机访问交易平台的地址相同）")
        else:
            where = self.tr("{address}（与本机访问交易平台的地址 {client} 不同）")
        unknown = self.tr("未知")
        browser = who.browser or (
            self.tr("未知（{ua}）").format(ua=who.user_agent[:80]) if who.user_agent else unknown
        )
        rows = (
            (
                "requesterAddress",
                self.tr("浏览器地址"),
                where.format(address=who.address, client=who.client_address),
            ),
            ("requesterBrowser", self.tr("浏览器"), browser),
            ("requesterSystem", self.tr("操作系统"), who.system or unknown),
            ("requesterTime", self.tr("发起时间"), display_time(who.at)),
        )
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(8)
        grid.setColumnStretch(1, 1)
        for r, (name, label, value) in enumerate(rows):
            key = set_role(PlainLabel(label), "muted")
            val = set_role(PlainLabel(), "value")
            val.setText(value)
            val.setObjectName(f"{name}Value")
            val.setWordWrap(True)
            val.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(key, r, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(val, r, 1)
        card.box.addLayout(grid)
        return card

    def _address_warning(self, who: Requester) -> QLabel:
        warning = set_role(PlainLabel(), "warning")
        warning.setObjectName("addressWarning")
        warning.setWordWrap(True)
        warning.setText(
            self.tr(
                "请注意：发起此请求的浏览器不在这台电脑上（浏览器地址 {address}，"
                "本机访问交易平台的地址 {client}）。如果这个二维码不是您本人刚刚在自己的浏览器里"
                "打开交易平台得到的，而是别人发来的网页、链接、聊天图片或陌生页面上的二维码，"
                "请立即取消：一旦确认，对方的浏览器就会以您的证书身份登录或办理此项操作。"
            ).format(address=who.address, client=who.client_address)
        )
        warning.setAccessibleName(warning.text())
        return warning

    def shown(self) -> None:
        if self.confirm_button.isEnabled():
            self.password.edit.setFocus()

    def _choice_text(self, choice: CertificateChoice) -> str:
        if choice.agent_for:
            return self.tr("{label}（经办人代表 {who}）").format(
                label=choice.label, who=choice.agent_for
            )
        return choice.label

    def _document_card(self, prompt: ScanPrompt) -> Card:
        card = Card(spacing=8)
        title = self.tr("待签章文件") if prompt.request.operation is ScanOperation.SEAL else None
        card.box.addWidget(set_role(PlainLabel(title or self.tr("文件")), "section"))
        name = set_role(PlainLabel(prompt.document_name or ""), "value")
        name.setObjectName("documentName")
        name.setWordWrap(True)
        card.box.addWidget(name)
        self._pdf_bytes = QByteArray(prompt.document or b"")
        self._pdf_buffer = QBuffer(self._pdf_bytes, self)
        self._pdf_buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.pdf = QPdfDocument(self)
        self.pdf.load(self._pdf_buffer)
        self.pdf_view = QPdfView(self)
        self.pdf_view.setObjectName("pdfPreview")
        self.pdf_view.setAccessibleName(self.tr("文件预览"))
        self.pdf_view.setDocument(self.pdf)
        self.pdf_view.setPageMode(QPdfView.PageMode.MultiPage)
        self.pdf_view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.pdf_view.setFixedHeight(PDF_HEIGHT)
        self.pdf_view.setStyleSheet("background: #E9EBEF; border-radius: 8px;")
        card.box.addWidget(self.pdf_view)
        if prompt.seal_pages and prompt.seal_image:
            # 所见即所签: the seal drawn on its page where it will be sealed; movable.
            self.placer = SealPlacer(self.pdf, prompt, self)
            card.box.addWidget(self.placer)
        elif prompt.seal_image:
            row = QHBoxLayout()
            seal = PlainLabel()
            seal.setObjectName("sealPreview")
            pix = QPixmap()
            if pix.loadFromData(prompt.seal_image):
                ratio = self.devicePixelRatioF()
                scaled = pix.scaledToHeight(
                    round(72 * ratio), Qt.TransformationMode.SmoothTransformation
                )
                scaled.setDevicePixelRatio(ratio)
                seal.setPixmap(scaled)
            row.addWidget(set_role(PlainLabel(self.tr("印章")), "muted"))
            row.addWidget(seal)
            row.addStretch()
            card.box.addLayout(row)
        return card

    # --- actions ----------------------------------------------------------------------------

    def certificate_id(self) -> int | None:
        if not self.prompt.certificates:
            return None
        if len(self.prompt.certificates) == 1:
            return self.prompt.certificates[0].certificate_id
        return self.certificate_combo.currentData()

    def go_back(self) -> bool:
        return self.busy  # while signing, < waits for the answer

    def cancel(self) -> None:
        if not self.busy:
            self.nav.pop()

    def confirm(self) -> None:
        if self.busy or not self.confirm_button.isEnabled():
            return
        password = self.password.edit.text()
        if not password:
            self.password.set_error(self.tr("请输入证书密码"))
            self.password.edit.setFocus()
            return
        certificate_id = self.certificate_id()
        ctx, session = self.nav.ctx, self.nav.session
        if certificate_id is None or ctx is None or ctx.scan is None or session is None:
            return
        self._busy(True)
        scan, prompt = ctx.scan, self.prompt
        placement = self.placer.placement() if self.placer is not None else None
        BackgroundOp(
            self,
            lambda: scan.perform(session, prompt, certificate_id, password, placement=placement),
            on_success=self._done,
            on_failure=self._failed,
        ).run()

    def _busy(self, busy: bool) -> None:
        self.busy = busy
        self.confirm_button.setEnabled(not busy)
        self.cancel_button.setEnabled(not busy)
        self.password.edit.setEnabled(not busy)
        if busy:
            self.banner.setText(self.tr("正在使用证书签名并提交给交易平台…"))
            self.banner.show()
        else:
            self.banner.hide()

    def _done(self, outcome) -> None:
        from mobileca_desktop.views.scan.result_page import ScanResultPage

        self._busy(False)
        self.password.edit.clear()
        self.nav.pop()
        self.nav.push(ScanResultPage(self.nav, outcome=outcome, prompt=self.prompt))

    def _failed(self, err: BaseException) -> None:
        self._busy(False)
        if isinstance(err, WrongPassword | CertificateLocked | KeySessionClosed):
            self.password.edit.clear()
            self.password.set_error(messages.error_text(err))
            self.password.edit.setFocus()
            if isinstance(err, CertificateLocked):
                self.confirm_button.setEnabled(False)
            return
        from mobileca_desktop.views.scan.result_page import ScanResultPage

        self.nav.pop()
        self.nav.push(ScanResultPage(self.nav, error=err, prompt=self.prompt))

"""扫一扫: choose where the QR code comes from (摄像头 / 屏幕区域 / 剪贴板·图片文件), see it in
the live preview with the scan box, and go on to the confirm page once a code was read.

Frames are decoded off the GUI thread (``CameraView``'s analyser runs ``ScanPipeline``) and
a live code is accepted only after consistent frames (``ConsistentFrames``). The code's text
is then checked by ``ScanService.read`` and the operation's data fetched by ``prepare``, in
the background; nothing is signed before the user confirms with the certificate password.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import (
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from mobileca_desktop.domain.errors import ScanPayloadInvalid
from mobileca_desktop.services.frames import CameraInfo, list_cameras
from mobileca_desktop.services.qr import ConsistentFrames, DecodedCode, ScanPipeline, read_image
from mobileca_desktop.services.scan_api import ScanPrompt, ScanSource
from mobileca_desktop.views import messages
from mobileca_desktop.views.background import BackgroundOp
from mobileca_desktop.views.camera_view import CameraView, frame_from_qimage
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.page import Page
from mobileca_desktop.views.scan import sources
from mobileca_desktop.views.scan.portal import PortalScreenshot, portal_available
from mobileca_desktop.views.scan.screen_source import (
    RegionPicker,
    ScreenGrabber,
    ScreenGrabBlank,
    grab_screen,
    image_is_blank,
    remember_region,
    remembered_region,
    remembered_screen,
    wayland_session,
)
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role

if TYPE_CHECKING:
    from mobileca_desktop.views.navigation import Navigator

CAMERA, SCREEN, IMAGE = range(3)
SCAN_BOX = (0.22, 0.12, 0.56, 0.76)  # the camera's scan box (fractions of the frame)
SCREEN_POLL_MS = 500
IMAGE_FILTER = "图片 (*.png *.jpg *.jpeg *.bmp *.gif *.webp)"
PREFIX = "MCA1."


def _pick(codes: list[DecodedCode]) -> DecodedCode | None:
    """The platform's code when a picture holds several, else the first."""
    for code in codes:
        if code.text.startswith(PREFIX):
            return code
    return codes[0] if codes else None


class ScanPage(Page):
    def __init__(self, window: Navigator) -> None:
        super().__init__()
        self.title = self.tr("扫一扫")
        self.setObjectName("scanPage")
        self.nav = window
        self.setAcceptDrops(True)
        self.busy = False
        self.ignored: str | None = None  # a code that is not a platform code: not re-read
        self.last_text: str | None = None
        # The code acted on last: the camera or the screen may still show it when the user
        # comes back; it is not read again from them (pasting it again is a choice).
        self.handled: str | None = None
        # 剪贴板 · 图片文件: a pasted or dropped image / text, or a chosen or dropped file.
        self.image_source = ScanSource.CLIPBOARD
        # Consistent frames are counted on the analyser thread only; the GUI asks for a
        # fresh count by moving the generation on.
        self._generation = 0
        self._counted: tuple[int, ConsistentFrames] | None = None
        self._pipeline: ScanPipeline | None = None
        self.screen_region: tuple[float, float, float, float] | None = None
        self.portal: PortalScreenshot | None = None
        self._started = False

        self.tabs = QTabBar()
        self.tabs.setObjectName("scanSourceTabs")
        self.tabs.setAccessibleName(self.tr("二维码来源"))
        self.tabs.setExpanding(True)
        self.tabs.setDrawBase(False)
        for text in (self.tr("摄像头"), self.tr("屏幕区域"), self.tr("剪贴板·图片文件")):
            self.tabs.addTab(text)
        self.tabs.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.body.addWidget(self.tabs)

        self.view = CameraView(self, box=SCAN_BOX, analyser=self._analyse, analyse_interval=0.12)
        self.view.setObjectName("scanPreview")
        self.view.analysed.connect(self._analysed)
        self.view.failed.connect(self._source_failed)
        self.body.addWidget(self.view)

        self.status = PlainLabel()
        self.status.setObjectName("scanStatus")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status.setWordWrap(True)
        self.status.setAccessibleName(self.tr("扫描状态"))
        self.body.addWidget(self.status)

        self.controls = QStackedWidget()
        self.controls.addWidget(self._camera_controls())
        self.controls.addWidget(self._screen_controls())
        self.controls.addWidget(self._image_controls())
        self.controls.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.body.addWidget(self.controls)

        info = Card(spacing=4)
        head = set_role(PlainLabel(self.tr("可办理")), "section")
        ops = set_role(
            PlainLabel(self.tr("扫码登录、扫码签章、扫码加密、扫码解密。识别后会先显示交易平台、"
                           "操作内容和所用证书，输入证书密码确认后才会签名。")),
            "muted",
        )  # fmt: skip
        ops.setWordWrap(True)
        info.box.addWidget(head)
        info.box.addWidget(ops)
        self.body.addWidget(info)
        self.body.addStretch()

        self.tabs.currentChanged.connect(self._source_changed)
        # Every key binding of Paste on this platform; the stubs miss the keyword signal.
        QShortcut(QKeySequence.StandardKey.Paste, self, activated=self.paste)  # type: ignore[call-overload]

    # --- the controls of each source --------------------------------------------------------

    def _button(self, name: str, text: str, slot, role: str = "small") -> QPushButton:
        button = set_role(QPushButton(text), role)
        button.setObjectName(name)
        button.setAccessibleName(text)
        button.clicked.connect(slot)
        return button

    def _camera_controls(self) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        label = set_role(PlainLabel(self.tr("摄像头")), "fieldLabel")
        self.camera_combo = QComboBox()
        self.camera_combo.setObjectName("cameraCombo")
        self.camera_combo.setAccessibleName(self.tr("选择摄像头"))
        label.setBuddy(self.camera_combo)
        for spec, text in sources.configured(self._settings()):
            self.camera_combo.addItem(text, spec)
        self.camera_combo.activated.connect(lambda _i: self._start_camera())
        # The cameras of this computer, found off the GUI thread (opening one takes time).
        BackgroundOp(self, list_cameras, on_success=self._cameras, on_failure=lambda _e: None).run()
        self.retry_button = self._button(
            "cameraRetryButton", self.tr("重新打开"), self._start_camera
        )
        row.addWidget(label)
        row.addWidget(self.camera_combo, 1)
        row.addWidget(self.retry_button)
        return box

    def _cameras(self, found: list[CameraInfo]) -> None:
        for info in found:
            text = self.tr("{name}（摄像头 {n}）").format(name=info.name, n=info.index)
            at = self.camera_combo.findData(info.spec)
            if at >= 0:
                self.camera_combo.setItemText(at, text)
            else:
                self.camera_combo.addItem(text, info.spec)

    def _screen_controls(self) -> QWidget:
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.pick_button = self._button("pickRegionButton", self.tr("框选区域"), self.pick_region)
        self.whole_button = self._button(
            "wholeScreenButton", self.tr("整个屏幕"), lambda: self.use_region(None)
        )
        self.portal_button = self._button("portalShotButton", self.tr("系统截屏"), self.portal_shot)
        self.portal_button.setVisible(False)
        row.addWidget(self.pick_button)
        row.addWidget(self.whole_button)
        row.addWidget(self.portal_button)
        row.addStretch()
        self.region_label = set_role(PlainLabel(), "muted")
        self.region_label.setObjectName("regionLabel")
        self.region_label.setWordWrap(True)
        col.addLayout(row)
        col.addWidget(self.region_label)
        return box

    def _image_controls(self) -> QWidget:
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.paste_button = self._button("pasteButton", self.tr("粘贴剪贴板"), self.paste)
        self.open_button = self._button("openImageButton", self.tr("选择图片文件"), self._choose)
        row.addWidget(self.paste_button)
        row.addWidget(self.open_button)
        row.addStretch()
        hint = set_role(
            PlainLabel(self.tr("可粘贴截图或二维码内容（Ctrl+V），也可把图片文件拖放到此页。")),
            "muted",
        )
        hint.setWordWrap(True)
        col.addLayout(row)
        col.addWidget(hint)
        return box

    # --- page life --------------------------------------------------------------------------

    def _settings(self):
        ctx = self.nav.ctx
        return ctx.settings if ctx is not None else None

    def shown(self) -> None:
        """Shown first, and again when coming back from the confirm or result page."""
        self.busy = False
        self._generation += 1
        self.last_text = None
        if self.nav.ctx is None or self.nav.ctx.scan is None:
            self.say(self.tr("扫一扫尚未就绪：本机证书库未打开"))
            return
        self._source_changed(self.tabs.currentIndex())

    def say(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setProperty("role", "error" if error else "muted")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    def select_source(self, index: int) -> None:
        """What clicking a source tab does."""
        if self.tabs.currentIndex() != index:
            self.tabs.setCurrentIndex(index)
        else:
            self._source_changed(index)

    def _source_changed(self, index: int) -> None:
        self.controls.setCurrentIndex(index)
        # The stack takes the height of the page shown, not of its tallest page.
        for i in range(self.controls.count()):
            policy = QSizePolicy.Policy.Preferred if i == index else QSizePolicy.Policy.Ignored
            page = self.controls.widget(i)
            assert page is not None
            page.setSizePolicy(QSizePolicy.Policy.Preferred, policy)
            page.updateGeometry()
        self.controls.updateGeometry()
        self.view.drop_zone = index == IMAGE
        self.view.stop()
        self.view.set_marks([])
        self._generation += 1
        if index == CAMERA:
            self.view.box = SCAN_BOX
            self._start_camera()
        elif index == SCREEN:
            self.view.box = None
            chosen, region = remembered_region()
            self._describe_region(chosen, region)
            if chosen:
                self.use_region(region, remembered_screen())
            else:
                self.view.clear(self.tr("点击“框选区域”，在屏幕上框出交易平台页面的二维码"))
                self.say(self.tr("框选一次后会记住该区域，之后一键即可扫描"))
        else:
            self.view.box = None
            self.view.clear(self.tr("粘贴或拖入二维码图片"))
            self.say(self.tr("支持截图、图片文件，或复制的二维码内容"))

    # --- 摄像头 -------------------------------------------------------------------------------

    def _start_camera(self) -> None:
        spec = self.camera_combo.currentData()
        if spec is None:
            return
        self._pipeline = None
        self.say(self.tr("将二维码放入框内，即可自动扫描"))
        self.view.start(sources.opener(spec))

    def _source_failed(self, err: BaseException) -> None:
        if isinstance(err, ScreenGrabBlank):
            self._screen_blank()
            return
        text = getattr(err, "user_text", None) or messages.error_text(err)
        self.view.set_message(text)
        if self.tabs.currentIndex() == CAMERA:
            self.say(self.tr("可改用“屏幕区域”或“剪贴板·图片文件”扫描"), error=True)
        else:
            self.say(text, error=True)

    # --- 屏幕区域 -----------------------------------------------------------------------------

    def _blank_text(self) -> str:
        if wayland_session() and portal_available():
            return self.tr(
                "Wayland 桌面不允许程序直接截屏：请点击“系统截屏”，由系统截取屏幕后识别；"
                "也可用截图工具复制二维码，再在“剪贴板·图片文件”中粘贴。"
            )
        if wayland_session():
            return self.tr(
                "无法截取屏幕：Wayland 桌面不允许程序直接截屏。请用系统截图工具截取二维码"
                "（复制到剪贴板），再在“剪贴板·图片文件”中粘贴。"
            )
        return self.tr("截取到的屏幕是全黑的（屏幕可能已锁定或关闭），请改用剪贴板或图片文件。")

    def _screen_blank(self) -> None:
        """The grab was black: say so, and offer the desktop portal where there is one."""
        text = self._blank_text()
        self.view.stop()
        self.view.clear(text)
        self.say(text, error=True)
        self.portal_button.setVisible(portal_available())

    def portal_shot(self) -> None:
        """系统截屏: a screenshot through the desktop portal (Wayland), then decoded."""
        self.view.stop()
        self.view.clear(self.tr("正在请求系统截屏…"))
        self.say(self.tr("系统可能会先询问是否允许截屏"))
        if self.portal is None:
            self.portal = PortalScreenshot(self)
            self.portal.taken.connect(self.decode_image)
            self.portal.failed.connect(self._portal_failed)
        self.portal.request(interactive=False)

    def _portal_failed(self, reason: str) -> None:
        text = self.tr("系统截屏未完成（{reason}），请改用剪贴板或图片文件。").format(reason=reason)
        self.view.clear(text)
        self.say(text, error=True)

    def _describe_region(self, chosen: bool, region) -> None:
        if not chosen:
            self.region_label.setText(self.tr("尚未选择区域"))
        elif region is None:
            self.region_label.setText(self.tr("扫描整个屏幕"))
        else:
            _x, _y, w, h = region
            self.region_label.setText(
                self.tr("已记住框选区域（屏幕的 {w}% × {h}%），点击“框选区域”可重新框选").format(
                    w=round(w * 100), h=round(h * 100)
                )
            )

    def pick_region(self) -> None:
        """Grabs every screen and lets the user drag a rectangle over one of them."""
        self.view.stop()
        screens = QGuiApplication.screens()
        shots = [(screen, grab_screen(screen)) for screen in screens]
        shots = [(sc, shot) for sc, shot in shots if not shot.isNull()]
        if not shots or all(image_is_blank(shot.toImage()) for _, shot in shots):
            if portal_available():
                self.portal_button.setVisible(True)
                self.portal_shot()  # still one click: the portal's screenshot instead
            else:
                self._screen_blank()
            return
        self.pickers = []
        for screen, shot in shots:
            picker = RegionPicker(shot, screen)
            picker.picked.connect(lambda region, s=screen: self._picked(region, s))
            picker.cancelled.connect(self._pick_cancelled)
            self.pickers.append(picker)
            picker.show()
        self.picker = self.pickers[0]
        self.picker.activateWindow()
        self.picker.setFocus()

    def _close_pickers(self) -> None:
        pickers, self.pickers = getattr(self, "pickers", []), []
        for picker in pickers:
            picker._done = True  # closing the others is not a cancel
            picker.close()

    def _picked(self, region, screen) -> None:
        self._close_pickers()
        self.use_region(region, screen if region is not None else None)

    def _pick_cancelled(self) -> None:
        if getattr(self, "pickers", []):
            self._close_pickers()
            self._source_changed(self.tabs.currentIndex())

    def use_region(self, region, screen=None) -> None:
        """Scans ``region`` of ``screen`` (fractions; None: every screen) and remembers it."""
        remember_region(region, screen)
        self.screen_region = region
        self._describe_region(True, region)
        if self.tabs.currentIndex() != SCREEN:
            self.tabs.setCurrentIndex(SCREEN)  # starts it through _source_changed
            return
        self._pipeline = None
        self._generation += 1
        self.view.box = None
        self.say(self.tr("正在扫描屏幕区域，请让交易平台的二维码保持可见"))
        grabber = ScreenGrabber(region, self._blank_text(), remembered_screen())
        self.view.start_polling(grabber, SCREEN_POLL_MS)

    # --- 剪贴板 · 图片文件 ----------------------------------------------------------------------

    def paste(self) -> None:
        """粘贴剪贴板: an image, an image file, or the code's text."""
        self.take_mime(QGuiApplication.clipboard().mimeData())

    def take_mime(self, mime: QMimeData | None) -> bool:
        if self.tabs.currentIndex() != IMAGE:
            self.tabs.setCurrentIndex(IMAGE)
        if mime is None:
            self.say(self.tr("剪贴板是空的"), error=True)
            return False
        if mime.hasImage():
            image = QImage(mime.imageData())
            if not image.isNull():
                self.image_source = ScanSource.CLIPBOARD
                self.decode_image(image)
                return True
        files = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
        if files:
            self.image_source = ScanSource.FILE
            self.decode_file(files[0])
            return True
        text = mime.text().strip() if mime.hasText() else ""
        if text:
            self.view.clear(self.tr("已粘贴二维码内容"))
            self.image_source = ScanSource.CLIPBOARD
            self.found(text)
            return True
        self.say(self.tr("剪贴板中没有图片或二维码内容"), error=True)
        return False

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择图片文件"), "", IMAGE_FILTER)
        if path:
            self.image_source = ScanSource.FILE
            self.decode_file(Path(path))

    def decode_file(self, path: Path) -> None:
        self._decode_still(lambda: read_image(path))

    def decode_image(self, image: QImage) -> None:
        image = image.copy()
        self._decode_still(lambda: frame_from_qimage(image))

    def _decode_still(self, load) -> None:
        self.view.stop()
        self.say(self.tr("正在识别图片…"))

        def op() -> tuple[np.ndarray, list[DecodedCode]]:
            frame = load()
            return frame, ScanPipeline().decode(frame)

        BackgroundOp(self, op, on_success=self._still_decoded, on_failure=self._still_failed).run()

    def _still_decoded(self, result: tuple[np.ndarray, list[DecodedCode]]) -> None:
        frame, codes = result
        self.view.show_frame(frame)
        self.view.set_marks([list(c.corners) for c in codes])
        code = _pick(codes)
        if code is None:
            self.say(self.tr("图片中没有找到二维码"), error=True)
            return
        self.found(code.text)

    def _still_failed(self, err: BaseException) -> None:
        self.view.clear()
        self.say(messages.error_text(err), error=True)

    # --- live decoding (off the GUI thread) -------------------------------------------------

    def _analyse(self, frame: np.ndarray | QImage) -> tuple[list[DecodedCode], str | None]:
        """Runs on the analyser thread, one frame at a time (a screen grab comes as a
        QImage and is converted here, not on the GUI thread)."""
        if isinstance(frame, QImage):
            frame = frame_from_qimage(frame)
        pipeline = self._pipeline
        if pipeline is None or pipeline.region != self.view.box:
            pipeline = self._pipeline = ScanPipeline(region=self.view.box)
        codes = pipeline.decode(frame)
        counted = self._counted
        if counted is None or counted[0] != self._generation:
            counted = self._counted = (self._generation, ConsistentFrames(needed=2, window=5))
        return codes, counted[1].feed(codes)

    def _analysed(self, result: tuple[list[DecodedCode], str | None]) -> None:
        codes, accepted = result
        self.view.set_marks([list(c.corners) for c in codes])
        if accepted is not None and not self.busy and accepted != self.handled:
            self.found(accepted)

    # --- a code was read ----------------------------------------------------------------------

    def source(self) -> ScanSource:
        """Where the code being read comes from (signed into the answer: a code on this
        computer's own screen or clipboard logs in only a browser on this computer)."""
        index = self.tabs.currentIndex()
        if index == CAMERA:
            return ScanSource.CAMERA
        if index == SCREEN:
            return ScanSource.SCREEN  # the region, and a portal screenshot
        return self.image_source

    def found(self, text: str) -> None:
        """Checks the code's text and fetches the operation (nothing is signed here)."""
        if self.busy or text == self.ignored:
            return
        ctx, session = self.nav.ctx, self.nav.session
        if ctx is None or ctx.scan is None or session is None:
            self.say(self.tr("扫一扫尚未就绪：本机证书库未打开"), error=True)
            return
        self.busy = True
        self.last_text = self.handled = text
        self.view.stop()
        self.say(self.tr("已识别二维码，正在核验交易平台的请求…"))
        scan, source = ctx.scan, self.source()

        def op() -> ScanPrompt:
            request = scan.read(text, source)
            return scan.prepare(session, request)

        BackgroundOp(self, op, on_success=self._prepared, on_failure=self._refused).run()

    def _prepared(self, prompt: ScanPrompt) -> None:
        from mobileca_desktop.views.scan.confirm_page import ScanConfirmPage

        self.say(self.tr("请确认交易平台的请求"))
        self.nav.push(ScanConfirmPage(self.nav, prompt))

    def _refused(self, err: BaseException) -> None:
        self.busy = False
        if isinstance(err, ScanPayloadInvalid):
            # Not a platform code (another QR in view): say so and keep scanning.
            self.ignored = self.last_text
            self.say(messages.error_text(err), error=True)
            if self.tabs.currentIndex() != IMAGE:
                self._resume()
            return
        from mobileca_desktop.views.scan.result_page import ScanResultPage

        self.nav.push(ScanResultPage(self.nav, error=err))

    def _resume(self) -> None:
        index = self.tabs.currentIndex()
        if index == CAMERA:
            self._start_camera()
        elif index == SCREEN:
            chosen, region = remembered_region()
            if chosen:
                self.use_region(region, remembered_screen())

    # --- drag and drop ----------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # Qt override
        mime = event.mimeData()
        if mime.hasImage() or mime.hasUrls() or mime.hasText():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # Qt override
        if self.take_mime(event.mimeData()):
            event.acceptProposedAction()

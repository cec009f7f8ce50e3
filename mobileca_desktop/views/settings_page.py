"""设置: the CA (本机 or a server's URL with its pinned root), the language, the camera, this
device profile's name, the data folders, the keyring in use, and the trusted platforms.

What is saved goes into the settings file (only the keys changed here; values given by
flags or the environment stay out of it), atomically, and applies after a restart: the
window says so. Each invalid value is explained next to its field. Slow things (the camera
list, the keyring's name, fetching a platform, writing the file) run off the GUI thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QLabel,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QWidget,
)

from mobileca_desktop import config
from mobileca_desktop.config import Settings
from mobileca_desktop.services.device import StoreInfo, StoreKind
from mobileca_desktop.views import messages
from mobileca_desktop.views.background import BackgroundOp
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.form_field import FormField
from mobileca_desktop.views.format import breakable, text_of
from mobileca_desktop.views.page import Page
from mobileca_desktop.views.text import PlainLabel, PlainMessageBox
from mobileca_desktop.views.theme import set_role
from mobileca_desktop.views.words import CAPlace

if TYPE_CHECKING:
    from mobileca_desktop.views.navigation import Navigator

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
LANGUAGE_NAMES = (("zh_CN", "中文"), ("en", "English"))


def platform_helpers() -> Any:
    """``services.platforms`` (the trusted-platform list of 扫一扫), or None when the scan
    service is not installed."""
    try:
        from mobileca_desktop.services import platforms
    except ImportError:
        return None
    return platforms


class SettingsPage(Page):
    def __init__(self, window: Navigator) -> None:
        super().__init__(self.tr("设置"))
        self.setObjectName("settingsPage")
        self.nav = window
        ctx = window.ctx
        self.ctx = ctx
        self.settings: Settings = (ctx.settings if ctx is not None else None) or Settings()
        self.settings_path = self.settings.settings_file or config.default_settings_path()
        s = self.settings

        intro = set_role(
            PlainLabel(
                self.tr("更改在重新打开本程序后生效。设置保存在：") + str(self.settings_path)
            ),
            "muted",
        )
        intro.setObjectName("settingsIntro")
        intro.setWordWrap(True)
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.addWidget(intro)

        # --- CA ---------------------------------------------------------------------------
        self.body.addWidget(self._section(self.tr("CA 服务")))
        ca = Card()
        self.ca_local = QRadioButton(self.tr("本机 CA（内置，数据保存在本机）"))
        self.ca_local.setObjectName("caLocalRadio")
        self.ca_local.setAccessibleName(text_of(CAPlace.LOCAL))
        self.ca_remote = QRadioButton(self.tr("远程 CA 服务器"))
        self.ca_remote.setObjectName("caRemoteRadio")
        self.ca_remote.setAccessibleName(self.tr("远程 CA 服务器"))
        group = QButtonGroup(self)
        group.addButton(self.ca_local)
        group.addButton(self.ca_remote)
        self.ca_url = FormField(
            "caUrl",
            self.tr("CA 服务器地址"),
            placeholder="https://ca.example.org",
            value="" if s.is_local_ca else s.ca,
            max_length=500,
        )
        self.ca_pin = FormField(
            "caFingerprint",
            self.tr("根证书指纹（SHA-256）"),
            placeholder=self.tr("CA 服务器启动时显示的 64 位十六进制指纹"),
            value=s.ca_root_sha256,
            max_length=100,
        )
        pin_note = set_role(
            PlainLabel(
                self.tr(
                    "使用 https:// 时，本程序只信任指纹与此一致的根证书（证书固定）。"
                    "http:// 只可用于本机（127.0.0.1）上的 CA。"
                )
            ),
            "muted",
        )
        pin_note.setWordWrap(True)
        now = set_role(
            PlainLabel(self.tr("当前使用：") + (text_of(CAPlace.LOCAL) if s.is_local_ca else s.ca)),
            "muted",
        )
        now.setObjectName("caInUse")
        (self.ca_local if s.is_local_ca else self.ca_remote).setChecked(True)
        self.ca_local.toggled.connect(self._ca_mode_changed)
        for w in (self.ca_local, self.ca_remote, self.ca_url, self.ca_pin, pin_note, now):
            ca.box.addWidget(w)
        self.body.addWidget(ca)
        self._ca_mode_changed()

        # --- language and camera ----------------------------------------------------------
        self.body.addWidget(self._section(self.tr("语言与摄像头")))
        lc = Card()
        self.language = QComboBox()
        self.language.setObjectName("languageCombo")
        self.language.setAccessibleName(self.tr("界面语言"))
        for code, name in LANGUAGE_NAMES:
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(s.lang)))
        lc.box.addWidget(self._label(self.tr("界面语言（重新打开后生效）"), self.language))
        lc.box.addWidget(self.language)
        self.camera = QComboBox()
        self.camera.setObjectName("cameraCombo")
        self.camera.setAccessibleName(self.tr("摄像头"))
        self.camera.setEditable(False)
        # A camera's long device path must not widen the page past the narrowest window.
        self.camera.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.camera.setMinimumContentsLength(12)
        self.camera.addItem(self.tr("当前：") + s.camera, s.camera)
        self.camera_note = set_role(PlainLabel(self.tr("正在查找摄像头…")), "muted")
        self.camera_note.setObjectName("cameraNote")
        self.camera_note.setWordWrap(True)
        lc.box.addWidget(self._label(self.tr("扫一扫与法人刷脸使用的摄像头"), self.camera))
        lc.box.addWidget(self.camera)
        lc.box.addWidget(self.camera_note)
        self.body.addWidget(lc)

        # --- device and folders -----------------------------------------------------------
        self.body.addWidget(self._section(self.tr("本设备")))
        dev = Card()
        self.device = FormField("deviceName", self.tr("设备名称"), value=s.device, max_length=64)
        device_note = set_role(
            PlainLabel(
                self.tr("每个设备名称有自己的密钥库和钥匙串条目。改名后需在新名称下重新下载证书。")
            ),
            "muted",
        )
        device_note.setWordWrap(True)
        self.folders = set_role(
            PlainLabel(
                self.tr("数据文件夹：")
                + str(s.data_dir)
                + "\n"
                + self.tr("本设备的密钥库：")
                + str(s.device_dir)
            ),
            "value",
        )
        self.folders.setObjectName("dataFolderLabel")
        self.folders.setWordWrap(True)
        self.folders.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_folder = set_role(QPushButton(self.tr("打开数据文件夹")), "small")
        self.open_folder.setObjectName("openDataFolderButton")
        self.open_folder.setAccessibleName(self.tr("打开数据文件夹"))
        self.open_folder.clicked.connect(self.open_data_folder)
        self.keyring = set_role(PlainLabel(self.tr("钥匙串：正在查询…")), "value")
        self.keyring.setObjectName("keyringLabel")
        self.keyring.setWordWrap(True)
        for w in (self.device, device_note, self.folders):
            dev.box.addWidget(w)
        dev.box.addWidget(self.open_folder, 0, Qt.AlignmentFlag.AlignLeft)
        dev.box.addWidget(self.keyring)
        self.body.addWidget(dev)

        # --- trusted platforms ------------------------------------------------------------
        self.body.addWidget(self._section(self.tr("受信任的交易平台")))
        self.platforms_card = Card()
        self.platform_list = set_role(PlainLabel(), "value")
        self.platform_list.setObjectName("platformList")
        self.platform_list.setWordWrap(True)
        self.platform_list.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.platform_url = FormField(
            "platformUrl",
            self.tr("添加交易平台（地址）"),
            placeholder="http://127.0.0.1:8480",
            max_length=500,
        )
        self.add_platform = set_role(QPushButton(self.tr("获取并添加")), "small")
        self.add_platform.setObjectName("addPlatformButton")
        self.add_platform.setAccessibleName(self.tr("获取并添加交易平台"))
        self.add_platform.clicked.connect(self.fetch_platform)
        self.platforms_card.box.addWidget(self.platform_list)
        self.platforms_card.box.addWidget(self.platform_url)
        self.platforms_card.box.addWidget(self.add_platform, 0, Qt.AlignmentFlag.AlignLeft)
        self.body.addWidget(self.platforms_card)

        # --- save -------------------------------------------------------------------------
        self.save_button = set_role(QPushButton(self.tr("保存设置")), "primary")
        self.save_button.setObjectName("saveSettingsButton")
        self.save_button.setAccessibleName(self.tr("保存设置"))
        self.save_button.setMinimumHeight(42)
        self.save_button.clicked.connect(self.save)
        self.status = set_role(PlainLabel(), "muted")
        self.status.setObjectName("settingsStatus")
        self.status.setWordWrap(True)
        self.status.hide()
        self.body.addWidget(self.save_button)
        self.body.addWidget(self.status)
        self.body.addStretch()

        self._load_cameras()
        self._load_keyring()
        self._load_platforms()

    # --- building blocks -------------------------------------------------------------------

    def _section(self, text: str) -> QLabel:
        section = set_role(PlainLabel(text), "section")
        section.setWordWrap(True)  # English headings are longer than the narrowest window
        return section

    def _label(self, text: str, buddy: QWidget) -> QLabel:
        label = set_role(PlainLabel(text), "fieldLabel")
        label.setWordWrap(True)
        label.setBuddy(buddy)
        return label

    def _ca_mode_changed(self) -> None:
        remote = self.ca_remote.isChecked()
        self.ca_url.setEnabled(remote)
        self.ca_pin.setEnabled(remote)
        if not remote:
            self.ca_url.set_error(None)
            self.ca_pin.set_error(None)

    # --- background loads ------------------------------------------------------------------

    def _load_cameras(self) -> None:
        def op() -> list:
            from mobileca_desktop.services.frames import list_cameras

            return list_cameras()

        BackgroundOp(self, op, on_success=self._cameras, on_failure=self._cameras_failed).run()

    def _cameras(self, cameras: list) -> None:
        current = self.settings.camera
        self.camera.clear()
        for cam in cameras:
            text = self.tr("摄像头 %1：%2（%3×%4）")
            text = text.replace("%1", str(cam.index)).replace("%2", cam.name)
            text = text.replace("%3", str(cam.width)).replace("%4", str(cam.height))
            self.camera.addItem(text, cam.spec)
        index = self.camera.findData(current)
        if index < 0:
            self.camera.addItem(self.tr("当前：") + current, current)
            index = self.camera.count() - 1
        self.camera.setCurrentIndex(index)
        if cameras:
            self.camera_note.setText(self.tr("找到 %n 个摄像头", "", len(cameras)))
        else:
            self.camera_note.setText(
                self.tr("未发现摄像头。扫一扫和法人刷脸也可以使用图片文件或屏幕截取。")
            )

    def _cameras_failed(self, err: BaseException) -> None:
        self.camera_note.setText(self.tr("无法列出摄像头：") + messages.error_text(err))

    def _load_keyring(self) -> None:
        keys = self.ctx.keys if self.ctx is not None else None
        if keys is None:
            self.keyring.setText(self.tr("钥匙串：本设备的密钥库尚未打开"))
            return
        BackgroundOp(
            self,
            keys.keyring_info,
            on_success=self._keyring,
            on_failure=lambda err: self.keyring.setText(
                self.tr("钥匙串：") + messages.error_text(err)
            ),
        ).run()

    def _keyring(self, info: StoreInfo) -> None:
        description = info.description
        if info.kind is StoreKind.SYSTEM:
            description = self.tr("系统钥匙串（") + info.name + "）"
        elif info.kind is StoreKind.INSECURE_FILE:
            description = self.tr("不安全的文件存储（仅供测试和演示）：") + description
        self.keyring.setText(self.tr("钥匙串：") + breakable(description))
        self.keyring.setAccessibleName(self.tr("钥匙串：") + description)
        if info.kind is StoreKind.INSECURE_FILE:
            set_role(self.keyring, "error")
            self.keyring.style().unpolish(self.keyring)
            self.keyring.style().polish(self.keyring)

    def _load_platforms(self) -> None:
        helpers = platform_helpers()
        if helpers is None:
            self.platform_list.setText(self.tr("本版本尚未安装扫一扫，无法管理受信任的交易平台。"))
            self.platform_url.setEnabled(False)
            self.add_platform.setEnabled(False)
            return
        folder = self.settings.data_dir
        BackgroundOp(
            self,
            lambda: helpers.load_trusted(folder),
            on_success=self._platforms,
            on_failure=lambda err: self.platform_list.setText(messages.error_text(err)),
        ).run()

    def _platforms(self, platforms: list) -> None:
        if not platforms:
            self.platform_list.setText(self.tr("尚未信任任何交易平台。"))
            return
        lines = []
        for p in platforms:
            lines.append(f"{p.name}\n  {p.origin}\n  SHA-256 {_short(p.fingerprint)}")
        self.platform_list.setText(
            "\n".join(lines) + "\n\n" + self.tr("新添加的平台在重新打开本程序后用于扫一扫。")
        )
        self.platform_list.setAccessibleName(self.platform_list.text())

    # --- actions ---------------------------------------------------------------------------

    def open_data_folder(self) -> None:
        folder = self.settings.data_dir
        folder.mkdir(parents=True, exist_ok=True)
        self.open_url(QUrl.fromLocalFile(str(folder)))

    def open_url(self, url: QUrl) -> bool:
        """Opens a folder in the desktop's file manager (replaced in tests)."""
        return QDesktopServices.openUrl(url)

    def fetch_platform(self) -> None:
        helpers = platform_helpers()
        url = self.platform_url.value()
        problem = self.url_problem(url)
        if problem:
            self.platform_url.set_error(problem)
            return
        self.add_platform.setEnabled(False)
        BackgroundOp(
            self,
            lambda: helpers.fetch_platform(url),
            on_success=self._confirm_platform,
            on_failure=self._platform_failed,
        ).run()

    def _platform_failed(self, err: BaseException) -> None:
        self.add_platform.setEnabled(True)
        self.platform_url.set_error(messages.error_text(err))

    def _confirm_platform(self, info: Any) -> None:
        self.add_platform.setEnabled(True)
        box = PlainMessageBox(self.window())
        box.setObjectName("confirmPlatformBox")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("信任此交易平台？"))
        box.setText(
            self.tr("只有确认以下信息与交易平台公布的一致时才添加：")
            + f"\n\n{info.name}\n{info.origin}\nSHA-256 {info.fingerprint}"
        )
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.finished.connect(lambda result: self._platform_answer(result, info))
        self.confirm_box = box
        box.open()

    def _platform_answer(self, result: int, info: Any) -> None:
        if result != QMessageBox.StandardButton.Yes:
            return
        helpers = platform_helpers()
        folder = self.settings.data_dir

        def added(_result: object) -> None:
            self.platform_url.set_value("")
            self._load_platforms()

        BackgroundOp(
            self,
            lambda: helpers.add_trusted(folder, info),
            on_success=added,
            on_failure=self._platform_failed,
        ).run()

    def url_problem(self, url: str) -> str | None:
        """Why ``url`` cannot be a CA or platform address (shown next to it), or None."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return self.tr("请输入以 http:// 或 https:// 开头的地址")
        if parts.scheme == "http" and parts.hostname not in LOOPBACK:
            return self.tr("http:// 只能用于本机（127.0.0.1）；其他地址请使用 https://")
        return None

    def wanted(self) -> dict[str, str] | None:
        """The values on the page, checked; None (with errors next to the fields) if any is
        invalid."""
        ok = True
        values: dict[str, str] = {}
        if self.ca_remote.isChecked():
            url = self.ca_url.value()
            problem = self.url_problem(url) if url else self.tr("请输入 CA 服务器地址")
            if problem:
                self.ca_url.set_error(problem)
                ok = False
            pin = self.ca_pin.value()
            if pin and config.check_value("ca_root_sha256", pin):
                self.ca_pin.set_error(
                    self.tr("指纹应为 64 位十六进制数字（SHA-256），可以带冒号或空格")
                )
                ok = False
            elif not pin and url.startswith("https://"):
                self.ca_pin.set_error(None)  # allowed: the system's roots are used then
            values["ca"] = url
            values["ca_root_sha256"] = config.normalise_fingerprint(pin)
        else:
            values["ca"] = "local"
        device = self.device.value()
        if config.check_value("device", device):
            self.device.set_error(
                self.tr("设备名称为 1–64 个英文字母、数字、点、横线或下划线，且不能是系统保留名")
            )
            ok = False
        values["device"] = device
        values["lang"] = self.language.currentData()
        camera = self.camera.currentData()
        if camera:
            values["camera"] = camera
        return values if ok else None

    def changes(self, values: dict[str, str]) -> dict[str, str]:
        s = self.settings
        return {k: v for k, v in values.items() if str(getattr(s, k)) != v}

    def save(self) -> None:
        values = self.wanted()
        if values is None:
            self._status(self.tr("请先改正标红的内容。"), error=True)
            return
        changes = self.changes(values)
        if not changes:
            self._status(self.tr("设置没有变化。"))
            return
        path = self.settings_path
        self.save_button.setEnabled(False)
        BackgroundOp(
            self,
            lambda: config.update_settings_file(changes, path),
            on_success=self._saved,
            on_failure=self._save_failed,
        ).run()

    def _saved(self, path: Path) -> None:
        self.save_button.setEnabled(True)
        self._status(self.tr("已保存到 %1。重新打开本程序后生效。").replace("%1", str(path)))
        self.nav.notify(self.tr("设置已保存，重新打开后生效"))

    def _save_failed(self, err: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(err, OSError):
            text = self.tr("无法保存设置：") + (err.strerror or str(err))
        else:
            text = self.tr("无法保存设置：") + messages.error_text(err)
        self._status(text, error=True)

    def _status(self, text: str, error: bool = False) -> None:
        set_role(self.status, "error" if error else "muted")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.status.setText(text)
        self.status.setAccessibleName(text)
        self.status.show()


def _short(fingerprint: str) -> str:
    fp = fingerprint.lower()
    return f"{fp[:16]}…{fp[-8:]}" if len(fp) > 24 else fp

"""设置 (the top bar's ⋯ menu): the CA, the language, the camera, the device name, the data
folders and keyring, the trusted trading platforms. What is saved goes to the client's
settings file (in a kit test: the client's own folder) and applies after a restart."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QComboBox, QMessageBox

from mobileca_desktop.testing.pages.base import PageObject

FIELDS = ("caUrl", "caFingerprint", "deviceName", "platformUrl")


class SettingsPage(PageObject):
    """设置. Field names for ``errors``: ``caUrl``, ``caFingerprint``, ``deviceName``,
    ``platformUrl``."""

    object_name = "settingsPage"

    def ready(self) -> None:
        # The camera list, the keyring's name and the trusted platforms load off the GUI
        # thread when the page opens.
        self.client.settle()

    # --- what it shows ----------------------------------------------------------------------

    @property
    def ca_in_use(self) -> str:
        """当前使用：本机 CA (or the server's address)."""
        return self.text("caInUse")

    @property
    def keyring(self) -> str:
        return self.text("keyringLabel")

    @property
    def data_folders(self) -> str:
        return self.text("dataFolderLabel")

    @property
    def cameras(self) -> list[str]:
        """The camera choices as listed (the current setting among them)."""
        combo = self.find("cameraCombo", QComboBox)
        return [combo.itemText(i) for i in range(combo.count())]

    @property
    def platforms(self) -> str:
        """The trusted platforms as listed (or 尚未信任任何交易平台。)."""
        return self.text("platformList")

    @property
    def status(self) -> str:
        """What 保存设置 said (empty before)."""
        shown = self.find_all("settingsStatus")
        return shown[0].text() if shown else ""

    def errors(self) -> dict[str, str]:
        said = {}
        for name in FIELDS:
            shown = self.find_all(f"{name}Error")
            if shown and shown[0].text():
                said[name] = shown[0].text()
        return said

    # --- changing it ------------------------------------------------------------------------

    def use_local_ca(self) -> SettingsPage:
        self.click("caLocalRadio")
        return self

    def use_remote_ca(self, url: str, fingerprint: str = "") -> SettingsPage:
        """远程 CA 服务器 at ``url``, its root pinned by SHA-256 ``fingerprint``."""
        self.click("caRemoteRadio")
        self.type(self.find("caUrlInput"), url)
        self.type(self.find("caFingerprintInput"), fingerprint)
        return self

    def set_device_name(self, name: str) -> SettingsPage:
        self.type(self.find("deviceNameInput"), name)
        return self

    def choose_language(self, code: str) -> SettingsPage:
        """``zh_CN`` (中文) or ``en`` (English)."""
        return self._choose("languageCombo", code)

    def choose_camera(self, spec: str) -> SettingsPage:
        """A camera by its setting (``0``, a picture or video file...), as listed."""
        return self._choose("cameraCombo", spec)

    def _choose(self, name: str, data: str) -> SettingsPage:
        combo = self.find(name, QComboBox)
        index = combo.findData(data)
        if index < 0:
            offered = [combo.itemData(i) for i in range(combo.count())]
            raise AssertionError(f"{name} offers no {data!r} (offered: {offered})")
        combo.setFocus()
        combo.setCurrentIndex(index)  # what choosing in the drop-down list does
        self.client.pace()
        return self

    def save(self) -> str:
        """保存设置: returns what the page says (已保存到 … / 设置没有变化。); fails when
        fields are marked red or the file could not be written."""
        said = self._save()
        if self.errors() or "无法保存" in said or "请先改正" in said:
            raise AssertionError(f"保存设置 refused: {said} {self.errors()}")
        return said

    def save_refused(self) -> dict[str, str]:
        """保存设置 that must be refused: what each field says."""
        self._save()
        errors = self.errors()
        assert errors, f"保存设置 was not refused: {self.status}"
        return errors

    def _save(self) -> str:
        button = self.find("saveSettingsButton", QAbstractButton)
        self.click(button)
        # Writing the file runs off the GUI thread with the button disabled meanwhile.
        self.client.wait_until(
            lambda: button.isEnabled() and bool(self.find_all("settingsStatus")), "保存设置"
        )
        self.client.settle()
        return self.status

    def add_platform(self, url: str, trust: bool = True) -> str:
        """获取并添加: the platform at ``url`` is fetched, its name, origin and fingerprint
        shown in a question; 是 (``trust``) adds it, 否 does not. Returns the question's
        text."""
        self.type(self.find("platformUrlInput"), url)
        self.click("addPlatformButton")
        window = self.client.window

        def question() -> Any:
            boxes = window.findChildren(QMessageBox, "confirmPlatformBox")
            shown = [b for b in boxes if b.isVisible()]
            return shown[0] if shown else None

        self.client.wait_until(
            lambda: question() is not None or bool(self.errors()), "the platform's details"
        )
        box = question()
        if box is None:
            raise AssertionError(f"获取并添加 refused: {self.errors()}")
        text = box.text()
        answer = QMessageBox.StandardButton.Yes if trust else QMessageBox.StandardButton.No
        self.qtbot.mouseClick(box.button(answer), Qt.MouseButton.LeftButton)
        self.client.wait_until(lambda: not box.isVisible(), "the question to close")
        self.client.settle()
        return text

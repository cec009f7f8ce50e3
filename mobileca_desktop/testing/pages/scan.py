"""扫一扫 and its confirm and result pages."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QAbstractButton

from mobileca_desktop.testing.pages.activation import ActivationPage
from mobileca_desktop.testing.pages.base import PageObject, page_object_for

# --- 扫一扫 ---------------------------------------------------------------------------------------


class ScanPage(PageObject):
    """扫一扫: camera, screen, or 图片 (clipboard / file)."""

    object_name = "scanPage"

    def paste_image(self, png: bytes) -> ScanConfirmPage:
        """The QR's picture on the clipboard, 粘贴剪贴板: the confirm page."""
        from mobileca_desktop.views.scan.scan_page import IMAGE

        tabs = self.widget.tabs  # a QTabBar
        self.qtbot.mouseClick(tabs, Qt.MouseButton.LeftButton, pos=tabs.tabRect(IMAGE).center())
        self.client.wait_until(lambda: tabs.currentIndex() == IMAGE, "the 图片 tab")
        image = QImage.fromData(png)
        assert not image.isNull(), "not a picture"
        QGuiApplication.clipboard().setImage(image)
        self.click("pasteButton")
        return ScanConfirmPage(self.client)

    def from_camera(self) -> ScanConfirmPage:
        """The camera (the default source) reads the code it is shown: the confirm page."""
        return ScanConfirmPage(self.client)

    @property
    def status(self) -> str:
        return self.text("scanStatus")


class ScanConfirmPage(PageObject):
    """The 扫一扫 confirm page: who asks, what for, with which certificate; the password."""

    object_name = "scanConfirmPage"

    def ready(self) -> None:
        self.client.settle()

    @property
    def platform_name(self) -> str:
        return self.text("platformName")

    @property
    def operation(self) -> str:
        return self.text("operationValue")

    def confirm(self, password: str) -> ScanResultPage:
        """Types the certificate password, 确认…: the result page."""
        self.type(self.widget.password, password)
        self.click(self.widget.confirm_button)
        return ScanResultPage(self.client)

    def confirm_refused(self, password: str) -> str:
        """A password that must be refused: returns the error, the page stays."""
        page = self.widget
        self.type(page.password, password)
        self.click(page.confirm_button)
        self.client.wait_until(lambda: page.password.error_text() != "", "the password error")
        return page.password.error_text()


class ScanResultPage(PageObject):
    """扫码成功 / 失败."""

    object_name = "scanResultPage"

    @property
    def heading(self) -> str:
        return self.text("resultHeading")

    @property
    def message(self) -> str:
        return self.text("resultMessage")

    def scan_again(self) -> ScanPage:
        self.click("scanAgainButton")
        return ScanPage(self.client)

    def done(self) -> PageObject:
        self.click("doneButton")
        self.client.wait_until(lambda: not self.is_current(), "完成")
        return page_object_for(self.client)


class ChooseCertificatePage(PageObject):
    """选择证书: 扫一扫's first use when several certificates could be downloaded here."""

    object_name = "chooseCertificatePage"

    def choices(self) -> list[int]:
        """The certificate ids offered, in order."""
        self._check_current()
        prefix = "choose_"
        buttons = self.widget.findChildren(QAbstractButton)
        return [
            int(b.objectName().removeprefix(prefix))
            for b in buttons
            if b.isVisible() and b.objectName().startswith(prefix)
        ]

    def choose(self, certificate_id: int) -> ActivationPage:
        """下载此证书 on the certificate ``certificate_id``: its 证书下载 / 激活."""
        self.click(f"choose_{certificate_id}")
        return ActivationPage(self.client)

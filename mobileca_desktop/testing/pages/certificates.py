"""证书管理 and 证书详情."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from mobileca_desktop.testing.pages.activation import ActivationPage
from mobileca_desktop.testing.pages.base import PageObject, page_object_for

# --- 证书管理 and 证书详情 ------------------------------------------------------------------------


class CertRowView:
    """One row of 证书管理."""

    def __init__(self, page: CertListPage, widget: Any) -> None:
        self.page = page
        self.widget = widget

    @property
    def status(self) -> str:
        """The status badge as shown: 正常, 审核中, 已失效, 已过期, 草稿..."""
        return self.widget.badge.text()

    @property
    def certificate_id(self) -> int | None:
        return self.widget.row.certificate_id

    @property
    def application_id(self) -> int | None:
        return self.widget.row.application_id

    @property
    def kind(self) -> Any:
        return self.widget.row.kind

    @property
    def note(self) -> str:
        notes = [w for w in self.widget.findChildren(QWidget, "certRowNote") if w.isVisible()]
        return notes[0].text() if notes else ""

    def open(self) -> CertDetailPage:
        """A click on the row: 证书详情."""
        self.page.qtbot.mouseClick(self.widget, Qt.MouseButton.LeftButton)
        self.page.client.pace()
        return CertDetailPage(self.page.client)

    def continue_(self) -> Any:
        """继续 (a draft, a rejected application, an expired certificate)."""
        button = self.widget.continue_button
        assert button is not None, f"no 继续 on {self.widget.objectName()}"
        self.page.click(button)
        self.page.client.wait_until(lambda: not self.page.is_current(), "继续 to open")
        return page_object_for(self.page.client)


class CertListPage(PageObject):
    """证书管理: the account's certificates and applications, each with its status."""

    object_name = "certListPage"

    def ready(self) -> None:
        # The page reloads each time it is shown again (back from 证书详情): its data are
        # current once nothing is loading.
        self.client.wait_until(lambda: self.widget.loaded, "证书管理 to load")
        self.client.settle()

    def rows(self) -> list[CertRowView]:
        return [CertRowView(self, w) for w in self.widget.rows]

    def statuses(self) -> list[str]:
        return [r.status for r in self.rows()]

    def row(self, certificate_id: int | None = None, application_id: int | None = None):
        for r in self.rows():
            if certificate_id is not None and r.certificate_id == certificate_id:
                return r
            if application_id is not None and r.application_id == application_id:
                return r
        raise AssertionError(
            f"no row for certificate {certificate_id} / application {application_id}"
        )

    def wait_status(self, status: str, **which: int) -> CertRowView:
        """Waits until the row shows ``status`` (the page reloads itself, e.g. after the
        reviewer acts in the 审核台)."""
        self.client.wait_until(
            lambda: self.row(**which).status == status, f"the row {which} to show {status}"
        )
        return self.row(**which)


class CertDetailPage(PageObject):
    """证书详情: status, the device card (下载证书), the actions."""

    object_name = "certDetailPage"

    def ready(self) -> None:
        self.client.wait_until(lambda: self.widget.detail is not None, "证书详情 to load")
        self.client.settle()  # shown again (back from 下载): reloaded

    @property
    def status(self) -> str:
        return self.widget.badge.text()

    @property
    def subject(self) -> str:
        return self.text("detailSubject")

    @property
    def device_state(self) -> str:
        return self.text("deviceState")

    def actions(self) -> dict[str, bool]:
        """The action buttons shown and whether each is enabled."""
        return {n: b.isEnabled() for n, b in self.widget.buttons.items() if b.isVisible()}

    def download(self) -> ActivationPage:
        """下载证书: 证书下载 / 激活."""
        self.click("downloadButton")
        return ActivationPage(self.client)

"""The CA 审核台 window."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt

from mobileca_desktop.testing.pages.base import type_into

if TYPE_CHECKING:
    from mobileca_desktop.testing.client import Client


# --- the CA 审核台 -------------------------------------------------------------------------------


class ReviewerDesk:
    """The CA 审核台 window (the local CA's trainer tool, in the ⋯ menu), entered as the CA
    operator or as a reviewer (``login``: name and password)."""

    def __init__(self, client: Client, window: Any) -> None:
        self.client = client
        self.qtbot = client.qtbot
        self.window = window

    @classmethod
    def open(cls, client: Client, login: tuple[str, str] | None = None) -> ReviewerDesk:
        from PySide6.QtWidgets import QWidget

        client.choose_from_menu("reviewerAction")  # ⋯ → CA 审核台

        def shown() -> Any:
            found = client.window.findChild(QWidget, "reviewerWindow")
            return found if found is not None and found.isVisible() else None

        client.wait_until(lambda: shown() is not None, "the 审核台 to open")
        desk = cls(client, shown())
        if desk.window.pages.currentWidget() is desk.window.login_page:
            if login is None:
                client.qtbot.mouseClick(desk.window.operator_button, Qt.MouseButton.LeftButton)
            else:
                type_into(client.qtbot, desk.window.login_name, login[0])
                type_into(client.qtbot, desk.window.login_password, login[1])
                client.qtbot.mouseClick(desk.window.login_button, Qt.MouseButton.LeftButton)
        client.wait_until(lambda: desk.window.loaded, "the review queue to load")
        client.pace()
        return desk

    @property
    def who(self) -> str:
        """Who is reviewing (the reviewer's name and institution, or the operator)."""
        return self.window.who.text()

    def queue(self) -> list[int]:
        """The application ids waiting, in the queue's order."""
        return [i.application.id for i in self.window.items]

    def pick(self, app_id: int) -> ReviewerDesk:
        desk, table = self.window, self.window.table
        self.client.wait_until(lambda: app_id in self.queue(), f"application {app_id} queued")
        row = self.queue().index(app_id)
        rect = table.visualItemRect(table.item(row, 1))
        self.qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        self.client.wait_until(
            lambda: desk.detail_loaded and desk.item.application.id == app_id,
            f"application {app_id}'s detail",
        )
        self.client.wait_until(
            lambda: all(b.isVisible() for b in desk.action_buttons.values()), "the actions"
        )
        self.client.pace()
        return self

    def approve(self, app_id: int) -> ReviewerDesk:
        """通过: waits for the 审核台 to say so."""
        self.pick(app_id)
        self._act(app_id, "approveButton", "已通过")
        return self

    def reject(self, app_id: int, reason: str) -> ReviewerDesk:
        """驳回 with ``reason`` (required)."""
        self.pick(app_id)
        type_into(self.qtbot, self.window.reason, reason)
        self._act(app_id, "rejectButton", "已驳回")
        return self

    def _act(self, app_id: int, name: str, said: str) -> None:
        button = self.window.action_buttons[name]
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        self.client.wait_until(lambda: said in self.window.banner.text(), f"the 审核台: {said}")
        self.client.wait_until(lambda: app_id not in self.queue(), "the queue to refresh")
        self.client.pace()

    def close(self) -> None:
        self.window.close()

"""The window's questions: 证书更新, 吊销 and 扫一扫's 初次使用 ask before they act, each in a
window-modal dialog with 取消 and a confirm button (``views/cert_actions.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QDialog, QLabel, QRadioButton

if TYPE_CHECKING:
    from mobileca_desktop.testing.client import Client


class Dialog:
    """A question the window shows (``object_name``: ``renewDialog``, ``revokeDialog``,
    ``firstUseDialog``), once it is on screen. Widgets are found only inside it."""

    object_name = ""

    def __init__(self, client: Client, object_name: str | None = None) -> None:
        self.client = client
        self.qtbot = client.qtbot
        if object_name is not None:
            self.object_name = object_name
        client.wait_until(lambda: self._shown() is not None, f"the question {self.object_name!r}")
        self.widget: Any = self._shown()
        client.pace()

    def _shown(self) -> QDialog | None:
        found = [
            d for d in self.client.window.findChildren(QDialog, self.object_name) if d.isVisible()
        ]
        return found[0] if found else None

    def find(self, name: str, cls: type = QLabel) -> Any:
        found = self.widget.findChild(cls, name)
        assert found is not None, f"no {name!r} in {self.object_name}"
        return found

    @property
    def heading(self) -> str:
        return self.find(f"{self.object_name}Heading").text()

    @property
    def points(self) -> list[str]:
        """The consequences it spells out, one a line (without the bullet)."""
        labels = self.widget.findChildren(QLabel, f"{self.object_name}Point")
        return [label.text().removeprefix("• ") for label in labels]

    @property
    def confirm_text(self) -> str:
        return self.find(f"{self.object_name}Confirm", QAbstractButton).text()

    def confirm(self) -> None:
        """The confirm button (确认更新, 确认吊销, 继续); waits until the question is gone."""
        self._press(f"{self.object_name}Confirm")

    def cancel(self) -> None:
        """取消: nothing happens."""
        self._press(f"{self.object_name}Cancel")

    def _press(self, name: str) -> None:
        button = self.find(name, QAbstractButton)
        self.client.wait_until(button.isEnabled, f"{name} enabled")
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        dialog = self.widget
        self.client.wait_until(lambda: not dialog.isVisible(), f"{self.object_name} to close")
        self.client.pace()


class RenewQuestion(Dialog):
    """证书更新: "确认进行证书更新？" (or, from an 已过期 row, "证书已过期，是否进行证书更新？")."""

    object_name = "renewDialog"


class RevokeQuestion(Dialog):
    """吊销证书: what revoking does, and the reason (不再使用此证书 by default)."""

    object_name = "revokeDialog"

    def reasons(self) -> dict[Any, bool]:
        """Each ``RevocationReason`` offered, and whether it is chosen."""
        from mobileca_desktop.domain.models import RevocationReason

        found = {}
        for reason in RevocationReason:
            button = self.widget.findChild(QRadioButton, f"reason_{reason.value}")
            if button is not None:
                found[reason] = button.isChecked()
        return found

    def choose(self, reason: Any) -> RevokeQuestion:
        """Chooses ``reason`` (a ``RevocationReason``)."""
        button = self.find(f"reason_{reason.value}", QRadioButton)
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert button.isChecked(), f"the reason {reason} cannot be chosen"
        self.client.pace()
        return self


class FirstUseQuestion(Dialog):
    """扫一扫's "初次使用需要下载安全证书并设置证书密码", with 继续."""

    object_name = "firstUseDialog"

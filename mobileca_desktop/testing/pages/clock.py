"""演示时钟 (the ⋯ menu, on the local CA or in demo mode): the CA's clock, shared by the CA,
the clients and the trading platform, moved on to show 已过期, or back to real time.
``mca_clock`` moves the same clock without the window."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QLabel, QWidget

if TYPE_CHECKING:
    from mobileca_desktop.testing.client import Client

PRESETS = {1: "advanceDay", 30: "advanceMonth"}


class DemoClockDialog:
    """The 演示时钟 window of a client (``client.demo_clock()``)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.qtbot = client.qtbot
        client.choose_from_menu("clockAction")  # ⋯ → 演示时钟

        def shown() -> Any:
            found = client.window.findChild(QWidget, "clockDialog")
            return found if found is not None and found.isVisible() else None

        client.wait_until(lambda: shown() is not None, "the 演示时钟 to open")
        self.widget: Any = shown()
        self._settled()

    def _find(self, name: str, cls: type = QLabel) -> Any:
        found = self.widget.findChild(cls, name)
        assert found is not None, f"no {name!r} in 演示时钟"
        return found

    def _settled(self) -> None:
        self.client.settle()
        now = self._find("clockNow")
        self.client.wait_until(lambda: now.text() != "正在读取…", "the CA clock to be read")
        self.client.pace()

    @property
    def now(self) -> str:
        """The CA clock as shown (e.g. 2027-01-09 14:03)."""
        return self._find("clockNow").text()

    @property
    def offset(self) -> str:
        """How far it is ahead of real time, in words."""
        return self._find("clockOffset").text()

    @property
    def error(self) -> str:
        label = self._find("clockError")
        return label.text() if label.isVisible() else ""

    def _press(self, name: str) -> None:
        button = self._find(name, QAbstractButton)
        self.client.wait_until(button.isEnabled, f"{name} enabled")
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        self._settled()
        if self.error:
            raise AssertionError(f"演示时钟: {self.error}")

    def advance(self, days: int) -> DemoClockDialog:
        """拨快 ``days`` days (拨快 1 天 / 30 天, or the days typed, 拨快); the pages shown
        reload (证书管理 then says 已过期 where it applies)."""
        if days in PRESETS:
            self._press(PRESETS[days])
            return self
        spin = self._find("customDays", QAbstractSpinBox)
        spin.setFocus()
        spin.selectAll()
        self.qtbot.keyClick(spin, Qt.Key.Key_Delete)
        self.qtbot.keyClicks(spin, str(days))
        self._press("advanceCustom")
        return self

    def reset(self) -> DemoClockDialog:
        """恢复真实时间."""
        self._press("resetClock")
        return self

    def close(self) -> None:
        """关闭."""
        self.qtbot.mouseClick(self._find("closeClock", QAbstractButton), Qt.MouseButton.LeftButton)
        self.client.wait_until(lambda: not self.widget.isVisible(), "the 演示时钟 to close")

"""A short message that floats over the bottom of the window and fades by itself."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QWidget

from mobileca_desktop.views.text import PlainLabel


class Toast(PlainLabel):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent=parent)
        self.setObjectName("toast")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setStyleSheet(
            "background: rgba(31, 35, 41, 0.88); color: white; border-radius: 10px;"
            " padding: 10px 16px; font-size: 14px;"
        )
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def show_text(self, text: str, msecs: int = 2500) -> None:
        self.setText(text)
        self.setAccessibleName(text)
        parent = self.parentWidget()
        assert parent is not None  # made over the main window's central widget
        width = min(340, parent.width() - 40)
        self.setFixedWidth(width)
        self.adjustSize()
        self.move((parent.width() - width) // 2, parent.height() - self.height() - 48)
        self.raise_()
        self.show()
        self._timer.start(msecs)

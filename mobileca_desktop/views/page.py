"""The base of every page in the main window's stack: a title and a scrolling body."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from PySide6.QtGui import QShowEvent


class Page(QWidget):
    """Subclasses fill ``self.body`` (a vertical layout) and may override ``shown``."""

    title = ""

    def __init__(self, title: str | None = None) -> None:
        super().__init__()
        if title is not None:
            self.title = title
        self.setObjectName("pageRoot")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll_area = QScrollArea()
        self.scroll_area.setObjectName("pageScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        # Enum values by key name: the first frame (the start-up page) does not build
        # PySide6's Qt namespace (views/main_window.py).
        self.scroll_area.setProperty("horizontalScrollBarPolicy", "ScrollBarAlwaysOff")
        inner = QWidget()
        self.body = QVBoxLayout(inner)
        self.body.setContentsMargins(16, 16, 16, 20)
        self.body.setSpacing(12)
        self.scroll_area.setWidget(inner)
        outer.addWidget(self.scroll_area)

    def showEvent(self, event: QShowEvent) -> None:  # Qt override
        super().showEvent(event)
        # The scroll area is a Tab stop (the keyboard scrolls it): named by the page's title,
        # or by the title of what holds the page (the inbox dock's page has none).
        name, holder = self.title, self.parentWidget()
        while not name and holder is not None:
            name, holder = holder.windowTitle(), holder.parentWidget()
        self.scroll_area.setAccessibleName(name)

    def shown(self) -> None:
        """Called each time the page becomes the current one (e.g. to reload its data)."""

    def go_back(self) -> bool:
        """The top bar's back (<): True if the page handled it itself (a wizard step back);
        False lets the window leave the page."""
        return False

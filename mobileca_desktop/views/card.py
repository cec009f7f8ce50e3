"""A white rounded card holding a vertical layout."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QVBoxLayout

from mobileca_desktop.views.theme import set_role


class Card(QFrame):
    def __init__(self, role: str = "card", spacing: int = 10) -> None:
        super().__init__()
        set_role(self, role)
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(16, 14, 16, 14)
        self.box.setSpacing(spacing)

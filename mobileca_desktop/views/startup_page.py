"""Shown first, while the CA opens in the background; and the place for a start-up problem
(no OS keyring, a CA made elsewhere) with what to do about it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from mobileca_desktop.views.card import Card
from mobileca_desktop.views.icons import pixmap
from mobileca_desktop.views.page import Page
from mobileca_desktop.views.theme import set_role


class StartupPage(Page):
    title = "山西公共资源交易 移动版 CA"

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("startupPage")
        logo = QLabel()
        logo.setPixmap(pixmap("logo", 72, self.devicePixelRatioF()))
        logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heading = set_role(QLabel("正在打开本机 CA…"), "heading")
        self.heading.setObjectName("startupHeading")
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heading.setWordWrap(True)
        self.card = Card(spacing=8)
        self.text = QLabel()
        self.text.setObjectName("startupText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.card.box.addWidget(self.text)
        self.card.hide()
        self.body.addSpacing(80)
        self.body.addWidget(logo)
        self.body.addWidget(self.heading)
        self.body.addWidget(self.card)
        self.body.addStretch()

    def show_problem(self, heading: str, html: str) -> None:
        self.heading.setText(heading)
        self.text.setText(html)
        self.text.setAccessibleName(self.text.text())
        self.card.show()

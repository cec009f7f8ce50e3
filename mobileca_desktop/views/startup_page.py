"""Shown first, while the CA opens in the background; and the place for a start-up problem
(no OS keyring, a CA made elsewhere) with what to do about it."""

from __future__ import annotations

from mobileca_desktop.views.card import Card
from mobileca_desktop.views.icons import pixmap
from mobileca_desktop.views.page import Page
from mobileca_desktop.views.text import PlainLabel, rich_label
from mobileca_desktop.views.theme import set_role


class StartupPage(Page):
    def __init__(self) -> None:
        super().__init__()
        self.title = self.tr("山西公共资源交易 移动版 CA")
        self.setObjectName("startupPage")
        logo = PlainLabel()
        logo.setPixmap(pixmap("logo", 72, self.devicePixelRatioF()))
        # Enum values by key name: the first frame does not build PySide6's Qt namespace
        # (its ~90 enums, 15 ms: views/main_window.py).
        logo.setProperty("alignment", "AlignCenter")
        self.heading = set_role(PlainLabel(self.tr("正在打开本机 CA…")), "heading")
        self.heading.setObjectName("startupHeading")
        self.heading.setProperty("alignment", "AlignCenter")
        self.heading.setWordWrap(True)
        self.card = Card(spacing=8)
        self.text = rich_label("")  # app.startup_problem: our markup, details escaped
        self.text.setObjectName("startupText")
        self.text.setWordWrap(True)
        self.text.setProperty("textInteractionFlags", "TextSelectableByMouse")
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

"""The top bar of every page: back (<), the page title, the phone-inbox toggle and the
"more" menu (⋯): 设置, CA 审核台 (local CA only), 演示时钟 (local CA or demo mode), 手机短信."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Signal, SignalInstance
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFrame, QHBoxLayout, QMenu, QToolButton

from mobileca_desktop.views.icons import icon
from mobileca_desktop.views.text import PlainLabel, tooltip
from mobileca_desktop.views.words import CAPlace

if TYPE_CHECKING:
    from mobileca_desktop.views.context import AppContext


class TopBar(QFrame):
    back_requested = Signal()
    inbox_toggled = Signal()
    # The ⋯ menu's entries: the window connects them (MainWindow.open_settings, ...).
    settings_requested = Signal()
    reviewer_requested = Signal()
    clock_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.ctx: AppContext | None = None
        self.setObjectName("topBar")
        self.setFixedHeight(52)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 0, 6, 0)

        self.back = QToolButton()
        self.back.setObjectName("backButton")
        self.back.setIcon(icon("back"))
        self.back.setIconSize(QSize(22, 22))
        self.back.setToolTip(self.tr("返回"))
        self.back.setAccessibleName(self.tr("返回"))
        self.back.setProperty("shortcut", "Alt+Left")  # setShortcut builds the Qt namespace
        self.back.clicked.connect(self.back_requested)

        self.title = PlainLabel()
        self.title.setObjectName("pageTitle")
        self.title.setProperty("alignment", "AlignCenter")  # no Qt namespace: main_window.py

        self.inbox = QToolButton()
        self.inbox.setObjectName("inboxButton")
        self.inbox.setIcon(icon("inbox"))
        self.inbox.setIconSize(QSize(22, 22))
        self.inbox.setToolTip(self.tr("手机收件箱（模拟手机：短信验证码、打款通知、电子营业执照）"))
        self.inbox.setAccessibleName(self.tr("手机收件箱"))
        self.inbox.clicked.connect(self.inbox_toggled)

        self.more = QToolButton()
        self.more.setObjectName("moreButton")
        self.more.setIcon(icon("more"))
        self.more.setIconSize(QSize(22, 22))
        self.more.setToolTip(self.tr("更多：设置、CA 审核台、演示时钟、手机短信"))
        self.more.setAccessibleName(self.tr("更多"))
        self.more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more.setStyleSheet(
            "QToolButton { border: none; background: transparent; padding: 4px;"
            " border-radius: 8px; }"
            " QToolButton:hover { background: #EEF0F3; }"
            " QToolButton::menu-indicator { image: none; width: 0px; }"
        )
        self.menu = QMenu(self.more)
        self.menu.setObjectName("moreMenu")
        self.menu.setAccessibleName(self.tr("更多"))
        self.more.setMenu(self.menu)
        self.settings_action = self._action(
            "settingsAction", self.tr("设置"), self.settings_requested
        )
        self.reviewer_action = self._action(
            "reviewerAction", self.tr("CA 审核台"), self.reviewer_requested
        )
        self.clock_action = self._action("clockAction", self.tr("演示时钟"), self.clock_requested)
        self.inbox_action = self._action("inboxAction", self.tr("手机短信"), self.inbox_toggled)
        self.menu.aboutToShow.connect(self.refresh_menu)
        self.refresh_menu()

        row.addWidget(self.back)
        row.addWidget(self.title, 1)
        row.addWidget(self.inbox)
        row.addWidget(self.more)

    def _action(self, name: str, text: str, signal: SignalInstance) -> QAction:
        action = QAction(text, self.menu)
        action.setObjectName(name)
        action.setToolTip(tooltip(text))
        action.triggered.connect(lambda _checked=False: signal.emit())
        self.menu.addAction(action)
        return action

    def attach(self, ctx: AppContext) -> None:
        """The services are ready: the menu's entries follow where the CA runs."""
        self.ctx = ctx
        self.refresh_menu()

    def refresh_menu(self) -> None:
        """Which entries apply: nothing but 手机短信 before the services are attached;
        CA 审核台 only on the local CA; 演示时钟 on the local CA or in demo mode."""
        ctx = self.ctx
        settings = ctx.settings if ctx is not None else None
        if settings is not None:
            local, demo = settings.is_local_ca, settings.demo
        else:
            local, demo = ctx is not None and ctx.ca_place is CAPlace.LOCAL, False
        self.settings_action.setEnabled(ctx is not None)
        self.reviewer_action.setVisible(ctx is not None and local and ctx.review is not None)
        self.clock_action.setVisible(ctx is not None and (local or demo) and ctx.clock is not None)

    def set_title(self, text: str) -> None:
        self.title.setText(text)
        self.title.setAccessibleName(text)

    def set_back_visible(self, visible: bool) -> None:
        # Keep the space so the title stays centred.
        self.back.setEnabled(visible)
        self.back.setIcon(icon("back") if visible else icon("blank"))

"""The top bar of every page: back (<), the page title, and the phone-inbox toggle."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton

from mobileca_desktop.views.icons import icon


class TopBar(QFrame):
    back_requested = Signal()
    inbox_toggled = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("topBar")
        self.setFixedHeight(52)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 0, 6, 0)

        self.back = QToolButton()
        self.back.setObjectName("backButton")
        self.back.setIcon(icon("back"))
        self.back.setIconSize(QSize(22, 22))
        self.back.setToolTip("返回")
        self.back.setAccessibleName("返回")
        self.back.setShortcut("Alt+Left")
        self.back.clicked.connect(self.back_requested)

        self.title = QLabel()
        self.title.setObjectName("pageTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.inbox = QToolButton()
        self.inbox.setObjectName("inboxButton")
        self.inbox.setIcon(icon("inbox"))
        self.inbox.setIconSize(QSize(22, 22))
        self.inbox.setToolTip("手机收件箱（模拟手机：短信验证码、打款通知、电子营业执照）")
        self.inbox.setAccessibleName("手机收件箱")
        self.inbox.clicked.connect(self.inbox_toggled)

        row.addWidget(self.back)
        row.addWidget(self.title, 1)
        row.addWidget(self.inbox)

    def set_title(self, text: str) -> None:
        self.title.setText(text)
        self.title.setAccessibleName(text)

    def set_back_visible(self, visible: bool) -> None:
        # Keep the space so the title stays centred.
        self.back.setEnabled(visible)
        self.back.setIcon(icon("back") if visible else icon("blank"))

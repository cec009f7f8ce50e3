"""手机收件箱: the simulated phone's messages (SMS codes, deposit notices, e-licences),
newest first, in a dockable panel so a trainer can show them beside the app."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mobileca_desktop.domain.models import InboxMessage
from mobileca_desktop.services.api import InboxService
from mobileca_desktop.views.background import BackgroundOp
from mobileca_desktop.views.message_card import MessageCard
from mobileca_desktop.views.page import Page
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role

POLL_MS = 2000


class InboxPanel(QDockWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(self.tr("手机收件箱"))
        self.setObjectName("inboxDock")
        self.setAccessibleName(self.tr("手机收件箱"))
        self.setMinimumWidth(320)
        self.inbox: InboxService | None = None
        self.cards: list[MessageCard] = []
        self._loading: BackgroundOp | None = None
        self._shown_phone = ""
        self._shown_ids: tuple[int, ...] = ()

        root = QWidget()
        root.setObjectName("pageRoot")
        box = QVBoxLayout(root)
        box.setContentsMargins(10, 10, 10, 10)
        hint = set_role(
            PlainLabel(
                self.tr("模拟手机：发往该号码的短信验证码、授权码、打款通知和电子营业执照。")
            ),
            "muted",
        )
        hint.setWordWrap(True)
        row = QHBoxLayout()
        self.phone = QComboBox()
        self.phone.setObjectName("inboxPhone")
        self.phone.setAccessibleName(self.tr("手机号"))
        self.phone.setEditable(True)
        self.phone.lineEdit().setPlaceholderText(self.tr("输入手机号"))
        self.phone.lineEdit().setMaxLength(11)
        self.phone.currentTextChanged.connect(lambda _t: self.refresh())
        self.refresh_button = set_role(QPushButton(self.tr("刷新")), "small")
        self.refresh_button.setObjectName("inboxRefresh")
        self.refresh_button.setAccessibleName(self.tr("刷新收件箱"))
        self.refresh_button.clicked.connect(self.refresh)
        row.addWidget(self.phone, 1)
        row.addWidget(self.refresh_button)
        self.empty = set_role(PlainLabel(self.tr("暂无消息")), "muted")
        self.empty.setObjectName("inboxEmpty")
        self.page = Page()
        self.page.body.setContentsMargins(0, 4, 0, 4)
        self.page.body.addWidget(self.empty)
        self.page.body.addStretch()
        box.addWidget(hint)
        box.addLayout(row)
        box.addWidget(self.page, 1)
        self.setWidget(root)

        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.refresh)
        self.visibilityChanged.connect(self._visibility)

    def attach(self, inbox: InboxService) -> None:
        self.inbox = inbox
        self.refresh()

    def add_phone(self, phone: str, select: bool = True) -> None:
        if self.phone.findText(phone) < 0:
            self.phone.addItem(phone)
        if select:
            self.phone.setCurrentText(phone)

    def _visibility(self, visible: bool) -> None:
        if visible:
            self._timer.start()
            self.refresh()
        else:
            self._timer.stop()

    def current_phone(self) -> str:
        return self.phone.currentText().strip()

    def refresh(self) -> None:
        phone, inbox = self.current_phone(), self.inbox
        if inbox is None or self._loading is not None:
            return
        if not (phone.isdigit() and len(phone) == 11):
            self._show(phone, [])
            return
        job = BackgroundOp(
            self,
            lambda: inbox.messages(phone),
            on_success=lambda msgs: self._show(phone, msgs),
            on_failure=lambda _err: None,  # polling: the next beat tries again
        )
        job.finished.connect(self._done)
        self._loading = job.run()

    def _done(self) -> None:
        self._loading = None

    def _show(self, phone: str, messages: list[InboxMessage]) -> None:
        if phone != self.current_phone():
            return  # the user typed another number meanwhile
        messages = sorted(messages, key=lambda m: m.id, reverse=True)
        ids = tuple(m.id for m in messages)
        if (phone, ids) == (self._shown_phone, self._shown_ids):
            return
        self._shown_phone, self._shown_ids = phone, ids
        for card in self.cards:
            self.page.body.removeWidget(card)
            card.hide()
            card.deleteLater()
        self.cards = []
        for i, message in enumerate(messages):
            card = MessageCard(message)
            self.page.body.insertWidget(i, card)
            self.cards.append(card)
        self.empty.setVisible(not messages)
        self.empty.setText(self.tr("暂无消息") if phone else self.tr("请输入手机号"))

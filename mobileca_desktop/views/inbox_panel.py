"""手机收件箱: the simulated phone's messages (SMS codes, deposit notices, e-licences),
newest first, in a window of its own (a phone on the desk): it never resizes or covers the
client's window, and a demo's windows share one. It opens on the number that received the
newest message, so the code the user was just sent is the first card."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
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


INBOX_SIZE = (340, 560)


class InboxPanel(QWidget):
    """The simulated phone, a top-level window (``parent`` only ties its lifetime)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(self.tr("手机收件箱"))
        # Closing the client's windows ends the app even while the phone is on screen.
        self.setAttribute(Qt.WidgetAttribute.WA_QuitOnClose, False)
        self.resize(*INBOX_SIZE)
        self.setObjectName("inboxDock")
        self.setAccessibleName(self.tr("手机收件箱"))
        self.setMinimumWidth(320)
        self.inbox: InboxService | None = None
        self.cards: list[MessageCard] = []
        self._loading: BackgroundOp | None = None
        self._finding: BackgroundOp | None = None
        self._shown_phone = ""
        self._shown_ids: tuple[int, ...] = ()

        root = QWidget()
        root.setObjectName("pageRoot")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(root)
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
        edit = self.phone.lineEdit()
        assert edit is not None  # an editable combo box has one
        edit.setPlaceholderText(self.tr("输入手机号"))
        edit.setMaxLength(11)
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

        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.refresh)

    def attach(self, inbox: InboxService) -> None:
        self.inbox = inbox
        self.refresh()

    def add_phone(self, phone: str, select: bool = True) -> None:
        if self.phone.findText(phone) < 0:
            self.phone.addItem(phone)
        if select:
            self.phone.setCurrentText(phone)

    def phones(self) -> list[str]:
        return [self.phone.itemText(i) for i in range(self.phone.count())]

    def open_near(self, window: QWidget, phone: str = "") -> None:
        """Shows the phone beside ``window`` (where the screen has room, never over it) on
        ``phone``, or else on the number that received the newest message."""
        if not self.isVisible():
            self._place_beside(window)
        self.show()
        self.raise_()
        if phone:
            self.add_phone(phone)
        else:
            self.show_newest()

    def _place_beside(self, window: QWidget) -> None:
        frame = window.frameGeometry()
        screen = window.screen()
        area = screen.availableGeometry() if screen is not None else None
        x = frame.right() + 12
        if area is not None and x + self.width() > area.right():
            x = max(area.left(), frame.left() - self.width() - 12)
        self.move(x, frame.top())

    def show_newest(self) -> None:
        """Selects the known number whose newest message is the newest of all (found off
        the GUI thread; nothing changes when no number has a message)."""
        inbox, phones = self.inbox, [p for p in self.phones() if p.isdigit() and len(p) == 11]
        if inbox is None or not phones or self._finding is not None:
            return

        def newest() -> str:
            best, best_id = "", -1
            for phone in phones:
                for message in inbox.messages(phone):
                    if message.id > best_id:
                        best, best_id = phone, message.id
            return best

        def chosen(phone: str) -> None:
            if phone:
                self.phone.setCurrentText(phone)

        job = BackgroundOp(self, newest, on_success=chosen, on_failure=lambda _err: None)
        job.finished.connect(self._found)
        self._finding = job.run()

    def _found(self) -> None:
        self._finding = None

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt override
        # Esc and Ctrl+W (the platform's Close key) close it, as any such window.
        if event.key() == Qt.Key.Key_Escape or event.matches(QKeySequence.StandardKey.Close):
            self.hide()
            return
        super().keyPressEvent(event)

    def showEvent(self, event) -> None:  # Qt override
        super().showEvent(event)
        self._timer.start()
        self.refresh()

    def hideEvent(self, event) -> None:  # Qt override
        super().hideEvent(event)
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

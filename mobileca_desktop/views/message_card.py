"""One message of the simulated phone: an SMS code, a deposit notice or an e-licence."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QPushButton

from mobileca_desktop.domain.models import InboxMessage, MessageKind
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.format import display_time
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role

KIND_LABELS = {  # translated where shown
    MessageKind.SMS: QT_TRANSLATE_NOOP("MessageCard", "短信"),
    MessageKind.DEPOSIT: QT_TRANSLATE_NOOP("MessageCard", "银行通知"),
    MessageKind.ELICENCE: QT_TRANSLATE_NOOP("MessageCard", "电子营业执照"),
}


class MessageCard(Card):
    def __init__(self, message: InboxMessage) -> None:
        super().__init__(spacing=6)
        self.message = message
        self.setObjectName("inboxMessage")
        head = QHBoxLayout()
        kind = QCoreApplication.translate("MessageCard", KIND_LABELS.get(message.kind, ""))
        title = PlainLabel(f"{kind} · {message.title}")
        title.setStyleSheet("font-weight: 600;")
        title.setWordWrap(True)
        when = set_role(PlainLabel(display_time(message.created_at)[5:16]), "muted")
        head.addWidget(title, 1)
        head.addWidget(when, 0, Qt.AlignmentFlag.AlignTop)
        self.box.addLayout(head)
        body = PlainLabel(message.body)
        body.setWordWrap(True)
        body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.box.addWidget(body)
        parts = [message.title, message.body]
        if message.code:
            code = set_role(PlainLabel(message.code), "code")
            code.setObjectName("inboxCode")
            code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            code.setAccessibleName(self.tr("验证码 {}").format(message.code))
            self.box.addWidget(code)
        if message.attachment:
            copy = set_role(QPushButton(self.tr("复制二维码内容")), "small")
            copy.setObjectName("copyAttachment")
            copy.setAccessibleName(self.tr("复制电子营业执照二维码内容"))
            copy.setToolTip(self.tr("在“电子营业执照”核验页粘贴"))
            copy.clicked.connect(self._copy)
            row = QHBoxLayout()
            row.addWidget(copy)
            row.addStretch()
            self.box.addLayout(row)
        self.setAccessibleName(" ".join(parts))

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.message.attachment or "")

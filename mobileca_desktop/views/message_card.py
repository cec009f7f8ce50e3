"""One message of the simulated phone: an SMS code, a deposit notice or an e-licence."""

from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QPushButton

from mobileca_desktop.domain.models import InboxMessage, MessageKind
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.format import display_time
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role
from mobileca_desktop.views.words import QT_TRANSLATE_NOOP

KIND_LABELS = {  # translated where shown
    MessageKind.SMS: QT_TRANSLATE_NOOP("MessageCard", "短信"),
    MessageKind.DEPOSIT: QT_TRANSLATE_NOOP("MessageCard", "银行通知"),
    MessageKind.ELICENCE: QT_TRANSLATE_NOOP("MessageCard", "电子营业执照"),
}


# The amount in the CA's bank notice ("收到转账 0.37 元").
_AMOUNT = re.compile(r"收到转账\s*(\d+\.\d{2})\s*元")


def deposit_amount(message: InboxMessage) -> str | None:
    """The amount a deposit notice reports, as the user types it in 对公打款 (e.g. "0.37")."""
    found = _AMOUNT.search(message.body) if message.kind is MessageKind.DEPOSIT else None
    return found.group(1) if found else None


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
        if message.kind is MessageKind.DEPOSIT:
            self._deposit(message)
        elif message.code:
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

    def _deposit(self, message: InboxMessage) -> None:
        """A bank notice: the big number is the amount, which the 对公打款 step asks for; the
        授权码 of the memo line (an agent's application) is labelled for the step after."""
        amount = deposit_amount(message)
        if amount:
            self.box.addWidget(set_role(PlainLabel(self.tr("到账金额（元）")), "muted"))
            big = set_role(PlainLabel(amount), "code")
            big.setObjectName("inboxAmount")
            big.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            big.setAccessibleName(self.tr("到账金额 {} 元").format(amount))
            self.box.addWidget(big)
        if message.code:
            caption = set_role(PlainLabel(self.tr("附言中的授权码（在“授权码”一步填写）")), "muted")
            caption.setWordWrap(True)
            code = PlainLabel(message.code)
            code.setObjectName("inboxCode")
            code.setStyleSheet("font-size: 16px; font-weight: 600; letter-spacing: 1px;")
            code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            code.setAccessibleName(self.tr("授权码 {}").format(message.code))
            self.box.addWidget(caption)
            self.box.addWidget(code)

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.message.attachment or "")

"""A screen that is not built yet says so plainly, instead of a button that does nothing."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtWidgets import QLabel, QPushButton

from mobileca_desktop.views.card import Card
from mobileca_desktop.views.icons import pixmap
from mobileca_desktop.views.page import Page
from mobileca_desktop.views.theme import set_role

# What each unbuilt feature waits for, in the user's words (translated where shown).
PENDING: dict[str, str] = {
    QT_TRANSLATE_NOOP("NotBuiltPage", "授权管理"): QT_TRANSLATE_NOOP(
        "NotBuiltPage",
        "授权经办人使用单位证书、法定代表人证书，以及经办人查看被授权的证书，将在后续版本提供。",
    ),
    QT_TRANSLATE_NOOP("NotBuiltPage", "扫一扫"): QT_TRANSLATE_NOOP(
        "NotBuiltPage",
        "扫码登录、扫码签章、扫码加解密，以及初次使用时的证书下载（激活），"
        "将随本机密钥库和扫码功能在后续版本提供。",
    ),
    QT_TRANSLATE_NOOP("NotBuiltPage", "证书更新"): QT_TRANSLATE_NOOP(
        "NotBuiltPage", "证书更新（含已过期证书点击继续）将在后续版本提供。"
    ),
    QT_TRANSLATE_NOOP("NotBuiltPage", "证书变更"): QT_TRANSLATE_NOOP(
        "NotBuiltPage", "证书变更（变更后需 CA 机构重新审核）将在后续版本提供。"
    ),
    QT_TRANSLATE_NOOP("NotBuiltPage", "吊销"): QT_TRANSLATE_NOOP(
        "NotBuiltPage", "吊销证书将在后续版本提供。"
    ),
    QT_TRANSLATE_NOOP("NotBuiltPage", "修改证书密码"): QT_TRANSLATE_NOOP(
        "NotBuiltPage", "证书密码随本机密钥库一同提供，将在后续版本提供。"
    ),
}


class NotBuiltPage(Page):
    def __init__(self, feature: str, on_back: Callable[[], None]) -> None:
        """``feature``: the Chinese name of the feature, a key of ``PENDING``."""
        super().__init__()
        self.feature = feature
        self.title = name = QCoreApplication.translate("NotBuiltPage", feature)
        self.setObjectName("notBuiltPage")
        card = Card(spacing=12)
        mark = QLabel()
        mark.setPixmap(pixmap("construction", 56, self.devicePixelRatioF()))
        mark.setAlignment(Qt.AlignmentFlag.AlignCenter)
        heading = set_role(QLabel(self.tr("“{}”尚未提供").format(name)), "heading")
        heading.setObjectName("notBuiltHeading")
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        heading.setWordWrap(True)
        text = set_role(
            QLabel(
                (
                    QCoreApplication.translate("NotBuiltPage", PENDING[feature])
                    if feature in PENDING
                    else self.tr("此功能将在后续版本提供。")
                )
                + self.tr("此页面不会进行任何操作。")
            ),
            "muted",
        )
        text.setObjectName("notBuiltText")
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        back = QPushButton(self.tr("返回"))
        back.setObjectName("notBuiltBack")
        back.setAccessibleName(self.tr("返回"))
        back.clicked.connect(on_back)
        card.box.addWidget(mark)
        card.box.addWidget(heading)
        card.box.addWidget(text)
        card.box.addWidget(back)
        self.body.addSpacing(40)
        self.body.addWidget(card)
        self.body.addStretch()

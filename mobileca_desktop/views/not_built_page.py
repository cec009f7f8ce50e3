"""A screen that is not built yet says so plainly, instead of a button that does nothing."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from mobileca_desktop.views.card import Card
from mobileca_desktop.views.icons import pixmap
from mobileca_desktop.views.page import Page
from mobileca_desktop.views.theme import set_role

# What each unbuilt feature waits for, in the user's words.
PENDING: dict[str, str] = {
    "授权管理": "授权经办人使用单位证书、法定代表人证书，以及经办人查看被授权的证书，"
    "将在后续版本提供。",
    "扫一扫": "扫码登录、扫码签章、扫码加解密，以及初次使用时的证书下载（激活），"
    "将随本机密钥库和扫码功能在后续版本提供。",
    "证书更新": "证书更新（含已过期证书点击继续）将在后续版本提供。",
    "证书变更": "证书变更（变更后需 CA 机构重新审核）将在后续版本提供。",
    "吊销": "吊销证书将在后续版本提供。",
    "修改证书密码": "证书密码随本机密钥库一同提供，将在后续版本提供。",
}


class NotBuiltPage(Page):
    def __init__(self, feature: str, on_back: Callable[[], None]) -> None:
        super().__init__(feature)
        self.setObjectName("notBuiltPage")
        self.feature = feature
        card = Card(spacing=12)
        mark = QLabel()
        mark.setPixmap(pixmap("construction", 56, self.devicePixelRatioF()))
        mark.setAlignment(Qt.AlignmentFlag.AlignCenter)
        heading = set_role(QLabel(f"“{feature}”尚未提供"), "heading")
        heading.setObjectName("notBuiltHeading")
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        heading.setWordWrap(True)
        text = set_role(
            QLabel(PENDING.get(feature, "此功能将在后续版本提供。") + "此页面不会进行任何操作。"),
            "muted",
        )
        text.setObjectName("notBuiltText")
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        back = QPushButton("返回")
        back.setObjectName("notBuiltBack")
        back.setAccessibleName("返回")
        back.clicked.connect(on_back)
        card.box.addWidget(mark)
        card.box.addWidget(heading)
        card.box.addWidget(text)
        card.box.addWidget(back)
        self.body.addSpacing(40)
        self.body.addWidget(card)
        self.body.addStretch()

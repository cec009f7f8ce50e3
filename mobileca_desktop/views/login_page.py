"""登录: the 法人登录 and 个人登录 tabs, account help and the 三晋通 support numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStackedWidget, QTabBar, QVBoxLayout

from mobileca_desktop.domain.models import AccountKind
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.icons import pixmap
from mobileca_desktop.views.login_form import LoginForm
from mobileca_desktop.views.page import Page
from mobileca_desktop.views.text import PlainLabel, escape, rich_label
from mobileca_desktop.views.theme import set_role

if TYPE_CHECKING:
    from mobileca_desktop.views.navigation import Navigator

ACCOUNT_HELP_URL = "https://www.sxzwfw.gov.cn/v5/auth/#/question"
SUPPORT_PHONES = ("0351-7731427", "0351-7731428")


class LoginPage(Page):
    def __init__(self, window: Navigator) -> None:
        super().__init__()
        self.title = self.tr("登录")
        self.setObjectName("loginPage")

        logo = PlainLabel()
        logo.setPixmap(pixmap("logo", 64, self.devicePixelRatioF()))
        logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        logo.setAccessibleName(self.tr("移动版 CA"))
        heading = set_role(PlainLabel(self.tr("山西公共资源交易\n移动版 CA")), "heading")
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        heading.setWordWrap(True)
        sub = set_role(PlainLabel(self.tr("使用三晋通账号登录")), "muted")
        sub.setAlignment(Qt.AlignmentFlag.AlignCenter)
        sub.setWordWrap(True)

        card = Card()
        self.tabs = QTabBar()
        self.tabs.setObjectName("loginTabs")
        self.tabs.setAccessibleName(self.tr("登录方式"))
        self.tabs.addTab(self.tr("法人登录"))
        self.tabs.addTab(self.tr("个人登录"))
        self.tabs.setExpanding(True)
        self.tabs.setDrawBase(False)
        self.forms = QStackedWidget()
        self.legal = LoginForm(window, AccountKind.LEGAL)
        self.personal = LoginForm(window, AccountKind.PERSONAL)
        self.forms.addWidget(self.legal)
        self.forms.addWidget(self.personal)
        self.tabs.currentChanged.connect(self.forms.setCurrentIndex)
        card.box.addWidget(self.tabs)
        card.box.addWidget(self.forms)

        hint = set_role(
            PlainLabel(
                self.tr(
                    "办理单位数字证书（公章）和法定代表人证书请选择法人登录；"
                    "办理经办人等个人数字证书请选择个人登录。"
                    "法人单位如已完成主体库注册，可直接使用主体库账号登录。"
                )
            ),
            "muted",
        )
        hint.setWordWrap(True)

        help_text = self.tr("账号常见问题")
        self.help = rich_label(f'<a href="{ACCOUNT_HELP_URL}">{escape(help_text)}</a>')
        self.help.setObjectName("accountHelpLink")
        self.help.setAccessibleName(self.tr("账号常见问题（打开山西政务服务网）"))
        self.help.setOpenExternalLinks(True)
        self.help.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.help.setAlignment(Qt.AlignmentFlag.AlignCenter)
        numbers = self.tr("、", "between phone numbers").join(SUPPORT_PHONES)
        phones = set_role(PlainLabel(self.tr("三晋通技术支持电话：{}").format(numbers)), "muted")
        phones.setObjectName("supportPhones")
        phones.setAlignment(Qt.AlignmentFlag.AlignCenter)
        phones.setWordWrap(True)
        phones.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.body.addSpacing(8)
        self.body.addWidget(logo)
        self.body.addWidget(heading)
        self.body.addWidget(sub)
        self.body.addSpacing(6)
        self.body.addWidget(card)
        self.body.addWidget(hint)
        self.body.addStretch()
        foot = QVBoxLayout()
        foot.setSpacing(2)
        foot.addWidget(self.help)
        foot.addWidget(phones)
        self.body.addLayout(foot)

    def form(self, kind: AccountKind) -> LoginForm:
        return self.legal if kind is AccountKind.LEGAL else self.personal

    def has_input(self) -> bool:
        """Whether anything was typed into either tab."""
        return any(
            form.login_name.value() or form.password.edit.text()
            for form in (self.legal, self.personal)
        )

    def select(self, kind: AccountKind, login_name: str = "") -> None:
        self.tabs.setCurrentIndex(0 if kind is AccountKind.LEGAL else 1)
        if login_name:
            self.form(kind).login_name.set_value(login_name)
            self.form(kind).password.edit.setFocus()

"""One login tab: 法人登录 (统一社会信用代码) or 个人登录 (身份证号 / 手机号), with its password."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from mobileca_desktop.domain.errors import AuthenticationFailed
from mobileca_desktop.domain.models import Account, AccountKind, Session
from mobileca_desktop.views import messages
from mobileca_desktop.views.background import BackgroundOp, show_error
from mobileca_desktop.views.form_field import FormField
from mobileca_desktop.views.theme import set_role

if TYPE_CHECKING:
    from mobileca_desktop.views.navigation import Navigator


class LoginForm(QWidget):
    def __init__(self, window: Navigator, kind: AccountKind) -> None:
        super().__init__()
        self.nav = window
        self.kind = kind
        legal = kind is AccountKind.LEGAL
        self.setObjectName("legalLoginForm" if legal else "personalLoginForm")
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 12, 0, 0)
        box.setSpacing(10)

        self.login_name = FormField(
            "login_name",
            self.tr("统一社会信用代码") if legal else self.tr("身份证号/手机号"),
            placeholder=(
                self.tr("请输入 18 位统一社会信用代码")
                if legal
                else self.tr("请输入身份证号或手机号")
            ),
            max_length=32,
        )
        self.password = FormField(
            "password", self.tr("密码"), password=True, placeholder=self.tr("请输入密码")
        )
        self.password.edit.returnPressed.connect(self.submit)
        self.login_name.edit.returnPressed.connect(self.password.edit.setFocus)

        self.login_button = set_role(QPushButton(self.tr("登录")), "primary")
        self.login_button.setObjectName("loginButton")
        self.login_button.setAccessibleName(self.tr("法人登录") if legal else self.tr("个人登录"))
        self.login_button.setMinimumHeight(44)
        self.login_button.clicked.connect(self.submit)

        links = QHBoxLayout()
        self.register_button = set_role(
            QPushButton(
                self.tr("未注册主体库的企业？立即注册") if legal else self.tr("没有账号？立即注册")
            ),
            "link",
        )
        self.register_button.setObjectName("registerButton")
        self.register_button.setAccessibleName(self.tr("注册"))
        self.register_button.clicked.connect(lambda: window.open_registration(self.kind))
        links.addStretch()
        links.addWidget(self.register_button)
        links.addStretch()

        box.addWidget(self.login_name)
        box.addWidget(self.password)
        box.addSpacing(4)
        box.addWidget(self.login_button)
        box.addLayout(links)

    def submit(self) -> None:
        name, password = self.login_name.value(), self.password.edit.text()
        empty = False
        for field, value in ((self.login_name, name), (self.password, password)):
            if not value:
                field.set_error(self.tr("请输入{}").format(field.label.text()))
                empty = True
        if empty:
            return
        ctx = self.nav.ctx
        if ctx is None:
            # The CA is still opening behind the form (app.Client): log in once it is ready
            # with what is in the fields then; the button stays disabled until then.
            if self.login_button.isEnabled():
                self.login_button.setEnabled(False)
                self.nav.when_ready(self._submit_when_ready)
                # What it waits for, in the start-up page's words (正在打开本机 CA… or the
                # remote CA's address).
                self.nav.notify(self.nav.waiting_text())
            return
        kind = self.kind

        def op() -> tuple[Session, Account]:
            session = ctx.ca.login(kind, name, password)
            return session, ctx.ca.me(session)

        self.login_button.setEnabled(False)
        job = BackgroundOp(self, op, on_success=self._logged_in, on_failure=self._failed)
        job.finished.connect(lambda: self.login_button.setEnabled(True))
        job.run()

    def _submit_when_ready(self) -> None:
        self.login_button.setEnabled(True)
        self.submit()

    def _logged_in(self, result: tuple[Session, Account]) -> None:
        session, account = result
        self.password.set_value("")
        name = self.login_name.value()
        if self.kind is AccountKind.PERSONAL and name.isdigit() and len(name) == 11:
            self.nav.remember_phone(name)
        self.nav.logged_in(session, account)

    def _failed(self, err: BaseException) -> None:
        if isinstance(err, AuthenticationFailed):
            self.password.set_error(messages.error_text(err))
        else:
            show_error(self, err)

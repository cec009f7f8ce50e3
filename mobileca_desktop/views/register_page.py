"""注册: a new 三晋通 account, for 未注册主体库的企业 (法人) or for a person (个人).

Every field shows its own error right under it: empty fields and mismatched passwords are
found here at once; the engine's checks (check characters, a phone number, a weak password,
an account that exists) come back typed and are put next to the field they name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QPushButton

from mobileca_desktop.domain.models import (
    Account,
    AccountKind,
    LegalEntityRegistration,
    PersonalRegistration,
)
from mobileca_desktop.views import messages
from mobileca_desktop.views.background import BackgroundOp, show_error
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.form_field import FormField
from mobileca_desktop.views.page import Page
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role

if TYPE_CHECKING:
    from mobileca_desktop.views.navigation import Navigator

# The engine's generic field names -> this form's fields.
LEGAL_ALIASES = {
    "id_number": "legal_person_id_number",
    "phone": "legal_person_phone",
    "name": "legal_person_name",
}


class RegisterPage(Page):
    def __init__(self, window: Navigator, kind: AccountKind) -> None:
        legal = kind is AccountKind.LEGAL
        super().__init__()
        self.title = self.tr("法人注册") if legal else self.tr("个人注册")
        self.nav = window
        self.kind = kind
        self.setObjectName("registerLegalPage" if legal else "registerPersonalPage")
        intro = set_role(
            PlainLabel(
                self.tr(
                    "未注册主体库的企业，请先注册三晋通法人账号。注册后可使用统一社会信用代码登录。"
                )
                if legal
                else self.tr("注册三晋通个人账号，用于办理个人数字证书或使用被授权的证书。")
            ),
            "muted",
        )
        intro.setWordWrap(True)
        self.body.addWidget(intro)

        card = Card(spacing=12)
        self.fields: dict[str, FormField] = {}
        for name, label, placeholder, default in self._field_specs(legal):
            field = FormField(
                name,
                label,
                placeholder=placeholder,
                value=default,
                password=name.startswith("password"),
            )
            self.fields[name] = field
            card.box.addWidget(field)
        self.body.addWidget(card)

        self.submit_button = set_role(QPushButton(self.tr("注册")), "primary")
        self.submit_button.setObjectName("registerSubmit")
        self.submit_button.setAccessibleName(self.tr("注册"))
        self.submit_button.setMinimumHeight(44)
        self.submit_button.clicked.connect(self.submit)
        self.fields["password_again"].edit.returnPressed.connect(self.submit)
        self.body.addWidget(self.submit_button)
        self.body.addStretch()

    def _field_specs(self, legal: bool) -> list[tuple[str, str, str, str]]:
        """(name, label, placeholder, default value) of each field, in order."""
        if legal:
            specs = [
                ("company_name", self.tr("单位名称"), self.tr("与营业执照一致"), ""),
                ("uscc", self.tr("统一社会信用代码"), self.tr("18 位，见营业执照"), ""),
                ("province", self.tr("所在省份"), "", "山西省"),  # a value, kept in Chinese
                ("city", self.tr("所在城市"), self.tr("如：太原市"), ""),
                ("bank_name", self.tr("开户银行"), self.tr("对公账户的开户银行"), ""),
                ("bank_account", self.tr("对公账号"), self.tr("用于对公打款核验"), ""),
                ("legal_person_name", self.tr("法定代表人姓名"), "", ""),
                (
                    "legal_person_id_number",
                    self.tr("法定代表人身份证号"),
                    self.tr("18 位居民身份证号"),
                    "",
                ),
                (
                    "legal_person_phone",
                    self.tr("法定代表人手机号"),
                    self.tr("接收验证码和授权码"),
                    "",
                ),
            ]
        else:
            specs = [
                ("name", self.tr("姓名"), "", ""),
                ("id_number", self.tr("身份证号"), self.tr("18 位居民身份证号"), ""),
                ("phone", self.tr("手机号"), self.tr("接收验证码"), ""),
            ]
        specs.append(("password", self.tr("登录密码"), self.tr("至少 8 位，须包含字母和数字"), ""))
        specs.append(("password_again", self.tr("确认密码"), self.tr("再次输入登录密码"), ""))
        return specs

    def value(self, name: str) -> str:
        if name.startswith("password"):
            return self.fields[name].edit.text()
        return self.fields[name].value()

    def _check_here(self) -> bool:
        ok = True
        for name, field in self.fields.items():
            if not self.value(name):
                field.set_error(self.tr("请填写{}").format(field.label.text()))
                ok = False
        if self.value("password_again") and self.value("password") != self.value("password_again"):
            self.fields["password_again"].set_error(self.tr("两次输入的密码不一致"))
            ok = False
        return ok

    def submit(self) -> None:
        for field in self.fields.values():
            field.set_error(None)
        if not self._check_here():
            self._focus_first_error()
            return
        ctx = self.nav.ctx
        assert ctx is not None
        v = self.value
        if self.kind is AccountKind.LEGAL:
            reg_legal = LegalEntityRegistration(
                company_name=v("company_name"),
                uscc=v("uscc").upper(),
                province=v("province"),
                city=v("city"),
                bank_name=v("bank_name"),
                bank_account=v("bank_account"),
                legal_person_name=v("legal_person_name"),
                legal_person_id_number=v("legal_person_id_number").upper(),
                legal_person_phone=v("legal_person_phone"),
                password=v("password"),
            )

            def op() -> Account:
                return ctx.ca.register_legal(reg_legal)

        else:
            reg_personal = PersonalRegistration(
                name=v("name"),
                id_number=v("id_number").upper(),
                phone=v("phone"),
                password=v("password"),
            )

            def op() -> Account:
                return ctx.ca.register_personal(reg_personal)

        self.submit_button.setEnabled(False)
        job = BackgroundOp(self, op, on_success=self._registered, on_failure=self._failed)
        job.finished.connect(lambda: self.submit_button.setEnabled(True))
        job.run()

    def _registered(self, account: Account) -> None:
        legal = self.kind is AccountKind.LEGAL
        phone = self.value("legal_person_phone" if legal else "phone")
        login_name = self.value("uscc").upper() if legal else phone
        self.nav.registered(self.kind, login_name, phone)

    def _failed(self, err: BaseException) -> None:
        aliases = LEGAL_ALIASES if self.kind is AccountKind.LEGAL else {}
        name = messages.route_error(err, aliases)
        if name in self.fields:
            self.fields[name].set_error(messages.error_text(err))
            self._focus_first_error()
        else:
            show_error(self, err)

    def _focus_first_error(self) -> None:
        for field in self.fields.values():
            if field.error_text():
                self.scroll_area.ensureWidgetVisible(field)
                field.edit.setFocus()
                return

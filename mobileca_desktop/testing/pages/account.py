"""Login, registration and 首页."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from mobileca_desktop.domain.models import AccountKind
from mobileca_desktop.testing.pages.activation import ActivationPage
from mobileca_desktop.testing.pages.base import PageObject
from mobileca_desktop.testing.pages.certificates import CertListPage
from mobileca_desktop.testing.pages.dialogs import FirstUseQuestion
from mobileca_desktop.testing.pages.grants import GrantsPage, ReceivedGrantsPage
from mobileca_desktop.testing.pages.scan import ChooseCertificatePage, ScanPage
from mobileca_desktop.testing.pages.wizard import WizardPage

# --- login and home ---------------------------------------------------------------------------


class LoginPage(PageObject):
    """法人登录 / 个人登录."""

    object_name = "loginPage"

    def log_in(self, kind: AccountKind, login_name: str, password: str) -> HomePage:
        self.choose_tab(kind)
        form = self.widget.form(kind)
        self.type(form.login_name, login_name)
        self.type(form.password, password)
        self.click(form.login_button)
        return HomePage(self.client)

    def log_in_as_company(self, company: Any = None) -> HomePage:
        """法人登录 as the demo company (``World.demo.company`` by default)."""
        company = company or self.client.world.demo.company
        return self.log_in(AccountKind.LEGAL, company.uscc, company.password)

    def log_in_as_agent(self, agent: Any = None) -> HomePage:
        """个人登录 as the demo 经办人, by phone number."""
        agent = agent or self.client.world.demo.agent
        return self.log_in(AccountKind.PERSONAL, agent.phone, agent.password)

    def log_in_refused(self, kind: AccountKind, login_name: str, password: str) -> str:
        """A login that must fail: returns what the form says next to its field; the page
        stays."""
        self.choose_tab(kind)
        form = self.widget.form(kind)
        self.type(form.login_name, login_name)
        self.type(form.password, password)
        self.click(form.login_button)
        fields = (form.login_name, form.password)
        self.client.wait_until(
            lambda: any(f.error_text() for f in fields) or not self.is_current(),
            "the login to be refused",
        )
        self._check_current()
        return next(f.error_text() for f in fields if f.error_text())

    def open_registration(self, kind: AccountKind) -> RegisterPage:
        """注册 on the tab of ``kind``: the registration page of that kind of account."""
        self.choose_tab(kind)
        self.click(self.widget.form(kind).register_button)
        if kind is AccountKind.LEGAL:
            return RegisterLegalPage(self.client)
        return RegisterPersonalPage(self.client)

    def choose_tab(self, kind: AccountKind) -> None:
        tabs = self.widget.tabs
        index = 0 if kind is AccountKind.LEGAL else 1
        self.qtbot.mouseClick(tabs, Qt.MouseButton.LeftButton, pos=tabs.tabRect(index).center())
        self.client.wait_until(lambda: tabs.currentIndex() == index, "the login tab")


class RegisterPage(PageObject):
    """注册: one field per value (``fields``: company_name, uscc, province, city, bank_name,
    bank_account, legal_person_name, or name, id_number, phone; password, password_again)."""

    def fill(self, **values: str) -> RegisterPage:
        for name, text in values.items():
            self.type(self.widget.fields[name], text)
        return self

    def register(self, **values: str) -> LoginPage:
        """Fills ``values`` (``password`` also goes to ``password_again`` unless given),
        注册: back on the login page with the account filled in (toast 注册成功，请登录)."""
        if "password" in values:
            values.setdefault("password_again", values["password"])
        self.fill(**values)
        self.click(self.widget.submit_button)
        fields = self.widget.fields.values()
        self.client.wait_until(
            lambda: not self.is_current() or any(f.error_text() for f in fields),
            "注册 to finish",
        )
        if self.is_current():
            errors = {n: f.error_text() for n, f in self.widget.fields.items() if f.error_text()}
            raise AssertionError(f"注册 refused: {errors}")
        return LoginPage(self.client)

    def errors(self) -> dict[str, str]:
        return {n: f.error_text() for n, f in self.widget.fields.items() if f.error_text()}


class RegisterLegalPage(RegisterPage):
    object_name = "registerLegalPage"


class RegisterPersonalPage(RegisterPage):
    object_name = "registerPersonalPage"


class HomePage(PageObject):
    """首页: who is logged in, and the tiles."""

    object_name = "homePage"

    @property
    def identity_name(self) -> str:
        return self.text("identityName")

    def tiles(self) -> list[str]:
        return [name for name, tile in self.widget.tiles.items() if tile.isVisible()]

    def open_certificates(self) -> CertListPage:
        """证书管理."""
        self.click("certsTile")
        return CertListPage(self.client)

    def open_scan(self) -> ScanPage | ActivationPage | ChooseCertificatePage:
        """扫一扫: the scanner; or (first use: no certificate on this computer) the question
        初次使用需要下载安全证书并设置证书密码 confirmed with 继续, then 证书下载 / 激活 (or, when
        several certificates could be downloaded, 选择证书). A notice instead (nothing to
        download yet, no keystore) fails with its words."""
        self.click("scanTile")
        window = self.client.window
        notices = ("scanNoCertificate", "scanNoKeystore")

        def next_thing() -> Any:
            if window.current().objectName() == "scanPage":
                return "scan"
            for name in (FirstUseQuestion.object_name, *notices):
                shown = [d for d in window.findChildren(QDialog, name) if d.isVisible()]
                if shown:
                    return shown[0]
            return None

        self.client.wait_until(lambda: next_thing() is not None, "the scanner or 初次使用")
        found = next_thing()
        if found == "scan":
            return ScanPage(self.client)
        if found.objectName() in notices:
            raise AssertionError(f"扫一扫: {found.text()}")
        FirstUseQuestion(self.client).confirm()
        names = ("activationPage", ChooseCertificatePage.object_name)
        self.client.wait_until(
            lambda: window.current().objectName() in names, "证书下载 or 选择证书"
        )
        if window.current().objectName() == "activationPage":
            return ActivationPage(self.client)
        return ChooseCertificatePage(self.client)

    def apply(self, kind: Any) -> WizardPage:
        """申请单位证书 / 申请法定代表人证书 / 申请个人证书 (``kind``: a ``CertKind``)."""
        tile = {"unit": "applyUnitTile", "legal_rep": "applyLegalRepTile"}.get(
            str(getattr(kind, "value", kind)), "applyPersonalTile"
        )
        self.click(tile)
        return WizardPage(self.client)

    def open_grants(self) -> GrantsPage | ReceivedGrantsPage:
        """授权管理: the legal person's grants, or (a person) the grants received."""
        self.click("grantsTile")
        account = self.client.window.account
        if account is not None and account.kind is AccountKind.LEGAL:
            return GrantsPage(self.client)
        return ReceivedGrantsPage(self.client)

    def log_out(self) -> LoginPage:
        self.click("logoutButton")
        return LoginPage(self.client)

"""Page objects for the client's main screens.

Each stands for one page of the window's stack (``MainWindow.current()``): it waits until
that page is the current one, finds widgets only inside it (never ``window.findChild``,
which also finds the hidden pages the stack still holds), and each action returns the page
object of where the app goes next, after waiting on the app's own conditions (a page
loaded, a button shown, a background operation finished). Nothing sleeps for a fixed time;
``--mobileca-pace`` only slows a run down to be watched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QInputMethodEvent
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialog, QWidget

from mobileca_desktop.domain.models import AccountKind

if TYPE_CHECKING:
    from mobileca_desktop.testing.client import Client

W = TypeVar("W", bound=QWidget)


class PageObject:
    """One page of the window. ``widget`` is the page itself (a ``views.page.Page``)."""

    object_name: ClassVar[str] = ""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.qtbot = client.qtbot
        self.widget = client.wait_page(self.object_name)
        self.ready()

    def ready(self) -> None:
        """Waits until the page shows its data (pages that load something override it)."""

    # --- finding and acting inside this page ------------------------------------------------

    def is_current(self) -> bool:
        return self.client.window.current() is self.widget

    def _check_current(self) -> None:
        if not self.is_current():
            now = self.client.window.current().objectName()
            raise AssertionError(f"{self.object_name} is no longer shown (now {now!r})")

    def find_all(self, object_name: str, cls: type[W] = QWidget) -> list[W]:
        """The visible widgets of this page named ``object_name``."""
        self._check_current()
        return [w for w in self.widget.findChildren(cls, object_name) if w.isVisible()]

    def find(self, object_name: str, cls: type[W] = QWidget) -> W:
        """The one visible widget of this page named ``object_name``, once it is shown."""
        self.client.wait_until(
            lambda: len(self.find_all(object_name, cls)) >= 1,
            f"{object_name!r} on {self.object_name}",
        )
        found = self.find_all(object_name, cls)
        assert len(found) == 1, f"{len(found)} widgets named {object_name!r} on {self.object_name}"
        return found[0]

    def text(self, object_name: str) -> str:
        return self.find(object_name).text()

    def click(self, button: QAbstractButton | str) -> None:
        if isinstance(button, str):
            button = self.find(button, QAbstractButton)
        self.client.wait_until(
            lambda: button.isVisible() and button.isEnabled(), f"{button.objectName()} enabled"
        )
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        self.client.pace()

    def type(self, field: Any, text: str) -> None:
        """Types into a ``FormField`` (or a line edit) as a user does, clearing it first;
        Chinese arrives as an input method's committed text."""
        edit = getattr(field, "edit", field)
        edit.setFocus()
        edit.selectAll()
        self.qtbot.keyClick(edit, Qt.Key.Key_Delete)
        if text.isascii():
            self.qtbot.keyClicks(edit, text)
        else:
            event = QInputMethodEvent()
            event.setCommitString(text)
            QApplication.sendEvent(edit, event)
        self.client.pace()

    def back(self) -> PageObject:
        """The top bar's back (<): the page object of where the window goes."""
        self.click(self.client.window.top_bar.back)
        self.client.wait_until(lambda: not self.is_current(), "the window to go back")
        return page_object_for(self.client)

    def toast(self) -> str:
        """The floating message at the bottom of the window."""
        return self.client.window.toast.text()


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

    def open_scan(self) -> ScanPage | ActivationPage:
        """扫一扫: the scanner, or (first use, no certificate on this device) the download
        prompt, confirmed with 继续: then the 证书下载 / 激活 page."""
        self.click("scanTile")
        window = self.client.window

        def next_thing() -> Any:
            if window.current().objectName() == "scanPage":
                return "scan"
            dialogs = [d for d in window.findChildren(QDialog, "firstUseDialog") if d.isVisible()]
            return dialogs[0] if dialogs else None

        self.client.wait_until(lambda: next_thing() is not None, "the scanner or 初次使用")
        found = next_thing()
        if found == "scan":
            return ScanPage(self.client)
        self.click(found.confirm_button)
        return ActivationPage(self.client)

    def apply(self, kind: Any) -> WizardPage:
        """申请单位证书 / 申请法定代表人证书 / 申请个人证书 (``kind``: a ``CertKind``)."""
        tile = {"unit": "applyUnitTile", "legal_rep": "applyLegalRepTile"}.get(
            str(kind), "applyPersonalTile"
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


# --- 证书管理 and 证书详情 ------------------------------------------------------------------------


class CertRowView:
    """One row of 证书管理."""

    def __init__(self, page: CertListPage, widget: Any) -> None:
        self.page = page
        self.widget = widget

    @property
    def status(self) -> str:
        """The status badge as shown: 正常, 审核中, 已失效, 已过期, 草稿..."""
        return self.widget.badge.text()

    @property
    def certificate_id(self) -> int | None:
        return self.widget.row.certificate_id

    @property
    def application_id(self) -> int | None:
        return self.widget.row.application_id

    @property
    def kind(self) -> Any:
        return self.widget.row.kind

    @property
    def note(self) -> str:
        notes = [w for w in self.widget.findChildren(QWidget, "certRowNote") if w.isVisible()]
        return notes[0].text() if notes else ""

    def open(self) -> CertDetailPage:
        """A click on the row: 证书详情."""
        self.page.qtbot.mouseClick(self.widget, Qt.MouseButton.LeftButton)
        self.page.client.pace()
        return CertDetailPage(self.page.client)

    def continue_(self) -> Any:
        """继续 (a draft, a rejected application, an expired certificate)."""
        button = self.widget.continue_button
        assert button is not None, f"no 继续 on {self.widget.objectName()}"
        self.page.click(button)
        self.page.client.wait_until(lambda: not self.page.is_current(), "继续 to open")
        return page_object_for(self.page.client)


class CertListPage(PageObject):
    """证书管理: the account's certificates and applications, each with its status."""

    object_name = "certListPage"

    def ready(self) -> None:
        # The page reloads each time it is shown again (back from 证书详情): its data are
        # current once nothing is loading.
        self.client.wait_until(lambda: self.widget.loaded, "证书管理 to load")
        self.client.settle()

    def rows(self) -> list[CertRowView]:
        return [CertRowView(self, w) for w in self.widget.rows]

    def statuses(self) -> list[str]:
        return [r.status for r in self.rows()]

    def row(self, certificate_id: int | None = None, application_id: int | None = None):
        for r in self.rows():
            if certificate_id is not None and r.certificate_id == certificate_id:
                return r
            if application_id is not None and r.application_id == application_id:
                return r
        raise AssertionError(
            f"no row for certificate {certificate_id} / application {application_id}"
        )

    def wait_status(self, status: str, **which: int) -> CertRowView:
        """Waits until the row shows ``status`` (the page reloads itself, e.g. after the
        reviewer acts in the 审核台)."""
        self.client.wait_until(
            lambda: self.row(**which).status == status, f"the row {which} to show {status}"
        )
        return self.row(**which)


class CertDetailPage(PageObject):
    """证书详情: status, the device card (下载证书), the actions."""

    object_name = "certDetailPage"

    def ready(self) -> None:
        self.client.wait_until(lambda: self.widget.detail is not None, "证书详情 to load")
        self.client.settle()  # shown again (back from 下载): reloaded

    @property
    def status(self) -> str:
        return self.widget.badge.text()

    @property
    def subject(self) -> str:
        return self.text("detailSubject")

    @property
    def device_state(self) -> str:
        return self.text("deviceState")

    def actions(self) -> dict[str, bool]:
        """The action buttons shown and whether each is enabled."""
        return {n: b.isEnabled() for n, b in self.widget.buttons.items() if b.isVisible()}

    def download(self) -> ActivationPage:
        """下载证书: 证书下载 / 激活."""
        self.click("downloadButton")
        return ActivationPage(self.client)


# --- 下载 / 激活 ----------------------------------------------------------------------------------


class ActivationPage(PageObject):
    """证书下载 / 激活: SMS code, certificate password twice, 激活."""

    object_name = "activationPage"

    def ready(self) -> None:
        self.client.wait_until(lambda: self.widget.loaded, "证书下载 to load")

    def request_code(self, number: str | None = None) -> str:
        """获取验证码; returns the code as the phone ``number`` shows it (the legal person's,
        also when an agent downloads: the demo company's by default)."""
        world = self.client.world
        number = number or world.demo.company.legal_person_phone
        page = self.widget
        after = world.phone.last_id(number)
        self.click(page.code_button)
        self.client.wait_until(
            lambda: "验证码已发送" in page.sent.text() or bool(page.sms.error_text()),
            "验证码已发送",
        )
        if page.sms.error_text():
            raise AssertionError(f"获取验证码 refused: {page.sms.error_text()}")
        self.client.phones_seen.add(number)
        return world.phone.last_code(number, after)

    def activate(self, password: str, code: str | None = None) -> ActivationPage:
        """Fills the code (requested now if not given) and the password twice, 激活; waits
        for 本机已下载此证书."""
        code = code if code is not None else self.request_code()
        page = self.widget
        self.type(page.sms, code)
        self.type(page.passwords.password, password)
        self.type(page.passwords.again, password)
        self.click(page.activate_button)
        self.client.wait_until(
            lambda: (
                page.done_card.isVisible() or page.banner.isVisible() or bool(page.sms.error_text())
            ),
            "激活 to finish",
        )
        if not page.done_card.isVisible():
            raise AssertionError(f"激活 failed: {page.banner.text() or page.sms.error_text()}")
        return self

    @property
    def done_heading(self) -> str:
        return self.text("activationDoneHeading")

    def finish(self) -> PageObject:
        """The success card's button (开始扫一扫 / 完成): wherever it leads."""
        self.click("activationDoneButton")
        self.client.wait_until(lambda: not self.is_current(), "the next page")
        return page_object_for(self.client)


# --- 扫一扫 ---------------------------------------------------------------------------------------


class ScanPage(PageObject):
    """扫一扫: camera, screen, or 图片 (clipboard / file)."""

    object_name = "scanPage"

    def paste_image(self, png: bytes) -> ScanConfirmPage:
        """The QR's picture on the clipboard, 粘贴剪贴板: the confirm page."""
        from mobileca_desktop.views.scan.scan_page import IMAGE

        tabs = self.widget.tabs  # a QTabBar
        self.qtbot.mouseClick(tabs, Qt.MouseButton.LeftButton, pos=tabs.tabRect(IMAGE).center())
        self.client.wait_until(lambda: tabs.currentIndex() == IMAGE, "the 图片 tab")
        image = QImage.fromData(png)
        assert not image.isNull(), "not a picture"
        QGuiApplication.clipboard().setImage(image)
        self.click("pasteButton")
        return ScanConfirmPage(self.client)

    def from_camera(self) -> ScanConfirmPage:
        """The camera (the default source) reads the code it is shown: the confirm page."""
        return ScanConfirmPage(self.client)

    @property
    def status(self) -> str:
        return self.text("scanStatus")


class ScanConfirmPage(PageObject):
    """The 扫一扫 confirm page: who asks, what for, with which certificate; the password."""

    object_name = "scanConfirmPage"

    def ready(self) -> None:
        self.client.settle()

    @property
    def platform_name(self) -> str:
        return self.text("platformName")

    @property
    def operation(self) -> str:
        return self.text("operationValue")

    def confirm(self, password: str) -> ScanResultPage:
        """Types the certificate password, 确认…: the result page."""
        self.type(self.widget.password, password)
        self.click(self.widget.confirm_button)
        return ScanResultPage(self.client)

    def confirm_refused(self, password: str) -> str:
        """A password that must be refused: returns the error, the page stays."""
        page = self.widget
        self.type(page.password, password)
        self.click(page.confirm_button)
        self.client.wait_until(lambda: page.password.error_text() != "", "the password error")
        return page.password.error_text()


class ScanResultPage(PageObject):
    """扫码成功 / 失败."""

    object_name = "scanResultPage"

    @property
    def heading(self) -> str:
        return self.text("resultHeading")

    @property
    def message(self) -> str:
        return self.text("resultMessage")

    def scan_again(self) -> ScanPage:
        self.click("scanAgainButton")
        return ScanPage(self.client)

    def done(self) -> PageObject:
        self.click("doneButton")
        self.client.wait_until(lambda: not self.is_current(), "完成")
        return page_object_for(self.client)


# --- the CA 审核台 -------------------------------------------------------------------------------


class ReviewerDesk:
    """The CA 审核台 window (the local CA's trainer tool), entered as the CA operator."""

    def __init__(self, client: Client, window: Any) -> None:
        self.client = client
        self.qtbot = client.qtbot
        self.window = window

    @classmethod
    def open(cls, client: Client) -> ReviewerDesk:
        from mobileca_desktop.views.reviewer.reviewer_window import ReviewerWindow

        client.window.open_reviewer()  # what the top bar's ⋯ menu calls
        found = [w for w in client.window.findChildren(ReviewerWindow) if w.isVisible()]
        assert found, "the 审核台 did not open"
        desk = cls(client, found[0])
        if desk.window.pages.currentWidget() is desk.window.login_page:
            client.qtbot.mouseClick(desk.window.operator_button, Qt.MouseButton.LeftButton)
        client.wait_until(lambda: desk.window.loaded, "the review queue to load")
        return desk

    def queue(self) -> list[int]:
        """The application ids waiting, in the queue's order."""
        return [i.application.id for i in self.window.items]

    def pick(self, app_id: int) -> ReviewerDesk:
        desk, table = self.window, self.window.table
        self.client.wait_until(lambda: app_id in self.queue(), f"application {app_id} queued")
        row = self.queue().index(app_id)
        rect = table.visualItemRect(table.item(row, 1))
        self.qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        self.client.wait_until(
            lambda: desk.detail_loaded and desk.item.application.id == app_id,
            f"application {app_id}'s detail",
        )
        self.client.wait_until(
            lambda: all(b.isVisible() for b in desk.action_buttons.values()), "the actions"
        )
        self.client.pace()
        return self

    def approve(self, app_id: int) -> ReviewerDesk:
        """通过: waits for the 审核台 to say so."""
        self.pick(app_id)
        self._act(app_id, "approveButton", "已通过")
        return self

    def reject(self, app_id: int, reason: str) -> ReviewerDesk:
        """驳回 with ``reason`` (required)."""
        self.pick(app_id)
        edit = self.window.reason.edit
        edit.setFocus()
        event = QInputMethodEvent()
        event.setCommitString(reason)
        QApplication.sendEvent(edit, event)
        self._act(app_id, "rejectButton", "已驳回")
        return self

    def _act(self, app_id: int, name: str, said: str) -> None:
        button = self.window.action_buttons[name]
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        self.client.wait_until(lambda: said in self.window.banner.text(), f"the 审核台: {said}")
        self.client.wait_until(lambda: app_id not in self.queue(), "the queue to refresh")
        self.client.pace()

    def close(self) -> None:
        self.window.close()


# --- 授权管理 -------------------------------------------------------------------------------------


class GrantRowView:
    """One grant of 授权管理."""

    def __init__(self, page: PageObject, widget: Any) -> None:
        self.page = page
        self.widget = widget

    @property
    def grant_id(self) -> int:
        return self.widget.grant.id

    @property
    def certificate_id(self) -> int:
        return self.widget.grant.certificate_id

    @property
    def status(self) -> str:
        """授权中, 已撤回, 已过期..."""
        return self.widget.badge.text()

    def download(self) -> ActivationPage:
        """下载证书 (the agent's received grant) on this computer."""
        self.page.click(self.widget.download_button)
        return ActivationPage(self.page.client)


class _GrantList(PageObject):
    def ready(self) -> None:
        self.client.wait_until(lambda: self.widget.loaded, "授权管理 to load")
        self.client.settle()  # reloaded each time it is shown

    def rows(self) -> list[GrantRowView]:
        return [GrantRowView(self, w) for w in self.widget.rows]

    def row(self, grant_id: int | None = None, certificate_id: int | None = None):
        for r in self.rows():
            if grant_id is not None and r.grant_id == grant_id:
                return r
            if certificate_id is not None and r.certificate_id == certificate_id:
                return r
        raise AssertionError(f"no grant {grant_id} / for certificate {certificate_id}")


class GrantsPage(_GrantList):
    """授权管理 of the legal person: the grants made, 新增授权."""

    object_name = "grantsPage"

    def new_grant(self) -> NewGrantPage:
        self.click("newGrantButton")
        return NewGrantPage(self.client)


class ReceivedGrantsPage(_GrantList):
    """授权管理 of a person: the certificates granted to them, each with 下载证书."""

    object_name = "receivedGrantsPage"


class NewGrantPage(PageObject):
    """新增授权: which certificate, the 经办人, for how long."""

    object_name = "newGrantPage"

    def ready(self) -> None:
        self.client.wait_until(lambda: self.widget.loaded, "新增授权 to load")

    def grant(
        self, certificate_id: int | None = None, agent: Any = None, period: str | None = None
    ) -> GrantsPage:
        """Chooses the certificate (the one offered by default if None), types the agent's
        name, ID number and phone (the demo agent by default), a period button (``6m``...)
        when given, 确认授权: back on 授权管理 with the new grant."""
        agent = agent or self.client.world.demo.agent
        if certificate_id is not None:
            self.click(f"grantCert_{certificate_id}")
        fields = self.widget.fields
        self.type(fields["agent_name"], agent.name)
        self.type(fields["agent_id_number"], agent.id_number)
        self.type(fields["agent_phone"], agent.phone)
        if period is not None:
            self.click(f"period_{period}")
        self.click(self.widget.submit_button)
        self.client.wait_until(
            lambda: not self.is_current() or any(f.error_text() for f in fields.values()),
            "确认授权",
        )
        if self.is_current():
            errors = {n: f.error_text() for n, f in fields.items() if f.error_text()}
            raise AssertionError(f"新增授权 refused: {errors}")
        return GrantsPage(self.client)


# --- the application wizard (证书新办) ----------------------------------------------------------


class WizardPage(PageObject):
    """申请…证书: one page whose step view changes (``step``: ``services.wizard.Step``)."""

    object_name = "wizardPage"

    def ready(self) -> None:
        self.client.wait_until(self._shown, "the wizard's step")

    def _shown(self) -> bool:
        page = self.widget
        return not page.busy and page.view is not None and page.view.isVisible()

    @property
    def step(self) -> Any:
        return self.widget.wizard.step

    @property
    def heading(self) -> str:
        return self.widget.heading.text()

    @property
    def banner(self) -> str:
        banner = self.widget.banner
        return banner.text() if banner.isVisible() else ""

    @property
    def application_id(self) -> int | None:
        app = self.widget.wizard.application
        return app.id if app is not None else None

    def choose(self, object_name: str) -> WizardPage:
        """A choice of the step (``institution_bjca``, ``method_deposit``,
        ``handler_legal_person``...), once the step's data are shown."""
        from PySide6.QtWidgets import QRadioButton

        self.client.wait_until(
            lambda: any(
                b.isVisible() for b in self.widget.view.findChildren(QRadioButton, object_name)
            ),
            f"the choice {object_name!r}",
        )
        button = self.widget.view.findChild(QRadioButton, object_name)
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert button.isChecked(), object_name
        self.client.pace()
        return self

    def fill(self, field: str, text: str) -> WizardPage:
        """Types into the step's field ``field`` (``agent_name``, ``deposit_amount``...)."""
        self.type(self.widget.view.fields[field], text)
        return self

    def field_error(self, field: str) -> str:
        return self.widget.view.fields[field].error_text()

    def next(self, expected: Any = None) -> WizardPage:
        """下一步: waits for the next step (``expected``, when given) and fails with what the
        page says when it does not move on."""
        before = self.step
        self.click(self.widget.next_button)
        self.client.wait_until(lambda: not self.widget.busy, "下一步")
        if self.step is before and expected is not before:
            errors = [f"{n}: {f.error_text()}" for n, f in self._fields() if f.error_text()]
            raise AssertionError(f"下一步 refused on {before}: {self.banner or errors}")
        self.ready()
        if expected is not None and self.step is not expected:
            raise AssertionError(f"下一步 went to {self.step}, not {expected}")
        return self

    def back(self) -> PageObject:
        """The top bar's back (<): a step back while there is one (this page object), else
        out of the wizard."""
        if not self.widget.wizard.can_go_back:
            return super().back()
        before = self.step
        self.click(self.client.window.top_bar.back)
        self.client.wait_until(lambda: self.step is not before and self._shown(), "a step back")
        return self

    def previous(self) -> WizardPage:
        """上一步 (the page's own button)."""
        before = self.step
        self.click(self.widget.back_button)
        self.client.wait_until(lambda: self.step is not before and self._shown(), "上一步")
        return self

    def _fields(self) -> list[tuple[str, Any]]:
        return list(getattr(self.widget.view, "fields", {}).items())

    def start_deposit(self) -> str:
        """对公打款: 发起打款; returns the amount the bank's notice on the phone says."""
        world = self.client.world
        number = world.demo.company.legal_person_phone
        self.click(self.find("startDepositButton"))
        amount = self.widget.view.fields["deposit_amount"]
        self.client.wait_until(lambda: amount.isVisible() and not self.widget.busy, "打款")
        return world.phone.deposit_amount(number)

    def upload(self, kind: Any, path: Any) -> WizardPage:
        """上传证件: ``path`` dragged from the file manager and dropped onto the slot of
        ``kind`` (a ``DocKind``); waits for the upload."""
        import warnings

        from PySide6.QtCore import QMimeData, QPointF, QUrl
        from PySide6.QtGui import QDragEnterEvent, QDropEvent

        slot = self.widget.view.slots[kind]
        self.client.wait_until(slot.isVisible, f"the slot {kind}")
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        pos = slot.rect().center()
        args = (
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        with warnings.catch_warnings():  # PySide6 marks the (QPoint) constructor deprecated
            warnings.simplefilter("ignore", DeprecationWarning)
            enter = QDragEnterEvent(pos, *args)
        QApplication.sendEvent(slot, enter)
        assert enter.isAccepted(), f"the slot {kind} refused the drag"
        QApplication.sendEvent(slot, QDropEvent(QPointF(pos), *args))
        name = str(getattr(path, "name", path))

        def uploaded() -> bool:  # the step view may be rebuilt: look the slot up again
            doc = self.widget.view.slots[kind].doc
            return not self.widget.busy and doc is not None and doc.filename == name

        self.client.wait_until(uploaded, f"{name} uploaded")
        self.client.pace()
        return self

    def sign(self, number: str | None = None) -> WizardPage:
        """短信验证码电子签名: 获取验证码, the code from the signer's phone (the legal person's
        by default), 下一步: 已提交."""
        from mobileca_desktop.services.wizard import Step

        world = self.client.world
        number = number or world.demo.company.legal_person_phone
        after = world.phone.last_id(number)
        self.click(self.find("smsCodeButton"))
        self.client.wait_until(lambda: bool(self.find_all("smsSent")), "验证码已发送")
        self.client.phones_seen.add(number)
        self.fill("sms_code", world.phone.last_code(number, after))
        return self.next(Step.SUBMITTED)

    def view_certificates(self) -> CertListPage:
        """已提交's 查看证书管理."""
        self.click(self.widget.next_button)
        return CertListPage(self.client)


# --- which page is this -----------------------------------------------------------------------

PAGES: dict[str, type[PageObject]] = {
    cls.object_name: cls
    for cls in (
        LoginPage,
        RegisterLegalPage,
        RegisterPersonalPage,
        HomePage,
        CertListPage,
        CertDetailPage,
        ActivationPage,
        ScanPage,
        ScanConfirmPage,
        ScanResultPage,
        WizardPage,
        GrantsPage,
        ReceivedGrantsPage,
        NewGrantPage,
    )
}


class OtherPage(PageObject):
    """A page without a page object of its own yet (the wizard, 授权管理, settings...)."""

    def __init__(self, client: Client) -> None:
        self.object_name = client.window.current().objectName()  # type: ignore[misc]
        super().__init__(client)


def page_object_for(client: Client) -> PageObject:
    """The page object of the window's current page."""
    name = client.window.current().objectName()
    return PAGES.get(name, OtherPage)(client)

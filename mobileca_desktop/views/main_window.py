"""The main window: a phone-proportioned column with a top bar and a stack of pages; the
phone inbox is a window of its own beside it. It owns navigation and the login; pages do
the rest."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QThreadPool, Signal
from PySide6.QtGui import QCloseEvent, QResizeEvent, QShortcut
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from mobileca_desktop.views import theme
from mobileca_desktop.views.icons import icon
from mobileca_desktop.views.page import Page
from mobileca_desktop.views.startup_page import StartupPage
from mobileca_desktop.views.top_bar import TopBar

if TYPE_CHECKING:
    from mobileca_desktop.domain.models import (
        Account,
        AccountKind,
        CertificateRow,
        CertKind,
        Session,
    )
    from mobileca_desktop.services.wizard import ApplicationWizard
    from mobileca_desktop.views.context import AppContext
    from mobileca_desktop.views.inbox_panel import InboxPanel
    from mobileca_desktop.views.navigation import Navigator
    from mobileca_desktop.views.toast import Toast

# The first frame is the top bar and the start-up page: everything else is imported and
# built when first used, after it (bench/startup.py). The pages after login (home, 证书管理,
# 证书详情, the wizard) and what they import (NumPy and OpenCV for the camera, the
# keystore's cryptography); the domain models; the phone-inbox dock (``inbox_panel``) and
# the toast; Qt's ``Qt`` namespace, whose first use builds all its ~90 enums (15 ms).

WINDOW_SIZE = (420, 860)
APP_TITLE = "山西公共资源交易 移动版 CA"


class MainWindow(QMainWindow):
    """Implements ``views.navigation.Navigator``: what the pages it holds may ask of it."""

    page_changed = Signal(object)  # the new current Page
    closing = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle(APP_TITLE)
        self.setWindowIcon(icon("logo"))
        theme.apply(self)
        self.resize(*WINDOW_SIZE)
        self.setMinimumSize(360, 600)
        self.ctx: AppContext | None = None
        self.session: Session | None = None
        self.account: Account | None = None

        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.top_bar = TopBar()
        self.top_bar.back_requested.connect(self.back)
        self.top_bar.inbox_toggled.connect(self.toggle_inbox)
        self.top_bar.settings_requested.connect(self.open_settings)
        self.top_bar.reviewer_requested.connect(self.open_reviewer)
        self.top_bar.clock_requested.connect(self.open_clock)
        self.stack = QStackedWidget()
        self.stack.setObjectName("pageStack")
        column.addWidget(self.top_bar)
        column.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self._toast: Toast | None = None
        self._inbox_panel: InboxPanel | None = None
        # What the user asked for on the login page while the CA was still opening behind
        # it (app.Client): run once the services are attached, dropped if they fail.
        self._waiting: list[Callable[[], None]] = []
        inbox_key = QShortcut(self)
        inbox_key.setProperty("key", "Ctrl+I")  # setKey() would build the Qt namespace
        inbox_key.activated.connect(self.toggle_inbox)

        self.startup = StartupPage()
        self.reset(self.startup)

    @property
    def toast(self) -> Toast:
        """The floating message over the bottom of the window (made on first use)."""
        if self._toast is None:
            from mobileca_desktop.views.toast import Toast

            central = self.centralWidget()
            assert central is not None  # set in __init__
            self._toast = Toast(central)
        return self._toast

    @property
    def inbox_panel(self) -> InboxPanel:
        """手机收件箱, a window of its own, hidden until opened (made on first use, unless
        the demo handed this window the phone it shares with the other)."""
        if self._inbox_panel is None:
            from mobileca_desktop.views.inbox_panel import InboxPanel

            panel = InboxPanel(self)
            panel.hide()
            self._inbox_panel = panel
            if self.ctx is not None:
                panel.attach(self.ctx.inbox)
        return self._inbox_panel

    def use_inbox(self, panel: InboxPanel) -> None:
        """Shares ``panel`` (the demo's one phone on the desk) instead of a phone of its own."""
        self._inbox_panel = panel
        if self.ctx is not None and panel.inbox is None:
            panel.attach(self.ctx.inbox)

    # --- start-up ---------------------------------------------------------------------------

    def attach(self, ctx: AppContext) -> None:
        """The services are ready: the login page (the one already shown keeps what was
        typed), then what was asked for on it while they opened (a click on 登录)."""
        self.ctx = ctx
        # Qt appends the application's display name (the product) to a window's title:
        # the title is what tells this window from another, the device.
        self.setWindowTitle(ctx.device)
        self.top_bar.attach(ctx)
        if self._inbox_panel is not None and self._inbox_panel.inbox is None:
            self._inbox_panel.attach(ctx.inbox)
        self.show_login()
        waiting, self._waiting = self._waiting, []
        for action in waiting:
            action()

    def when_ready(self, action: Callable[[], None]) -> None:
        """Runs ``action`` now if the services are attached, else once they are: the login
        page is usable while the CA opens behind it. Dropped if the start-up fails."""
        if self.ctx is not None:
            action()
        else:
            self._waiting.append(action)

    def waiting_text(self) -> str:
        """What the window waits for while the CA opens: the start-up page's heading."""
        return self.startup.heading.text()

    def host(self) -> QWidget:
        """This window as a Qt widget (``Navigator.host``)."""
        return self

    def show_problem(self, heading: str, html: str) -> None:
        self._waiting.clear()
        self.reset(self.startup)
        self.startup.show_problem(heading, html)

    # --- navigation -------------------------------------------------------------------------

    def current(self) -> Page:
        page = self.stack.currentWidget()
        assert isinstance(page, Page)
        return page

    def pages(self) -> list[Page]:
        pages = [self.stack.widget(i) for i in range(self.stack.count())]
        return [p for p in pages if isinstance(p, Page)]

    def remove(self, page: Page) -> None:
        self.stack.removeWidget(page)
        page.hide()
        page.deleteLater()

    def push(self, page: Page) -> Page:
        self.stack.addWidget(page)
        self.stack.setCurrentWidget(page)
        self._changed()
        return page

    def pop(self) -> None:
        if self.stack.count() <= 1:
            return
        page = self.current()
        self.stack.removeWidget(page)
        page.hide()
        page.deleteLater()
        self._changed()

    def reset(self, page: Page) -> Page:
        while self.stack.count():
            old = self.stack.widget(0)
            assert old is not None  # count() > 0
            self.stack.removeWidget(old)
            if old is not self.startup:
                old.hide()
                old.deleteLater()
        return self.push(page)

    def back(self) -> None:
        if not self.current().go_back():
            self.pop()

    def refresh_top_bar(self) -> None:
        page = self.current()
        self.top_bar.set_title(page.title)
        self.top_bar.set_back_visible(self.stack.count() > 1)

    def _changed(self) -> None:
        page = self.current()
        self.refresh_top_bar()
        page.shown()
        self.page_changed.emit(page)

    def notify(self, text: str) -> None:
        self.toast.show_text(text)

    # --- accounts ---------------------------------------------------------------------------

    def show_login(self, kind: AccountKind | None = None, login_name: str = "") -> None:
        """The login page on the tab of ``kind`` (the legal person's by default). The login
        page already shown alone (before the CA opened) is kept, and once something was typed
        into it, left as the user set it."""
        from mobileca_desktop.domain.models import AccountKind
        from mobileca_desktop.views.login_page import LoginPage

        page = self.current() if self.stack.count() == 1 else None
        if isinstance(page, LoginPage):
            if page.has_input():
                return
        else:
            page = LoginPage(self)
            self.reset(page)
        page.select(AccountKind.LEGAL if kind is None else kind, login_name)

    def open_registration(self, kind: AccountKind) -> None:
        """注册 (from the login page; waits for the CA when it is still opening)."""

        def push() -> None:
            from mobileca_desktop.views.register_page import RegisterPage

            self.push(RegisterPage(self, kind))

        self.when_ready(push)

    def registered(self, kind: AccountKind, login_name: str, phone: str) -> None:
        self.remember_phone(phone)
        self.show_login(kind, login_name)
        self.notify("注册成功，请登录")

    def logged_in(self, session: Session, account: Account) -> None:
        from mobileca_desktop.views.home_page import HomePage

        self.session, self.account = session, account
        self.reset(HomePage(self, account))

    def login_expired(self) -> None:
        """The CA expired the login (its clock moved): the login page, the account filled
        in."""
        account = self.account
        self.session = self.account = None
        if account is None:
            self.show_login()
        else:
            self.show_login(account.kind, account.login_name)

    def logout(self) -> None:
        from mobileca_desktop.views.background import BackgroundOp

        ctx, session = self.ctx, self.session
        kind = self.account.kind if self.account else None
        self.session = self.account = None
        if ctx is not None and session is not None:
            BackgroundOp(self, lambda: ctx.ca.logout(session), on_failure=lambda _e: None).run()
        self.show_login(kind)

    def remember_phone(self, phone: str) -> None:
        self.inbox_panel.add_phone(phone)

    # --- pages of the home screen -----------------------------------------------------------

    def apply(self, kind: CertKind) -> None:
        """申请…证书: continue this kind's unsubmitted draft if there is one, else start."""
        from mobileca_desktop.services.wizard import ApplicationWizard
        from mobileca_desktop.views.background import BackgroundOp

        ctx, session = self.ctx, self.session
        assert ctx is not None and session is not None

        def op() -> ApplicationWizard:
            draft = ApplicationWizard.latest_draft(ctx.ca, session, kind)
            if draft is not None:
                return ApplicationWizard.resume(ctx.ca, session, draft.id)
            return ApplicationWizard(ctx.ca, session, kind)

        BackgroundOp(self, op, on_success=self._open_wizard).run()

    def _open_wizard(self, wizard: ApplicationWizard) -> None:
        from mobileca_desktop.views.wizard.wizard_page import WizardPage

        if wizard.application is not None:
            self.notify("继续办理尚未提交的申请")
        self.push(WizardPage(self, wizard))

    def continue_row(self, row: CertificateRow) -> None:
        """继续 in 证书管理: a draft resumes, a rejected application goes back to a draft,
        an expired certificate is renewed (证书更新)."""
        from mobileca_desktop.domain.models import CertStatus
        from mobileca_desktop.services.wizard import ApplicationWizard
        from mobileca_desktop.views.background import BackgroundOp
        from mobileca_desktop.views.wizard.wizard_page import WizardPage

        ctx, session = self.ctx, self.session
        assert ctx is not None and session is not None
        app_id = row.application_id
        if row.status is CertStatus.EXPIRED or app_id is None:
            from mobileca_desktop.views.cert_actions import renew_expired

            renew_expired(self, row)
            return
        if row.status is CertStatus.DRAFT:

            def op() -> ApplicationWizard:
                return ApplicationWizard.resume(ctx.ca, session, app_id)

        else:

            def op() -> ApplicationWizard:
                return ApplicationWizard.continue_rejected(ctx.ca, session, app_id)

        def opened(wizard: ApplicationWizard) -> None:
            self.push(WizardPage(self, wizard))

        BackgroundOp(self, op, on_success=opened).run()

    def open_certificates(self) -> None:
        from mobileca_desktop.views.cert_list_page import CertListPage

        self.push(CertListPage(self))

    def show_certificates_from_home(self) -> None:
        """After 已提交: home, then 证书管理 on top (back goes home, not into the wizard)."""
        from mobileca_desktop.views.home_page import HomePage

        assert self.account is not None
        self.reset(HomePage(self, self.account))
        self.open_certificates()

    def open_certificate(self, certificate_id: int) -> None:
        from mobileca_desktop.views.cert_detail_page import CertDetailPage

        self.push(CertDetailPage(self, certificate_id))

    # Each feature's pages live in their own module; imported when first opened so the
    # login window shows without them (bench/startup.py).

    def open_grants(self) -> None:
        """授权管理 (the legal person's grants, or the grants an agent received)."""
        from mobileca_desktop.views.grants_page import open_grants

        open_grants(self)

    def open_scan(self) -> None:
        """扫一扫: first-use download prompt when needed, then the scanner."""
        from mobileca_desktop.views.scan_entry import open_scan

        open_scan(self)

    def open_settings(self) -> None:
        from mobileca_desktop.views.settings_page import SettingsPage

        self.push(SettingsPage(self))

    def open_reviewer(self) -> None:
        """For trainers on the local CA: the CA 审核台 in a window of its own."""
        from mobileca_desktop.views.reviewer.reviewer_window import show_reviewer

        show_reviewer(self)

    def open_clock(self) -> None:
        """For trainers: move the shared demo clock (to show 已过期)."""
        from mobileca_desktop.views.reviewer.clock_dialog import show_clock

        show_clock(self)

    # --- the phone inbox --------------------------------------------------------------------

    def toggle_inbox(self) -> None:
        panel = self.inbox_panel
        if panel.isVisible():
            panel.hide()
        else:
            panel.open_near(self)

    def show_inbox(self, phone: str = "") -> None:
        """Opens the phone on ``phone`` (or on the newest message's number) and keeps it
        open: "打开手机收件箱查看验证码"."""
        self.inbox_panel.open_near(self, phone)

    # --- Qt overrides -----------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:  # Qt override
        super().resizeEvent(event)
        if self._toast is not None:
            self._toast.hide()

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt override
        self.closing.emit()
        QThreadPool.globalInstance().waitForDone(5000)
        super().closeEvent(event)


if TYPE_CHECKING:

    def _implements(window: MainWindow) -> Navigator:
        return window  # mypy checks that MainWindow implements the navigation interface

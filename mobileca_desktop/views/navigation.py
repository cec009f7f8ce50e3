"""What a page may ask of the window that holds it: the navigation interface.

Pages, dialogs and the wizard are given a ``Navigator`` (``MainWindow`` implements it), never
the window itself: the stack of pages (push, pop, notify), the context (the services) and
the login (session, account), and the window's named destinations (each builds its page
when first opened). Nothing else of the window is reachable from a page, and nothing calls a
window method by its name as a string.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance
    from PySide6.QtWidgets import QWidget

    from mobileca_desktop.domain.models import (
        Account,
        AccountKind,
        CertificateRow,
        CertKind,
        Session,
    )
    from mobileca_desktop.views.context import AppContext
    from mobileca_desktop.views.page import Page


class Navigator(Protocol):
    # --- the context and the login -----------------------------------------------------------

    @property
    def ctx(self) -> AppContext | None:
        """The services (None until the CA has opened behind the login page)."""

    @property
    def session(self) -> Session | None:
        """The login (None when logged out)."""

    @property
    def account(self) -> Account | None:
        """The logged-in account (None when logged out)."""

    # --- the stack of pages ------------------------------------------------------------------

    def current(self) -> Page:
        """The page shown."""
        ...

    def pages(self) -> list[Page]:
        """The stack, bottom first (the current page last)."""
        ...

    def push(self, page: Page) -> Page:
        """Shows ``page`` on top; the top bar's < comes back."""
        ...

    def pop(self) -> None:
        """Leaves the current page (never the last one)."""

    def remove(self, page: Page) -> None:
        """Takes a page out of the stack without showing what is under it."""

    def notify(self, text: str) -> None:
        """A short message over the bottom of the window (the toast)."""

    # --- the window as a Qt widget ----------------------------------------------------------

    def host(self) -> QWidget:
        """The window's widget: the parent of the dialogs and of the windows opened beside
        it (CA 审核台, 演示时钟), and of background work that outlives a page."""
        ...

    @property
    def closing(self) -> SignalInstance:
        """Emitted when the window closes (the windows beside it close with it)."""
        ...

    # --- the login ---------------------------------------------------------------------------

    def when_ready(self, action: Callable[[], None]) -> None:
        """Runs ``action`` once the services are attached (now if they are)."""

    def waiting_text(self) -> str:
        """What the window waits for while the CA opens (正在打开本机 CA…)."""
        ...

    def show_login(self, kind: AccountKind | None = None, login_name: str = "") -> None:
        """The login page on ``kind``'s tab."""

    def open_registration(self, kind: AccountKind) -> None:
        """注册."""

    def registered(self, kind: AccountKind, login_name: str, phone: str) -> None:
        """After 注册: the login page, the account filled in."""

    def logged_in(self, session: Session, account: Account) -> None:
        """After 登录: the home page."""

    def logout(self) -> None:
        """退出登录."""

    def login_expired(self) -> None:
        """The CA expired the login (e.g. its clock moved): back to the login page."""

    def remember_phone(self, phone: str) -> None:
        """A phone number the simulated phone shows messages for."""

    def show_inbox(self, phone: str = "") -> None:
        """Opens the simulated phone (手机收件箱)."""

    # --- destinations ------------------------------------------------------------------------

    def apply(self, kind: CertKind) -> None:
        """申请…证书 (continues this kind's unsubmitted draft if there is one)."""

    def continue_row(self, row: CertificateRow) -> None:
        """继续 in 证书管理."""

    def open_certificates(self) -> None:
        """证书管理."""

    def show_certificates_from_home(self) -> None:
        """Home, then 证书管理 on top."""

    def open_certificate(self, certificate_id: int) -> None:
        """证书详情."""

    def open_grants(self) -> None:
        """授权管理."""

    def open_scan(self) -> None:
        """扫一扫."""

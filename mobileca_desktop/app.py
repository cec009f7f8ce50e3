"""The desktop client's bootstrap: the window, then the login form, then the CA behind it.

``start`` shows the main window at once; after its first frame the login page, usable at
once (a click on 登录 waits for the CA: ``MainWindow.when_ready``); once that is painted,
everything else opens in the background: the CA services (the embedded engine, or the
remote CA server over HTTPS with its root pinned), this device's keystore
(``DeviceService``, its keyring checked), and 扫一扫 when that service is installed. The
window attaches them when they are ready, or shows what is wrong and what to do (the
problem page replaces the login page). ``run`` adds the event loop. Outside the client
layers: it chooses the services once and hands them to the views.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QBoxLayout, QLabel

from mobileca_desktop.config import Settings
from mobileca_desktop.domain.errors import (
    ConfigurationError,
    KeyringUnavailable,
    MobileCAError,
    SecretUnavailable,
    ServiceUnavailable,
)
from mobileca_desktop.views.main_window import MainWindow
from mobileca_desktop.views.theme import ui_font
from mobileca_desktop.views.watchdog import GuiWatchdog
from mobileca_desktop.views.words import CAPlace, word

# The window's first frame waits only for the modules above (bench/startup.py): what the
# services, the error texts and the language need (the domain models, ``messages``,
# ``views.background``, Qt's ``Qt`` namespace, whose first use builds its ~90 enums) is
# imported where it is used, after that frame.

log = logging.getLogger(__name__)

# The words for where the CA runs are views.words' (CAPlace); this name stays importable.
LOCAL_CA_LABEL = word(CAPlace.LOCAL)
SOURCE_LANGUAGE = "zh_CN"  # the views' texts are written in Chinese (views/i18n.py)


@dataclass
class Opened:
    """What the background start-up produced for one window."""

    services: Any  # LocalServices | RemoteServices: .ca .inbox .review .clock .close()
    keys: Any  # DeviceService
    scan: Any = None  # ScanService, when installed


def open_ca_services(settings: Settings) -> Any:
    """The CA services the settings ask for. Slow (imports the engine or httpx): call it off
    the GUI thread. A remote CA is asked for its institutions once, so an unreachable server
    or a wrong pin shows at start-up, not at the first login."""
    if settings.is_local_ca:
        from mobileca_desktop.services.local import LocalServices

        return LocalServices.open(settings.ca_data_dir)
    from mobileca_desktop.services.remote import RemoteServices

    services = RemoteServices.connect(settings.ca, root_fingerprint=settings.ca_root_sha256 or None)
    try:
        services.ca.institutions()
    except BaseException:
        services.close()
        raise
    return services


def open_device(
    services: Any, settings: Settings, insecure_file_keyring: bool | str | Path | None = None
) -> Any:
    """This device profile's keystore, with its secret store checked now (a missing or
    locked keyring is a start-up problem, not a surprise at the first download)."""
    from mobileca_desktop.services.device import DeviceService

    keys = DeviceService.open(services.ca, settings, insecure_file_keyring=insecure_file_keyring)
    keys.keystore.secrets.get("startup-check")
    return keys


def open_scan(services: Any, keys: Any, settings: Settings) -> Any:
    """扫一扫 for this device, or None when the scan service is not installed or fails to
    open (the rest of the client works without it; the scan page says so)."""
    try:
        from mobileca_desktop.services.scan import open_scan_service
    except ImportError as exc:
        log.info("扫一扫 is not available in this installation (%s)", exc)
        return None
    try:
        return open_scan_service(services.ca, keys, settings)
    except Exception:
        log.exception("扫一扫 could not be opened; the client runs without it")
        return None


class Client(QObject):
    """One running client: the window, its services (once open) and the watchdog.

    ``open_services`` replaces the CA services the settings ask for (the demo shares one
    engine between two windows; tests pass theirs); ``owns_services`` says whether closing
    the client closes them. ``insecure_file_keyring`` is the ``--insecure-file-keyring``
    choice for the device keystore; ``banner`` is a warning shown above every page.
    """

    ready = Signal(object)  # AppContext
    failed = Signal(object)  # the error
    first_frame = Signal()  # the window was painted (or 300 ms passed); the login page next
    login_shown = Signal()  # the login page was painted (or 300 ms passed); services open next

    def __init__(
        self,
        settings: Settings,
        open_services: Callable[[], Any] | None = None,
        *,
        owns_services: bool = True,
        insecure_file_keyring: bool | str | Path | None = None,
        banner: str | None = None,
    ):
        super().__init__()
        self.settings = settings
        self.services: Any = None
        self.keys: Any = None
        self.ctx: Any = None  # views.context.AppContext once the services are open
        self.window = MainWindow()
        self.window.closing.connect(self.close)
        self.watchdog = GuiWatchdog(self)
        self._open_services = open_services or (lambda: open_ca_services(self.settings))
        self._owns_services = owns_services
        self._insecure = insecure_file_keyring
        self._begun = False
        self._next: Callable[[], None] | None = None
        self.banners: dict[str, QLabel] = {}
        if banner:
            self.set_banner(banner)

    BANNER_STYLES = {  # noqa: RUF012
        "warning": "background: #FDE8E7; color: #B42318; border-bottom: 1px solid #F4B4AF;",
        "info": "background: #E6EFFE; color: #1558C7; border-bottom: 1px solid #BFD4FB;",
    }

    def set_banner(self, text: str, level: str = "warning") -> QLabel:
        """A strip above the pages: ``warning`` (red: e.g. the demo's INSECURE keyring)
        or ``info`` (blue: e.g. which of the demo's devices this window is). One of each
        level; setting a level again replaces its text."""
        banner = self.banners.get(level)
        if banner is None:
            from PySide6.QtCore import Qt

            banner = QLabel()
            banner.setObjectName(f"{level}Banner")
            banner.setWordWrap(True)
            banner.setTextFormat(Qt.TextFormat.PlainText)
            banner.setStyleSheet(
                self.BANNER_STYLES[level] + " padding: 8px 12px; font-size: 13px; font-weight: 600;"
            )
            central = self.window.centralWidget()
            layout = central.layout() if central is not None else None
            assert isinstance(layout, QBoxLayout), "the main window's page column"
            # Under the top bar; a warning above an info strip.
            layout.insertWidget(1 if level == "warning" else 1 + len(self.banners), banner)
            self.banners[level] = banner
        banner.setText(text)
        banner.setAccessibleName(text)
        banner.show()
        return banner

    def _open(self) -> Opened:
        # Off the GUI thread: the engine or httpx, the keyring and the scan service.
        services = self._open_services()
        try:
            keys = open_device(services, self.settings, self._insecure)
            scan = open_scan(services, keys, self.settings)
        except BaseException:
            if self._owns_services:
                services.close()
            raise
        return Opened(services, keys, scan)

    def start(self) -> None:
        """Shows the window; once it has been painted, the login page; once that has been
        painted, the services start opening. So the engine's imports on a worker thread do
        not hold the interpreter lock while either is drawn (bench/startup.py)."""
        self.window.show()
        self.watchdog.start()
        if not self.settings.is_local_ca:
            self.window.startup.heading.setText(f"正在连接远程 CA：{self.settings.ca}")
        self._begun = False
        self._after_paint(self._show_login)

    def _after_paint(self, then: Callable[[], None]) -> None:
        """``then`` once the window's next frame has been painted and flushed, or after
        300 ms without one (e.g. a minimised window)."""
        self._next = then
        self.window.installEventFilter(self)
        QTimer.singleShot(300, lambda: self._step(then))

    def _step(self, then: Callable[[], None]) -> None:
        if self._next is then:
            self._next = None
            self.window.removeEventFilter(self)
            then()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # Qt override
        if obj is self.window and event.type() in (QEvent.Type.Paint, QEvent.Type.UpdateRequest):
            then = self._next
            if then is not None:
                self.window.removeEventFilter(self)
                QTimer.singleShot(0, lambda: self._step(then))
        return False

    def _show_login(self) -> None:
        self.first_frame.emit()
        self.window.show_login()
        self._after_paint(self._begin)

    def _begin(self) -> None:
        if self._begun:
            return
        self._begun = True
        self.login_shown.emit()
        from mobileca_desktop.views.background import BackgroundOp

        BackgroundOp(
            self.window, self._open, on_success=self._opened, on_failure=self._failed
        ).run()

    def _opened(self, opened: Opened) -> None:
        from mobileca_desktop.views.context import AppContext
        from mobileca_desktop.views.thread_guard import GuiThreadGuard

        self.services, self.keys = opened.services, opened.keys
        strict = os.environ.get("MOBILECA_STRICT_THREADS") == "1"

        def wrap(service: Any, name: str) -> Any:
            if service is None or not strict:
                return service
            return GuiThreadGuard(service, name)

        services = opened.services
        self.ctx = AppContext(
            ca=wrap(services.ca, "ca"),
            inbox=wrap(services.inbox, "inbox"),
            review=wrap(services.review, "review"),
            clock=wrap(services.clock, "clock"),
            device=self.settings.device,
            ca_place=CAPlace.LOCAL if self.settings.is_local_ca else CAPlace.REMOTE,
            ca_url="" if self.settings.is_local_ca else self.settings.ca,
            keys=wrap(opened.keys, "keys"),
            scan=wrap(opened.scan, "scan"),
            settings=self.settings,
        )
        self.window.attach(self.ctx)
        self.ready.emit(self.ctx)

    def _failed(self, err: BaseException) -> None:
        heading, html = startup_problem(err, self.settings)
        self.window.show_problem(heading, html)
        self.failed.emit(err)

    def close(self) -> None:
        self.watchdog.stop()
        if self.services is not None and self._owns_services:
            self.services.close()
        self.services = None


def startup_problem(err: BaseException, settings: Settings | None = None) -> tuple[str, str]:
    """What went wrong at start-up and what to do about it (rich text)."""
    from html import escape

    from mobileca_desktop.views import messages

    detail = escape(getattr(err, "message", str(err)))
    doctor = "运行 <code>mobileca doctor</code> 可查看本机检查结果和修复方法。"
    if isinstance(err, SecretUnavailable):
        reason = str(err.params.get("reason", ""))
        if "no entry" in reason:
            steps = (
                "这个数据文件夹里的本机 CA 是在另一台电脑或另一个系统用户下创建的，"
                "本机钥匙串中没有它的口令。<br>请用 <code>--data-dir</code> 指定一个新的"
                "文件夹重新开始，或回到创建它的用户下使用。"
            )
        else:
            steps = (
                "本机 CA 的私钥由系统钥匙串中的口令保护，但现在无法使用系统钥匙串。<br>"
                "<b>Linux：</b>启动并解锁 GNOME 钥匙串（gnome-keyring）或 KeePassXC 的 "
                "Secret Service，然后重新打开本程序。<br>"
                "<b>Windows：</b>凭据管理器应始终可用；请确认以当前用户登录。<br>" + doctor
            )
        return "无法使用系统钥匙串", f"{steps}<br><br><small>{detail}</small>"
    if isinstance(err, KeyringUnavailable):
        steps = (
            "本设备的证书私钥由系统钥匙串保护，但现在无法使用它。<br>"
            "<b>Linux：</b>启动并解锁 GNOME 钥匙串（gnome-keyring）或 KeePassXC 的 "
            "Secret Service；钥匙串已锁定时请先解锁，然后重新打开本程序。<br>" + doctor
        )
        return "无法使用系统钥匙串", f"{steps}<br><br><small>{detail}</small>"
    remote = settings is not None and not settings.is_local_ca
    if remote and isinstance(err, ServiceUnavailable):
        assert settings is not None
        steps = (
            f"无法连接远程 CA <code>{escape(settings.ca)}</code>。请检查网络和地址，"
            "或确认 CA 服务器已启动，然后重新打开本程序。已填写的内容不会丢失。<br>" + doctor
        )
        return "无法连接远程 CA", f"{steps}<br><br><small>{detail}</small>"
    if remote and isinstance(err, ConfigurationError):
        steps = (
            "远程 CA 的根证书指纹与设置中固定的指纹不一致：连接已被拒绝。"
            "请向 CA 运营方核对指纹（<code>--ca-root-sha256</code>，或在“设置”中修改）。"
        )
        return "远程 CA 的证书不可信", f"{steps}<br><br><small>{detail}</small>"
    heading = "无法打开本机 CA" if not remote else "无法连接远程 CA"
    if isinstance(err, MobileCAError):
        return heading, escape(messages.error_text(err)) + f"<br><small>{detail}</small>"
    return (
        heading,
        f"{escape(messages.error_text(err))}<br><small>{escape(repr(err))}</small>",
    )


def application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("mobileca-desktop")
    app.setApplicationDisplayName("山西公共资源交易 移动版 CA")
    app.setFont(ui_font())
    return app


class _FirstPaint(QObject):
    """``MOBILECA_STARTUP_PROBE=1`` (bench/startup.py): print the monotonic time of the main
    window's first paint, of an interactive login page, and of the CA being open, then quit.

    As the bench's bare window: the first ``Paint`` / ``UpdateRequest`` posts a zero timer,
    which reports once that frame has been painted and flushed. Installed after
    ``Client.start``, so its filter runs first and its timer fires before the client's.
    "interactive": once the login page has been painted, a key press is posted to its
    统一社会信用代码 field; when the event loop has delivered it, the field must hold the
    character and a click on the enabled 登录 button must run the form's check (an empty
    password is reported under its field): what a user typing at once would meet."""

    def __init__(self, client: Client) -> None:
        super().__init__(client)
        self.client = client
        self.painted = False
        self.login: Any = None
        self.interactive = self.opened = False
        client.window.installEventFilter(self)
        client.window.page_changed.connect(self._page)
        client.ready.connect(lambda _ctx: self._opened())
        client.failed.connect(lambda err: self._report("failed", quit_=True))

    def eventFilter(self, obj: QObject, event: Any) -> bool:  # Qt override
        if event.type() in (QEvent.Type.Paint, QEvent.Type.UpdateRequest):
            if not self.painted:
                self.painted = True
                QTimer.singleShot(0, lambda: self._report("first-paint"))
            elif self.login is not None and self.login.isVisible():
                obj.removeEventFilter(self)
                QTimer.singleShot(0, self._type)
        return False

    def _page(self, page: Any) -> None:
        if page.objectName() == "loginPage" and self.login is None:
            self.login = page

    def _type(self) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QKeyEvent

        edit = self.login.legal.login_name.edit
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            key = QKeyEvent(kind, Qt.Key.Key_9, Qt.KeyboardModifier.NoModifier, "9")
            QApplication.postEvent(edit, key)
        QTimer.singleShot(0, self._check)

    def _check(self) -> None:
        form = self.login.legal
        typed = form.login_name.value().endswith("9") and form.login_name.edit.isEnabled()
        button = form.login_button
        clickable = button.isVisible() and button.isEnabled()
        if clickable:
            button.click()  # empty password: the form says so under the field
        if not (typed and clickable and not form.password.error.isHidden()):
            self._report("not-interactive", quit_=True)
            return
        form.password.set_error(None)
        self.interactive = True
        self._report("interactive", quit_=self.opened)

    def _opened(self) -> None:
        self.opened = True
        self._report("ca-open", quit_=self.interactive)

    def _report(self, what: str, quit_: bool = False) -> None:
        import time

        # Wall clock (monotonic, shared with the parent) and this process's CPU time.
        print(f"startup-probe {what} {time.monotonic():.6f} {time.process_time():.6f}", flush=True)
        app = QApplication.instance()
        if quit_ and app is not None:
            app.quit()


def run(settings: Settings, insecure_file_keyring: bool | str | Path | None = None) -> int:
    """``mobileca``: the client window on the configured CA, until it is closed."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    app = application()

    def install_language() -> None:
        from mobileca_desktop.views import i18n  # imports the error texts and domain models

        i18n.install(app, settings.lang)

    # Another language must be installed before the window takes its texts. Chinese, the
    # source language, only adds Qt's own words (message boxes, context menus): installed
    # once the first frame is shown, before the services open.
    later = settings.lang == SOURCE_LANGUAGE
    if not later:
        install_language()
    client = Client(settings, insecure_file_keyring=insecure_file_keyring)
    if later:
        client.first_frame.connect(install_language)
    # cli.main turns the collector off until the first frame; from then on it runs on the
    # GUI thread only (views/gc_guard.py).
    from mobileca_desktop.views import gc_guard

    client.first_frame.connect(lambda: gc_guard.install(app))
    client.start()
    if os.environ.get("MOBILECA_STARTUP_PROBE") == "1":
        _FirstPaint(client)
    code = app.exec()
    client.close()
    return code

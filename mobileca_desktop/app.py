"""The desktop client's bootstrap: the window first, then the CA behind it.

``start`` shows the main window at once and opens the services in the background (the CA
engine and its libraries take a moment to import and open); the window attaches them when
they are ready, or shows what is wrong and what to do. ``run`` adds the event loop.
Outside the client layers: it chooses the services once and hands them to the views.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from html import escape
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

from mobileca_desktop.config import Settings
from mobileca_desktop.domain.errors import MobileCAError, SecretUnavailable
from mobileca_desktop.views import messages
from mobileca_desktop.views.background import BackgroundOp
from mobileca_desktop.views.context import AppContext
from mobileca_desktop.views.main_window import MainWindow
from mobileca_desktop.views.theme import ui_font
from mobileca_desktop.views.thread_guard import GuiThreadGuard
from mobileca_desktop.views.watchdog import GuiWatchdog

log = logging.getLogger(__name__)


class Client(QObject):
    """One running client: the window, its services (once open) and the watchdog."""

    ready = Signal(object)  # AppContext
    failed = Signal(object)  # the error

    def __init__(self, settings: Settings, open_services: Callable[[], Any] | None = None):
        super().__init__()
        self.settings = settings
        self.services: Any = None
        self.window = MainWindow()
        self.window.closing.connect(self.close)
        self.watchdog = GuiWatchdog(self)
        self._open_services = open_services or self._open_local

    def _open_local(self) -> Any:
        # Imported here, off the GUI thread: the engine pulls in SQLAlchemy and cryptography.
        from mobileca_desktop.services.local import LocalServices

        return LocalServices.open(self.settings.ca_data_dir)

    def start(self) -> None:
        self.window.show()
        self.watchdog.start()
        if not self.settings.is_local_ca:
            self.window.show_problem(
                "远程 CA 尚未提供",
                "本版本只支持本机 CA。请去掉 <code>--ca</code> 参数（或设置 "
                '<code>ca = "local"</code>）后重新打开。连接远程 CA 服务器将在后续版本提供。',
            )
            return
        BackgroundOp(
            self.window, self._open_services, on_success=self._opened, on_failure=self._failed
        ).run()

    def _opened(self, services: Any) -> None:
        self.services = services
        strict = os.environ.get("MOBILECA_STRICT_THREADS") == "1"
        wrap = GuiThreadGuard if strict else (lambda s, _n=None: s)
        ctx = AppContext(
            ca=wrap(services.ca, "ca"),
            inbox=wrap(services.inbox, "inbox"),
            review=wrap(services.review, "review"),
            clock=wrap(services.clock, "clock"),
            device=self.settings.device,
            ca_label="本机 CA",
        )
        self.window.attach(ctx)
        self.ready.emit(ctx)

    def _failed(self, err: BaseException) -> None:
        heading, html = startup_problem(err)
        self.window.show_problem(heading, html)
        self.failed.emit(err)

    def close(self) -> None:
        self.watchdog.stop()
        if self.services is not None:
            self.services.close()
            self.services = None


def startup_problem(err: BaseException) -> tuple[str, str]:
    """What went wrong at start-up and what to do about it (rich text)."""
    detail = escape(getattr(err, "message", str(err)))
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
                "<b>Windows：</b>凭据管理器应始终可用；请确认以当前用户登录。<br>"
                "运行 <code>mobileca doctor</code> 可查看本机检查结果和修复方法。"
            )
        return "无法使用系统钥匙串", f"{steps}<br><br><small>{detail}</small>"
    if isinstance(err, MobileCAError):
        return "无法打开本机 CA", escape(messages.error_text(err)) + f"<br><small>{detail}</small>"
    return (
        "无法打开本机 CA",
        f"{escape(messages.error_text(err))}<br><small>{escape(repr(err))}</small>",
    )


def application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("mobileca-desktop")
    app.setApplicationDisplayName("山西公共资源交易 移动版 CA")
    app.setFont(ui_font())
    return app


def run(settings: Settings) -> int:
    """``mobileca``: the client window on the configured CA, until it is closed."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    messages.set_language(settings.lang)
    app = application()
    client = Client(settings)
    client.start()
    code = app.exec()
    client.close()
    return code

"""Helpers for the pytest-qt tests that build a window by hand (on the ``services`` fixture,
with a device or settings of their own): a window on guarded services and user-like actions.
The guarded context, the typing and the wait are the QA kit's (mobileca_desktop.testing);
tests that can use the kit's fixtures and page objects should."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QWidget

from mobileca_desktop.domain.models import AccountKind
from mobileca_desktop.testing.client import WAIT_MS
from mobileca_desktop.testing.client import guarded_context as kit_context
from mobileca_desktop.testing.pages.base import type_into
from mobileca_desktop.views.background import BackgroundOp
from mobileca_desktop.views.context import AppContext
from mobileca_desktop.views.form_field import FormField
from mobileca_desktop.views.main_window import MainWindow


def guarded_context(
    services, device: str = "test-laptop", keys=None, scan=None, settings=None
) -> AppContext:
    """The services as views get them in tests: every call on the GUI thread raises (the QA
    kit's ``guarded_context``). ``keys`` is the device's DeviceService."""
    return kit_context(services, device, keys, scan, settings)


def open_window(
    qtbot, services, device: str = "test-laptop", keys=None, scan=None, settings=None
) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.attach(guarded_context(services, device, keys, scan, settings))
    return window


def settle(qtbot) -> None:
    """Waits until no background operation is waiting for its result."""
    qtbot.waitUntil(BackgroundOp.idle, timeout=WAIT_MS)


def wait_page(qtbot, window: MainWindow, object_name: str):
    qtbot.waitUntil(lambda: window.current().objectName() == object_name, timeout=WAIT_MS)
    return window.current()


def click(qtbot, button: QAbstractButton) -> None:
    assert button.isVisible() and button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def type_text(qtbot, field: FormField, text: str) -> None:
    """Types into a field as a user would (clearing it first): the QA kit's ``type_into``."""
    type_into(qtbot, field, text)


def child(widget: QWidget, object_name: str, cls=QWidget):
    found = widget.findChild(cls, object_name)
    assert found is not None, f"no {object_name} in {widget.objectName()}"
    return found


def log_in(
    qtbot, window: MainWindow, kind: AccountKind, login_name: str, password: str | None = None
):
    """From the login page: choose the tab (法人登录 / 个人登录), type, 登录; waits for 首页."""
    from conftest import PASSWORD

    page = wait_page(qtbot, window, "loginPage")
    index = 0 if kind is AccountKind.LEGAL else 1
    qtbot.mouseClick(page.tabs, Qt.MouseButton.LeftButton, pos=page.tabs.tabRect(index).center())
    form = page.form(kind)
    type_text(qtbot, form.login_name, login_name)
    type_text(qtbot, form.password, PASSWORD if password is None else password)
    click(qtbot, form.login_button)
    return wait_page(qtbot, window, "homePage")

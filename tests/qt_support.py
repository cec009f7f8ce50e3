"""Small pytest-qt helpers for this repository's tests that act on widgets the QA kit's page
objects do not stand for (a dialog's own controls, the 审核台's table, a window app.py made):
find a child, click, type, wait for a page or for the background operations. Windows come
from the kit (``mca_client``, mobileca_desktop.testing); the waiting and typing are the
kit's own."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QWidget

from mobileca_desktop.testing.client import WAIT_MS
from mobileca_desktop.testing.pages.base import type_into
from mobileca_desktop.views.background import BackgroundOp
from mobileca_desktop.views.form_field import FormField

__all__ = ["WAIT_MS", "child", "click", "settle", "type_text", "wait_page"]


def settle(qtbot) -> None:
    """Waits until no background operation is waiting for its result."""
    qtbot.waitUntil(BackgroundOp.idle, timeout=WAIT_MS)


def wait_page(qtbot, window, object_name: str):
    """The window's current page once it is ``object_name`` (``client.wait_page`` for a kit
    client)."""
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

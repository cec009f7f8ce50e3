"""The base of every screen's page object: waiting for its page, finding widgets only
inside it, typing and clicking as a user does, and which page object the window shows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, overload

from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

if TYPE_CHECKING:
    from mobileca_desktop.testing.client import Client

W = TypeVar("W", bound=QWidget)


def type_into(qtbot: Any, field: Any, text: str) -> None:
    """Types ``text`` into a ``FormField`` (or a line edit) as a user does, clearing it
    first; Chinese arrives as an input method's committed text, not as key presses."""
    edit = getattr(field, "edit", field)
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    if text.isascii():
        qtbot.keyClicks(edit, text)
    else:
        event = QInputMethodEvent()
        event.setCommitString(text)
        QApplication.sendEvent(edit, event)


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

    # Without ``cls`` a widget is any QWidget subclass: typed Any, to call its own methods.
    @overload
    def find_all(self, object_name: str) -> list[Any]: ...
    @overload
    def find_all(self, object_name: str, cls: type[W]) -> list[W]: ...
    def find_all(self, object_name: str, cls: type[QWidget] = QWidget) -> list[Any]:
        """The visible widgets of this page named ``object_name``."""
        self._check_current()
        return [w for w in self.widget.findChildren(cls, object_name) if w.isVisible()]

    @overload
    def find(self, object_name: str) -> Any: ...
    @overload
    def find(self, object_name: str, cls: type[W]) -> W: ...
    def find(self, object_name: str, cls: type[QWidget] = QWidget) -> Any:
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
        """Types into a ``FormField`` (or a line edit) as a user does (``type_into``)."""
        type_into(self.qtbot, field, text)
        self.client.pace()

    def back(self) -> PageObject:
        """The top bar's back (<): the page object of where the window goes. Fails at once
        on the window's first page (the login page, 首页 after a login), whose < is off."""
        button = self.client.top_bar_button("backButton")
        self._check_current()
        if not button.isEnabled():  # main_window: on while the stack holds a page below
            raise AssertionError(f"{self.object_name} is the window's first page: no back (<)")
        self.click(button)
        self.client.wait_until(lambda: not self.is_current(), "the window to go back")
        return page_object_for(self.client)

    def toast(self) -> str:
        """The floating message at the bottom of the window (empty before the first)."""
        toast = self.client.window.findChild(QLabel, "toast")
        return toast.text() if toast is not None else ""

    def open_settings(self) -> Any:
        """设置, from the top bar's ⋯ menu: the ``SettingsPage``."""
        from mobileca_desktop.testing.pages.settings import SettingsPage

        self.client.choose_from_menu("settingsAction")
        return SettingsPage(self.client)


class OtherPage(PageObject):
    """A page without a page object of its own."""

    def __init__(self, client: Client) -> None:
        self.object_name = client.window.current().objectName()  # type: ignore[misc]
        super().__init__(client)


def page_object_for(client: Client) -> PageObject:
    """The page object of the window's current page."""
    from mobileca_desktop.testing.pages import PAGES  # the package lists every page object

    name = client.window.current().objectName()
    return PAGES.get(name, OtherPage)(client)

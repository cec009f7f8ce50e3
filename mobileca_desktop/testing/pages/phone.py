"""手机收件箱: the simulated phone, a window of its own beside the client (the top bar's
inbox button opens it): the SMS codes, 授权码, bank notices and the 电子营业执照 sent to a
number, as the user reads them. ``mca_phone`` reads the same messages without the window."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QWidget

if TYPE_CHECKING:
    from mobileca_desktop.testing.client import Client


class MessageView:
    """One message card of the phone."""

    def __init__(self, inbox: PhoneInbox, widget: Any) -> None:
        self.inbox = inbox
        self.widget = widget

    @property
    def message(self) -> Any:
        """The ``InboxMessage`` shown (``kind``, ``title``, ``body``, ``code``...)."""
        return self.widget.message

    def _label(self, name: str) -> str:
        found = self.widget.findChild(QLabel, name)
        return found.text() if found is not None else ""

    @property
    def code(self) -> str:
        """The code as the card shows it (验证码, or the 授权码 of a notice's memo), or ""."""
        return self._label("inboxCode")

    @property
    def amount(self) -> str:
        """The amount of a bank notice, as the 对公打款 step asks for it, or ""."""
        return self._label("inboxAmount")

    def copy_attachment(self) -> str:
        """复制二维码内容 (the 电子营业执照): returns what is on the clipboard then."""
        button = self.widget.findChild(QAbstractButton, "copyAttachment")
        assert button is not None, f"no 复制二维码内容 on {self.message.title}"
        self.inbox.client.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        return QGuiApplication.clipboard().text()


class PhoneInbox:
    """手机收件箱 beside a client window (``client.phone_inbox(number)``)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.qtbot = client.qtbot
        panel = client.window.findChild(QWidget, "inboxDock")
        if panel is None or not panel.isVisible():
            client.qtbot.mouseClick(client.top_bar_button("inboxButton"), Qt.MouseButton.LeftButton)

            def shown() -> Any:
                found = client.window.findChild(QWidget, "inboxDock")
                return found if found is not None and found.isVisible() else None

            client.wait_until(lambda: shown() is not None, "the phone inbox to open")
            panel = shown()
        self.widget: Any = panel
        self._wait_loaded()
        client.pace()

    def _wait_loaded(self) -> None:
        """Until the phone shows the messages of the number in its box (it reads them from
        the CA in the background when opened or given a number, then every 2 s)."""
        self.client.wait_until(
            lambda: getattr(self.widget, "_shown_phone", None) == self.number,
            lambda: f"the phone to show the messages of {self.number!r}",
        )

    @property
    def number(self) -> str:
        """The phone number shown."""
        return self.widget.findChild(QComboBox, "inboxPhone").currentText().strip()

    def show(self, number: str) -> PhoneInbox:
        """Types ``number`` into the phone's number box (as a user does)."""
        if self.number != number:
            edit = self.widget.findChild(QComboBox, "inboxPhone").lineEdit()
            edit.setFocus()
            edit.selectAll()
            self.qtbot.keyClick(edit, Qt.Key.Key_Delete)
            self.qtbot.keyClicks(edit, number)
            self.client.pace()
        self._wait_loaded()
        self.client.phones_seen.add(number)
        return self

    def messages(self) -> list[MessageView]:
        """The messages on screen, newest first: those the CA had when the phone last read
        them (``wait_message`` waits for a new one)."""
        return [MessageView(self, c) for c in self.widget.cards if c.isVisible()]

    def wait_message(
        self, after: int = 0, pick: Callable[[Any], bool] = lambda _m: True
    ) -> MessageView:
        """The newest message on screen newer than message id ``after`` that ``pick`` (given
        the ``InboxMessage``) accepts, once the phone shows it (it polls the CA)."""

        def found() -> MessageView | None:
            return next(
                (v for v in self.messages() if v.message.id > after and pick(v.message)), None
            )

        self.client.wait_until(lambda: found() is not None, f"a message on {self.number}")
        view = found()
        assert view is not None
        return view

    def close(self) -> None:
        """Esc puts the phone away."""
        self.qtbot.keyClick(self.widget, Qt.Key.Key_Escape)
        self.client.wait_until(lambda: not self.widget.isVisible(), "the phone to close")

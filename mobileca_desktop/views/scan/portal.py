"""A screenshot through the desktop portal (``org.freedesktop.portal.Screenshot``), for
Wayland sessions, where a program's own screen grab comes back black.

``PortalScreenshot.request()`` asks the portal on the session bus; the portal may ask the
user first. The answer comes as the ``Response`` signal of a request object whose path is
known in advance (``…/request/<sender>/<token>``), so the signal is subscribed to before the
call. ``taken`` carries the image; ``failed`` a short reason (cancelled, no portal, ...).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import unquote, urlsplit

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtDBus import QDBusConnection, QDBusMessage, QDBusPendingCallWatcher
from PySide6.QtGui import QImage

SERVICE = "org.freedesktop.portal.Desktop"
PATH = "/org/freedesktop/portal/desktop"
INTERFACE = "org.freedesktop.portal.Screenshot"
REQUEST = "org.freedesktop.portal.Request"
RESPONSE_SLOT = "1on_response(uint,QVariantMap)"
TIMEOUT_MS = 120_000  # the user may take a while in the portal's own dialog


def portal_available() -> bool:
    bus = QDBusConnection.sessionBus()
    if not bus.isConnected():
        return False
    reply = bus.interface().isServiceRegistered(SERVICE)
    return bool(reply.value()) if reply.isValid() else False


class PortalScreenshot(QObject):
    taken = Signal(QImage)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._path: str | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(lambda: self._finish(None, "timeout"))

    @property
    def busy(self) -> bool:
        return self._path is not None

    def request(self, interactive: bool = False) -> bool:
        """Asks for a screenshot; False (and ``failed``) when no portal can be asked."""
        if self._path is not None:
            return True
        bus = QDBusConnection.sessionBus()
        if not bus.isConnected():
            self.failed.emit("no session bus")
            return False
        token = "mobileca" + secrets.token_hex(6)
        sender = bus.baseService().lstrip(":").replace(".", "_")
        path = f"{PATH}/request/{sender}/{token}"
        # The stubs miss the (service, path, interface, name, receiver, slot) overload.
        if not bus.connect(SERVICE, path, REQUEST, "Response", self, RESPONSE_SLOT):  # type: ignore[call-overload]
            self.failed.emit("cannot listen to the portal")
            return False
        self._path = path
        call = QDBusMessage.createMethodCall(SERVICE, PATH, INTERFACE, "Screenshot")
        call.setArguments(["", {"handle_token": token, "interactive": interactive}])
        self._watcher = QDBusPendingCallWatcher(bus.asyncCall(call), self)
        self._watcher.finished.connect(self._called)
        self._timer.start(TIMEOUT_MS)
        return True

    @Slot(QDBusPendingCallWatcher)
    def _called(self, watcher: QDBusPendingCallWatcher) -> None:
        watcher.deleteLater()
        if watcher.isError() and self._path is not None:
            self._finish(None, watcher.error().name() or "portal error")

    @Slot("uint", "QVariantMap")
    def on_response(self, code: int, results: dict) -> None:
        if code != 0:
            self._finish(None, "cancelled" if code == 1 else "refused")
            return
        uri = str(results.get("uri", ""))
        parts = urlsplit(uri)
        if parts.scheme != "file":
            self._finish(None, "no picture")
            return
        image = QImage(str(Path(unquote(parts.path))))
        self._finish(image if not image.isNull() else None, "unreadable picture")

    def _finish(self, image: QImage | None, reason: str) -> None:
        path, self._path = self._path, None
        self._timer.stop()
        if path is not None:
            QDBusConnection.sessionBus().disconnect(  # type: ignore[call-overload]
                SERVICE, path, REQUEST, "Response", self, RESPONSE_SLOT
            )
        if image is not None:
            self.taken.emit(image)
        else:
            self.failed.emit(reason)

"""One helper for background work: run a slow call off the GUI thread, get its result back
on the GUI thread.

``BackgroundOp(parent, op, on_success=..., on_failure=...).run()``: ``op`` runs on a
``QThreadPool`` worker and must not touch a widget; ``on_success(result)`` or
``on_failure(error)`` then run on the GUI thread (a queued signal carries them there), and
the ``succeeded`` / ``failed`` / ``finished`` signals fire for anyone else listening. Without
``on_failure`` the default handler shows the error in the UI language (``messages``). If the
parent widget was destroyed meanwhile, the callbacks are skipped (the signals still fire).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QWidget

from mobileca_desktop.domain.errors import MobileCAError
from mobileca_desktop.views import gc_guard, messages
from mobileca_desktop.views.text import PlainMessageBox

log = logging.getLogger(__name__)


class _Outcome(QObject):
    """Made on the GUI thread; the worker emits on it, so delivery is queued to the GUI."""

    done = Signal(bool, object)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)


class _Job(QRunnable):
    def __init__(self, op: Callable[[], Any], outcome: _Outcome) -> None:
        super().__init__()
        self._op = op
        self._outcome = outcome

    def run(self) -> None:
        try:
            result = self._op()
        except BaseException as exc:  # every failure goes back to the GUI thread
            self._outcome.done.emit(False, exc)
        else:
            self._outcome.done.emit(True, result)


class BackgroundOp(QObject):
    """A call run off the GUI thread; see the module docstring."""

    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()

    # Running operations are kept alive here (they have no Qt parent) until delivered.
    _running: ClassVar[set[BackgroundOp]] = set()
    # Delivered ones stay referenced until Qt has deleted them (``deleteLater``): dropping
    # the last Python reference inside ``_deliver`` would destroy the object in the middle
    # of its own slot call, which crashed the process now and then.
    _delivered: ClassVar[set[BackgroundOp]] = set()

    def __init__(
        self,
        parent: QWidget | None,
        op: Callable[[], Any],
        *,
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
    ) -> None:
        super().__init__()
        self._widget = parent
        self._op = op
        self._on_success = on_success
        self._on_failure = on_failure
        self._outcome: _Outcome | None = None

    @classmethod
    def idle(cls) -> bool:
        """True when no operation is waiting for its result (tests wait for this)."""
        return not cls._running

    def run(self, pool: QThreadPool | None = None) -> BackgroundOp:
        app = QCoreApplication.instance()
        if app is not None:
            gc_guard.install(app)  # no cyclic collection on the worker threads
        BackgroundOp._delivered = {op for op in BackgroundOp._delivered if shiboken6.isValid(op)}
        self._outcome = _Outcome(self)  # a child: deleted with this operation
        self._outcome.done.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        BackgroundOp._running.add(self)
        (pool or QThreadPool.globalInstance()).start(_Job(self._op, self._outcome))
        return self

    def _widget_alive(self) -> bool:
        return self._widget is None or shiboken6.isValid(self._widget)

    @Slot(bool, object)
    def _deliver(self, ok: bool, value: object) -> None:
        BackgroundOp._delivered.add(self)
        BackgroundOp._running.discard(self)
        alive = self._widget_alive()
        try:
            if ok:
                self.succeeded.emit(value)
                if alive and self._on_success is not None:
                    self._on_success(value)
            else:
                assert isinstance(value, BaseException)
                self.failed.emit(value)
                if alive:
                    (self._on_failure or (lambda e: show_error(self._widget, e)))(value)
                else:
                    log_error(value)
        finally:
            self.finished.emit()
            self.deleteLater()


def log_error(err: BaseException) -> None:
    if isinstance(err, MobileCAError):
        log.info("operation failed: %s %s", err.code, err.message)
    else:
        log.error("unexpected error in a background operation", exc_info=err)


def show_error(parent: QWidget | None, err: BaseException) -> QMessageBox:
    """The default error handler: the error's text in the UI language, in a window-modal
    message box that does not block the event loop (``open``, not ``exec``)."""
    log_error(err)
    box = PlainMessageBox(parent.window() if parent is not None else None)
    box.setObjectName("errorDialog")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("提示" if messages.language() == messages.ZH else "Notice")
    box.setText(messages.error_text(err))
    box.setAccessibleName(box.windowTitle())
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box

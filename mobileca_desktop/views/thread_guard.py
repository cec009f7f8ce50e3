"""A proxy that makes a service raise when it is called on the GUI thread.

Tests hand views their services wrapped in ``GuiThreadGuard``, so a view that calls a
service directly instead of through ``BackgroundOp`` fails loudly. The app can use it too
(``MOBILECA_STRICT_THREADS=1``) to find such calls during development.
"""

from __future__ import annotations

import functools
from typing import Any

from PySide6.QtCore import QCoreApplication, QThread


class GuiThreadViolation(AssertionError):
    """A service was called on the GUI thread."""


def on_gui_thread() -> bool:
    app = QCoreApplication.instance()
    return app is not None and QThread.currentThread() == app.thread()


class GuiThreadGuard:
    """Forwards everything to ``target``; its public methods refuse the GUI thread."""

    def __init__(self, target: object, name: str | None = None) -> None:
        self._target = target
        self._name = name or type(target).__name__

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self._target, attr)
        if attr.startswith("_") or not callable(value):
            return value

        @functools.wraps(value)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if on_gui_thread():
                raise GuiThreadViolation(
                    f"{self._name}.{attr}() was called on the GUI thread; "
                    "run it with views.background.BackgroundOp"
                )
            return value(*args, **kwargs)

        return guarded

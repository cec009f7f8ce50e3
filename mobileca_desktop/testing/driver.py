"""Driving windows that are already open (``mobileca demo``'s, ``mobileca play``'s) with the
page objects, outside pytest: ``Bot`` is the handful of pytest-qt calls the page objects make,
on Qt's own QtTest; ``WindowClient`` is a ``Client`` around an existing ``MainWindow``; and
``world_over`` builds the scenario ``World`` over an opened CA and its demo seed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from mobileca_desktop.testing.client import WAIT_MS, Client
from mobileca_desktop.testing.world import World, demo_from_seed


class WaitTimedOut(AssertionError):
    pass


class Bot:
    """What the page objects ask of pytest-qt's ``qtbot``, on QtTest (real input events)."""

    def waitUntil(self, condition: Any, timeout: int = WAIT_MS) -> None:
        deadline = time.monotonic() + timeout / 1000
        while True:
            result = condition()
            if result is None or result:
                return
            if time.monotonic() > deadline:
                raise WaitTimedOut(f"waited {timeout} ms")
            QTest.qWait(20)

    def mouseClick(
        self,
        widget: Any,
        button: Qt.MouseButton,
        modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
        pos: QPoint | None = None,
    ) -> None:
        QTest.mouseClick(widget, button, modifier, pos if pos is not None else QPoint())

    def keyClick(
        self,
        widget: Any,
        key: Qt.Key,
        modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
    ) -> None:
        QTest.keyClick(widget, key, modifier)

    def keyClicks(self, widget: Any, text: str) -> None:
        QTest.keyClicks(widget, text)

    def wait(self, ms: int) -> None:
        QTest.qWait(ms)

    def addWidget(self, widget: Any) -> None:
        pass


class WindowClient(Client):
    """A ``Client`` (page objects, waiting, screenshots) around a window someone else opened
    and owns: closing it leaves the window alone."""

    def __init__(
        self, window: Any, world: World, device: str, pace_ms: int = 0, timeout_ms: int = WAIT_MS
    ) -> None:
        self.qtbot = Bot()
        self.world = world
        self.device = device
        self.pace_ms = pace_ms
        self.timeout_ms = timeout_ms
        self.camera = None
        self.window = window
        self.phones_seen: set[str] = set()
        self._closed = False

    def wait_until(self, condition: Any, what: str | Callable[[], str] = "") -> None:
        try:
            self.qtbot.waitUntil(condition, timeout=self.timeout_ms)
        except WaitTimedOut as exc:
            said = what() if callable(what) else what
            raise AssertionError(f"{self.device}: waited {self.timeout_ms} ms for {said}") from exc

    def close(self) -> None:
        pass


def world_over(services: Any, seed: dict, folder: Path) -> World:
    """The scenario world over an opened CA (``LocalServices``) whose demo people are
    ``seed`` (``cacli.demo._seed``'s answer)."""
    return World.over(services, demo_from_seed(seed), folder)

"""``mobileca play FILE``: a handbook scenario played visibly for a classroom.

A throw-away local CA with the demo people (the QA kit's ``World``, in a temporary folder or
``--data-dir``; an in-memory keyring: nothing of it outlives the run), the computers' windows
as the steps open them, the phone inbox beside them, and the trainer's panel: each step's
words as a caption, played at a pace (``--pace MS``), with 暂停 / 继续, 下一步 and 上一步.
The CA, the keystores and the demo clock cannot be undone, so 上一步 replays the scenario
from the start, on a fresh CA, to the step before. A step that fails stops the play and
says which one, in the trainer's words, with the window's screenshot beside the folder.
"""

from __future__ import annotations

import contextlib
import itertools
import shutil
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mobileca_desktop.testing import scenarios
from mobileca_desktop.testing.client import Client
from mobileca_desktop.testing.driver import Bot, WindowClient
from mobileca_desktop.testing.world import Platform, World

DEFAULT_PACE_MS = 2500


class PlayClient(Client):
    """A computer of the play: the kit's client window, waited on without pytest."""

    wait_until = WindowClient.wait_until


class Run:
    """One playing of the scenario from its first step: a fresh CA in ``folder``, the
    platform when the scenario scans, the windows, one phone on the desk."""

    def __init__(
        self, scenario: scenarios.Scenario, folder: Path, pace_ms: int, portrait: bytes | None
    ):
        from mobileca_desktop.views.inbox_panel import InboxPanel

        self.folder = folder
        self.pace_ms = pace_ms
        self.world = World.local(folder)
        self.platform = (
            Platform.start(self.world.services.engine, folder / "platform")
            if scenario.needs_platform
            else None
        )
        self.inbox = InboxPanel()
        self.inbox.setObjectName("playInbox")
        self.clients: list[Client] = []
        self.player = scenarios.Player(
            self.world,
            self.open_client,
            folder=folder,
            platform=self.platform,
            portrait=portrait,
        )

    def open_client(self, device: str) -> Client:
        platforms = [self.platform] if self.platform is not None else []
        client = PlayClient(
            Bot(), self.world, device, self.folder / "clients" / device, platforms, self.pace_ms
        )
        client.window.use_inbox(self.inbox)
        demo = self.world.demo
        for phone in (demo.company.legal_person_phone, demo.agent.phone):
            self.inbox.add_phone(phone, select=False)
        if len(self.clients) == 0:
            self.inbox.open_near(client.window)
        else:  # the second computer beside the first
            first = self.clients[0].window
            client.window.move(first.x() + first.frameGeometry().width() + 20, first.y())
        self.clients.append(client)
        return client

    def set_pace(self, pace_ms: int) -> None:
        for client in self.clients:
            client.pace_ms = pace_ms
        self.pace_ms = pace_ms

    def screenshot(self, path: Path) -> Path | None:
        client = self.player.clients.get(self.player.device)
        return client.screenshot(path) if client is not None else None

    def close(self) -> None:
        for client in self.clients:
            with contextlib.suppress(Exception):
                client.close()
                client.window.close()
        self.inbox.close()
        self.inbox.deleteLater()
        if self.platform is not None:
            self.platform.stop()
        self.world.close()
        from mobileca_desktop.views import camera_view

        camera_view.stop_all(5000)


class PlayPanel(QWidget):
    """The trainer's panel: the scenario's steps, the caption of the current one, 上一步,
    暂停 / 继续 and 下一步 (keys: ←, space, →)."""

    finished = Signal(bool)  # the last step was played (True) or a step failed (False)
    step_played = Signal(int)  # how many steps are played now
    closed = Signal()

    def __init__(
        self,
        scenario: scenarios.Scenario,
        folder: Path | None = None,
        pace_ms: int = DEFAULT_PACE_MS,
        portrait: bytes | None = None,
        paused: bool = False,
    ) -> None:
        super().__init__()
        self.setObjectName("playPanel")
        self.setWindowTitle(self.tr("场景演示：") + scenario.title)
        self.scenario = scenario
        self.pace_ms = pace_ms
        self.portrait = portrait
        self._temporary = folder is None
        self.folder = Path(tempfile.mkdtemp(prefix="mobileca-play-")) if folder is None else folder
        self._runs = itertools.count(1)
        self.run: Run | None = None
        self.played = 0  # steps played in the current run
        self.paused = paused
        self.busy = False
        self.failure = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._auto_next)
        self._build()
        self._new_run()
        self._show()
        if not paused:
            self._timer.start(0)

    # --- the panel ----------------------------------------------------------------------------

    def _build(self) -> None:
        box = QVBoxLayout(self)
        title = QLabel(self.scenario.title)
        title.setObjectName("playTitle")
        title.setStyleSheet("font-size: 16px; font-weight: 600;")
        title.setWordWrap(True)
        box.addWidget(title)
        self.caption = QLabel()
        self.caption.setObjectName("playCaption")
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet(
            "font-size: 22px; padding: 10px; background: #FFF7E6; border-radius: 8px;"
        )
        box.addWidget(self.caption)
        self.note = QLabel()
        self.note.setObjectName("playNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("font-size: 15px; color: #4B5563;")
        box.addWidget(self.note)
        self.status = QLabel()
        self.status.setObjectName("playStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.addWidget(self.status)
        self.steps = QListWidget()
        self.steps.setObjectName("playSteps")
        for step in self.scenario.steps:
            self.steps.addItem(f"{step.number}. {step.text}")
        box.addWidget(self.steps)
        row = QHBoxLayout()
        self.back_button = self._button(row, "playBack", self.tr("上一步"), self.back)
        self.pause_button = self._button(row, "playPause", "", self.toggle_pause)
        self.next_button = self._button(row, "playNext", self.tr("下一步"), self.next)
        box.addLayout(row)
        for key, slot in (("Left", self.back), ("Space", self.toggle_pause), ("Right", self.next)):
            QShortcut(QKeySequence(key), self).activated.connect(slot)
        self.resize(420, 520)

    def _button(self, row: QHBoxLayout, name: str, text: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAccessibleName(text or name)
        button.clicked.connect(slot)
        row.addWidget(button)
        return button

    def _show(self) -> None:
        steps = self.scenario.steps
        total = len(steps)
        if self.failure:
            self.caption.setText(self.failure)
        elif self.played < total:
            step = steps[self.played]
            self.note.setText(self.scenario.captions.get(step.number, ""))
            self.caption.setText(
                self.tr("第 {n} / {total} 步：{text}").format(
                    n=step.number, total=total, text=step.text
                )
            )
        else:
            self.caption.setText(self.tr("演示完成：共 {total} 步").format(total=total))
        self.steps.setCurrentRow(min(self.played, total - 1))
        self.pause_button.setText(self.tr("继续") if self.paused else self.tr("暂停"))
        done = self.played >= total or bool(self.failure)
        self.next_button.setEnabled(not done and not self.busy)
        self.pause_button.setEnabled(not done and not self.busy)
        self.back_button.setEnabled(self.played > 0 and not self.busy)

    # --- playing ------------------------------------------------------------------------------

    def _new_run(self) -> None:
        if self.run is not None:
            self.run.close()
        folder = self.folder / f"run-{next(self._runs)}"
        if folder.exists():
            shutil.rmtree(folder)
        self.run = Run(self.scenario, folder, self.pace_ms, self.portrait)
        self.played = 0
        self.failure = ""

    def _auto_next(self) -> None:
        if not self.paused:
            self.next()

    def next(self) -> None:
        """下一步: the step the caption shows, now."""
        if self.busy or self.failure or self.played >= len(self.scenario.steps):
            return
        self._timer.stop()
        self._play_one()
        if not self.paused and not self.failure and self.played < len(self.scenario.steps):
            self._timer.start(self.pace_ms)

    def _play_one(self) -> None:
        assert self.run is not None
        step = self.scenario.steps[self.played]
        self.busy = True
        self._show()
        try:
            self.run.player.play_step(self.scenario, step)
        except (scenarios.StepFailed, scenarios.ScenarioError) as exc:
            shot = self.run.screenshot(self.folder / f"step-{step.number}-failed.png")
            self.failure = str(exc) + (self.tr("\n截图：{}").format(shot) if shot else "")
            self.status.setText(self.failure)
            self.busy = False
            self._show()
            self.finished.emit(False)
            return
        self.busy = False
        self.played += 1
        self._show()
        self.step_played.emit(self.played)
        if self.played >= len(self.scenario.steps):
            self.finished.emit(True)

    def toggle_pause(self) -> None:
        """暂停 / 继续."""
        self.paused = not self.paused
        self._show()
        if self.paused:
            self._timer.stop()
        elif not self.busy:
            self._timer.start(0)

    def back(self) -> None:
        """上一步: the CA cannot be undone, so the scenario is replayed from the start, on a
        fresh CA, to the step before the last one played; then paused."""
        if self.busy or self.played == 0:
            return
        self._timer.stop()
        target = self.played - 1
        self.paused = True
        self.busy = True
        self.status.setText(self.tr("正在从头重放到第 {n} 步…").format(n=target))
        self._show()
        self._new_run()
        assert self.run is not None
        pace = self.pace_ms
        self.run.set_pace(0)  # the replay itself is not paced
        self.busy = False
        while self.played < target and not self.failure:
            self._play_one()
        self.run.set_pace(pace)
        if not self.failure:
            self.status.setText("")
        self._show()

    def closeEvent(self, event: Any) -> None:  # Qt override: the panel ends the play
        self.close_run()
        self.closed.emit()
        super().closeEvent(event)

    def close_run(self) -> None:
        self._timer.stop()
        if self.run is not None:
            self.run.close()
            self.run = None
        if self._temporary:
            shutil.rmtree(self.folder, ignore_errors=True)


def run_play(
    file: Path,
    folder: Path | None = None,
    pace_ms: int = DEFAULT_PACE_MS,
    portrait: Path | None = None,
    quit_at_end: bool = False,
    lang: str | None = None,
) -> int:
    """``mobileca play FILE``: until the panel is closed (``quit_at_end``: until the last
    step, exit status 0, or a failed step, 1). A file that cannot be played: 2."""
    import sys

    from mobileca_desktop.app import application
    from mobileca_desktop.testing.memory_keyring import memory_keyring
    from mobileca_desktop.views import i18n

    try:
        scenario = scenarios.load(file)
        picture = portrait.read_bytes() if portrait is not None else None
    except (scenarios.ScenarioError, OSError) as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 2
    app = application()
    i18n.install(app, lang or i18n.ZH)  # None: the default, Chinese (it crashed before)
    status = {"code": 0}
    with memory_keyring():
        panel = PlayPanel(scenario, folder, pace_ms, picture)
        panel.show()

        def finished(ok: bool) -> None:
            if not ok:
                print(f"错误 / error: {panel.failure}", file=sys.stderr, flush=True)
                status["code"] = 1
            if quit_at_end:
                app.quit()

        panel.finished.connect(finished)
        app.setQuitOnLastWindowClosed(False)
        panel.closed.connect(app.quit)
        try:
            app.exec()
        finally:
            panel.close_run()
    return status["code"]

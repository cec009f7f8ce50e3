"""A watchdog that logs every stall of the GUI thread longer than 200 ms
(``MOBILECA_WATCHDOG_MS`` sets another limit, e.g. 50 to check by hand that a live scan
with a real webcam never holds the GUI thread: ``MOBILECA_WATCHDOG_MS=50 mobileca --camera 0``).

A timer on the GUI thread beats every ``interval_ms``; when a beat comes late by more than
``threshold_ms``, the stall is logged with its length and the CPU time the GUI thread itself
used in it (a stall with little CPU was spent waiting: for a core on a busy machine, or for
a lock; one with as much CPU as wall time was work done on the GUI thread). A sampler
thread looks at the GUI thread's stack while it is stalled, so the log also says where it
was stuck.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

log = logging.getLogger(__name__)


def env_threshold(default: int = 200) -> int:
    """``MOBILECA_WATCHDOG_MS`` when it is a whole number from 10 up, else ``default``."""
    value = os.environ.get("MOBILECA_WATCHDOG_MS", "").strip()
    return int(value) if value.isdigit() and int(value) >= 10 else default


class GuiWatchdog(QObject):
    stalled = Signal(int)  # milliseconds the GUI thread did not process events
    stalled_cpu = Signal(int, int)  # the same, and the GUI thread's CPU milliseconds in it

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        threshold_ms: int | None = None,
        interval_ms: int = 50,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self.threshold_ms = threshold_ms if threshold_ms is not None else env_threshold()
        self.interval_ms = interval_ms
        self._clock = clock
        self._last = clock()
        self._last_cpu = time.thread_time()
        self._gui_ident = threading.get_ident()
        self._where: str | None = None
        self._stop = threading.Event()
        self._sampler: threading.Thread | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.beat)

    def start(self) -> None:
        self._gui_ident = threading.get_ident()
        self._last = self._clock()
        self._last_cpu = time.thread_time()
        self._timer.start()
        if self._sampler is None:
            self._stop.clear()
            self._sampler = threading.Thread(target=self._sample, name="gui-watchdog", daemon=True)
            self._sampler.start()

    def stop(self) -> None:
        self._timer.stop()
        self._stop.set()
        if self._sampler is not None:
            self._sampler.join(timeout=1)
            self._sampler = None

    def beat(self) -> None:
        """One heartbeat (the timer's slot): logs the stall that ended now, if any."""
        now, cpu = self._clock(), time.thread_time()
        late_ms = int((now - self._last) * 1000) - self.interval_ms
        cpu_ms = int((cpu - self._last_cpu) * 1000)
        self._last, self._last_cpu = now, cpu
        where, self._where = self._where, None
        if late_ms > self.threshold_ms:
            log.warning(
                "GUI thread blocked for %d ms (%d ms of CPU on it)%s",
                late_ms,
                cpu_ms,
                f" in {where}" if where else "",
            )
            self.stalled.emit(late_ms)
            self.stalled_cpu.emit(late_ms, cpu_ms)

    def _sample(self) -> None:
        while not self._stop.wait(self.interval_ms / 2000):
            late = (self._clock() - self._last) * 1000 - self.interval_ms
            if late > self.threshold_ms and self._where is None:
                frame = sys._current_frames().get(self._gui_ident)
                if frame is not None:
                    last = traceback.extract_stack(frame)[-1]
                    self._where = f"{last.filename}:{last.lineno} {last.name}"

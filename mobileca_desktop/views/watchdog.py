"""A watchdog that logs every stall of the GUI thread longer than 200 ms.

A timer on the GUI thread beats every ``interval_ms``; when a beat comes late by more than
``threshold_ms``, the stall is logged with its length. A sampler thread looks at the GUI
thread's stack while it is stalled, so the log also says where it was stuck.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

log = logging.getLogger(__name__)


class GuiWatchdog(QObject):
    stalled = Signal(int)  # milliseconds the GUI thread did not process events

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        threshold_ms: int = 200,
        interval_ms: int = 50,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self.threshold_ms = threshold_ms
        self.interval_ms = interval_ms
        self._clock = clock
        self._last = clock()
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
        now = self._clock()
        late_ms = int((now - self._last) * 1000) - self.interval_ms
        self._last = now
        where, self._where = self._where, None
        if late_ms > self.threshold_ms:
            log.warning("GUI thread blocked for %d ms%s", late_ms, f" in {where}" if where else "")
            self.stalled.emit(late_ms)

    def _sample(self) -> None:
        while not self._stop.wait(self.interval_ms / 2000):
            late = (self._clock() - self._last) * 1000 - self.interval_ms
            if late > self.threshold_ms and self._where is None:
                frame = sys._current_frames().get(self._gui_ident)
                if frame is not None:
                    last = traceback.extract_stack(frame)[-1]
                    self._where = f"{last.filename}:{last.lineno} {last.name}"

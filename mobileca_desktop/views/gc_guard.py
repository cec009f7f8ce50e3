"""Python's cyclic garbage collector, run on the GUI thread only.

CPython runs a collection in whichever thread happens to allocate past the threshold. When
that is a ``BackgroundOp`` worker and the garbage holds Qt objects (a page, a dialog or an
operation in a reference cycle), Qt destroys them on the wrong thread and the process can
crash (seen as "Segmentation fault ... Garbage-collecting" under a worker's stack). So the
automatic collector is switched off and this timer collects on the GUI thread instead, with
the same generation thresholds. Reference counting still frees everything that is not in a
cycle at once, on any thread, as before.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    """Owns the collector while alive: ``install(app)`` once the QApplication exists."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        gc.disable()
        self._timer.start()

    def check(self) -> None:
        """Collect the oldest generation whose count passed its threshold."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                gc.collect(generation)
                return


_installed: GuiThreadCollector | None = None


def install(app: QObject) -> GuiThreadCollector:
    """Idempotent: one collector per process, parented to the application object."""
    global _installed
    if _installed is None:
        _installed = GuiThreadCollector(app)
    return _installed

"""The one clock of the CA, the client and the platform: real time plus a demo offset.

Trainers and QA move it forward to show 已过期; the offset lives in the CA's database so
every program that reads the same CA sees the same time.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol

from sqlalchemy.orm import Session

from mobileca_desktop.domain.models import ClockInfo

SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
_OFFSET_KEY = "clock_offset_seconds"


class MetaStore(Protocol):
    """What the clock needs of the CA's store: its key/value metadata."""

    def read(self) -> AbstractContextManager[Session]: ...

    def get_meta(self, session: Session, key: str) -> str | None: ...

    def set_meta(self, session: Session, key: str, value: str) -> None: ...


class Clock:
    """``now()`` is always timezone-aware UTC. The offset is re-read at most once a second
    so that another process's ``advance`` is seen promptly without a query per call."""

    def __init__(self, store: MetaStore, real_now: Callable[[], dt.datetime] | None = None) -> None:
        self._store = store
        self._real_now = real_now or (lambda: dt.datetime.now(dt.UTC))
        self._lock = threading.Lock()
        self._offset = 0
        self._read_at = -1.0

    def offset_seconds(self) -> int:
        with self._lock:
            if time.monotonic() - self._read_at > 1.0:
                with self._store.read() as s:
                    value = self._store.get_meta(s, _OFFSET_KEY)
                self._offset = int(value or 0)
                self._read_at = time.monotonic()
            return self._offset

    def now(self) -> dt.datetime:
        return self._real_now() + dt.timedelta(seconds=self.offset_seconds())

    def real_now(self) -> dt.datetime:
        """The real UTC time without the demo offset: what the TSA dates tokens with."""
        return self._real_now()

    def issue_now(self) -> dt.datetime:
        """When evidence the CA signs *starts* (certificate notBefore, OCSP thisUpdate, CRL
        thisUpdate): the earlier of the demo and the real time. The demo clock only moves
        forward, so this is the real time whenever a trainer has moved it; validators on
        the real clock then never see anything dated in their future, while validity *ends*
        still follow the demo clock (what 已过期 shows)."""
        return min(self.now(), self._real_now())

    def info(self) -> ClockInfo:
        real = self._real_now()
        off = self.offset_seconds()
        return ClockInfo(real_now=real, now=real + dt.timedelta(seconds=off), offset_seconds=off)

    def set_offset(self, session: Session, seconds: int) -> None:
        """Called inside the engine's transaction (audited by the caller)."""
        if seconds < 0:
            # Moving back in time would make issued certificates "not yet valid" and
            # reorder the audit log: the demo clock only moves forward or back to real time.
            seconds = 0
        self._store.set_meta(session, _OFFSET_KEY, str(int(seconds)))
        with self._lock:
            self._offset = int(seconds)
            self._read_at = time.monotonic()


def to_shanghai(value: dt.datetime) -> dt.datetime:
    return value.astimezone(SHANGHAI)


def format_display(value: dt.datetime | None) -> str:
    """DESIGN.md's display format: ``YYYY-MM-DD HH:MM:SS`` in Asia/Shanghai."""
    if value is None:
        return ""
    return to_shanghai(value).strftime("%Y-%m-%d %H:%M:%S")


def end_of_day_shanghai(value: dt.datetime) -> dt.datetime:
    """Validity ends at 23:59:59 +08:00 of the day, as in the handbook's example."""
    local = to_shanghai(value)
    end = local.replace(hour=23, minute=59, second=59, microsecond=0)
    return end.astimezone(dt.UTC)

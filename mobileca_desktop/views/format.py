"""Display formats of DESIGN.md: dates as ``YYYY-MM-DD HH:MM:SS`` in Asia/Shanghai."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from mobileca_desktop.domain.models import label

SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def display_time(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:  # the engine's values are aware; be safe with naive UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def text_of(member: StrEnum) -> str:
    """The handbook's word for an enum member (证书类型, 状态, 核验方式 ...)."""
    return label(member) or str(member)


def spaced_serial(serial_hex: str) -> str:
    """A serial that can wrap on a phone-wide page: a zero-width space every 8 digits."""
    return "\u200b".join(serial_hex[i : i + 8] for i in range(0, len(serial_hex), 8))

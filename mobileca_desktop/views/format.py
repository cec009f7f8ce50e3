"""Display formats of DESIGN.md: dates as ``YYYY-MM-DD HH:MM:SS`` in Asia/Shanghai; the
words for enum members (the handbook's Chinese, translated for an English UI)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from PySide6.QtCore import QCoreApplication

from mobileca_desktop.domain.models import label
from mobileca_desktop.views.words import QT_TRANSLATE_NOOP, word

SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def display_time(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:  # the engine's values are aware; be safe with naive UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


# The handbook's words of ``domain.models.label``, listed here for the translation file
# (tests/test_i18n.py checks the list is complete); the views' own enums' words are listed
# in ``views.words``.
ENUM_WORDS = (
    QT_TRANSLATE_NOOP("EnumLabel", "企业数字证书"),
    QT_TRANSLATE_NOOP("EnumLabel", "法人数字证书"),
    QT_TRANSLATE_NOOP("EnumLabel", "个人数字证书"),
    QT_TRANSLATE_NOOP("EnumLabel", "法人刷脸"),
    QT_TRANSLATE_NOOP("EnumLabel", "电子营业执照"),
    QT_TRANSLATE_NOOP("EnumLabel", "对公打款"),
    QT_TRANSLATE_NOOP("EnumLabel", "上传授权书"),
    QT_TRANSLATE_NOOP("EnumLabel", "法人本人"),
    QT_TRANSLATE_NOOP("EnumLabel", "经办人"),
    QT_TRANSLATE_NOOP("EnumLabel", "正常"),
    QT_TRANSLATE_NOOP("EnumLabel", "审核中"),
    QT_TRANSLATE_NOOP("EnumLabel", "已失效"),
    QT_TRANSLATE_NOOP("EnumLabel", "已过期"),
    QT_TRANSLATE_NOOP("EnumLabel", "已吊销"),
    QT_TRANSLATE_NOOP("EnumLabel", "草稿"),
    QT_TRANSLATE_NOOP("EnumLabel", "公章"),
    QT_TRANSLATE_NOOP("EnumLabel", "法人章"),
    QT_TRANSLATE_NOOP("EnumLabel", "个人签名"),
    QT_TRANSLATE_NOOP("EnumLabel", "授权中"),
    QT_TRANSLATE_NOOP("EnumLabel", "已撤销"),
)


def text_of(member: StrEnum) -> str:
    """The word for an enum member (证书类型, 状态, 核验方式 ...) in the UI language: the
    handbook's Chinese, or its English translation once ``i18n.install`` chose English."""
    source = label(member) or word(member)
    if source is None:
        return str(member)
    return QCoreApplication.translate("EnumLabel", source)


_BREAK_AFTER = frozenset("/\\._-:,;)）")


def breakable(text: str, run: int = 16) -> str:
    """``text`` that a word-wrapped label can break on a narrow page: a zero-width space after
    path and name separators and inside any longer run without one (a keyring's or a
    camera's long name would otherwise widen the whole window). For text shown, not copied."""
    out: list[str] = []
    since = 0
    for ch in text:
        out.append(ch)
        since = 0 if ch.isspace() else since + 1
        if ch in _BREAK_AFTER or since >= run:
            out.append("\u200b")
            since = 0
    return "".join(out)


def spaced_serial(serial_hex: str) -> str:
    """A serial that can wrap on a phone-wide page: a zero-width space every 8 digits."""
    return "\u200b".join(serial_hex[i : i + 8] for i in range(0, len(serial_hex), 8))

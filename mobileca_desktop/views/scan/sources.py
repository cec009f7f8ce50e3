"""The camera choices of 扫一扫 and 法人刷脸: the ``--camera`` setting (a camera number, a
device path, or an image / video file that stands in for a camera) turned into a
``services.frames`` spec, and an opener that makes the source on the reading thread."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from mobileca_desktop.services.frames import FrameSource, source_for

_DEVICE = re.compile(r"/dev/video(\d+)")


def spec_of(value: str | None) -> str:
    """``0`` → ``camera:0``; ``/dev/video2`` → ``camera:2``; ``camera:…`` and ``file:…`` as
    they are; anything else is a file."""
    value = (value or "0").strip() or "0"
    if value.isdigit():
        return f"camera:{int(value)}"
    m = _DEVICE.fullmatch(value)
    if m:
        return f"camera:{m.group(1)}"
    if value.startswith(("camera:", "file:")):
        return value
    return f"file:{value}"


def label_of(spec: str) -> str:
    if spec.startswith("camera:"):
        number = spec[len("camera:") :].split("@")[0]
        return QCoreApplication.translate("ScanSources", "摄像头 {n}").format(n=number)
    name = Path(spec[len("file:") :]).name
    return QCoreApplication.translate("ScanSources", "文件：{name}").format(name=name)


def configured(settings) -> list[tuple[str, str]]:
    """(spec, label) of the configured camera, the first choice."""
    spec = spec_of(getattr(settings, "camera", None))
    return [(spec, label_of(spec))]


def opener(spec: str) -> Callable[[], FrameSource]:
    """Makes the source when called (on the reader thread: nothing is opened here)."""
    return lambda: source_for(spec)

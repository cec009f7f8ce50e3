"""The SVG icons of ``resources/icons`` as QIcons (sharp at any size and pixel ratio)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon, QPixmap

ICON_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"


@cache
def icon(name: str) -> QIcon:
    path = ICON_DIR / f"{name}.svg"
    if not path.is_file():
        raise FileNotFoundError(path)
    return QIcon(str(path))


def pixmap(name: str, size: int, ratio: float = 1.0) -> QPixmap:
    return icon(name).pixmap(QSize(size, size), ratio)

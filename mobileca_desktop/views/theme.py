"""The mini-program's look: one primary colour, white cards on a light grey page.

Widgets say what they are with a ``role`` property (``card``, ``primary``, ``link`` ...);
the stylesheet below gives each role its look, so pages carry no colours of their own.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QWidget

PRIMARY = "#1B6EF3"
PRIMARY_DARK = "#1558C7"
PAGE = "#F4F5F7"
TEXT = "#1F2329"
MUTED = "#6B7280"
BORDER = "#E5E7EB"
ERROR = "#E5484D"

# Status badges of 证书管理 (text colour, background).
BADGES: dict[str, tuple[str, str]] = {
    "normal": ("#12805C", "#E3F6EE"),  # 正常
    "reviewing": ("#B25E09", "#FFF1DE"),  # 审核中
    "invalid": ("#6B7280", "#EEF0F3"),  # 已失效
    "expired": ("#C2410C", "#FFE9DF"),  # 已过期
    "revoked": ("#B42318", "#FDE8E7"),  # 已吊销
    "draft": ("#1558C7", "#E6EFFE"),  # 草稿
}

# Chinese fonts by platform; Qt falls back along the list.
FONT_FAMILIES = [
    "Microsoft YaHei UI",
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "Sans Serif",
]

STYLESHEET = f"""
QMainWindow, QWidget#pageRoot, QScrollArea, QScrollArea > QWidget > QWidget {{
    background: {PAGE};
}}
QWidget {{ color: {TEXT}; font-size: 14px; }}
QFrame#topBar {{ background: #FFFFFF; border-bottom: 1px solid {BORDER}; }}
QLabel#pageTitle {{ font-size: 17px; font-weight: 600; }}
QToolButton#backButton, QToolButton#inboxButton {{
    border: none; background: transparent; padding: 4px; border-radius: 8px;
}}
QToolButton#backButton:hover, QToolButton#inboxButton:hover {{ background: #EEF0F3; }}
QFrame[role="card"] {{ background: #FFFFFF; border-radius: 12px; border: 1px solid {BORDER}; }}
QFrame[role="hero"] {{
    background: qlineargradient(x1:0, y1:0, x2:1, y2:1, stop:0 {PRIMARY}, stop:1 #4B8DF8);
    border-radius: 14px;
}}
QFrame[role="hero"] QLabel {{ color: #FFFFFF; background: transparent; }}
QLabel[role="heading"] {{ font-size: 20px; font-weight: 600; }}
QLabel[role="section"] {{ font-size: 15px; font-weight: 600; padding: 4px 2px; }}
QLabel[role="muted"] {{ color: {MUTED}; font-size: 13px; }}
QLabel[role="error"] {{ color: {ERROR}; font-size: 12px; }}
QLabel[role="fieldLabel"] {{ color: {TEXT}; font-size: 13px; }}
QLabel[role="value"] {{ color: {TEXT}; }}
QLabel[role="code"] {{ color: {PRIMARY}; font-size: 22px; font-weight: 700; letter-spacing: 2px; }}
QLabel[role="banner"] {{
    background: #FFF7E6; color: #8A5300; border: 1px solid #FFE0A3; border-radius: 8px;
    padding: 8px 10px;
}}
QLabel[role="warning"] {{
    background: #FDECEA; color: {ERROR}; border: 1px solid {ERROR}; border-radius: 8px;
    padding: 10px 12px; font-size: 14px; font-weight: 600;
}}
QLineEdit, QPlainTextEdit, QComboBox {{
    background: #FFFFFF; border: 1px solid {BORDER}; border-radius: 8px; padding: 8px 10px;
    selection-background-color: {PRIMARY};
}}
QLineEdit:focus, QPlainTextEdit:focus, QComboBox:focus {{ border: 1px solid {PRIMARY}; }}
QLineEdit[invalid="true"] {{ border: 1px solid {ERROR}; }}
QPushButton {{
    border-radius: 16px; padding: 8px 16px; background: #FFFFFF; border: 1px solid {BORDER};
}}
QPushButton:hover {{ border-color: {PRIMARY}; color: {PRIMARY}; }}
QPushButton:focus {{ border: 1px solid {PRIMARY}; }}
QPushButton[role="primary"] {{
    background: {PRIMARY}; color: #FFFFFF; border: none; font-size: 15px; font-weight: 600;
    border-radius: 21px;
}}
QPushButton[role="primary"]:hover {{ background: {PRIMARY_DARK}; color: #FFFFFF; }}
QPushButton[role="primary"]:disabled {{ background: #A9C5F8; color: #FFFFFF; }}
QPushButton[role="small"] {{ padding: 4px 14px; border-radius: 14px; font-size: 13px; }}
QPushButton[role="danger"] {{ color: {ERROR}; }}
QPushButton[role="link"], QPushButton[role="link"]:hover {{
    border: none; background: transparent; color: {PRIMARY}; padding: 4px;
}}
QToolButton[role="tile"] {{
    background: #FFFFFF; border: 1px solid {BORDER}; border-radius: 12px; padding: 12px 4px;
    font-size: 13px;
}}
QToolButton[role="tile"]:hover {{ border-color: {PRIMARY}; }}
QToolButton[role="tile"]:focus {{ border: 1px solid {PRIMARY}; }}
QTabBar::tab {{
    background: transparent; padding: 10px 18px; font-size: 15px; color: {MUTED};
    border: none; border-bottom: 2px solid transparent;
}}
QTabBar::tab:selected {{ color: {PRIMARY}; border-bottom: 2px solid {PRIMARY}; font-weight: 600; }}
QDockWidget {{ font-size: 14px; }}
QDockWidget::title {{ background: #FFFFFF; padding: 8px; border-bottom: 1px solid {BORDER}; }}
QListWidget {{ background: {PAGE}; border: none; }}
QRadioButton {{ spacing: 8px; padding: 4px 0; }}
"""


def ui_font(point_size: float = 10.5) -> QFont:
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSizeF(point_size)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return font


def apply(widget: QWidget) -> None:
    """Gives a top-level window the product's font and stylesheet."""
    widget.setFont(ui_font())
    widget.setStyleSheet(STYLESHEET)


# The widget comes back with its own type, so `set_role(QPushButton(...), "primary")` is a
# QPushButton to the type checker, not a bare QWidget.
W = TypeVar("W", bound=QWidget)


def set_role(widget: W, role: str) -> W:
    widget.setProperty("role", role)
    return widget


def badge_style(status: str) -> str:
    fg, bg = BADGES.get(status, BADGES["invalid"])
    return (
        f"color: {fg}; background: {bg}; border-radius: 10px; padding: 2px 10px;"
        " font-size: 12px; font-weight: 600;"
    )

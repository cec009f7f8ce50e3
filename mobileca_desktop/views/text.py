"""Outside text is shown as text. Company and agent names, 签章主体, a platform's name, summary
and details, file names and reject reasons come from applicants, the CA or a platform; Qt's
default (``Qt.TextFormat.AutoText``) would render ``<img>``, ``<a>`` and styles it finds in
them. So every label of the client is a ``PlainLabel`` (plain text, whatever its text),
message boxes are plain, and a tooltip that carries outside text is converted with
``tooltip``. Rich text is opted into only for fixed markup of ours (``rich_label``), with
any outside text in it escaped (``escape``). Window titles, buttons, table and list items are
always plain in Qt. tests/security/test_rich_text_injection.py checks all of it."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

# Formats are set by key name: the start-up page's labels are made before PySide6 builds its
# Qt namespace (views/main_window.py), and ``setTextFormat(Qt.TextFormat...)`` would build it.


class PlainLabel(QLabel):
    """A QLabel that shows its text as plain text, now and after any later ``setText``."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("textFormat", "PlainText")
        if text:
            self.setText(text)


def rich_label(markup: str, parent: QWidget | None = None) -> QLabel:
    """A label of fixed markup written in this program (a link of ours); any outside text
    placed in ``markup`` must have gone through ``escape``."""
    label = QLabel(parent)
    label.setProperty("textFormat", "RichText")
    label.setText(markup)
    return label


def escape(text: str) -> str:
    """Outside text for a place in rich text (``rich_label``): shown literally."""
    return html.escape(text, quote=True)


def tooltip(text: str) -> str:
    """Outside text for ``setToolTip``: Qt renders a tooltip as rich text whenever it merely
    looks like markup (``Qt.mightBeRichText``), so it is handed over as escaped rich text,
    which shows every character (and line break) as typed."""
    return f"<p style='white-space:pre-wrap'>{escape(text)}</p>"


class PlainMessageBox(QMessageBox):
    """A QMessageBox whose text and informative text are plain text (its default, AutoText,
    renders markup it detects, e.g. in an agent's or a platform's name)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("textFormat", "PlainText")

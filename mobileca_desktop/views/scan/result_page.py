"""扫码结果: the platform's message on success, or why nothing was done (a refused code is
explained, and said to have signed nothing)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QPushButton, QWidget

from mobileca_desktop.domain.errors import (
    MobileCAError,
    PlatformRejected,
    ScanPayloadInvalid,
    ScanRefused,
)
from mobileca_desktop.services.scan_api import ScanOutcome, ScanPrompt
from mobileca_desktop.views import messages
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.page import Page
from mobileca_desktop.views.scan.labels import done_text, operation_text, refusal_text
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role

if TYPE_CHECKING:
    from mobileca_desktop.views.navigation import Navigator

SUCCESS = "#12A071"
FAILURE = "#E5484D"


class _Mark(QWidget):
    """A round tick or cross."""

    def __init__(self, ok: bool) -> None:
        super().__init__()
        self.ok = ok
        self.setFixedSize(72, 72)

    def sizeHint(self) -> QSize:  # Qt override
        return QSize(72, 72)

    def paintEvent(self, event: QPaintEvent) -> None:  # Qt override
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = QColor(SUCCESS if self.ok else FAILURE)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        p.drawEllipse(QRectF(4, 4, 64, 64))
        pen = QPen(QColor("#FFFFFF"), 6)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        if self.ok:
            p.drawPolyline([QPointF(22, 37), QPointF(32, 47), QPointF(50, 27)])
        else:
            p.drawLine(26, 26, 46, 46)
            p.drawLine(46, 26, 26, 46)
        p.end()


class ScanResultPage(Page):
    def __init__(
        self,
        window: Navigator,
        *,
        outcome: ScanOutcome | None = None,
        error: BaseException | None = None,
        prompt: ScanPrompt | None = None,
    ) -> None:
        super().__init__()
        self.title = self.tr("扫码结果")
        self.setObjectName("scanResultPage")
        self.nav = window
        self.outcome, self.error, self.prompt = outcome, error, prompt
        self.ok = outcome is not None

        card = Card(spacing=10)
        mark_row = QHBoxLayout()
        mark_row.addStretch()
        mark_row.addWidget(_Mark(self.ok))
        mark_row.addStretch()
        card.box.addSpacing(8)
        card.box.addLayout(mark_row)
        self.heading = set_role(PlainLabel(self._heading()), "heading")
        self.heading.setObjectName("resultHeading")
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heading.setWordWrap(True)
        card.box.addWidget(self.heading)
        self.message = PlainLabel(self._message())
        self.message.setObjectName("resultMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        card.box.addWidget(self.message)
        self.note = set_role(PlainLabel(self._note()), "muted")
        self.note.setObjectName("resultNote")
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setWordWrap(True)
        self.note.setVisible(bool(self.note.text()))
        card.box.addWidget(self.note)
        card.box.addSpacing(4)
        self.body.addWidget(card)

        rows = self._rows()
        if rows:
            details = Card(spacing=8)
            grid = QGridLayout()
            grid.setHorizontalSpacing(12)
            grid.setColumnStretch(1, 1)
            for r, (label, value) in enumerate(rows):
                grid.addWidget(
                    set_role(PlainLabel(label), "muted"), r, 0, Qt.AlignmentFlag.AlignTop
                )
                val = set_role(PlainLabel(value), "value")
                val.setWordWrap(True)
                val.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                grid.addWidget(val, r, 1)
            details.box.addLayout(grid)
            self.body.addWidget(details)

        buttons = QHBoxLayout()
        self.again_button = QPushButton(self.tr("继续扫码"))
        self.again_button.setObjectName("scanAgainButton")
        self.again_button.setAccessibleName(self.tr("继续扫码"))
        self.again_button.setMinimumHeight(42)
        self.again_button.clicked.connect(self.scan_again)
        self.done_button = set_role(QPushButton(self.tr("完成")), "primary")
        self.done_button.setObjectName("doneButton")
        self.done_button.setAccessibleName(self.tr("完成"))
        self.done_button.setMinimumHeight(42)
        self.done_button.clicked.connect(self.finish)
        self.done_button.setDefault(True)
        buttons.addWidget(self.again_button, 1)
        buttons.addWidget(self.done_button, 1)
        self.body.addLayout(buttons)
        self.body.addStretch()

    # --- words ------------------------------------------------------------------------------

    def _heading(self) -> str:
        if self.outcome is not None:
            return done_text(self.outcome.operation)
        if isinstance(self.error, ScanRefused | ScanPayloadInvalid):
            return self.tr("已拒绝此二维码")
        if isinstance(self.error, PlatformRejected):
            return self.tr("交易平台未接受")
        return self.tr("未能完成")

    def _message(self) -> str:
        if self.outcome is not None:
            return self.outcome.message
        err = self.error
        if isinstance(err, ScanRefused):
            reason = str(err.params.get("reason", "")) if isinstance(err, MobileCAError) else ""
            words = refusal_text(reason)
            if words:
                return words
        return messages.error_text(err) if err is not None else ""

    def _note(self) -> str:
        if isinstance(self.error, ScanRefused | ScanPayloadInvalid):
            return self.tr("未进行任何签名，也未向交易平台发送任何内容。")
        if self.error is not None and self.prompt is not None:
            return self.tr("如需重试，请在交易平台刷新二维码后重新扫描。")
        return ""

    def _rows(self) -> list[tuple[str, str]]:
        rows: list[tuple[str, str]] = []
        if self.prompt is not None:
            rows.append((self.tr("交易平台"), self.prompt.request.platform_name))
            rows.append((self.tr("操作"), operation_text(self.prompt.request.operation)))
            rows.append((self.tr("内容"), self.prompt.summary))
        if self.outcome is not None:
            rows += list(self.outcome.details.items())
        return rows

    # --- actions ----------------------------------------------------------------------------

    def scan_again(self) -> None:
        """Back to the scanner, which starts its source again."""
        self.nav.pop()

    def finish(self) -> None:
        """完成: leave 扫一扫 (this page and the scanner under it, which is not shown again)."""
        from mobileca_desktop.views.scan.scan_page import ScanPage

        pages = self.nav.pages()
        below = pages[-2] if len(pages) > 2 else None
        if isinstance(below, ScanPage):
            self.nav.remove(below)
        self.nav.pop()

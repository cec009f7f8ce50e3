"""所见即所签: the page to be sealed, with the seal image drawn exactly where pyHanko will
draw it; the user picks the page and drags the seal (or moves it with the arrow keys).

The page is rendered by QtPdf as a viewer shows it (CropBox, /Rotate); the seal's box lives
in the page's PDF user space and is mapped with ``PageArea.box_to_shown`` (the same geometry
the shared PDF check uses), the image fitted into the box keeping its aspect ratio and turned
with the page, as pyHanko's stamp is.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QTransform,
)
from PySide6.QtPdf import QPdfDocument, QPdfDocumentRenderOptions
from PySide6.QtWidgets import QHBoxLayout, QSpinBox, QVBoxLayout, QWidget

from mobileca_desktop.services.scan_api import ScanPrompt
from mobileca_desktop.views.text import PlainLabel

Box = tuple[float, float, float, float]
PAGE_WIDTH = 420  # pixels the page is drawn at (its height follows the page)
KEY_STEP = 6.0  # points an arrow key moves the seal


class SealCanvas(QWidget):
    """One page with the seal on it."""

    moved = Signal()

    def __init__(self, pdf: QPdfDocument, prompt: ScanPrompt, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("sealCanvas")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.pdf = pdf
        self.pages = prompt.seal_pages
        self.seal = QPixmap()
        if prompt.seal_image:
            self.seal.loadFromData(prompt.seal_image)
        self.page = prompt.seal_page
        first = self.area()
        self.box: Box = tuple(prompt.seal_box or first.default_box())
        self._grab: QPointF | None = None
        self._image = QImage()
        self.setFixedSize(self.page_size())
        # Loading from a buffer is asynchronous: draw the page once the document is ready.
        pdf.statusChanged.connect(self._status)
        self._render()

    # --- geometry -------------------------------------------------------------------------

    def area(self):
        return self.pages[self.page - 1]

    def scale(self) -> float:
        """Pixels per point of the page as drawn."""
        w, _h = self.area().shown_size
        return PAGE_WIDTH / w

    def page_size(self) -> QSize:
        w, h = self.area().shown_size
        s = self.scale()
        return QSize(round(w * s), round(h * s))

    def seal_rect(self) -> QRectF:
        """The seal's box on the widget (pixels), as the viewer will show it."""
        left, top, right, bottom = self.area().box_to_shown(self.box)
        s = self.scale()
        return QRectF(left * s, top * s, (right - left) * s, (bottom - top) * s)

    def set_page(self, number: int) -> None:
        if number == self.page or not 1 <= number <= len(self.pages):
            return
        w = self.box[2] - self.box[0]
        self.page = number
        self.box = self.area().default_box(min(w, self.box[3] - self.box[1]))
        self._render()
        self.moved.emit()

    def move_shown(self, du: float, dv: float) -> None:
        """Moves the seal by (du, dv) points on the shown page, kept inside the page."""
        area = self.area()
        left, top, right, bottom = area.box_to_shown(self.box)
        w, h = area.shown_size
        du = max(-left, min(du, w - right))
        dv = max(-top, min(dv, h - bottom))
        self.box = area.box_from_shown(left + du, top + dv, right + du, bottom + dv)
        self.update()
        self.moved.emit()

    # --- drawing --------------------------------------------------------------------------

    def _status(self, status: QPdfDocument.Status) -> None:
        if status == QPdfDocument.Status.Ready:  # not while the document is going away
            self._render()

    def _render(self) -> None:
        size = self.page_size()
        self.setFixedSize(size)
        if self.pdf.status() == QPdfDocument.Status.Ready and self.page <= self.pdf.pageCount():
            options = QPdfDocumentRenderOptions()
            options.setRenderFlags(QPdfDocumentRenderOptions.RenderFlag.Annotations)
            self._image = self.pdf.render(self.page - 1, size, options)
        self.update()

    def rendered(self) -> bool:
        return not self._image.isNull()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#FFFFFF"))
        if not self._image.isNull():
            painter.drawImage(0, 0, self._image)
        rect = self.seal_rect()
        if not self.seal.isNull():
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            self._draw_seal(painter, rect)
        pen = QPen(QColor("#1F6FEB"), 1, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawRect(rect.adjusted(0, 0, -1, -1))
        painter.end()

    def _draw_seal(self, painter: QPainter, rect: QRectF) -> None:
        """The image fitted into the box in page space (aspect kept, centred), turned by the
        page's rotation: what pyHanko's stamp looks like in a viewer."""
        rotate = self.area().rotate
        upright = rotate in (90, 270)
        bw, bh = (rect.height(), rect.width()) if upright else (rect.width(), rect.height())
        iw, ih = self.seal.width(), self.seal.height()
        k = min(bw / iw, bh / ih)
        w, h = iw * k, ih * k
        painter.save()
        painter.translate(rect.center())
        painter.setTransform(QTransform().rotate(rotate), combine=True)
        painter.drawPixmap(QRectF(-w / 2, -h / 2, w, h), self.seal, QRectF(self.seal.rect()))
        painter.restore()

    # --- moving ---------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.seal_rect().contains(event.position()):
            self._grab = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        else:  # a click elsewhere puts the seal's centre there
            centre = self.seal_rect().center()
            s = self.scale()
            d = event.position() - centre
            self.move_shown(d.x() / s, d.y() / s)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._grab is None:
            return
        d = event.position() - self._grab
        s = self.scale()
        before = self.seal_rect().topLeft()
        self.move_shown(d.x() / s, d.y() / s)
        moved = self.seal_rect().topLeft() - before
        self._grab = self._grab + moved

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._grab = None
        self.setCursor(Qt.CursorShape.OpenHandCursor)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        steps: dict[int, tuple[float, float]] = {
            Qt.Key.Key_Left: (-KEY_STEP, 0.0),
            Qt.Key.Key_Right: (KEY_STEP, 0.0),
            Qt.Key.Key_Up: (0.0, -KEY_STEP),
            Qt.Key.Key_Down: (0.0, KEY_STEP),
        }
        if event.key() in steps:
            self.move_shown(*steps[event.key()])
        else:
            super().keyPressEvent(event)


class SealPlacer(QWidget):
    """The page chooser and the page with the seal on it."""

    def __init__(self, pdf: QPdfDocument, prompt: ScanPrompt, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("sealPlacer")
        self.canvas = SealCanvas(pdf, prompt, self)
        self.canvas.setAccessibleName(self.tr("印章位置（可拖动，或用方向键移动）"))
        self.page_spin = QSpinBox()
        self.page_spin.setObjectName("sealPageSpin")
        self.page_spin.setAccessibleName(self.tr("盖章页码"))
        self.page_spin.setRange(1, max(1, len(prompt.seal_pages)))
        self.page_spin.setValue(self.canvas.page)
        self.page_spin.valueChanged.connect(self.canvas.set_page)
        self.where = PlainLabel()
        self.where.setObjectName("sealWhere")
        self.canvas.moved.connect(self._say_where)
        top = QHBoxLayout()
        top.addWidget(PlainLabel(self.tr("盖章页码")))
        top.addWidget(self.page_spin)
        top.addWidget(PlainLabel(self.tr("共 {n} 页").format(n=len(prompt.seal_pages))))
        top.addStretch()
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(top)
        box.addWidget(self.canvas, 0, Qt.AlignmentFlag.AlignHCenter)
        hint = PlainLabel(self.tr("拖动印章到要盖章的位置；确认后印章将盖在此处（所见即所签）"))
        hint.setWordWrap(True)
        box.addWidget(hint)
        box.addWidget(self.where)
        self._say_where()

    def placement(self) -> tuple[int, Box]:
        return self.canvas.page, tuple(round(v) for v in self.canvas.box)  # type: ignore[return-value]

    def _say_where(self) -> None:
        page, (x1, y1, x2, y2) = self.placement()
        self.where.setText(
            self.tr("第 {page} 页，({x1}, {y1}) – ({x2}, {y2}) pt").format(
                page=page, x1=x1, y1=y1, x2=x2, y2=y2
            )
        )

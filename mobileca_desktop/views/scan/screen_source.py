"""屏幕区域: frames grabbed from a region of the screen (the platform's page is on the same
screen), and the one-time picker where the user drags a rectangle around the QR code.

Qt's screen grab (``QScreen.grabWindow(0)``) works under X11 and Windows. Under Wayland a
grab comes back all black (the compositor does not hand out the screen); ``ScreenGrabBlank``
says so and what to do instead. Grabs run on the GUI thread (Qt requires it); the frames
are decoded off it by ``CameraView``'s analyser.
"""

from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import QPoint, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPixmap,
    QScreen,
)
from PySide6.QtWidgets import QWidget

from mobileca_desktop.views import theme
from mobileca_desktop.views.camera_view import Box, frame_from_qimage

# The region the user picked, as fractions of the screen, kept while the app runs (None:
# the whole screen). One click later grabs the same place.
_REMEMBERED: dict[str, Box | None] = {}


class ScreenGrabBlank(Exception):
    """The screen grab is all black: Wayland (or a locked / blanked screen)."""

    def __init__(self, user_text: str) -> None:
        super().__init__(user_text)
        self.user_text = user_text


def remembered_region(screen: QScreen | None = None) -> tuple[bool, Box | None]:
    """(whether a choice was made, the region or None for the whole screen)."""
    screen = screen or QGuiApplication.primaryScreen()
    key = screen.name() if screen is not None else ""
    return key in _REMEMBERED, _REMEMBERED.get(key)


def remember_region(region: Box | None, screen: QScreen | None = None) -> None:
    screen = screen or QGuiApplication.primaryScreen()
    _REMEMBERED[screen.name() if screen is not None else ""] = region


def is_blank(frame: np.ndarray) -> bool:
    """All (nearly) black: what a grab returns where the platform gives no pixels."""
    return frame.size == 0 or int(frame.max()) <= 8


def wayland_session() -> bool:
    platform = QGuiApplication.platformName()
    return platform.startswith("wayland") or (
        os.environ.get("XDG_SESSION_TYPE", "").lower() == "wayland"
    )


def grab_screen(screen: QScreen | None = None, region: Box | None = None) -> QPixmap:
    """A grab of the whole screen or of ``region`` (fractions of the screen)."""
    screen = screen or QGuiApplication.primaryScreen()
    if region is None:
        return screen.grabWindow(0)
    rect = region_rect(screen, region)
    return screen.grabWindow(0, rect.x(), rect.y(), rect.width(), rect.height())


def region_rect(screen: QScreen, region: Box) -> QRect:
    """The region in the screen's own (logical) coordinates, as grabWindow(0, ...) takes."""
    g = screen.geometry()
    x, y, w, h = region
    return QRect(
        round(x * g.width()), round(y * g.height()), round(w * g.width()), round(h * g.height())
    )


class ScreenGrabber:
    """A frame source for ``CameraView.start_polling``: a grab of the region, as BGR."""

    def __init__(self, region: Box | None, blank_text: str, screen: QScreen | None = None):
        self.region = region
        self.blank_text = blank_text
        self.screen = screen or QGuiApplication.primaryScreen()

    def __call__(self) -> np.ndarray:
        pix = grab_screen(self.screen, self.region)
        if pix.isNull():
            raise ScreenGrabBlank(self.blank_text)
        frame = frame_from_qimage(pix.toImage())
        if is_blank(frame):
            raise ScreenGrabBlank(self.blank_text)
        return frame


class RegionPicker(QWidget):
    """A full-screen window over a screenshot: drag a rectangle around the QR code.
    Enter takes the whole screen, Esc cancels. ``picked`` carries the region as fractions
    of the screen (None: the whole screen)."""

    picked = Signal(object)
    cancelled = Signal()

    def __init__(self, shot: QPixmap, screen: QScreen | None = None, hint: str = "") -> None:
        super().__init__(None, Qt.WindowType.FramelessWindowHint | Qt.WindowType.Tool)
        self.setObjectName("regionPicker")
        self.setAccessibleName(self.tr("框选屏幕区域"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.shot = shot
        self.hint = hint or self.tr(
            "拖动鼠标框出交易平台页面上的二维码；按 Enter 使用整个屏幕，按 Esc 取消"
        )
        self._start: QPoint | None = None
        self._end: QPoint | None = None
        self._done = False
        screen = screen or QGuiApplication.primaryScreen()
        self.setGeometry(screen.geometry())

    def selection(self) -> QRect | None:
        if self._start is None or self._end is None:
            return None
        return QRect(self._start, self._end).normalized()

    def _finish(self, region: Box | None) -> None:
        if not self._done:
            self._done = True
            self.picked.emit(region)
        self.close()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # Qt override
        if event.button() == Qt.MouseButton.LeftButton:
            self._start = self._end = event.position().toPoint()
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # Qt override
        if self._start is not None:
            self._end = event.position().toPoint()
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # Qt override
        if event.button() != Qt.MouseButton.LeftButton or self._start is None:
            return
        self._end = event.position().toPoint()
        rect = self.selection()
        if rect is None or rect.width() < 16 or rect.height() < 16:
            self._start = self._end = None  # a click, not a drag: keep picking
            self.update()
            return
        w, h = max(1, self.width()), max(1, self.height())
        self._finish((rect.x() / w, rect.y() / h, rect.width() / w, rect.height() / h))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt override
        if event.key() == Qt.Key.Key_Escape:
            if not self._done:
                self._done = True
                self.cancelled.emit()
            self.close()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._finish(None)
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event) -> None:  # Qt override
        if not self._done:
            self._done = True
            self.cancelled.emit()
        super().closeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # Qt override
        p = QPainter(self)
        p.drawPixmap(self.rect(), self.shot)
        shade = QPainterPath()
        shade.addRect(QRectF(self.rect()))
        rect = self.selection()
        if rect is not None:
            hole = QPainterPath()
            hole.addRect(QRectF(rect))
            shade = shade.subtracted(hole)
        p.fillPath(shade, QColor(0, 0, 0, 120))
        if rect is not None:
            p.setPen(QPen(QColor(theme.PRIMARY), 2))
            p.drawRect(rect)
        font = p.font()
        font.setPointSizeF(13)
        p.setFont(font)
        bar = QRect(0, 24, self.width(), 44)
        metrics = p.fontMetrics()
        width = metrics.horizontalAdvance(self.hint) + 40
        pill = QRect((self.width() - width) // 2, bar.y(), width, bar.height())
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(0, 0, 0, 180))
        p.drawRoundedRect(pill, 22, 22)
        p.setPen(QColor("#FFFFFF"))
        p.drawText(pill, Qt.AlignmentFlag.AlignCenter, self.hint)
        p.end()

"""屏幕区域: frames grabbed from a region of the screen (the platform's page is on the same
screen), and the one-time picker where the user drags a rectangle around the QR code.

Qt's screen grab (``QScreen.grabWindow(0)``) works under X11 and Windows. Under Wayland a
grab comes back all black (the compositor does not hand out the screen); ``ScreenGrabBlank``
says so and what to do instead. Grabs run on the GUI thread (Qt requires it); the frames
are decoded off it by ``CameraView``'s analyser, at full resolution.

Every screen counts: 整个屏幕 grabs each screen of the desktop and lays the grabs side by
side in one frame (a code anywhere on any screen is in it); 框选区域 shows a picker on each
screen and remembers the screen the rectangle was drawn on. Regions are fractions of a
screen's logical geometry; grabs are in device pixels (twice as many at a device pixel ratio
of 2), so a code is read at the resolution the screen shows it.
"""

from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import QPoint, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QImage,
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
from mobileca_desktop.views.camera_view import Box

# The region the user picked, as fractions of the screen, kept while the app runs, by
# screen name (None: the whole screen). One click later grabs the same place. _LAST is the
# latest choice: (screen name, region); a None name is every screen (整个屏幕).
_REMEMBERED: dict[str, Box | None] = {}
_LAST: list[tuple[str | None, Box | None]] = []


class ScreenGrabBlank(Exception):
    """The screen grab is all black: Wayland (or a locked / blanked screen)."""

    def __init__(self, user_text: str) -> None:
        super().__init__(user_text)
        self.user_text = user_text


def forget_regions() -> None:
    """Forgets every remembered choice (as a new run of the app starts)."""
    _REMEMBERED.clear()
    _LAST.clear()


def screen_key(screen: QScreen) -> str:
    """A screen's name and place in the list (two screens may share a name, as the X
    screens of one display do)."""
    screens = QGuiApplication.screens()
    index = screens.index(screen) if screen in screens else -1
    return f"{index}:{screen.name()}"


def remembered_region(screen: QScreen | None = None) -> tuple[bool, Box | None]:
    """(whether a choice was made, the region or None for the whole screen): on ``screen``,
    or the latest choice on any screen when ``screen`` is None."""
    if screen is None:
        return (True, _LAST[-1][1]) if _LAST else (False, None)
    key = screen_key(screen)
    return key in _REMEMBERED, _REMEMBERED.get(key)


def remembered_screen() -> QScreen | None:
    """The screen of the latest choice (None: every screen, or no choice, or unplugged)."""
    if not _LAST or _LAST[-1][0] is None:
        return None
    for screen in QGuiApplication.screens():
        if screen_key(screen) == _LAST[-1][0]:
            return screen
    return None


def remember_region(region: Box | None, screen: QScreen | None = None) -> None:
    """Remembers ``region`` of ``screen`` (a region without a screen: the primary one; no
    region and no screen: every screen)."""
    if screen is None and region is not None:
        screen = QGuiApplication.primaryScreen()
    name = screen_key(screen) if screen is not None else None
    if name is not None:
        _REMEMBERED[name] = region
    _LAST[:] = [(name, region)]


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
    """A grab source for ``CameraView.start_polling``: ``region`` of ``screen``, or with
    neither, every screen side by side (``placed`` says where each is). It returns a QImage
    (in device pixels): the GUI thread only grabs, the analyser thread converts and decodes."""

    def __init__(self, region: Box | None, blank_text: str, screen: QScreen | None = None) -> None:
        self.region = region
        self.blank_text = blank_text
        if screen is None and region is not None:
            screen = QGuiApplication.primaryScreen()
        self.screen = screen
        self.placed: list[tuple[str, int, int, int]] = []  # screen name, x, width, height

    def screens(self) -> list[QScreen]:
        return [self.screen] if self.screen is not None else QGuiApplication.screens()

    def __call__(self) -> QImage:
        images, placed, x = [], [], 0
        for screen in self.screens():
            pix = grab_screen(screen, self.region)
            if pix.isNull():
                continue
            image = pix.toImage()
            if image_is_blank(image):
                continue  # a blanked screen; the others may still show the code
            images.append(image)
            placed.append((screen.name(), x, image.width(), image.height()))
            x += image.width()
        if not images:
            raise ScreenGrabBlank(self.blank_text)
        self.placed = placed
        if len(images) == 1:
            images[0].setDevicePixelRatio(1.0)
            return images[0]
        sheet = QImage(x, max(i.height() for i in images), QImage.Format.Format_RGB32)
        sheet.fill(QColor(0, 0, 0))
        painter = QPainter(sheet)
        for image, (_name, left, _w, _h) in zip(images, placed, strict=True):
            image.setDevicePixelRatio(1.0)
            painter.drawImage(left, 0, image)
        painter.end()
        return sheet


def image_is_blank(image: QImage) -> bool:
    """``is_blank`` on a QImage, looking at every 4th pixel of every 4th row (no copy)."""
    if image.isNull() or image.width() == 0 or image.height() == 0:
        return True
    if image.format() not in (QImage.Format.Format_RGB32, QImage.Format.Format_ARGB32,
                              QImage.Format.Format_ARGB32_Premultiplied):  # fmt: skip
        image = image.convertToFormat(QImage.Format.Format_RGB32)
    stride = image.bytesPerLine()
    data = np.frombuffer(image.constBits(), np.uint8, count=stride * image.height())
    pixels = data.reshape(image.height(), stride)[::4, : image.width() * 4 : 16]
    return int(pixels.max()) <= 8


class RegionPicker(QWidget):
    """A full-screen window over a screenshot of ``screen``: drag a rectangle around the QR
    code. Enter takes every screen, Esc cancels. ``picked`` carries the region as fractions
    of the screen (None: every screen); ``picked_screen`` is the screen it covers."""

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
        self.picked_screen = screen
        self.setScreen(screen)
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

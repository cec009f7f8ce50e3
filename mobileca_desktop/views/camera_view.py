"""A live preview over a frame source, with a scan box drawn over it.

``CameraView`` shows the frames of a services ``FrameSource`` (a webcam, an image or video
file) or of a Qt-bound grabber (a region of the screen). Frames are read on a thread of
their own (``start``) or, for grabbers that must run on the GUI thread, by a timer
(``start_polling``); either way they are analysed off the GUI thread by an optional
``analyser(frame) -> result`` (the QR decoder, a face count ...) at most once per
``analyse_interval`` seconds, always on the newest frame (older ones are dropped, never
queued). Results come back on the GUI thread through ``analysed``; a source that cannot be
opened or stops (``CameraUnavailable``) is said on the preview and through ``failed``.

The same widget serves 扫一扫, the 法人刷脸 photo and the documents' 拍照
(``SnapshotDialog``): ``snapshot()`` is the newest frame.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from enum import Enum
from typing import Any, ClassVar

import numpy as np
from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QIODevice,
    QPointF,
    QRectF,
    QSize,
    Qt,
    QThread,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QColor,
    QHideEvent,
    QImage,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPolygonF,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from mobileca_desktop.views import messages, theme
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role

log = logging.getLogger(__name__)

Box = tuple[float, float, float, float]  # x, y, width, height as fractions of the frame
Opener = Callable[[], Any]  # returns an unopened services FrameSource
Analyser = Callable[[np.ndarray], Any]


# --- frames and QImages --------------------------------------------------------------------


def qimage_from_frame(frame: np.ndarray) -> QImage:
    """A deep-copied QImage of an OpenCV frame (BGR, BGRA or grey, uint8)."""
    frame = np.ascontiguousarray(frame, dtype=np.uint8)
    h, w = frame.shape[:2]
    if frame.ndim == 2:
        fmt = QImage.Format.Format_Grayscale8
    elif frame.shape[2] == 4:
        fmt = QImage.Format.Format_ARGB32  # BGRA bytes are ARGB32 on little-endian machines
    else:
        fmt = QImage.Format.Format_BGR888
    return QImage(frame.data, w, h, frame.strides[0], fmt).copy()


def frame_from_qimage(image: QImage) -> np.ndarray:
    """An OpenCV BGR frame (a copy) of a QImage."""
    image = image.convertToFormat(QImage.Format.Format_BGR888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * h)
    return data.reshape(h, stride)[:, : w * 3].reshape(h, w, 3).copy()


def png_of(image: QImage) -> bytes:
    """The image as PNG bytes (safe off the GUI thread)."""
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    # The stubs want the format as bytes; Qt takes the str.
    image.save(buf, "PNG")  # type: ignore[call-overload]
    buf.close()
    return bytes(data.data())


def jpeg_of(image: QImage, quality: int = 90) -> bytes:
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "JPEG", quality)  # type: ignore[call-overload]
    buf.close()
    return bytes(data.data())


# --- the threads ---------------------------------------------------------------------------

# Threads that were asked to stop keep running until their source is closed; they are kept
# here (not owned by a widget that may be deleted first) and joined when the app quits.
_THREADS: set[QThread] = set()
_QUIT_HOOKED = False


def _keep(thread: QThread) -> None:
    global _QUIT_HOOKED
    for old in [t for t in _THREADS if t.isFinished()]:
        _THREADS.discard(old)
    _THREADS.add(thread)
    app = QCoreApplication.instance()
    if app is not None and not _QUIT_HOOKED:
        app.aboutToQuit.connect(lambda: stop_all(3000))
        _QUIT_HOOKED = True


def stop_all(wait_ms: int = 3000) -> bool:
    """Stops every reader and analyser thread and waits for them (at quit, in tests)."""
    for thread in list(_THREADS):
        thread.requestInterruption()
        if isinstance(thread, _Analyser):
            thread.wake()
    done = all(thread.wait(wait_ms) for thread in list(_THREADS))
    if done:
        _THREADS.clear()
    return done


def idle() -> bool:
    """True when no reader or analyser thread is running (tests wait for this)."""
    return all(thread.isFinished() for thread in _THREADS)


class _Reader(QThread):
    """Opens the source and reads frames at up to ``fps``; hands the newest to the GUI
    (one pending hand-over at a time) and to the analyser."""

    frame_ready = Signal()
    failed = Signal(object)
    no_picture = Signal()

    def __init__(self, opener: Opener, fps: float, analyser: _Analyser | None) -> None:
        super().__init__()
        self._opener = opener
        self._period = 1.0 / fps
        self._analyser = analyser
        self._lock = threading.Lock()
        self._latest: tuple[np.ndarray, QImage] | None = None
        self._posted = False

    def take(self) -> tuple[np.ndarray, QImage] | None:
        with self._lock:
            latest, self._latest, self._posted = self._latest, None, False
        return latest

    def run(self) -> None:
        source = None
        try:
            source = self._opener()
            source.open()
            started = time.monotonic()
            seen = False
            while not self.isInterruptionRequested():
                tick = time.monotonic()
                frame = source.read()
                if frame is None:
                    if not seen and tick - started > 3.0:
                        self.no_picture.emit()
                        started = tick
                    self.msleep(40)
                    continue
                seen = True
                image = qimage_from_frame(frame)
                with self._lock:
                    self._latest = (frame, image)
                    post, self._posted = not self._posted, True
                if post:
                    self.frame_ready.emit()
                if self._analyser is not None:
                    self._analyser.submit(frame)
                rest = self._period - (time.monotonic() - tick)
                if rest > 0:
                    self.msleep(int(rest * 1000))
        except Exception as exc:  # CameraUnavailable and the like: shown, never a crash
            log.info("frame source stopped: %r", exc)
            self.failed.emit(exc)
        finally:
            if source is not None:
                try:
                    source.close()
                except Exception:
                    log.exception("closing the frame source failed")


class _Analyser(QThread):
    """Analyses the newest submitted frame, at most once per ``interval`` seconds."""

    result = Signal(object)

    def __init__(self, analyser: Analyser, interval: float) -> None:
        super().__init__()
        self._fn = analyser
        self._interval = interval
        self._cond = threading.Condition()
        self._frame: np.ndarray | None = None

    def submit(self, frame: np.ndarray) -> None:
        with self._cond:
            self._frame = frame
            self._cond.notify()

    def wake(self) -> None:
        with self._cond:
            self._cond.notify()

    def run(self) -> None:
        last = 0.0
        while not self.isInterruptionRequested():
            with self._cond:
                if self._frame is None:
                    self._cond.wait(0.2)
                    continue
                frame, self._frame = self._frame, None
            rest = self._interval - (time.monotonic() - last)
            if rest > 0:
                self.msleep(int(rest * 1000))
            last = time.monotonic()
            try:
                out = self._fn(frame)
            except Exception:
                log.exception("frame analysis failed")
                continue
            if not self.isInterruptionRequested():
                self.result.emit(out)


# --- the preview ---------------------------------------------------------------------------


class _Feed(Enum):
    """Where a CameraView's frames come from."""

    THREAD = "thread"  # a FrameSource read on a thread of its own (a camera, a file)
    POLL = "poll"  # a grab on the GUI thread every few ms (a screen region)


class CameraView(QWidget):
    """The live preview; see the module docstring."""

    analysed = Signal(object)  # the analyser's result, on the GUI thread
    failed = Signal(object)  # the source's error (CameraUnavailable ...)
    frame_shown = Signal()

    DEFAULT_BOX: ClassVar[Box] = (0.2, 0.1, 0.6, 0.8)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        box: Box | None = DEFAULT_BOX,
        analyser: Analyser | None = None,
        analyse_interval: float = 0.15,
        fps: float = 15.0,
        idle_text: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("cameraView")
        self.setAccessibleName(self.tr("摄像头预览"))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumSize(240, 180)
        self.box = box
        self.analyser = analyser
        self.analyse_interval = analyse_interval
        self.fps = fps
        self._image: QImage | None = None
        self._preview: QImage | None = None  # a large image shrunk once for painting
        self._frame: np.ndarray | None = None
        self._marks: list[list[tuple[float, float]]] = []
        self._message = idle_text
        self._error: BaseException | None = None
        self._reader: _Reader | None = None
        self._analyser: _Analyser | None = None
        self._timer: QTimer | None = None
        self._grab: Callable[[], np.ndarray | None] | None = None
        self._want: tuple[_Feed, Any, int] | None = None  # what to (re)start when shown
        self.drop_zone = False  # with no frame: drawn as a light place to drop a picture
        self.frames_seen = 0

    # --- running ---------------------------------------------------------------------------

    def start(self, opener: Opener) -> None:
        """Reads frames from ``opener()`` (an unopened FrameSource) on a thread of its own."""
        self.stop()
        self._want = (_Feed.THREAD, opener, 0)
        self._run()

    def start_polling(
        self, grab: Callable[[], np.ndarray | QImage | None], interval_ms: int
    ) -> None:
        """Calls ``grab()`` on the GUI thread every ``interval_ms`` (a screen region). A grab
        that returns a QImage is shown as it is and handed to the analyser as a QImage (the
        conversion to a BGR frame is then the analyser's, off the GUI thread)."""
        self.stop()
        self._want = (_Feed.POLL, grab, interval_ms)
        self._run()

    def stop(self) -> None:
        """Stops reading and analysing; the last frame stays on screen."""
        self._want = None
        self._pause()

    @property
    def running(self) -> bool:
        return self._reader is not None or self._timer is not None

    @property
    def error(self) -> BaseException | None:
        return self._error

    def _run(self) -> None:
        if self._want is None or self.running or not self.isVisible():
            return
        kind, what, interval = self._want
        self._error = None
        self._marks = []
        self._analyser = None
        if self.analyser is not None:
            self._analyser = _Analyser(self.analyser, self.analyse_interval)
            self._analyser.result.connect(self._analysed)
            _keep(self._analyser)
            self._analyser.start()
        if kind is _Feed.THREAD:
            # A previous reader of the same device may still be closing it.
            for old in list(_THREADS):
                if isinstance(old, _Reader) and old.isInterruptionRequested():
                    old.wait(1500)
            self._reader = _Reader(what, self.fps, self._analyser)
            self._reader.frame_ready.connect(self._take_frame)
            self._reader.failed.connect(self._failed)
            self._reader.no_picture.connect(self._no_picture)
            _keep(self._reader)
            if self._image is None:
                self.set_message(self.tr("正在打开摄像头…"))
            self._reader.start()
        else:
            self._grab = what
            self._timer = QTimer(self)
            self._timer.setInterval(interval)
            self._timer.timeout.connect(self._poll)
            self._timer.start()
            self._poll()

    def _pause(self) -> None:
        if self._reader is not None:
            self._reader.requestInterruption()
            self._reader.frame_ready.disconnect(self._take_frame)
            self._reader = None
        if self._analyser is not None:
            self._analyser.requestInterruption()
            self._analyser.wake()
            self._analyser.result.disconnect(self._analysed)
            self._analyser = None
        if self._timer is not None:
            self._timer.stop()
            self._timer.deleteLater()
            self._timer = None
        self._grab = None

    @Slot()
    def _poll(self) -> None:
        if self._grab is None:
            return
        try:
            frame = self._grab()
        except Exception as exc:
            self._failed(exc)
            return
        if isinstance(frame, QImage):
            self._set(None, frame)
        elif frame is not None:
            self.show_frame(frame)
        if frame is not None and self._analyser is not None:
            self._analyser.submit(frame)

    @Slot()
    def _take_frame(self) -> None:
        reader = self._reader
        latest = reader.take() if reader is not None else None
        if latest is not None:
            self._set(latest[0], latest[1])

    @Slot(object)
    def _analysed(self, result: object) -> None:
        if self.running:
            self.analysed.emit(result)

    @Slot(object)
    def _failed(self, err: object) -> None:
        sender = self.sender()
        if isinstance(sender, _Reader) and sender is not self._reader:
            return  # a reader that was already stopped
        self._pause()
        self._want = None
        assert isinstance(err, BaseException)
        self._error = err
        self._image = None
        self._frame = None
        self.set_message(getattr(err, "user_text", None) or messages.error_text(err))
        self.failed.emit(err)

    @Slot()
    def _no_picture(self) -> None:
        if self._image is None:
            self.set_message(self.tr("摄像头已打开，但没有画面"))

    # --- what is shown ---------------------------------------------------------------------

    def show_frame(self, frame: np.ndarray) -> None:
        """Shows one frame (a still image, or a grabbed screen region)."""
        self._set(frame, qimage_from_frame(frame))

    def _set(self, frame: np.ndarray | None, image: QImage) -> None:
        self._frame, self._image = frame, image
        self._preview = None
        self.frames_seen += 1
        self._message = ""
        self.update()
        self.frame_shown.emit()

    def clear(self, message: str = "") -> None:
        self._frame = self._image = None
        self._marks = []
        self.set_message(message)

    def set_message(self, text: str) -> None:
        self._message = text
        self.setAccessibleDescription(text)
        self.update()

    def message(self) -> str:
        return self._message

    def set_marks(self, polygons: list[list[tuple[float, float]]]) -> None:
        """Outlines found codes (corner points in frame pixels) until the next call."""
        self._marks = polygons
        self.update()

    def snapshot(self) -> np.ndarray | None:
        """The newest frame shown (BGR), or None."""
        if self._frame is None and self._image is not None:
            self._frame = frame_from_qimage(self._image)
        return self._frame

    def snapshot_image(self) -> QImage | None:
        return self._image

    # --- Qt overrides ----------------------------------------------------------------------

    def sizeHint(self) -> QSize:  # Qt override
        return QSize(360, 270)

    def hasHeightForWidth(self) -> bool:  # Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # Qt override
        return round(width * 3 / 4)

    def showEvent(self, event: QShowEvent) -> None:  # Qt override
        super().showEvent(event)
        self._run()

    def hideEvent(self, event: QHideEvent) -> None:  # Qt override
        # Hidden (another page, the window closed): release the camera, resume when shown.
        self._pause()
        super().hideEvent(event)

    def _painted(self, target: QRectF) -> QImage:
        """The image to paint into ``target``: a whole screen or two is shrunk once per frame
        (a smooth scale of 3,000 × 1,000 pixels at every paint would hold the GUI thread)."""
        image = self._image
        assert image is not None
        ratio = self.devicePixelRatioF()
        want = target.size().toSize() * ratio
        if image.width() <= 2 * want.width() and image.height() <= 2 * want.height():
            return image
        preview = self._preview
        if preview is None or preview.size() != want:
            preview = self._preview = image.scaled(
                want, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.FastTransformation
            )
        return preview

    def _frame_rect(self) -> QRectF:
        area = QRectF(self.rect())
        if self._image is None or self._image.isNull():
            return area
        iw, ih = self._image.width(), self._image.height()
        scale = min(area.width() / iw, area.height() / ih)
        w, h = iw * scale, ih * scale
        return QRectF(area.x() + (area.width() - w) / 2, area.y() + (area.height() - h) / 2, w, h)

    def paintEvent(self, event: QPaintEvent) -> None:  # Qt override
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        outer = QPainterPath()
        outer.addRoundedRect(QRectF(self.rect()), 12, 12)
        p.setClipPath(outer)
        if self.drop_zone and self._image is None:
            self._paint_drop_zone(p)
            p.end()
            return
        p.fillRect(self.rect(), QColor("#15171C"))
        target = self._frame_rect()
        if self._image is not None:
            p.drawImage(target, self._painted(target))
        if self.box is not None and self._error is None:
            bx, by, bw, bh = self.box
            box = QRectF(
                target.x() + bx * target.width(),
                target.y() + by * target.height(),
                bw * target.width(),
                bh * target.height(),
            )
            shade = QPainterPath()
            shade.addRect(QRectF(self.rect()))
            hole = QPainterPath()
            hole.addRoundedRect(box, 8, 8)
            p.fillPath(shade.subtracted(hole), QColor(0, 0, 0, 110))
            self._corners(p, box)
        if self._marks and self._image is not None:
            sx = target.width() / self._image.width()
            sy = target.height() / self._image.height()
            p.setPen(QPen(QColor("#2BD17E"), 3))
            for poly in self._marks:
                p.drawPolygon(
                    QPolygonF([QPointF(target.x() + x * sx, target.y() + y * sy) for x, y in poly])
                )
        if self._message:
            p.setPen(QColor("#FFFFFF"))
            text_rect = QRectF(self.rect()).adjusted(24, 0, -24, 0)
            p.drawText(
                text_rect,
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self._message,
            )
        p.end()

    def _paint_drop_zone(self, p: QPainter) -> None:
        area = QRectF(self.rect()).adjusted(1.5, 1.5, -1.5, -1.5)
        p.fillRect(self.rect(), QColor("#FFFFFF"))
        pen = QPen(QColor("#A9C5F8"), 2, Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.drawRoundedRect(area, 12, 12)
        # A small picture sign above the text.
        c = area.center()
        frame = QRectF(c.x() - 26, c.y() - 58, 52, 40)
        p.setPen(QPen(QColor(theme.PRIMARY), 2.5))
        p.drawRoundedRect(frame, 5, 5)
        p.drawPolyline(
            QPolygonF(
                [
                    QPointF(frame.left() + 6, frame.bottom() - 6),
                    QPointF(frame.left() + 20, frame.top() + 18),
                    QPointF(frame.left() + 30, frame.top() + 28),
                    QPointF(frame.left() + 38, frame.top() + 20),
                    QPointF(frame.right() - 6, frame.bottom() - 6),
                ]
            )
        )
        p.setPen(QColor(theme.MUTED))
        p.drawText(
            QRectF(area.left() + 20, c.y() - 6, area.width() - 40, 60),
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
            self._message,
        )

    @staticmethod
    def _corners(p: QPainter, box: QRectF) -> None:
        pen = QPen(QColor(theme.PRIMARY), 4)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        arm = min(box.width(), box.height()) * 0.16
        for corner, dx, dy in (
            (box.topLeft(), 1, 1),
            (box.topRight(), -1, 1),
            (box.bottomLeft(), 1, -1),
            (box.bottomRight(), -1, -1),
        ):
            p.drawLine(corner, corner + QPointF(dx * arm, 0))
            p.drawLine(corner, corner + QPointF(0, dy * arm))


class SnapshotDialog(QDialog):
    """拍照: a live preview and a shutter button; ``image`` is the photo taken."""

    def __init__(self, parent: QWidget | None, title: str, opener: Opener, hint: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("snapshotDialog")
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setModal(True)
        self.image: QImage | None = None
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 16, 16, 16)
        box.setSpacing(10)
        if hint:
            label = set_role(PlainLabel(hint), "muted")
            label.setWordWrap(True)
            box.addWidget(label)
        self.view = CameraView(self, box=None)
        self.view.setObjectName("snapshotPreview")
        box.addWidget(self.view, 1)
        row = QHBoxLayout()
        self.cancel = QPushButton(self.tr("取消"))
        self.cancel.setObjectName("snapshotCancelButton")
        self.cancel.setAccessibleName(self.tr("取消"))
        self.cancel.clicked.connect(self.reject)
        self.shutter = set_role(QPushButton(self.tr("拍照")), "primary")
        self.shutter.setObjectName("shutterButton")
        self.shutter.setAccessibleName(self.tr("拍照"))
        self.shutter.setMinimumHeight(42)
        self.shutter.setEnabled(False)
        self.shutter.setDefault(True)
        self.shutter.clicked.connect(self._take)
        row.addWidget(self.cancel)
        row.addWidget(self.shutter, 1)
        box.addLayout(row)
        self.view.frame_shown.connect(lambda: self.shutter.setEnabled(True))
        self.view.failed.connect(lambda _e: self.shutter.setEnabled(False))
        self.resize(480, 460)
        self.view.start(opener)

    def _take(self) -> None:
        image = self.view.snapshot_image()
        if image is not None:
            self.image = image.copy()
            self.view.stop()
            self.accept()

    def done(self, result: int) -> None:  # Qt override
        self.view.stop()
        super().done(result)

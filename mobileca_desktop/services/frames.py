"""Frame sources that need no Qt: webcams, video files and image files, through OpenCV.

A source is opened, read frame by frame and closed (it is a context manager). ``read()``
returns a BGR ``uint8`` frame, or None when there is no new frame (yet, or any more: a video
played to its end without ``loop``). A camera that is absent, busy or unplugged raises
``CameraUnavailable``; nothing here blocks for long or crashes the caller. The Qt-side
sources (screen region, clipboard) live with the views and feed the same ``ScanPipeline``.

Specs, as the ``--camera`` setting and ``source_for`` read them: ``camera:0`` (webcam 0),
``camera:0@1280x720``, ``file:PATH`` or a plain ``PATH`` (an image, or a video by its
extension or content).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from types import TracebackType
from typing import Any

import cv2
import numpy as np

from mobileca_desktop.domain.errors import CameraUnavailable, DocumentRejected, InvalidInput
from mobileca_desktop.services.qr import IMAGE_SUFFIXES, read_image

VIDEO_SUFFIXES = frozenset(
    {".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mjpeg", ".mjpg", ".mpg", ".mpeg",
     ".wmv", ".ogv", ".3gp"}
)  # fmt: skip
# The longest a camera read may wait (where the backend supports a limit: V4L2 does).
READ_TIMEOUT_MS = 2000
# Consecutive failed reads after which a camera that was working counts as unplugged (a
# removed V4L2 device fails at once; a stalled one after READ_TIMEOUT_MS each time).
MAX_FAILED_READS = 3

_log_lock = threading.Lock()
_quiet = {"depth": 0, "saved": 0}


@contextlib.contextmanager
def quiet_opencv() -> Iterator[None]:
    """OpenCV's own log silenced while inside (probing absent cameras prints warnings
    otherwise). Nestable and shared by threads: the level comes back when the last leaves."""
    logging = cv2.utils.logging
    with _log_lock:
        if _quiet["depth"] == 0:
            _quiet["saved"] = logging.getLogLevel()
            logging.setLogLevel(logging.LOG_LEVEL_SILENT)
        _quiet["depth"] += 1
    try:
        yield
    finally:
        with _log_lock:
            _quiet["depth"] -= 1
            if _quiet["depth"] == 0:
                logging.setLogLevel(_quiet["saved"])


class FrameSource(ABC):
    """Frames from somewhere; ``with source: frame = source.read()``."""

    name: str

    @abstractmethod
    def open(self) -> None:
        """Start delivering frames; typed errors when that is impossible."""

    @abstractmethod
    def read(self) -> np.ndarray | None:
        """The next BGR frame, or None when there is no new frame (yet, or any more)."""

    @abstractmethod
    def close(self) -> None:
        """Release the device or file; safe to call twice."""

    def __enter__(self) -> FrameSource:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _bgr(frame: np.ndarray) -> np.ndarray:
    if frame.ndim == 2:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    return frame


class ImageFileSource(FrameSource):
    """One picture repeated (a still camera, as tests and demos use), or several pictures in
    turn (again from the first with ``loop``; None after the last without it). Files are read
    at ``open()``, so a bad file fails there; each frame is a fresh copy."""

    def __init__(
        self, paths: str | PathLike[str] | Sequence[str | PathLike[str]], *, loop: bool = True
    ) -> None:
        if isinstance(paths, (str, PathLike)):
            paths = [paths]
        self.paths = [Path(p) for p in paths]
        if not self.paths:
            raise InvalidInput(field="paths", reason="at least one image")
        self.loop = loop
        self.name = (
            self.paths[0].name
            if len(self.paths) == 1
            else f"{self.paths[0].name} (+{len(self.paths) - 1})"
        )
        self._images: list[np.ndarray] = []
        self._next = 0

    def open(self) -> None:
        self._images = [read_image(p) for p in self.paths]
        self._next = 0

    def read(self) -> np.ndarray | None:
        if not self._images:
            return None
        if self._next >= len(self._images):
            if not self.loop:
                return None
            self._next = 0
        frame = self._images[self._next]
        self._next += 1
        return frame.copy()

    def close(self) -> None:
        self._images = []


class VideoFileSource(FrameSource):
    """A video file, played again from the start at its end (``loop=True``) or ending with
    None. An unreadable file fails at ``open()`` with ``DocumentRejected``."""

    def __init__(self, path: str | PathLike[str], *, loop: bool = True) -> None:
        self.path = Path(path)
        self.loop = loop
        self.name = self.path.name
        self._cap: Any = None
        self._first: np.ndarray | None = None
        self._ended = False

    def open(self) -> None:
        filename = str(self.path)
        if not self.path.is_file():
            raise DocumentRejected(filename=filename, reason="the file does not exist")
        with quiet_opencv():
            cap = cv2.VideoCapture(filename)
            ok, frame = cap.read() if cap.isOpened() else (False, None)
        if not ok or frame is None:
            cap.release()
            raise DocumentRejected(filename=filename, reason="not a video this program can read")
        self._cap, self._first, self._ended = cap, _bgr(frame), False

    def read(self) -> np.ndarray | None:
        if self._cap is None or self._ended:
            return None
        if self._first is not None:
            first, self._first = self._first, None
            return first
        ok, frame = self._cap.read()
        if ok:
            return _bgr(frame)
        if not self.loop:
            self._ended = True
            return None
        self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
        ok, frame = self._cap.read()
        if not ok:  # the file shrank or broke while playing
            self._ended = True
            return None
        return _bgr(frame)

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
        self._cap = None
        self._first = None


def _backend() -> int:
    if sys.platform.startswith("linux"):
        return cv2.CAP_V4L2
    if sys.platform == "win32":
        return cv2.CAP_DSHOW  # opens in a fraction of MSMF's time
    return cv2.CAP_ANY


def _device_node(index: int) -> Path | None:
    """``/dev/videoN`` on Linux (where presence and permissions can be checked), else None."""
    return Path(f"/dev/video{index}") if sys.platform.startswith("linux") else None


def _camera_name(index: int) -> str:
    sys_name = Path(f"/sys/class/video4linux/video{index}/name")
    try:
        name = sys_name.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        name = ""
    return name or f"Camera {index}"


class WebcamSource(FrameSource):
    """A webcam through ``cv2.VideoCapture(index)``, asked for ``width`` × ``height``.

    ``open()`` raises ``CameraUnavailable`` with reason ``absent`` (no such camera),
    ``unreadable`` (no permission), or ``busy`` (it exists but cannot be opened or sends no
    first picture); ``read()`` raises it with ``unplugged`` once a working camera stops
    delivering pictures (and on every read after that), and returns None before ``open()``.
    ``capture`` replaces ``cv2.VideoCapture`` (tests feed a video)."""

    def __init__(
        self,
        index: int = 0,
        *,
        width: int = 1280,
        height: int = 720,
        capture: Callable[[], Any] | None = None,
    ) -> None:
        if index < 0:
            raise InvalidInput(field="camera", reason="the camera number must be 0 or more")
        self.index = index
        self.width = width
        self.height = height
        self.name = f"camera:{index}"
        self._capture = capture
        self._cap: Any = None
        self._first: np.ndarray | None = None
        self._failures = 0
        self._lost = False

    def _unavailable(self, reason: str) -> CameraUnavailable:
        return CameraUnavailable(reason=reason, device=self.name)

    def _open_capture(self) -> Any:
        if self._capture is not None:
            return self._capture()
        cap = cv2.VideoCapture(self.index, _backend())
        if cap.isOpened():
            # Requests only: a backend that cannot honour one ignores it.
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
            cap.set(cv2.CAP_PROP_READ_TIMEOUT_MSEC, READ_TIMEOUT_MS)
        return cap

    def open(self) -> None:
        node = _device_node(self.index) if self._capture is None else None
        if node is not None:
            if not node.exists():
                raise self._unavailable("absent")
            if not os.access(node, os.R_OK | os.W_OK):
                raise self._unavailable("unreadable")
        with quiet_opencv():
            try:
                cap = self._open_capture()
                opened = cap.isOpened()
            except cv2.error:
                raise self._unavailable("busy" if node is not None else "absent") from None
            if not opened:
                cap.release()
                # Without a device node to look at (Windows, macOS), a camera that does not
                # open is most often not there at all.
                raise self._unavailable("busy" if node is not None else "absent")
            ok, frame = self._read(cap)
        if not ok or frame is None:
            cap.release()
            raise self._unavailable("busy")
        self._cap, self._first, self._failures, self._lost = cap, _bgr(frame), 0, False

    @staticmethod
    def _read(cap: Any) -> tuple[bool, np.ndarray | None]:
        try:
            ok, frame = cap.read()
            return bool(ok), frame
        except cv2.error:
            return False, None

    def read(self) -> np.ndarray | None:
        if self._cap is None:
            if self._lost:
                raise self._unavailable("unplugged")
            return None
        if self._first is not None:
            first, self._first = self._first, None
            return first
        with quiet_opencv():
            ok, frame = self._read(self._cap)
        if ok and frame is not None:
            self._failures = 0
            return _bgr(frame)
        self._failures += 1
        node = _device_node(self.index) if self._capture is None else None
        if self._failures >= MAX_FAILED_READS or (node is not None and not node.exists()):
            self.close()
            self._lost = True
            raise self._unavailable("unplugged")
        return None

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
        self._cap = None
        self._first = None


@dataclass(frozen=True)
class CameraInfo:
    index: int
    name: str
    width: int
    height: int

    @property
    def spec(self) -> str:
        return f"camera:{self.index}"


def list_cameras(max_index: int = 4) -> list[CameraInfo]:
    """The cameras among indices ``0 .. max_index - 1`` that open, with their default picture
    size. Quick and quiet: on Linux only existing ``/dev/videoN`` nodes are tried, and
    OpenCV's warnings are silenced."""
    found = []
    for index in range(max_index):
        node = _device_node(index)
        if node is not None and not node.exists():
            continue
        with quiet_opencv():
            try:
                cap = cv2.VideoCapture(index, _backend())
            except cv2.error:
                continue
            try:
                if not cap.isOpened():
                    continue
                width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
                height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
            finally:
                cap.release()
        found.append(CameraInfo(index, _camera_name(index), width, height))
    return found


_CAMERA_SPEC = re.compile(r"camera:(\d+)(?:@(\d+)x(\d+))?")


def source_for(spec: str) -> FrameSource:
    """The source a spec names: ``camera:N`` or ``camera:N@WxH``, ``file:PATH`` or a plain
    ``PATH`` (a video by its extension, or if it is not a picture; otherwise a picture)."""
    spec = spec.strip()
    if spec.startswith("camera:"):
        m = _CAMERA_SPEC.fullmatch(spec)
        if not m:
            raise InvalidInput(
                field="camera", reason=f"{spec!r} is not camera:N or camera:N@WIDTHxHEIGHT"
            )
        index = int(m.group(1))
        if m.group(2):
            return WebcamSource(index, width=int(m.group(2)), height=int(m.group(3)))
        return WebcamSource(index)
    if spec.startswith("file:"):
        spec = spec[len("file:") :]
    if not spec:
        raise InvalidInput(field="camera", reason="empty source; use camera:N or a file path")
    path = Path(spec)
    suffix = path.suffix.lower()
    if suffix in VIDEO_SUFFIXES:
        return VideoFileSource(path)
    if suffix in IMAGE_SUFFIXES or not path.is_file():
        return ImageFileSource(path)
    # An unknown extension: a picture if OpenCV or Pillow recognises its header.
    if cv2.haveImageReader(str(path)):
        return ImageFileSource(path)
    try:
        from PIL import Image

        with Image.open(path):
            return ImageFileSource(path)
    except Exception:
        return VideoFileSource(path)

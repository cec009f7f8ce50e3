"""QR decoding for 扫一扫 and ``mobileca decode``: decoders, the scan pipeline, and the rules
that turn a stream of frames into one accepted code.

Qt-free. Frames are numpy ``uint8`` arrays (gray, BGR or BGRA) as OpenCV makes them; the
Qt-side sources (screen region, clipboard) convert their images and hand them to the same
``ScanPipeline``.

Decoders (measured in ``bench/qr_decode.py``, see docs/benchmarks.md):

- ``cascade`` (the default, ``CascadeDecoder``): zxing-cpp at full resolution (its own
  pyramid finds large codes; small codes in a large screenshot are never shrunk away); where
  that finds nothing, two more binarizers and a sharpened, enlarged copy; where still nothing
  was found, OpenCV's WeChat CNN decoder (``wechat``), on tiles of a large picture. The
  WeChat stage needs the contrib OpenCV module and the model files of ``qr_models``; its
  models load the first time the stage runs (on the scanning thread), never at start-up.
  Without them the cascade runs its zxing-cpp stages alone.
- ``zxing`` (zxing-cpp alone, one pass).
- ``wechat`` (OpenCV's WeChat CNN decoder alone).
- ``zbar`` (pyzbar + the libzbar0 system library, optional). pyzbar's own ``decode`` raises
  ``ValueError`` on structured-append codes (zbar reports their orientation as "unknown") and
  reads only the first channel of a colour image, so this module drives zbar through
  pyzbar's ctypes wrapper itself.

Corners are always image pixels of the frame given to ``decode``, in the code's own order:
top-left, top-right, bottom-right, bottom-left of the code as printed (a code rotated by 90°
has its top-left corner at the image's top-right).
"""

from __future__ import annotations

import math
import os
import re
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

import cv2
import numpy as np

from mobileca_desktop.domain.errors import (
    ConfigurationError,
    DocumentBomb,
    DocumentRejected,
    DocumentTooLarge,
    InvalidInput,
)

Corner = tuple[int, int]
Corners = tuple[Corner, Corner, Corner, Corner]

DEFAULT_DECODER = "cascade"
# Pictures larger than this are refused before they are decoded (a PNG of a few KB can
# declare 50,000 × 50,000 pixels).
MAX_IMAGE_PIXELS = 80_000_000
MAX_IMAGE_BYTES = 100 * 1024 * 1024
IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".jpe", ".bmp", ".dib", ".tif", ".tiff", ".webp", ".gif", ".pbm",
     ".pgm", ".ppm", ".pnm"}
)  # fmt: skip


@dataclass(frozen=True)
class DecodedCode:
    """One code found in a frame."""

    text: str
    corners: Corners
    format: str  # "QRCode", "MicroQRCode", "RMQRCode"

    def to_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "format": self.format,
            "corners": [list(c) for c in self.corners],
        }


def to_gray(image: np.ndarray) -> np.ndarray:
    """A contiguous ``uint8`` gray copy (or view) of a gray, BGR or BGRA image; anything else
    is refused with ``InvalidInput`` (field ``image``)."""
    if not isinstance(image, np.ndarray):
        raise InvalidInput(field="image", reason=f"not an image array ({type(image).__name__})")
    if image.dtype != np.uint8:
        raise InvalidInput(field="image", reason=f"pixels must be uint8, not {image.dtype}")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 2:
        gray = image
    elif image.ndim == 3 and image.shape[2] == 3:
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    elif image.ndim == 3 and image.shape[2] == 4:
        gray = cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    else:
        raise InvalidInput(field="image", reason=f"unsupported image shape {image.shape}")
    if gray.shape[0] == 0 or gray.shape[1] == 0:
        raise InvalidInput(field="image", reason="the image is empty")
    return np.ascontiguousarray(gray)


class QrDecoder(ABC):
    """Finds QR codes in one image."""

    name: str

    @abstractmethod
    def decode(self, image: np.ndarray) -> list[DecodedCode]:
        """Every readable code in ``image`` (uint8 gray, BGR or BGRA); ``[]`` if none."""


def _round(x: float) -> int:
    return round(float(x))


class ZxingDecoder(QrDecoder):
    """zxing-cpp: QR Code, Micro QR and rMQR."""

    name = "zxing"

    def __init__(
        self, *, try_invert: bool = True, try_downscale: bool = True, binarizer: str = ""
    ) -> None:
        import zxingcpp

        self._zx = zxingcpp
        self._options: dict[str, object] = {
            "try_invert": try_invert,
            "try_downscale": try_downscale,
        }
        # The binding's enum values are made per call (microseconds), not kept: nanobind
        # reports every instance still alive when the interpreter exits as a leak.
        self._binarizer = binarizer  # "GlobalHistogram", "FixedThreshold" (else LocalAverage)
        getattr(zxingcpp.Binarizer, binarizer or "LocalAverage")  # a wrong name fails here

    def decode(self, image: np.ndarray) -> list[DecodedCode]:
        gray = to_gray(image)
        zx = self._zx
        options = dict(self._options)
        if self._binarizer:
            options["binarizer"] = getattr(zx.Binarizer, self._binarizer)
        formats = zx.barcode_formats_from_str("QRCode,MicroQRCode,RMQRCode")
        found = zx.read_barcodes(gray, formats=formats, **options)
        codes = []
        for r in found:
            if not r.valid:
                continue
            p = r.position
            corners = tuple(
                (_round(q.x), _round(q.y))
                for q in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)
            )
            fmt = getattr(r.format, "name", None) or str(r.format).replace(" ", "")
            codes.append(DecodedCode(r.text, corners, fmt))  # type: ignore[arg-type]
        return codes


class ZbarDecoder(QrDecoder):
    """zbar through pyzbar's ctypes wrapper (pyzbar's ``decode`` raises on structured-append
    codes). zbar's QR corners come in the code's order top-left, bottom-left, bottom-right,
    top-right; they are reordered here."""

    name = "zbar"
    _GRAY_FOURCC = 0x30303859  # "Y800"

    def __init__(self) -> None:
        from pyzbar import wrapper  # raises ImportError when libzbar is missing

        self._w = wrapper
        self._qr = int(wrapper.ZBarSymbol.QRCODE)
        self._partial = int(wrapper.ZBarSymbol.PARTIAL)

    def decode(self, image: np.ndarray) -> list[DecodedCode]:
        from ctypes import c_char_p, c_void_p, cast, string_at

        w = self._w
        gray = to_gray(image)
        height, width = gray.shape
        pixels = gray.tobytes()
        scanner = w.zbar_image_scanner_create()
        if not scanner:
            raise MemoryError("zbar could not create a scanner")
        img = None
        try:
            w.zbar_image_scanner_set_config(scanner, 0, w.ZBarConfig.CFG_ENABLE, 0)
            w.zbar_image_scanner_set_config(scanner, self._qr, w.ZBarConfig.CFG_ENABLE, 1)
            img = w.zbar_image_create()
            if not img:
                raise MemoryError("zbar could not create an image")
            w.zbar_image_set_format(img, self._GRAY_FOURCC)
            w.zbar_image_set_size(img, width, height)
            w.zbar_image_set_data(img, cast(c_char_p(pixels), c_void_p), len(pixels), None)
            if w.zbar_scan_image(scanner, img) <= 0:
                return []
            codes = []
            symbol = w.zbar_image_first_symbol(img)
            while symbol:
                kind = int(symbol.contents.type)
                n = w.zbar_symbol_get_loc_size(symbol)
                if kind in (self._qr, self._partial) and n >= 4:
                    raw = string_at(
                        w.zbar_symbol_get_data(symbol), w.zbar_symbol_get_data_length(symbol)
                    )
                    # A structured-append part alone comes back as PARTIAL, with NUL bytes
                    # where the missing parts would go: keep the part's own text.
                    text = raw.replace(b"\x00", b"").decode("utf-8", errors="replace")
                    loc = [
                        (w.zbar_symbol_get_loc_x(symbol, i), w.zbar_symbol_get_loc_y(symbol, i))
                        for i in range(4)
                    ]
                    corners = (loc[0], loc[3], loc[2], loc[1])
                    if text:
                        codes.append(DecodedCode(text, corners, "QRCode"))
                symbol = w.zbar_symbol_next(symbol)
            return codes
        finally:
            if img:
                w.zbar_image_destroy(img)
            w.zbar_image_scanner_destroy(scanner)


def _moved(codes: list[DecodedCode], scale: float, dx: int, dy: int) -> list[DecodedCode]:
    """Corners of codes found in a picture scaled by ``scale`` at ``(dx, dy)`` of the frame,
    in the frame's pixels."""
    if scale == 1.0 and dx == 0 and dy == 0:
        return codes
    return [
        DecodedCode(
            c.text,
            tuple((round(x / scale) + dx, round(y / scale) + dy) for x, y in c.corners),  # type: ignore[arg-type]
            c.format,
        )
        for c in codes
    ]


def tiles(width: int, height: int, size: int, overlap: int) -> list[tuple[int, int, int, int]]:
    """Overlapping ``size`` × ``size`` tiles ``(x0, y0, x1, y1)`` covering the picture (a code
    up to ``overlap`` pixels wide lies whole in at least one of them)."""

    def starts(length: int) -> list[int]:
        if length <= size:
            return [0]
        step = size - overlap
        n = math.ceil((length - size) / step) + 1
        return [round(i * (length - size) / (n - 1)) for i in range(n)]

    return [
        (x, y, min(width, x + size), min(height, y + size))
        for y in starts(height)
        for x in starts(width)
    ]


class WeChatDecoder(QrDecoder):
    """OpenCV's WeChat decoder: a CNN finds the codes, a second one enlarges small ones,
    its own zxing port reads them. Needs ``opencv-contrib-python-headless`` 4.x and the four
    model files (``qr_models``); raises ``ImportError`` / ``FileNotFoundError`` otherwise.

    A payload that is not UTF-8 makes the binding raise ``UnicodeDecodeError``: such a frame
    gives ``[]`` here (the cascade keeps zxing-cpp's results). One network is not safe to run
    from two threads at once; calls are serialised."""

    name = "wechat"

    def __init__(self, folder: PathLike[str] | str | None = None) -> None:
        from mobileca_desktop.services import qr_models

        factory = getattr(cv2, "wechat_qrcode_WeChatQRCode", None)
        if factory is None:
            raise ImportError(
                f"OpenCV {cv2.__version__} has no wechat_qrcode module "
                "(install opencv-contrib-python-headless 4.x)"
            )
        if folder is None:
            found, why = qr_models.find_models()
            if found is None:
                raise FileNotFoundError(f"the WeChat QR model files are missing: {why}")
            folder = found
        self.models = Path(folder)
        self._net = factory(*qr_models.model_paths(self.models))
        # OpenCV's DNN would spread the CNN over every core; on a 2-core PC that starves the
        # GUI thread while scanning. One core less than the machine has, at least one.
        if cv2.getNumThreads() > 1:
            cv2.setNumThreads(max(1, (os.cpu_count() or 2) - 1))
        self._lock = threading.Lock()

    def decode(self, image: np.ndarray) -> list[DecodedCode]:
        gray = to_gray(image)
        with self._lock:
            try:
                texts, points = self._net.detectAndDecode(gray)
            except UnicodeDecodeError:
                return []
        codes = []
        for text, pts in zip(texts, points, strict=False):
            if not text:
                continue
            # The binding gives the corners top-left, top-right, bottom-right, bottom-left.
            corners = tuple((_round(x), _round(y)) for x, y in np.asarray(pts).reshape(-1, 2)[:4])
            codes.append(DecodedCode(text, corners, "QRCode"))  # type: ignore[arg-type]
        return codes


class CascadeDecoder(QrDecoder):
    """zxing-cpp first, more where it finds nothing (see the module docstring).

    Stages, each only when the ones before found nothing:

    1. ``zxing``: zxing-cpp on the picture at full resolution (plus its own pyramid of
       smaller copies for large codes).
    2. ``binarizers``: zxing-cpp with the GlobalHistogram and the FixedThreshold binarizer.
    3. ``upscale``: a sharpened copy, enlarged 2× up to ``upscale_max_side`` / 2 and 1.5×
       up to ``upscale_max_side`` pixels (larger pictures skip it).
    4. ``wechat``: OpenCV's WeChat CNN decoder, on overlapping tiles of ``tile`` pixels
       when the picture is larger (the CNN sees a shrunk copy of what it is given).

    ``last_stage`` names the stage that found the last picture's codes (None: nothing).
    ``fallback=False`` leaves stage 4 out; ``models`` is the model folder (default: found
    by ``qr_models.find_models``)."""

    name = "cascade"

    def __init__(
        self,
        *,
        fallback: bool = True,
        models: PathLike[str] | str | None = None,
        upscale_max_side: int = 1400,
        tile: int = 1280,
    ) -> None:
        self.first = ZxingDecoder()
        self.binarizers = [
            ZxingDecoder(try_invert=False, binarizer="GlobalHistogram"),
            ZxingDecoder(try_invert=False, binarizer="FixedThreshold"),
        ]
        self.plain = ZxingDecoder(try_invert=False, try_downscale=False)
        self.fallback = fallback
        self.models = models
        self.upscale_max_side = int(upscale_max_side)
        self.tile = int(tile)
        self.last_stage: str | None = None
        self._wechat: WeChatDecoder | None = None
        self._wechat_error: str | None = None
        self._wechat_lock = threading.Lock()

    def wechat(self) -> WeChatDecoder | None:
        """The fallback decoder, loaded on first use (None when it cannot be)."""
        if not self.fallback:
            return None
        with self._wechat_lock:
            if self._wechat is None and self._wechat_error is None:
                try:
                    self._wechat = WeChatDecoder(self.models)
                except Exception as exc:  # no contrib module, no model files, a bad file
                    self._wechat_error = f"{type(exc).__name__}: {exc}"
            return self._wechat

    @property
    def wechat_error(self) -> str | None:
        """Why the fallback is not available (after ``wechat()`` was tried), else None."""
        return self._wechat_error

    def stages(self) -> list[str]:
        """The stages this decoder runs (``wechat`` only when it loads)."""
        names = ["zxing", "binarizers", "upscale"]
        return [*names, "wechat"] if self.wechat() is not None else names

    def decode(self, image: np.ndarray) -> list[DecodedCode]:
        gray = to_gray(image)
        self.last_stage = None
        for stage, run in (
            ("zxing", self._zxing),
            ("binarizers", self._binarizers),
            ("upscale", self._upscale),
            ("wechat", self._fallback),
        ):
            codes = run(gray)
            if codes:
                self.last_stage = stage
                return codes
        return []

    def decode_plain(self, image: np.ndarray) -> list[DecodedCode]:
        """Stages 1–3 only (what the cascade costs without its fallback)."""
        gray = to_gray(image)
        return self._zxing(gray) or self._binarizers(gray) or self._upscale(gray)

    def _zxing(self, gray: np.ndarray) -> list[DecodedCode]:
        return self.first.decode(gray)

    def _binarizers(self, gray: np.ndarray) -> list[DecodedCode]:
        for decoder in self.binarizers:
            codes = decoder.decode(gray)
            if codes:
                return codes
        return []

    def _upscale(self, gray: np.ndarray) -> list[DecodedCode]:
        side = max(gray.shape)
        if side > self.upscale_max_side:
            return []
        up = 2.0 if side * 2 <= self.upscale_max_side else 1.5
        return _moved(self.plain.decode(sharpened(gray, up)), up, 0, 0)

    def _fallback(self, gray: np.ndarray) -> list[DecodedCode]:
        wechat = self.wechat()
        if wechat is None:
            return []
        height, width = gray.shape
        if max(height, width) <= self.tile * 1.25:
            return wechat.decode(gray)
        found: dict[str, DecodedCode] = {}
        for x0, y0, x1, y1 in tiles(width, height, self.tile, self.tile // 4):
            for code in _moved(wechat.decode(gray[y0:y1, x0:x1]), 1.0, x0, y0):
                found.setdefault(code.text, code)
        return list(found.values())


_DECODERS: dict[str, type[QrDecoder]] = {
    "cascade": CascadeDecoder,
    "zxing": ZxingDecoder,
    "wechat": WeChatDecoder,
    "zbar": ZbarDecoder,
}
_FIXES = {
    "cascade": "pip install zxing-cpp",
    "zxing": "pip install zxing-cpp",
    "wechat": "install opencv-contrib-python-headless 4.x (not together with "
    "opencv-python-headless) and fetch the models: python -m mobileca_desktop.services.qr_models",
    "zbar": "pip install pyzbar, and install the zbar library (Debian/Ubuntu: apt-get "
    "install libzbar0)",
}


def _why_unavailable(name: str) -> str | None:
    try:
        _DECODERS[name]()
    except Exception as exc:  # a missing native library raises ImportError, OSError, ...
        return f"{type(exc).__name__}: {exc}"
    return None


def available_decoders() -> list[str]:
    """The decoders that work on this computer, the default first."""
    return [name for name in _DECODERS if _why_unavailable(name) is None]


def get_decoder(name: str | None = None) -> QrDecoder:
    """The decoder called ``name`` (``zxing`` by default); ``ConfigurationError`` with a fix
    when it is unknown or its library is missing."""
    name = (name or DEFAULT_DECODER).strip().lower()
    if name not in _DECODERS:
        raise ConfigurationError(
            reason=f"unknown QR decoder {name!r}; choose one of {', '.join(_DECODERS)}"
        )
    try:
        return _DECODERS[name]()
    except Exception as exc:
        raise ConfigurationError(
            reason=f"the QR decoder {name!r} is not available here "
            f"({type(exc).__name__}: {exc}); fix: {_FIXES[name]}"
        ) from exc


def _image_size(path: Path) -> tuple[int, int] | None:
    """Width and height from the file's header, without decoding it (None if unknown)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            return im.size
    except Image.DecompressionBombError as exc:  # Pillow's own limit is above ours
        m = re.search(r"\((\d+) pixels\)", str(exc))
        pixels = int(m.group(1)) if m else MAX_IMAGE_PIXELS + 1
        return pixels, 1
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def read_image(path: str | PathLike[str]) -> np.ndarray:
    """The picture in ``path`` as a BGR ``uint8`` array, in its stored pixel orientation
    (an EXIF orientation tag is ignored, so corners match the file's pixels).

    Raises ``DocumentRejected`` (``filename``, ``reason``) when the file is missing or is not
    a readable picture, ``DocumentTooLarge`` above ``MAX_IMAGE_BYTES`` and ``DocumentBomb``
    when it declares more than ``MAX_IMAGE_PIXELS``."""
    path = Path(path)
    filename = str(path)
    try:
        size_bytes = path.stat().st_size
        if size_bytes > MAX_IMAGE_BYTES:
            raise DocumentTooLarge(filename=filename, size=size_bytes, limit=MAX_IMAGE_BYTES)
        data = np.fromfile(path, dtype=np.uint8)  # also for non-ASCII paths on Windows
    except FileNotFoundError:
        raise DocumentRejected(filename=filename, reason="the file does not exist") from None
    except OSError:
        raise DocumentRejected(filename=filename, reason="the file cannot be opened") from None
    size = _image_size(path)
    if size is not None and size[0] * size[1] > MAX_IMAGE_PIXELS:
        raise DocumentBomb(filename=filename, pixels=size[0] * size[1], limit=MAX_IMAGE_PIXELS)
    image = None
    if data.size:
        image = cv2.imdecode(data, cv2.IMREAD_IGNORE_ORIENTATION | cv2.IMREAD_COLOR)
    if image is None and size is not None:
        image = _read_with_pillow(path)  # GIF and other formats OpenCV's wheels lack
    if image is None or image.size == 0:
        raise DocumentRejected(filename=filename, reason="not an image this program can read")
    return image


def _read_with_pillow(path: Path) -> np.ndarray | None:
    from PIL import Image

    try:
        with Image.open(path) as im:
            rgb = np.asarray(im.convert("RGB"))
    except (OSError, ValueError):
        return None
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def sharpened(gray: np.ndarray, upscale: float = 1.0) -> np.ndarray:
    """An unsharp-masked copy (strength 0.8, σ 1.5 px), enlarged by ``upscale`` first: what
    the cascade's upscale stage decodes (blurred small modules)."""
    if upscale != 1.0:
        gray = cv2.resize(gray, None, fx=upscale, fy=upscale, interpolation=cv2.INTER_LINEAR)
    blurred = cv2.GaussianBlur(gray, (0, 0), 1.5)
    return cv2.addWeighted(gray, 1.8, blurred, -0.8, 0)


class ScanPipeline:
    """What the live scanner and ``mobileca decode`` run on each frame: crop to the scan box,
    decode the crop at full resolution, and map the corners back to the full frame's pixels.

    ``region`` is the scan box as fractions ``(x, y, w, h)`` of the frame (None: the whole
    frame). Nothing is shrunk first: a whole screen of 1800 × 1100 or a 12-megapixel photo is
    decoded at its own size (the default decoder, ``CascadeDecoder``, adds its own pyramid
    and tiles), because a shrunk copy loses codes with small modules. Figures in
    docs/benchmarks.md."""

    def __init__(
        self,
        decoder: QrDecoder | None = None,
        *,
        region: tuple[float, float, float, float] | None = None,
    ) -> None:
        if region is not None:
            x, y, w, h = (float(v) for v in region)
            if not (0 <= x < 1 and 0 <= y < 1 and 0 < w <= 1 - x + 1e-9 and 0 < h <= 1 - y + 1e-9):
                raise InvalidInput(
                    field="region",
                    reason=f"the scan box {region} must lie inside the frame (fractions 0..1)",
                )
            region = (x, y, w, h)
        self.decoder = decoder or get_decoder()
        self.region = region

    def crop_box(self, width: int, height: int) -> tuple[int, int, int, int]:
        """The scan box in pixels ``(x0, y0, x1, y1)`` of a ``width`` × ``height`` frame."""
        if self.region is None:
            return 0, 0, width, height
        x, y, w, h = self.region
        x0, y0 = int(x * width), int(y * height)
        x1, y1 = min(width, round((x + w) * width)), min(height, round((y + h) * height))
        return x0, y0, max(x1, x0 + 1), max(y1, y0 + 1)

    def decode(self, frame: np.ndarray) -> list[DecodedCode]:
        gray = to_gray(frame)
        height, width = gray.shape
        x0, y0, x1, y1 = self.crop_box(width, height)
        return _moved(self.decoder.decode(gray[y0:y1, x0:x1]), 1.0, x0, y0)


class ConsistentFrames:
    """Accepts a code only after it was read in ``needed`` of the last ``window`` frames (a
    code glimpsed once, misread or half in view, is not acted on). ``feed`` returns the
    accepted text once, then None until ``reset()`` or until a different code is accepted."""

    def __init__(self, needed: int = 2, window: int = 5) -> None:
        if not 1 <= needed <= window:
            raise InvalidInput(field="needed", reason="must be between 1 and the window")
        self.needed = needed
        self.window = window
        self._recent: deque[frozenset[str]] = deque(maxlen=window)
        self._accepted: str | None = None

    def feed(self, codes: list[DecodedCode]) -> str | None:
        texts = [c.text for c in codes]
        self._recent.append(frozenset(texts))
        for text in dict.fromkeys(texts):  # this frame's order, once each
            if text == self._accepted:
                continue
            if sum(text in seen for seen in self._recent) >= self.needed:
                self._accepted = text
                return text
        return None

    @property
    def accepted(self) -> str | None:
        return self._accepted

    def reset(self) -> None:
        self._recent.clear()
        self._accepted = None


class FrameThrottle:
    """Lets a frame be decoded at most every ``interval`` seconds; the others are shown but
    not decoded. ``clock`` (monotonic seconds) is injectable for tests."""

    def __init__(self, interval: float = 0.1, clock: Callable[[], float] = time.monotonic):
        if interval < 0:
            raise InvalidInput(field="interval", reason="must not be negative")
        self.interval = float(interval)
        self._clock = clock
        self._last: float | None = None

    def ready(self) -> bool:
        """True if a frame may be decoded now (and starts a new interval)."""
        now = self._clock()
        if self._last is not None and now - self._last < self.interval:
            return False
        self._last = now
        return True

    def reset(self) -> None:
        self._last = None

"""QR decoding (services/qr.py): the decoders on generated codes (rotated, in perspective,
EXIF-rotated JPEG, structured append, several codes), image reading errors, the decoding
cascade's stages (zxing-cpp, binarizers, upscale, WeChat CNN) on generated webcam frames of a
monitor, the scan pipeline's crop / full-resolution decoding / corner mapping, and the
frame-acceptance rules."""

from __future__ import annotations

import io
import struct
import sys
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
import segno
from PIL import Image

from mobileca_desktop.domain.errors import (
    ConfigurationError,
    DocumentBomb,
    DocumentRejected,
    DocumentTooLarge,
    InvalidInput,
)
from mobileca_desktop.services import qr, qr_models
from mobileca_desktop.services.qr import (
    ConsistentFrames,
    DecodedCode,
    FrameThrottle,
    ScanPipeline,
    available_decoders,
    get_decoder,
    read_image,
    to_gray,
)

DECODERS = [
    pytest.param(
        name,
        marks=pytest.mark.skipif(
            name not in available_decoders(), reason=f"{name} is not installed here"
        ),
    )
    for name in ("cascade", "zxing", "zbar")
]
HAS_WECHAT = "wechat" in available_decoders()
needs_wechat = pytest.mark.skipif(
    not HAS_WECHAT, reason="no WeChat decoder here (contrib OpenCV 4.x and its model files)"
)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from qr_sets import monitor_frame, payload  # noqa: E402

PAYLOAD = "MCA1.eyJvcCI6ImxvZ2luIn0.c2lnbmF0dXJl-扫码登录"


def qr_bgr(text: str, scale: int = 8, border: int = 4) -> np.ndarray:
    """A BGR picture of a QR code; the code's corners are at ``border * scale`` and
    ``size - border * scale``."""
    buf = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buf, kind="png", scale=scale, border=border)
    return cv2.imdecode(np.frombuffer(buf.getvalue(), np.uint8), cv2.IMREAD_COLOR)


def code_corners(
    img: np.ndarray, scale: int = 8, border: int = 4, at: tuple[int, int] = (0, 0)
) -> np.ndarray:
    """The code's corners TL, TR, BR, BL in ``qr_bgr``'s picture (outer edge of the modules),
    shifted by ``at`` (where the picture was pasted)."""
    n = img.shape[0]
    a, b = border * scale, n - border * scale
    return np.array([(a, a), (b, a), (b, b), (a, b)], dtype=float) + np.array(at, dtype=float)


def on_canvas(code: np.ndarray, width: int, height: int, x: int, y: int) -> np.ndarray:
    canvas = np.full((height, width, 3), 235, np.uint8)
    canvas[y : y + code.shape[0], x : x + code.shape[1]] = code
    return canvas


def assert_corners(found: DecodedCode, expected: np.ndarray, tolerance: float) -> None:
    got = np.array(found.corners, dtype=float)
    dist = np.linalg.norm(got - expected, axis=1)
    assert dist.max() <= tolerance, f"corners {found.corners} vs expected {expected.tolist()}"


# --- the decoders ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", DECODERS)
def test_upright_code_text_format_and_corners(name):
    img = qr_bgr(PAYLOAD)
    codes = get_decoder(name).decode(img)
    assert [c.text for c in codes] == [PAYLOAD]
    assert codes[0].format == "QRCode"
    assert_corners(codes[0], code_corners(img), tolerance=9)  # ≈ one module


@pytest.mark.parametrize("name", DECODERS)
@pytest.mark.parametrize(
    ("rotation", "tl_at"),
    [
        (cv2.ROTATE_90_CLOCKWISE, 1),  # the code's top-left is at the image's top-right
        (cv2.ROTATE_180, 2),
        (cv2.ROTATE_90_COUNTERCLOCKWISE, 3),
    ],
)
def test_corners_follow_the_code_when_rotated(name, rotation, tl_at):
    img = cv2.rotate(qr_bgr(PAYLOAD), rotation)
    (code,) = get_decoder(name).decode(img)
    assert code.text == PAYLOAD
    image_order = code_corners(img)  # TL, TR, BR, BL of the image
    assert_corners(code, np.roll(image_order, -tl_at, axis=0), tolerance=9)


@pytest.mark.parametrize("name", DECODERS)
def test_perspective_and_free_rotation(name):
    code = qr_bgr(PAYLOAD, scale=6)
    frame = on_canvas(code, 900, 700, 250, 180)
    src = code_corners(code, scale=6, at=(250, 180))
    # Rotated by ~25° and seen at an angle: a real warp, the expected corners follow it.
    dst = np.array([(330, 160), (600, 260), (560, 560), (250, 470)], dtype=np.float32)
    h = cv2.getPerspectiveTransform(src.astype(np.float32), dst)
    warped = cv2.warpPerspective(frame, h, (900, 700), borderValue=(235, 235, 235))
    codes = get_decoder(name).decode(warped)
    assert [c.text for c in codes] == [PAYLOAD]
    assert_corners(codes[0], dst.astype(float), tolerance=10)


@pytest.mark.parametrize("name", DECODERS)
def test_gray_bgra_and_several_codes(name):
    left, right = qr_bgr("first code"), qr_bgr("second code")
    frame = on_canvas(left, 700, 300, 10, 20)
    frame[20 : 20 + right.shape[0], 400 : 400 + right.shape[1]] = right
    decoder = get_decoder(name)
    for image in (frame, cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), cv2.cvtColor(frame, 2)):
        codes = decoder.decode(image)
        assert sorted(c.text for c in codes) == ["first code", "second code"]
        by_text = {c.text: c for c in codes}
        assert_corners(by_text["second code"], code_corners(right, at=(400, 20)), tolerance=9)


@pytest.mark.parametrize("name", DECODERS)
def test_no_code_gives_an_empty_list(name):
    rng = np.random.default_rng(7)
    noise = rng.integers(0, 255, (240, 320, 3), dtype=np.uint8)
    assert get_decoder(name).decode(noise) == []
    assert get_decoder(name).decode(np.full((50, 50), 255, np.uint8)) == []


@pytest.mark.parametrize("name", DECODERS)
def test_structured_append_parts_are_read_without_raising(name):
    """pyzbar's own decode() raises ValueError on these (orientation "unknown"); the zbar
    backend reads the part's own text, like zxing-cpp."""
    text = "扫一扫 structured append " * 12
    parts = segno.make_sequence(text, symbol_count=2, error="m")
    decoded = []
    for part in parts:
        buf = io.BytesIO()
        part.save(buf, kind="png", scale=5, border=4)
        img = cv2.imdecode(np.frombuffer(buf.getvalue(), np.uint8), cv2.IMREAD_COLOR)
        (code,) = get_decoder(name).decode(img)
        decoded.append(code.text)
    assert "".join(decoded) == text


def test_bad_arrays_are_refused_with_a_typed_error():
    decoder = get_decoder()
    with pytest.raises(InvalidInput) as err:
        decoder.decode(np.zeros((10, 10), np.float32))
    assert err.value.params["field"] == "image"
    with pytest.raises(InvalidInput):
        decoder.decode(np.zeros((10, 10, 2), np.uint8))
    with pytest.raises(InvalidInput):
        decoder.decode(np.zeros((0, 10), np.uint8))
    with pytest.raises(InvalidInput):
        decoder.decode("not an image")  # type: ignore[arg-type]


def test_decoder_choice_and_a_missing_library(monkeypatch):
    assert available_decoders()[0] == "cascade"
    assert get_decoder().name == "cascade"
    with pytest.raises(ConfigurationError) as err:
        get_decoder("quirc")
    assert "zxing" in err.value.message and "zbar" in err.value.message

    class Missing(qr.QrDecoder):
        name = "zbar"

        def __init__(self) -> None:
            raise ImportError("Unable to find zbar shared library")

        def decode(self, image):  # pragma: no cover - never constructed
            return []

    monkeypatch.setitem(qr._DECODERS, "zbar", Missing)
    assert "zbar" not in available_decoders()
    with pytest.raises(ConfigurationError) as err:
        get_decoder("zbar")
    assert "libzbar0" in err.value.message and "Unable to find zbar" in err.value.message


# --- reading image files ---------------------------------------------------------------------


def test_read_image_png_jpeg_and_gif(tmp_path):
    img = qr_bgr(PAYLOAD)
    cv2.imwrite(str(tmp_path / "code.png"), img)
    cv2.imwrite(str(tmp_path / "code.jpg"), img)
    Image.fromarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB)).save(tmp_path / "code.gif")
    cv2.imwrite(str(tmp_path / "路径 中文.png"), img)
    for name in ("code.png", "code.jpg", "code.gif", "路径 中文.png"):
        frame = read_image(tmp_path / name)
        assert frame.dtype == np.uint8 and frame.shape == img.shape
        assert [c.text for c in get_decoder().decode(frame)] == [PAYLOAD]


def test_exif_rotated_jpeg_keeps_the_stored_pixels(tmp_path):
    """A phone JPEG stored landscape with "rotate 90° to show" (orientation 6): corners are
    those of the stored pixels, as a view drawing on the decoded frame needs."""
    code = qr_bgr(PAYLOAD, scale=6)
    stored = on_canvas(code, 640, 400, 380, 60)  # wider than high, code on the right
    path = tmp_path / "phone.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(cv2.cvtColor(stored, cv2.COLOR_BGR2RGB)).save(path, exif=exif, quality=95)
    assert cv2.imread(str(path)).shape[:2] == (640, 400)  # OpenCV's default applies the tag

    frame = read_image(path)
    assert frame.shape[:2] == (400, 640)
    (found,) = ScanPipeline().decode(frame)
    assert found.text == PAYLOAD
    assert_corners(found, code_corners(code, scale=6, at=(380, 60)), tolerance=8)


def test_unreadable_missing_and_huge_files(tmp_path):
    missing = tmp_path / "nowhere.png"
    with pytest.raises(DocumentRejected) as err:
        read_image(missing)
    assert err.value.params == {"filename": str(missing), "reason": "the file does not exist"}

    junk = tmp_path / "photo.png"
    junk.write_bytes(b"\x89PNG not really" + bytes(range(256)))
    with pytest.raises(DocumentRejected) as err:
        read_image(junk)
    assert err.value.params["filename"] == str(junk)
    assert err.value.params["reason"] == "not an image this program can read"

    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(DocumentRejected):
        read_image(empty)

    with pytest.raises(DocumentRejected) as err:
        read_image(tmp_path)  # a folder
    assert err.value.params["reason"] == "the file cannot be opened"

    # A tiny PNG whose header declares 30,000 × 30,000 pixels is refused before decoding.
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    bomb = tmp_path / "bomb.png"
    ihdr = struct.pack(">IIBBBBB", 30_000, 30_000, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1000)
    bomb.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
    with pytest.raises(DocumentBomb) as err:
        read_image(bomb)
    assert err.value.params["pixels"] == 900_000_000


def test_a_file_over_the_size_limit_is_not_read(tmp_path, monkeypatch):
    path = tmp_path / "big.png"
    cv2.imwrite(str(path), qr_bgr("x"))
    monkeypatch.setattr(qr, "MAX_IMAGE_BYTES", path.stat().st_size - 1)
    with pytest.raises(DocumentTooLarge) as err:
        read_image(path)
    assert err.value.params["size"] == path.stat().st_size
    monkeypatch.setattr(qr, "MAX_IMAGE_BYTES", path.stat().st_size)
    assert read_image(path).shape[2] == 3


# --- the scan pipeline -----------------------------------------------------------------------


def test_pipeline_region_crops_and_maps_corners_to_the_frame():
    outside, inside = qr_bgr("outside the box", scale=5), qr_bgr(PAYLOAD, scale=5)
    frame = on_canvas(outside, 1280, 720, 20, 20)
    frame[300 : 300 + inside.shape[0], 640 : 640 + inside.shape[1]] = inside
    assert {c.text for c in ScanPipeline().decode(frame)} == {"outside the box", PAYLOAD}

    boxed = ScanPipeline(region=(0.4, 0.3, 0.5, 0.65))
    assert boxed.crop_box(1280, 720) == (512, 216, 1152, 684)
    (code,) = boxed.decode(frame)
    assert code.text == PAYLOAD
    assert_corners(code, code_corners(inside, scale=5, at=(640, 300)), tolerance=6)


def test_pipeline_reads_big_frames_at_full_size_and_maps_back():
    """A whole 3840×2160 screen with a platform code of 2-pixel modules in its bottom-right
    corner: shrunk to 1,280 pixels (what the pipeline once did) the modules are 0.7 pixels
    and the code is lost; at full size it is read, corners in the screen's pixels."""
    text = PAYLOAD + "." + "x" * 300
    code = qr_bgr(text, scale=2, border=1)
    x, y = 3840 - code.shape[1], 2160 - code.shape[0]
    frame = on_canvas(code, 3840, 2160, x, y)
    shrunk = cv2.resize(frame, (1280, 720), interpolation=cv2.INTER_AREA)
    assert get_decoder("zxing").decode(shrunk) == []
    (found,) = ScanPipeline().decode(frame)
    assert found.text == text
    assert_corners(found, code_corners(code, scale=2, border=1, at=(x, y)), tolerance=3)


def test_pipeline_reads_small_codes_in_big_photos():
    code = qr_bgr(PAYLOAD, scale=2)
    frame = on_canvas(code, 4000, 3000, 1900, 1400)
    (found,) = ScanPipeline().decode(frame)
    assert found.text == PAYLOAD
    assert_corners(found, code_corners(code, scale=2, at=(1900, 1400)), tolerance=3)


@pytest.mark.parametrize("width", [600, 900])  # enlarged 2×, 1.5×
def test_cascade_upscale_reads_blurred_small_modules(width):
    text = "MCA1." + "x" * 280
    modules = np.pad(np.array(segno.make(text, error="m", micro=False).matrix, np.uint8), 4)
    size, side = modules.shape[0], modules.shape[0] * 2.5
    cx, cy = width / 2, 240
    dst = np.float32([(cx - side / 2, cy - side / 2), (cx + side / 2, cy - side / 2),
                      (cx + side / 2, cy + side / 2), (cx - side / 2, cy + side / 2)])  # fmt: skip
    src = np.float32([(0, 0), (size, 0), (size, size), (0, size)])
    frame = np.full((480, width), 128, np.uint8)
    cv2.warpPerspective(
        np.where(modules == 1, 40, 200).astype(np.uint8),
        cv2.getPerspectiveTransform(src, dst),
        (width, 480),
        dst=frame,
        borderMode=cv2.BORDER_TRANSPARENT,
    )
    frame = cv2.GaussianBlur(frame, (0, 0), 1.0)
    assert get_decoder("zxing").decode(frame) == []
    cascade = qr.CascadeDecoder(fallback=False)
    (found,) = cascade.decode(frame)
    assert cascade.last_stage in ("binarizers", "upscale")
    assert found.text == text
    quiet = 4 * 2.5  # the corners are those of the modules, inside the quiet zone
    inner = dst + np.float32([(quiet, quiet), (-quiet, quiet), (-quiet, -quiet), (quiet, -quiet)])
    assert_corners(found, inner.astype(float), tolerance=5)


def monitor(seed: int) -> tuple[np.ndarray, str]:
    """A generated webcam frame of a monitor (bench/qr_sets.py), as the benchmark makes it."""
    rng = np.random.default_rng(seed)
    text = payload(rng, 120, 200)
    return monitor_frame(rng, text), text


@needs_wechat
@pytest.mark.parametrize(("seed", "stage"), [(1, "zxing"), (0, "binarizers"), (4, "upscale"),
                                             (2, "wechat")])  # fmt: skip
def test_cascade_runs_each_stage_only_where_the_ones_before_found_nothing(seed, stage):
    frame, text = monitor(seed)
    cascade = qr.CascadeDecoder()
    assert [c.text for c in cascade.decode(frame)] == [text]
    assert cascade.last_stage == stage
    plain = [c.text for c in get_decoder("zxing").decode(frame)]
    assert plain == ([text] if stage == "zxing" else [])
    # The WeChat models are loaded only when the fallback stage first runs.
    assert (cascade._wechat is not None) == (stage == "wechat")
    if stage == "wechat":
        assert qr.CascadeDecoder(fallback=False).decode(frame) == []
        (code,) = cascade.decode(frame)
        xs, ys = zip(*code.corners, strict=True)
        assert 0 <= min(xs) < max(xs) <= frame.shape[1] and 0 <= min(ys) < max(ys) <= frame.shape[0]


@needs_wechat
def test_wechat_on_a_non_utf8_payload_keeps_zxings_result():
    """The binding raises UnicodeDecodeError on a payload that is not UTF-8: the WeChat
    decoder gives nothing, and the cascade still returns what zxing-cpp read."""
    data = bytes([0xB0, 0xA1, 0xFF, 0xFE, 0x81, 0x40]) * 4  # GB2312 / Shift_JIS-like bytes
    img = cv2.cvtColor(np.array(segno.make(data, error="m", micro=False, encoding=None).matrix,
                                np.uint8), cv2.COLOR_GRAY2BGR)  # fmt: skip
    img = cv2.resize(np.where(img == 1, 0, 255).astype(np.uint8), None, fx=6, fy=6,
                     interpolation=cv2.INTER_NEAREST)  # fmt: skip
    img = cv2.copyMakeBorder(img, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=(255, 255, 255))
    wechat = get_decoder("wechat")
    with pytest.raises(UnicodeDecodeError):
        wechat._net.detectAndDecode(to_gray(img))
    assert wechat.decode(img) == []
    (zx,) = get_decoder("zxing").decode(img)
    (found,) = qr.CascadeDecoder().decode(img)
    assert found.text == zx.text and found.text


LAZY_PROBE = """
import sys
import numpy as np
import mobileca_desktop.views.scan.scan_page  # what the app imports for 扫一扫
from mobileca_desktop.services.qr import ScanPipeline
loaded = lambda: "mobileca_desktop.services.qr_models" in sys.modules
out = [loaded()]
pipeline = ScanPipeline()
out.append(loaded())
pipeline.decode(np.full((480, 640), 200, np.uint8))  # nothing found: the fallback runs
out.append(loaded() and pipeline.decoder._wechat is not None)
print(out)
"""


@needs_wechat
def test_the_wechat_models_load_when_the_fallback_first_runs_not_at_start_up():
    import os
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", LAZY_PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[False, False, True]"


def test_cascade_without_the_models_runs_zxing_alone(monkeypatch, tmp_path):
    monkeypatch.setenv("MOBILECA_QR_MODELS", str(tmp_path))
    monkeypatch.setattr(qr_models, "default_dir", lambda: tmp_path / "none")
    monkeypatch.setattr(qr_models, "candidate_dirs", lambda: [tmp_path])
    cascade = qr.CascadeDecoder()
    assert cascade.wechat() is None and "missing" in (cascade.wechat_error or "")
    assert cascade.stages() == ["zxing", "binarizers", "upscale"]
    assert [c.text for c in cascade.decode(qr_bgr(PAYLOAD))] == [PAYLOAD]
    assert cascade.decode(np.full((480, 640), 200, np.uint8)) == []
    assert "wechat" not in available_decoders()
    with pytest.raises(ConfigurationError) as err:
        get_decoder("wechat")
    assert "qr_models" in err.value.message and "missing" in err.value.message


@pytest.mark.parametrize(
    "region", [(0.5, 0.5, 0.6, 0.2), (-0.1, 0, 0.5, 0.5), (0, 0, 0, 0.5), (1, 0, 0.1, 0.1)]
)
def test_pipeline_refuses_a_scan_box_outside_the_frame(region):
    with pytest.raises(InvalidInput) as err:
        ScanPipeline(region=region)
    assert err.value.params["field"] == "region"


# --- accepting a code, throttling ------------------------------------------------------------


def codes(*texts: str) -> list[DecodedCode]:
    corners = ((0, 0), (1, 0), (1, 1), (0, 1))
    return [DecodedCode(t, corners, "QRCode") for t in texts]


def test_consistent_frames_accepts_once_after_two_of_five():
    cf = ConsistentFrames(needed=2, window=5)
    assert cf.feed(codes("A")) is None
    assert cf.feed(codes()) is None
    assert cf.feed(codes("A")) == "A"
    assert cf.feed(codes("A")) is None  # once
    assert cf.feed(codes("A")) is None
    assert cf.feed(codes("B")) is None
    assert cf.feed(codes("B", "A")) == "B"  # a different code
    assert cf.accepted == "B"
    assert cf.feed(codes("A")) == "A"
    cf.reset()
    assert cf.accepted is None
    assert cf.feed(codes("A")) is None
    assert cf.feed(codes("A")) == "A"


def test_consistent_frames_forgets_a_glimpse_outside_the_window():
    cf = ConsistentFrames(needed=2, window=3)
    assert cf.feed(codes("misread")) is None
    for _ in range(3):
        assert cf.feed(codes()) is None
    assert cf.feed(codes("misread")) is None  # the first sighting left the window
    assert cf.feed(codes("misread")) == "misread"


def test_consistent_frames_counts_a_frame_once_and_validates():
    cf = ConsistentFrames(needed=3, window=4)
    assert cf.feed(codes("A", "A", "A")) is None
    assert cf.feed(codes("A")) is None
    assert cf.feed(codes("A")) == "A"
    assert ConsistentFrames(needed=1, window=1).feed(codes("X")) == "X"
    with pytest.raises(InvalidInput):
        ConsistentFrames(needed=6, window=5)
    with pytest.raises(InvalidInput):
        ConsistentFrames(needed=0)


def test_frame_throttle_with_an_injected_clock():
    now = [100.0]
    throttle = FrameThrottle(0.2, clock=lambda: now[0])
    assert throttle.ready()
    assert not throttle.ready()
    now[0] = 100.19
    assert not throttle.ready()
    now[0] = 100.2
    assert throttle.ready()
    now[0] = 100.3
    assert not throttle.ready()
    throttle.reset()
    assert throttle.ready()
    assert FrameThrottle(0, clock=lambda: 5.0).ready()
    with pytest.raises(InvalidInput):
        FrameThrottle(-1)

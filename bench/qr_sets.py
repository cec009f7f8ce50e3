"""Generated picture sets for ``bench/qr_decode.py``: what a webcam sees of a monitor showing
the platform's QR code, and large screenshots with a small code anywhere on them.

Both are seeded and deterministic. Each item is ``(name, BGR frame, expected text)``.

Webcam of a monitor (1280×720): the platform page is rendered on a monitor whose pixels are
drawn as an LCD grid (red, green and blue sub-pixel columns with a dark gap between rows);
the camera sees it in perspective and slightly rotated, at 2.5–4 frame pixels per QR module
(1.5–4 screen pixels per module, so the screen grid and the camera's pixels beat into moiré).
The frame is rendered at twice the size and integrated down (what a sensor does), then gets
the monitor's black level and glow, interference stripes (refresh and PWM banding at a
random angle and period), blur, sensor noise and JPEG compression at quality 55–65.

Screenshots: 1800×1100, 1920×1080, 2560×1440 and 3840×2160 pages with text-like clutter and
one code of 2–4 pixel modules at a random place, corners included (screen grabs are exact:
no blur or noise).
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import segno

W, H = 1280, 720
SCAN_BOX = (0.2, 0.1, 0.6, 0.8)
ALPHABET = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"))


def payload(rng: np.random.Generator, low: int = 120, high: int = 360) -> str:
    n = int(rng.integers(low, high + 1))
    return "MCA1." + "".join(rng.choice(ALPHABET, n - 5))


def modules_of(text: str) -> np.ndarray:
    """The code's modules (1 = dark) with a quiet zone of 4."""
    return np.pad(np.array(segno.make(text, error="m", micro=False).matrix, dtype=np.uint8), 4)


def page(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """A light web page: a coloured header bar, blocks of text-like dashes, a few boxes."""
    img = np.full((height, width), int(rng.integers(238, 256)), np.uint8)
    img[: max(8, height // 14)] = int(rng.integers(40, 140))
    for _ in range(int(width * height / 9000)):
        x, y = int(rng.integers(0, width)), int(rng.integers(height // 12, height))
        w, h = int(rng.integers(6, 120)), int(rng.integers(3, 9))
        img[y : y + h, x : x + w] = int(rng.integers(20, 150))
    for _ in range(4):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        cv2.rectangle(img, (x, y), (x + int(rng.integers(40, 400)), y + int(rng.integers(30, 200))),
                      int(rng.integers(150, 230)), 2)  # fmt: skip
    return img


def monitor_frame(rng: np.random.Generator, text: str) -> np.ndarray:
    modules = modules_of(text)
    n = modules.shape[0]
    frame_px = float(rng.uniform(2.5, 4.0))  # frame pixels per module
    screen_px = int(rng.choice([2, 3, 4]))  # screen pixels per module
    if frame_px / screen_px > 1.8:  # keep 0.6–1.8 frame pixels per screen pixel
        screen_px += 1
    # The screen: a page with the code at some place on it.
    sw, sh = 1920, 1080
    screen = page(rng, sw, sh)
    side = n * screen_px
    qx, qy = int(rng.integers(40, sw - side - 40)), int(rng.integers(120, sh - side - 40))
    code = np.where(np.repeat(np.repeat(modules, screen_px, 0), screen_px, 1) == 1, 0, 255)
    screen[qy : qy + side, qx : qx + side] = code.astype(np.uint8)
    # Where the code lands in the frame: inside the scan box, at any small rotation.
    scale = frame_px / screen_px
    out = side * scale
    bx, by, bw, bh = SCAN_BOX[0] * W, SCAN_BOX[1] * H, SCAN_BOX[2] * W, SCAN_BOX[3] * H
    reach = out * 0.8
    cx = float(rng.uniform(bx + reach, max(bx + reach + 1, bx + bw - reach)))
    cy = float(rng.uniform(by + reach, max(by + reach + 1, by + bh - reach)))
    angle = math.radians(float(rng.uniform(-12, 12)))
    square = np.array([(-1, -1), (1, -1), (1, 1), (-1, 1)], np.float64) * out / 2
    square += rng.uniform(-0.07, 0.07, (4, 2)) * out  # perspective
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    dst = (square @ rot.T + (cx, cy)).astype(np.float32)
    src = np.float32([(qx, qy), (qx + side, qy), (qx + side, qy + side), (qx, qy + side)])
    inverse = cv2.getPerspectiveTransform(dst * 2, src)  # supersampled frame -> screen
    # Render the frame at 2× with the LCD grid, then integrate down.
    yy, xx = np.mgrid[0 : 2 * H, 0 : 2 * W].astype(np.float32) + 0.5
    den = inverse[2, 0] * xx + inverse[2, 1] * yy + inverse[2, 2]
    sx = (inverse[0, 0] * xx + inverse[0, 1] * yy + inverse[0, 2]) / den
    sy = (inverse[1, 0] * xx + inverse[1, 1] * yy + inverse[1, 2]) / den
    ix, iy = np.floor(sx).astype(np.int32), np.floor(sy).astype(np.int32)
    inside = (ix >= 0) & (ix < sw) & (iy >= 0) & (iy < sh)
    value = np.where(inside, screen[iy.clip(0, sh - 1), ix.clip(0, sw - 1)], 18).astype(np.float32)
    sub = np.floor((sx - ix) * 3).astype(np.int32)  # sub-pixel column 0, 1, 2 (R, G, B)
    gap = np.where((sy - iy) > 0.82, 0.45, 1.0).astype(np.float32)
    bgr = np.empty((2 * H, 2 * W, 3), np.float32)
    for channel, column in ((0, 2), (1, 1), (2, 0)):  # B, G, R
        lit = np.where(sub == column, 1.0, 0.1).astype(np.float32)
        bgr[..., channel] = np.where(inside, value * lit * gap * 2.4, value)
    frame = cv2.resize(bgr, (W, H), interpolation=cv2.INTER_AREA)
    frame = cv2.cvtColor(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR) * 0.7 + (
        frame * 0.3
    )  # the camera's colour filter barely resolves the sub-pixels
    # Black level and glow, a gentle vignette, interference stripes.
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    black, gain = float(rng.uniform(20, 60)), float(rng.uniform(0.65, 0.9))
    vignette = (
        1
        - float(rng.uniform(0, 0.25))
        * (np.hypot(xx - W / 2, yy - H / 2) / math.hypot(W / 2, H / 2)) ** 2
    )
    theta = float(rng.uniform(0, math.pi))
    period = float(rng.uniform(3.0, 40.0))
    stripes = 1 + float(rng.uniform(0.03, 0.12)) * np.sin(
        2 * math.pi * (xx * math.cos(theta) + yy * math.sin(theta)) / period + rng.uniform(0, 6.3)
    )
    frame = black + frame * gain * (vignette * stripes)[..., None]
    sigma = float(rng.uniform(0.5, 1.4))
    frame = cv2.GaussianBlur(frame, (0, 0), sigma)
    frame += rng.normal(0, float(rng.uniform(3, 9)), frame.shape).astype(np.float32)
    frame = np.clip(frame, 0, 255).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(55, 66))])
    assert ok
    return cv2.imdecode(jpeg, cv2.IMREAD_COLOR)


def monitor_frames(count: int, seed: int) -> list[tuple[str, np.ndarray, str | None]]:
    rng = np.random.default_rng(seed)
    items: list[tuple[str, np.ndarray, str | None]] = []
    for i in range(count):
        text = payload(rng)
        items.append((f"monitor-{i}", monitor_frame(rng, text), text))
    return items


SCREEN_SIZES = ((1800, 1100), (1920, 1080), (2560, 1440), (3840, 2160))


def screenshot(rng: np.random.Generator, text: str, size: tuple[int, int]) -> np.ndarray:
    width, height = size
    img = page(rng, width, height)
    modules = modules_of(text)
    px = int(rng.integers(2, 5))
    code = np.repeat(np.repeat(modules, px, 0), px, 1)
    side = code.shape[0]
    where = int(rng.integers(0, 5))  # 4 corners or anywhere
    if where < 4:
        x = 0 if where in (0, 3) else width - side
        y = 0 if where in (0, 1) else height - side
    else:
        x, y = int(rng.integers(0, width - side)), int(rng.integers(0, height - side))
    img[y : y + side, x : x + side] = np.where(code == 1, 0, 255).astype(np.uint8)
    return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)


def screenshots(count: int, seed: int) -> list[tuple[str, np.ndarray, str | None]]:
    rng = np.random.default_rng(seed + 1)
    items: list[tuple[str, np.ndarray, str | None]] = []
    for i in range(count):
        size = SCREEN_SIZES[i % len(SCREEN_SIZES)]
        text = payload(rng)
        items.append((f"screen-{size[0]}x{size[1]}-{i}", screenshot(rng, text, size), text))
    return items

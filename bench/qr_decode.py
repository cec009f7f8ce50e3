#!/usr/bin/env python3
"""QR decoding: zxing-cpp alone against the decoding cascade, side by side in one run, per
picture set, and what the live scanner costs per 720p frame.

    python bench/qr_decode.py [QR_BENCH_DIR] [--frames N] [--monitor N] [--screens N]
                              [--seed S] [--zbar] [--json-only]

Sets (a code counts as read if one of the codes found has the expected text, CRLF
normalised to LF; loading or generating a picture is not timed):

(a) Real pictures, one row per folder: every ``NAME.png`` / ``.jpg`` / ``.gif`` one level
    under ``QR_BENCH_DIR`` (e.g. the six ZXing black-box sets) whose ``NAME.txt`` holds the
    expected text. Skipped without the folder.
(b) ``monitor``: generated webcam frames of a monitor showing the platform's code
    (``bench/qr_sets.py``: perspective, LCD pixel grid, interference stripes, blur, noise,
    JPEG q 55–65, 2.5–4 pixel modules), ``--monitor`` frames.
(c) ``screens``: large screenshots (1800×1100 to 3840×2160) with one code of 2–4 pixel
    modules anywhere, corners included, ``--screens`` pictures.
(d) ``desk``: generated 1280×720 frames of a printed code on a cluttered desk (any angle,
    2–6 pixel modules, uneven light, blur, noise), ``--frames`` frames, plus ``N / 4`` frames
    with no code.

Rows: ``zxing`` (zxing-cpp alone: one ``read_barcodes`` call with its defaults),
``zxing-1280`` (the same on a copy shrunk to 1,280 pixels, as the scan pipeline did before
the cascade; codes found only, its corners are not mapped back),
``cascade-cnn`` (the cascade without its WeChat stage) and ``cascade`` (the default decoder
of 扫一扫 and ``mobileca decode``), each on the whole picture; ``zbar`` with ``--zbar``.
Times are wall-clock milliseconds per picture (median, p95) and CPU milliseconds (p95) around
the decode call alone; on a shared machine the wall figures include waiting for a core.

Live scanner (``live`` line): on the monitor frames through the scanner's pipeline (scan box
(0.2, 0.1, 0.6, 0.8)): zxing-cpp's cost per frame, the cost of the stages after it on frames
it does not read, the WeChat stage's own cost, the frames per second the scanner decodes
with the fallback on (its analyser waits at least 120 ms between frames), the share of frames
read and the expected time until a code is accepted (two reads, ``ConsistentFrames``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import segno

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

sys.path.insert(0, str(Path(__file__).resolve().parent))

from qr_sets import monitor_frames, screenshots

from mobileca_desktop.services.qr import (
    CascadeDecoder,
    ScanPipeline,
    ZxingDecoder,
    available_decoders,
    get_decoder,
    read_image,
    to_gray,
)

SUFFIXES = (".png", ".jpg", ".jpeg", ".gif")
SCAN_BOX = (0.2, 0.1, 0.6, 0.8)
W, H = 1280, 720
ALPHABET = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"))


@dataclass
class Row:
    mode: str
    dataset: str
    read: int = 0
    total: int = 0
    wall_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)

    def add(self, ok: bool | None, wall: float, cpu: float) -> None:
        if ok is not None:
            self.total += 1
            self.read += ok
        self.wall_ms.append(wall * 1000)
        self.cpu_ms.append(cpu * 1000)

    def figures(self) -> dict[str, object]:
        return {
            "mode": self.mode,
            "dataset": self.dataset,
            "read": self.read,
            "total": self.total,
            "rate": round(self.read / self.total, 4) if self.total else None,
            "median_ms": round(statistics.median(self.wall_ms), 2),
            "p95_ms": round(p95(self.wall_ms), 2),
            "cpu_p95_ms": round(p95(self.cpu_ms), 2),
            "frames": len(self.wall_ms),
        }


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def norm(text: str) -> str:
    return text.replace("\r\n", "\n")


def timed(fn, frame) -> tuple[list, float, float]:
    c0, t0 = time.process_time(), time.perf_counter()
    codes = fn(frame)
    return codes, time.perf_counter() - t0, time.process_time() - c0


# --- (a) real pictures -----------------------------------------------------------------------


def real_pictures(folder: Path) -> list[tuple[str, np.ndarray, str]]:
    items = []
    for path in sorted(folder.glob("*/*")):
        if path.suffix.lower() not in SUFFIXES or ".metadata" in path.name:
            continue
        expected = path.with_suffix(".txt")
        if not expected.is_file():
            continue
        items.append(
            (
                f"{path.parent.name}/{path.name}",
                read_image(path),
                norm(expected.read_text(encoding="utf-8")),
            )
        )
    return items


# --- (b) generated frames --------------------------------------------------------------------


def background(rng: np.random.Generator) -> np.ndarray:
    base = rng.uniform(60, 200)
    gx, gy = rng.uniform(-0.06, 0.06, 2)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    img = np.clip(base + gx * (xx - W / 2) + gy * (yy - H / 2), 0, 255).astype(np.uint8)
    img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    for _ in range(int(rng.integers(6, 20))):  # desk clutter: boxes, lines, text
        color = tuple(int(c) for c in rng.integers(0, 256, 3))
        x, y = int(rng.integers(0, W)), int(rng.integers(0, H))
        kind = rng.integers(0, 3)
        if kind == 0:
            corner = (x + int(rng.integers(20, 300)), y + int(rng.integers(20, 200)))
            cv2.rectangle(img, (x, y), corner, color, -1)
        elif kind == 1:
            end = (int(rng.integers(0, W)), int(rng.integers(0, H)))
            cv2.line(img, (x, y), end, color, int(rng.integers(1, 6)))
        else:
            words, scale = "".join(rng.choice(ALPHABET, 12)), float(rng.uniform(0.5, 2))
            cv2.putText(img, words, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, color, 2)
    return img


def code_picture(text: str, dark: int, light: int) -> np.ndarray:
    qr = segno.make(text, error="m", micro=False)
    m = np.array(qr.matrix, dtype=np.uint8)
    m = np.pad(m, 4)  # quiet zone of 4 modules
    return np.where(m == 1, dark, light).astype(np.uint8)


def generated_frame(rng: np.random.Generator, with_code: bool) -> tuple[np.ndarray, str | None]:
    frame = background(rng)
    text = None
    if with_code:
        n = int(rng.integers(120, 601))
        text = "MCA1." + "".join(rng.choice(ALPHABET, n - 5))
        dark = int(rng.integers(0, 110))
        light = int(rng.integers(150, 256))
        modules = code_picture(text, dark, light)
        size = modules.shape[0]
        module_px = float(rng.uniform(2.0, 6.0))
        bx, by, bw, bh = (SCAN_BOX[0] * W, SCAN_BOX[1] * H, SCAN_BOX[2] * W, SCAN_BOX[3] * H)
        half = 0.71 + 0.12 * 1.42  # half-diagonal of the jittered square, in sides
        side = min(size * module_px, bh / (2 * half))  # fits the scan box at any angle
        half *= side
        angle = float(rng.uniform(0, 2 * math.pi))
        cx = float(rng.uniform(bx + half, bx + bw - half))
        cy = float(rng.uniform(by + half, by + bh - half))
        square = np.array([(-1, -1), (1, -1), (1, 1), (-1, 1)], dtype=np.float64) * side / 2
        jitter = rng.uniform(-0.12, 0.12, (4, 2)) * side  # perspective
        rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
        dst = (square + jitter) @ rot.T + (cx, cy)
        src = np.array([(0, 0), (size, 0), (size, size), (0, size)], dtype=np.float32)
        hom = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
        code = cv2.cvtColor(modules, cv2.COLOR_GRAY2BGR)
        cv2.warpPerspective(
            code, hom, (W, H), dst=frame, flags=cv2.INTER_NEAREST,
            borderMode=cv2.BORDER_TRANSPARENT,
        )  # fmt: skip
        # Uneven light over the whole scene.
        yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
        lx, ly = rng.uniform(0, W), rng.uniform(0, H)
        shade = 1 - float(rng.uniform(0, 0.35)) * np.hypot(xx - lx, yy - ly) / math.hypot(W, H)
        frame = np.clip(frame * shade[..., None], 0, 255).astype(np.uint8)
    sigma = float(rng.uniform(0, 1.6))
    if sigma > 0.3:
        frame = cv2.GaussianBlur(frame, (0, 0), sigma)
    noise = rng.normal(0, float(rng.uniform(0, 10)), frame.shape)
    frame = np.clip(frame + noise, 0, 255).astype(np.uint8)
    return frame, text


def generated_frames(count: int, seed: int) -> list[tuple[str, np.ndarray, str | None]]:
    rng = np.random.default_rng(seed)
    items = []
    for i in range(count):
        frame, text = generated_frame(rng, True)
        items.append((f"code-{i}", frame, text))
    for i in range(max(1, count // 4)):
        frame, _ = generated_frame(rng, False)
        items.append((f"empty-{i}", frame, None))
    return items


# --- running ---------------------------------------------------------------------------------


Item = tuple[str, np.ndarray, str | None]


def measure(dataset: str, items: list[Item], modes: dict[str, object]) -> list[Row]:
    rows = []
    for mode, fn in modes.items():
        fn(items[0][1])  # warm-up (loads the models of the WeChat stage)
        row = Row(mode, dataset)
        empty = Row(mode, dataset + " (no code)")
        for _, frame, expected in items:
            codes, wall, cpu = timed(fn, frame)
            if expected is None:
                empty.add(None, wall, cpu)
            else:
                row.add(any(norm(c.text) == expected for c in codes), wall, cpu)
        if row.wall_ms:
            rows.append(row)
        if empty.wall_ms:
            rows.append(empty)
    return rows


def decoders(with_zbar: bool) -> dict[str, object]:
    cascade = CascadeDecoder()
    if cascade.wechat() is None:
        print(f"note: no WeChat stage ({cascade.wechat_error})", file=sys.stderr)
    zxing = ZxingDecoder()

    def shrunk(image: np.ndarray) -> list:  # the old pipeline's first pass (before the cascade)
        scale = 1280 / max(image.shape[:2])
        if scale < 1:
            image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        return zxing.decode(image)

    modes: dict[str, object] = {
        "zxing-1280": shrunk,
        "zxing": zxing.decode,
        "cascade-cnn": CascadeDecoder(fallback=False).decode,
        "cascade": cascade.decode,
    }
    if with_zbar and "zbar" in available_decoders():
        modes["zbar"] = get_decoder("zbar").decode
    return modes


def live(items: list[Item]) -> dict[str, object]:
    """The live scanner on 720p monitor frames, within its scan box, stage by stage."""
    cascade = CascadeDecoder()
    box = ScanPipeline(cascade, region=SCAN_BOX)
    crops = []
    for _, frame, text in items:
        x0, y0, x1, y1 = box.crop_box(frame.shape[1], frame.shape[0])
        crops.append((to_gray(frame)[y0:y1, x0:x1].copy(), text))
    cascade.decode(crops[0][0])  # warm-up, loads the models
    first, later, cnn, whole = [], [], [], []  # (wall ms, CPU ms) per frame
    read = 0
    for crop, text in crops:
        codes, wall, cpu = timed(cascade._zxing, crop)
        first.append((wall * 1000, cpu * 1000))
        if not any(c.text == text for c in codes):
            _, wall, cpu = timed(lambda g: cascade._binarizers(g) or cascade._upscale(g), crop)
            _, wall_cnn, cpu_cnn = timed(cascade._fallback, crop)
            later.append(((wall + wall_cnn) * 1000, (cpu + cpu_cnn) * 1000))
            cnn.append((wall_cnn * 1000, cpu_cnn * 1000))
        codes, wall, cpu = timed(cascade.decode, crop)
        whole.append((wall * 1000, cpu * 1000))
        read += any(c.text == text for c in codes)
    interval_ms = 120.0  # the scanner's analyse_interval
    rate = read / len(crops)

    def med(rows: list[tuple[float, float]], i: int) -> float | None:
        return round(statistics.median(r[i] for r in rows), 1) if rows else None

    def pct(rows: list[tuple[float, float]], i: int) -> float | None:
        return round(p95([r[i] for r in rows]), 1) if rows else None

    figures: dict[str, object] = {"frames": len(crops), "read_rate": round(rate, 3)}
    for name, rows in (("zxing", first), ("fallback", later), ("wechat", cnn), ("cascade", whole)):
        figures[f"{name}_ms"], figures[f"{name}_ms_p95"] = med(rows, 0), pct(rows, 0)
        figures[f"{name}_cpu_ms"], figures[f"{name}_cpu_ms_p95"] = med(rows, 1), pct(rows, 1)
    # Frames decoded a second: the analyser starts one at most every 120 ms; by wall time
    # here, and by CPU time (what one free core would do).
    for key, i in (("fps_wall", 0), ("fps_cpu", 1)):
        fps = 1000 / statistics.mean(max(interval_ms, w[i]) for w in whole)
        figures[key] = round(fps, 1)
        # Two reads are needed: on average 2 / rate frames, at fps frames a second.
        figures[key.replace("fps", "accept_s")] = round(2 / rate / fps, 2) if rate else None
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bench_dir", nargs="?", type=Path, help="e.g. ../shared/qr-bench")
    parser.add_argument("--frames", type=int, default=100, help="desk frames (100)")
    parser.add_argument("--monitor", type=int, default=120, help="monitor frames (120)")
    parser.add_argument("--screens", type=int, default=40, help="large screenshots (40)")
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--zbar", action="store_true", help="also zbar alone")
    parser.add_argument("--json-only", action="store_true")
    args = parser.parse_args()
    modes = decoders(args.zbar)

    rows: list[Row] = []
    if args.bench_dir is not None:
        if not args.bench_dir.is_dir():
            parser.error(f"{args.bench_dir} is not a folder")
        pictures = real_pictures(args.bench_dir)
        for category in sorted({name.split("/")[0] for name, _, _ in pictures}):
            chosen = [p for p in pictures if p[0].startswith(category + "/")]
            rows += measure(f"{category} ({len(chosen)})", chosen, modes)
    monitor = monitor_frames(args.monitor, args.seed) if args.monitor else []
    if monitor:
        rows += measure(f"monitor 1280x720 ({len(monitor)})", monitor, modes)
    if args.screens:
        shots = screenshots(args.screens, args.seed)
        rows += measure(f"screens ({len(shots)})", shots, modes)
    if args.frames:
        rows += measure(
            f"desk 1280x720 ({args.frames})", generated_frames(args.frames, args.seed), modes
        )
    live_figures = live(monitor) if monitor else None

    figures = [r.figures() for r in rows]
    machine = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "loadavg": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "opencv": cv2.__version__,
    }
    if not args.json_only:
        print(f"{'dataset':<28} {'mode':<12} {'read':>9} {'rate':>7} "
              f"{'median':>7} {'p95':>7} {'cpu p95':>8}")  # fmt: skip
        for f in figures:
            read = f"{f['read']}/{f['total']}" if f["total"] else "-"
            rate = f"{f['rate'] * 100:.1f}%" if f["rate"] is not None else "-"
            print(
                f"{f['dataset']:<28} {f['mode']:<12} {read:>9} {rate:>7} "
                f"{f['median_ms']:>6.1f}  {f['p95_ms']:>6.1f}  {f['cpu_p95_ms']:>7.1f}"
            )
        if live_figures:
            print("live " + " ".join(f"{k}={v}" for k, v in live_figures.items()))
    print(json.dumps({"qr_decode": figures, "live": live_figures, "machine": machine}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

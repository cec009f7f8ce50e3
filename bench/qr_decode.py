#!/usr/bin/env python3
"""QR decoding: decode rate and time per frame of each available decoder, raw and through
the scan pipeline that the live scanner and ``mobileca decode`` use.

    python bench/qr_decode.py [QR_BENCH_DIR] [--frames N] [--seed S] [--decoder NAME]
                              [--json-only]

(a) Real pictures: every ``NAME.png`` / ``.jpg`` / ``.gif`` under ``QR_BENCH_DIR`` (one
    folder level deep, e.g. the six ZXing black-box sets) whose ``NAME.txt`` holds the
    expected text. A picture counts as read if one of the codes found has that text (both
    with CRLF normalised to LF). Reading the file is not timed. Skipped without the folder.
(b) Generated 1280×720 frames (``--frames``, seeded): a scan payload of 120–600 characters
    (QR version ≤ 20 at level M, as the scan protocol allows) printed with 2–6 pixel modules,
    rotated by any angle, seen in perspective, on a cluttered background with uneven light,
    then blurred, given sensor noise and lowered contrast by random amounts; plus ``N / 4``
    frames of clutter with no code (what the live scanner mostly sees). Codes lie inside the
    centre 60 % × 80 % of the frame, where the scanner draws its box.

Rows per decoder: ``raw`` (decoder.decode on the frame); ``pipeline`` (ScanPipeline with its
defaults: gray, no crop, frames above 1280 px shrunk, a sharpened second pass on pictures of
at most 1024 px when the first found nothing); ``stills`` (the settings of ``mobileca
decode``: the second pass at any size, and a full-size retry) and, for (b), ``pipeline+box``
/ ``plain+box`` (the defaults within the live scanner's scan box, (0.2, 0.1, 0.6, 0.8), with
and without the second pass). Times are wall-clock milliseconds per frame
(median, p95) and CPU milliseconds (p95) measured around the decode call alone; on a shared
machine the wall figures include waiting for a core, so the CPU figure is reported too.
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

from mobileca_desktop.services.qr import (
    ScanPipeline,
    available_decoders,
    get_decoder,
    read_image,
)

SUFFIXES = (".png", ".jpg", ".jpeg", ".gif")
SCAN_BOX = (0.2, 0.1, 0.6, 0.8)
W, H = 1280, 720
ALPHABET = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"))


@dataclass
class Row:
    decoder: str
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
            "decoder": self.decoder,
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


def measure(
    dataset: str,
    items: list[tuple[str, np.ndarray, str | None]],
    with_box: bool,
    decoders: list[str],
) -> list[Row]:
    rows = []
    for name in decoders:
        decoder = get_decoder(name)
        modes = {
            "raw": decoder.decode,
            "pipeline": ScanPipeline(decoder).decode,
            "stills": ScanPipeline(decoder, retry_full_size=True, enhance_max_side=1 << 16).decode,
        }
        if with_box:
            modes["pipeline+box"] = ScanPipeline(decoder, region=SCAN_BOX).decode
            modes["plain+box"] = ScanPipeline(decoder, region=SCAN_BOX, enhance=False).decode
        for mode, fn in modes.items():
            fn(items[0][1])  # warm-up
            row = Row(name, mode, dataset)
            empty = Row(name, mode, dataset + " (no code)")
            for _, frame, expected in items:
                codes, wall, cpu = timed(fn, frame)
                if expected is None:
                    empty.add(None, wall, cpu)
                else:
                    row.add(any(norm(c.text) == expected for c in codes), wall, cpu)
            rows.append(row)
            if empty.wall_ms:
                rows.append(empty)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bench_dir", nargs="?", type=Path, help="e.g. ../shared/qr-bench")
    parser.add_argument("--frames", type=int, default=200, help="generated frames (200)")
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument(
        "--decoder", action="append", choices=("zxing", "zbar"), help="only these (repeatable)"
    )
    parser.add_argument("--json-only", action="store_true")
    args = parser.parse_args()
    decoders = [d for d in available_decoders() if not args.decoder or d in args.decoder]

    rows: list[Row] = []
    if args.bench_dir is not None:
        if not args.bench_dir.is_dir():
            parser.error(f"{args.bench_dir} is not a folder")
        pictures = real_pictures(args.bench_dir)
        rows += measure(f"real ({len(pictures)} pictures)", pictures, False, decoders)
    frames = generated_frames(args.frames, args.seed)
    rows += measure(f"generated 1280x720 ({args.frames} frames)", frames, True, decoders)

    figures = [r.figures() for r in rows]
    machine = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "loadavg": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "opencv": cv2.__version__,
    }
    if not args.json_only:
        print(f"{'dataset':<36} {'decoder':<6} {'mode':<13} {'read':>9} {'rate':>7} "
              f"{'median':>7} {'p95':>7} {'cpu p95':>8}")  # fmt: skip
        for f in figures:
            read = f"{f['read']}/{f['total']}" if f["total"] else "-"
            rate = f"{f['rate'] * 100:.1f}%" if f["rate"] is not None else "-"
            print(
                f"{f['dataset']:<36} {f['decoder']:<6} {f['mode']:<13} {read:>9} {rate:>7} "
                f"{f['median_ms']:>6.2f}  {f['p95_ms']:>6.2f}  {f['cpu_p95_ms']:>7.2f}"
            )
    print(json.dumps({"qr_decode": figures, "machine": machine}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

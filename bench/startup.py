#!/usr/bin/env python3
"""Start-up time of the client: process start → first paint of the main window, → an interactive
login page, and → the CA opened, against a bare PySide6 window in the same run.

Usage: python bench/startup.py [--runs 7] [--platform offscreen]

Both are child processes started the same way (``python -c`` / ``python -m mobileca_desktop``)
and probed the same way: an event filter on the window sees its first ``Paint`` /
``UpdateRequest`` and posts a zero timer, which prints ``time.monotonic()`` once that frame has
been painted and flushed (the client through ``MOBILECA_STARTUP_PROBE=1``, see
``app._FirstPaint``); it is compared with the parent's ``time.monotonic()`` just before the
spawn (the same clock on one machine). "Interactive login page": the login page has been
painted, a key press posted to its first field has landed there, and the enabled 登录 button's
click has run the form's check (the CA may still be opening behind it: a real click then waits
for it). "CA open": the services are attached (``Client.ready``). The runs alternate bare /
client (ABBA) so both see the same machine load. The client opens an existing local CA (one
warm-up run creates it, not counted) on a private GNOME Keyring started for the benchmark
(``demo.start_private_keyring``). ``PYTHONDONTWRITEBYTECODE`` is dropped for the children, so
both load from up-to-date bytecode as after an install. Prints the medians and the ratios; the
targets are first paint ≤ 1.3 × and the interactive login page ≤ 2 × the bare window.
``--platform xcb`` (e.g. under ``xvfb-run``) measures a window mapped by an X server.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAN = float("nan")
sys.path.insert(0, str(ROOT))

BARE = """
import time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

def report():
    print(f"startup-probe first-paint {time.monotonic():.6f} {time.process_time():.6f}",
          flush=True)
    app.quit()

class Probe(QObject):
    def eventFilter(self, obj, event):
        if event.type() in (QEvent.Type.Paint, QEvent.Type.UpdateRequest):
            obj.removeEventFilter(self)
            QTimer.singleShot(0, report)  # once this frame is painted and flushed
        return False

app = QApplication([])
window = QMainWindow()
window.setCentralWidget(QLabel("hello"))
window.resize(420, 860)
probe = Probe()
window.installEventFilter(probe)
window.show()
app.exec()
"""


def probe(cmd: list[str], env: dict[str, str], timeout: float = 120) -> dict[str, float]:
    t0 = time.monotonic()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    marks: dict[str, float] = {}
    for line in out.stdout.splitlines():
        if line.startswith("startup-probe "):
            _, what, when, cpu = line.split()
            marks.setdefault(what, float(when) - t0)
            marks.setdefault(what + "-cpu", float(cpu))
    if "first-paint" not in marks:
        raise RuntimeError(f"no first paint from {cmd[:3]}: {out.stderr[-1500:]}")
    return marks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--platform", default="offscreen", help="QT_QPA_PLATFORM")
    args = parser.parse_args()

    from mobileca_desktop.demo import start_private_keyring

    with tempfile.TemporaryDirectory(prefix="mobileca-startup-") as tmp:
        folder = Path(tmp)
        keyring = start_private_keyring(folder / "keyring")
        if keyring is None:
            print("no GNOME Keyring: the login page cannot be reached; first paint only")
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": args.platform,
            "PYTHONPATH": str(ROOT),
            "MOBILECA_STARTUP_PROBE": "1",
        }
        # As after a normal install: modules load from up-to-date bytecode (the warm-up
        # runs write it), not compiled from source at every start.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        client = [
            sys.executable,
            "-m",
            "mobileca_desktop",
            "--data-dir",
            str(folder / "data"),
            "--device",
            "bench",
        ]
        bare = [sys.executable, "-c", BARE]
        try:
            warm = probe(client, env)  # creates the CA; also warms the disk cache
            probe(bare, env)
            print(f"warm-up (creates the CA): CA open after {warm.get('ca-open', NAN):.3f} s")
            bare_t, paint_t, login_t, open_t, bare_cpu, paint_cpu = [], [], [], [], [], []
            login_cpu: list[float] = []
            for run in range(args.runs):
                # Bare first on even runs, the client first on odd ones (ABBA).
                for which in ("bare", "client") if run % 2 == 0 else ("client", "bare"):
                    if which == "bare":
                        marks = probe(bare, env)
                        bare_t.append(marks["first-paint"])
                        bare_cpu.append(marks["first-paint-cpu"])
                        continue
                    marks = probe(client, env)
                    paint_t.append(marks["first-paint"])
                    paint_cpu.append(marks["first-paint-cpu"])
                    if "interactive" not in marks:
                        raise RuntimeError(f"the login page was not interactive: {marks}")
                    login_t.append(marks["interactive"])
                    login_cpu.append(marks["interactive-cpu"])
                    if "ca-open" in marks:
                        open_t.append(marks["ca-open"])
        finally:
            if keyring is not None:
                keyring.close()

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:.0f} ms"

    b, p = statistics.median(bare_t), statistics.median(paint_t)
    print(
        f"runs: {args.runs} each, QT_QPA_PLATFORM={args.platform}, Python {sys.version.split()[0]}"
    )
    print(
        f"bare PySide6 window, first paint:  median {ms(bare_t)}  (all: "
        + ", ".join(f"{v * 1000:.0f}" for v in bare_t)
        + ")"
    )
    print(
        f"mobileca, first paint:             median {ms(paint_t)}  (all: "
        + ", ".join(f"{v * 1000:.0f}" for v in paint_t)
        + ")"
    )
    print(
        f"mobileca, interactive login page: median {ms(login_t)}  (all: "
        + ", ".join(f"{v * 1000:.0f}" for v in login_t)
        + ")"
    )
    if open_t:
        print(f"mobileca, CA open behind it:       median {ms(open_t)}")
    print(
        f"CPU time to first paint (this process): bare {ms(bare_cpu)}, mobileca {ms(paint_cpu)}"
        f" (ratio {statistics.median(paint_cpu) / statistics.median(bare_cpu):.2f})"
    )
    print(
        f"CPU time to the interactive login page (all threads): mobileca {ms(login_cpu)}"
        f" (ratio to the bare window's first paint "
        f"{statistics.median(login_cpu) / statistics.median(bare_cpu):.2f})"
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average (1 min) at the end: {load:.1f} on {os.cpu_count()} CPUs")
    paired = statistics.median(c / r for c, r in zip(paint_t, bare_t, strict=True))
    print(f"median of the per-run ratios (client / bare of the same run): {paired:.2f}")
    ratio = p / b
    print(f"ratio first paint / bare: {ratio:.2f} (target <= 1.30)")
    paired_login = statistics.median(c / r for c, r in zip(login_t, bare_t, strict=True))
    login_ratio = statistics.median(login_t) / b
    print(
        f"ratio interactive login page / bare: {login_ratio:.2f} (per-run {paired_login:.2f};"
        " target <= 2.00)"
    )
    return 0 if ratio <= 1.3 and login_ratio <= 2.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())

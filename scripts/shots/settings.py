"""Screenshots of `mobileca demo` (the legal person's and the agent's windows side by side)
and of 设置 (the settings page: as opened, its lower half, and invalid values explained next
to their fields).

``render(out_dir, lang)`` starts the real demo in a throw-away folder (no browser), drives
its windows and returns the PNGs it wrote (``demo-windows.png``, ``settings-*.png``;
``*-en.png`` for English).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QThread  # noqa: E402
from PySide6.QtGui import QColor, QPainter, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from mobileca_desktop.app import application  # noqa: E402
from mobileca_desktop.ca.engine import EngineConfig  # noqa: E402
from mobileca_desktop.ca.identity import CHEAP_PASSWORDS  # noqa: E402
from mobileca_desktop.config import Settings  # noqa: E402
from mobileca_desktop.demo import DemoOptions, start_demo  # noqa: E402
from mobileca_desktop.views import i18n  # noqa: E402
from mobileca_desktop.views.background import BackgroundOp  # noqa: E402


def settle(app: QApplication, rounds: int = 12, until=None) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (
        not BackgroundOp.idle() or (until is not None and not until())
    ):
        app.processEvents()
        QThread.msleep(10)
    for _ in range(rounds):
        app.processEvents()
        QThread.msleep(5)


def side_by_side(left: QPixmap, right: QPixmap, gap: int = 24) -> QPixmap:
    ratio = left.devicePixelRatio()
    w = int((left.width() + right.width()) / ratio) + gap * 3
    h = int(max(left.height(), right.height()) / ratio) + gap * 2
    out = QPixmap(int(w * ratio), int(h * ratio))
    out.setDevicePixelRatio(ratio)
    out.fill(QColor("#D9DEE7"))
    p = QPainter(out)
    p.drawPixmap(gap, gap, left)
    p.drawPixmap(gap * 2 + int(left.width() / ratio), gap, right)
    p.end()
    return out


def render(out_dir: Path, lang: str) -> list[Path]:
    app = application([sys.argv[0]])
    lang = i18n.install(app, lang)
    suffix = "" if lang == i18n.ZH else "-en"
    out_dir.mkdir(parents=True, exist_ok=True)
    taken: list[Path] = []

    def save(pix: QPixmap, name: str) -> None:
        path = out_dir / f"{name}{suffix}.png"
        pix.save(str(path))
        taken.append(path)

    with tempfile.TemporaryDirectory() as folder:
        options = DemoOptions(
            data_dir=Path(folder) / "demo",
            open_browser=False,
            engine_config=EngineConfig(
                passwords=CHEAP_PASSWORDS, kmc_pool_target=2, kmc_background=False
            ),
        )
        ready = []
        demo = start_demo(Settings(lang=lang, data_dir=Path(folder)), options)
        demo.all_ready.connect(lambda: ready.append(True))
        try:
            settle(app, until=lambda: bool(ready))
            assert ready, "the demo's windows did not reach the login page"
            legal, agent = demo.legal.window, demo.agent.window
            for w in (legal, agent):
                w.toast.hide()
            settle(app)
            save(side_by_side(legal.grab(), agent.grab()), "demo-windows")

            legal.open_settings()
            settle(app)
            page = legal.current()
            save(legal.grab(), "settings")
            page.scroll.verticalScrollBar().setValue(page.scroll.verticalScrollBar().maximum())
            settle(app)
            save(legal.grab(), "settings-lower")

            page.ca_remote.setChecked(True)
            page.ca_url.set_value("http://ca.example.org")
            page.ca_pin.set_value("12:34:AB")
            page.device.set_value("法人 电脑")
            page.save()
            settle(app)
            page.scroll.verticalScrollBar().setValue(0)
            settle(app)
            save(legal.grab(), "settings-errors")
        finally:
            demo.close()
            settle(app)
    return taken


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    for language in ("zh_CN", "en"):
        for shot in render(out, language):
            print(shot)

"""Screenshots of `mobileca demo` (the legal person's and the agent's windows side by side)
and of 设置 (the settings page: as opened, its lower half, and invalid values explained next
to their fields).

``render(out_dir, lang)`` starts the real demo in a throw-away folder (no browser), drives
its windows and returns the PNGs it wrote (``demo-windows.png``, ``settings-*.png``;
``*-en.png`` for English).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _support
from PySide6.QtWidgets import QApplication

from mobileca_desktop.app import application
from mobileca_desktop.config import Settings
from mobileca_desktop.demo import DemoOptions, start_demo
from mobileca_desktop.views import i18n

ROOT = _support.ROOT


def settle(app: QApplication, rounds: int = 12, until=None) -> None:
    _support.settle(app, rounds, until, timeout=60, and_idle=True)


def render(out_dir: Path, lang: str) -> list[Path]:
    app = application([sys.argv[0]])
    lang = i18n.install(app, lang)
    save = _support.Saver(out_dir, "{name}" + _support.suffix(lang))

    with tempfile.TemporaryDirectory() as folder:
        options = DemoOptions(
            data_dir=Path(folder) / "demo",
            open_browser=False,
            engine_config=_support.cheap_engine(),
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
            save(_support.side_by_side(legal.grab(), agent.grab(), "#D9DEE7"), "demo-windows")

            legal.open_settings()
            settle(app)
            page = legal.current()
            save(legal.grab(), "settings")
            page.scroll_area.verticalScrollBar().setValue(
                page.scroll_area.verticalScrollBar().maximum()
            )
            settle(app)
            save(legal.grab(), "settings-lower")

            page.ca_remote.setChecked(True)
            page.ca_url.set_value("http://ca.example.org")
            page.ca_pin.set_value("12:34:AB")
            page.device.set_value("法人 电脑")
            page.save()
            settle(app)
            page.scroll_area.verticalScrollBar().setValue(0)
            settle(app)
            save(legal.grab(), "settings-errors")
        finally:
            demo.close()
            settle(app)
    return save.taken


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    for language in ("zh_CN", "en"):
        for shot in render(out, language):
            print(shot)

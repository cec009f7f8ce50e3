"""屏幕区域 on a real X server: a window shows a QR code on an Xvfb screen, the user drags a
rectangle around it in the region picker, the region is grabbed with Qt's screen grab
(xcb platform) and decoded; an empty (black) part of the screen is said to be black.

The Qt part runs in a subprocess (QT_QPA_PLATFORM=xcb, DISPLAY of the Xvfb started here),
because the test session's own QApplication is on the offscreen platform."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers_display import xvfb_display

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import io, json, sys
import segno
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel

from mobileca_desktop.services.qr import ScanPipeline
from mobileca_desktop.views.scan.screen_source import (
    RegionPicker, ScreenGrabBlank, ScreenGrabber, grab_screen, is_blank, remember_region,
    remembered_region,
)
from mobileca_desktop.views.camera_view import frame_from_qimage

text = sys.argv[1]
app = QApplication([])
screen = QGuiApplication.primaryScreen()
out = {"platform": QGuiApplication.platformName(), "screen": screen.geometry().getRect()}

# The platform's page: a window with the QR code, somewhere on the screen.
buf = io.BytesIO()
segno.make(text, error="m").save(buf, kind="png", scale=6, border=4)
pix = QPixmap()
assert pix.loadFromData(buf.getvalue())
page = QLabel()
page.setWindowFlags(Qt.WindowType.FramelessWindowHint)
page.setPixmap(pix)
page.setStyleSheet("background: white;")
page.setGeometry(520, 260, pix.width() + 40, pix.height() + 40)
page.setAlignment(Qt.AlignmentFlag.AlignCenter)
page.show()
QTest.qWaitForWindowExposed(page)
for _ in range(20):
    app.processEvents()
    QTest.qWait(25)
geo = page.frameGeometry()
out["window"] = geo.getRect()

# One drag in the region picker around the window (with a margin), as a user would.
shot = grab_screen(screen)
out["shot_blank"] = is_blank(frame_from_qimage(shot.toImage()))
picker = RegionPicker(shot, screen)
picked = []
picker.picked.connect(picked.append)
picker.show()
QTest.qWaitForWindowExposed(picker)
start = QPoint(geo.left() - 30, geo.top() - 30)
end = QPoint(geo.right() + 30, geo.bottom() + 30)
QTest.mousePress(picker, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
QTest.mouseMove(picker, QPoint((start.x() + end.x()) // 2, (start.y() + end.y()) // 2))
QTest.mouseMove(picker, end)
QTest.mouseRelease(picker, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
for _ in range(10):
    app.processEvents()
out["picked"] = picked[0] if picked else None
remember_region(picked[0] if picked else None, screen)
out["remembered"] = remembered_region(screen)[1]

# Grab the remembered region (the picker is closed) and decode it.
QTest.qWait(100)
frame = frame_from_qimage(ScreenGrabber(remembered_region(screen)[1], "blank", screen)())
out["frame"] = list(frame.shape)
out["codes"] = [c.text for c in ScanPipeline().decode(frame)]

# A part of the screen with nothing on it: Xvfb's root window is black.
try:
    ScreenGrabber((0.0, 0.0, 0.2, 0.2), "the grab is black", screen)()
    out["blank"] = None
except ScreenGrabBlank as exc:
    out["blank"] = exc.user_text
print(json.dumps(out))
"""


@pytest.fixture
def xvfb():
    """An Xvfb server on a display it picks itself (-displayfd); its DISPLAY."""
    yield from run_xvfb("1280x800x24")


@pytest.fixture
def xvfb_two_screens():
    """An Xvfb server with two screens of different sizes (Qt sees two QScreens)."""
    yield from run_xvfb("1600x900x24", "1280x800x24")


def run_xvfb(*screens: str):
    with xvfb_display(*screens) as display:
        yield display


def test_grab_a_screen_region_and_decode_it(xvfb, tmp_path):
    text = "MCA1.screen-grab-test"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "xcb",
        "DISPLAY": xvfb,
        "PYTHONPATH": str(ROOT),
        "HOME": str(tmp_path),
    }
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("XDG_SESSION_TYPE", None)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, text],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["platform"] == "xcb"
    assert out["shot_blank"] is False  # the window is on the grab
    x, y, w, h = out["picked"]
    sw, sh = out["screen"][2], out["screen"][3]
    wx, wy, ww, wh = out["window"]
    # The picked region is the dragged rectangle, as fractions of the screen.
    assert abs(x * sw - (wx - 30)) <= 2 and abs(y * sh - (wy - 30)) <= 2
    assert abs(w * sw - (ww + 59)) <= 3 and abs(h * sh - (wh + 59)) <= 3
    assert out["remembered"] == out["picked"]
    assert out["frame"][:2] == [round(h * sh), round(w * sw)]
    assert out["codes"] == [text]
    assert out["blank"] == "the grab is black"


WHOLE_CHILD = r"""
import io, json, sys, time
from types import SimpleNamespace
import segno
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from mobileca_desktop.views.scan.scan_page import SCREEN, ScanPage
from mobileca_desktop.views.scan.screen_source import remembered_region, remembered_screen
from mobileca_desktop.views.watchdog import GuiWatchdog

text = sys.argv[1]
app = QApplication([])
screens = QGuiApplication.screens()
target = screens[-1]
out = {"screens": [[s.name(), *s.geometry().getRect(), s.devicePixelRatio()] for s in screens]}

# The platform's page on the last screen, its code in the bottom-right corner (2-pixel
# modules in logical pixels).
qr = segno.make(text, error="m", micro=False)
buf = io.BytesIO()
qr.save(buf, kind="png", scale=2, border=2)
pix = QPixmap(); assert pix.loadFromData(buf.getvalue())
code = QLabel()
code.setWindowFlags(Qt.WindowType.FramelessWindowHint)
code.setPixmap(pix)
code.setScreen(target)
g = target.geometry()
w, h = pix.width(), pix.height()
code.setGeometry(g.right() + 1 - w, g.bottom() + 1 - h, w, h)
code.show()
QTest.qWaitForWindowExposed(code)
out["code_window"] = [code.screen().name(), *code.geometry().getRect()]

# 扫一扫 on the primary screen, 屏幕区域 → 整个屏幕.
page = ScanPage(SimpleNamespace(ctx=None, session=None))
first = screens[0].geometry()
page.resize(min(420, first.width() // 2), min(560, first.height() - 20))
page.move(screens[0].geometry().topLeft())
page.show()
QTest.qWaitForWindowExposed(page)
stalls = []
dog = GuiWatchdog(threshold_ms=50)
dog.stalled.connect(stalls.append)
dog.start()
results = []


def wait_for(cond, ms):
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        if cond():
            return True
        app.processEvents()
        QTest.qWait(20)
    return cond()


page.view.analysed.connect(results.append)
page.tabs.setCurrentIndex(SCREEN)
button = page.findChild(QPushButton, "wholeScreenButton")
t0 = time.monotonic()
QTest.mouseClick(button, Qt.MouseButton.LeftButton)
ok = wait_for(lambda: any(r[1] == text for r in results), 60000)
out["whole_accepted_s"] = round(time.monotonic() - t0, 2) if ok else None
shot = page.view.snapshot()
out["frame"] = list(shot.shape) if shot is not None else None
out["whole_status"] = page.status.text()
chosen, region = remembered_region()
out["remembered_whole"] = [chosen, region, remembered_screen() is None]
dog.stop()
out["stalls_ms"] = stalls

# 框选区域: a picker on every screen; drag around the code on the last one.
page.busy = False
page.handled = None
results.clear()
page.pick_region()
pickers = page.pickers
out["pickers"] = [p.picked_screen.name() for p in pickers]
picker = pickers[-1]
QTest.qWaitForWindowExposed(picker)
local = picker.mapFromGlobal(code.geometry().topLeft())
start = local - QPoint(20, 20)
end = local + QPoint(code.width() + 20, code.height() + 20)
end = QPoint(min(end.x(), picker.width() - 1), min(end.y(), picker.height() - 1))
QTest.mousePress(picker, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
QTest.mouseMove(picker, end)
QTest.mouseRelease(picker, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
t0 = time.monotonic()
ok = wait_for(lambda: any(r[1] == text for r in results), 60000)
out["region_accepted_s"] = round(time.monotonic() - t0, 2) if ok else None
out["region"] = remembered_region()[1]
out["region_screen"] = remembered_screen().name() if remembered_screen() else None
shot = page.view.snapshot()
out["region_frame"] = list(shot.shape) if shot is not None else page.view.message()
page.view.stop()
from mobileca_desktop.views import camera_view
camera_view.stop_all(5000)
print(json.dumps(out))
"""


@pytest.mark.parametrize("scale", ["1", "2"])  # Qt's device pixel ratio (HiDPI at 2)
def test_whole_screen_and_region_find_the_code_in_a_corner_of_the_second_screen(
    xvfb_two_screens, tmp_path, scale
):
    """扫一扫 → 屏幕区域 through the real page, on an X display with two screens: the
    platform's code (2-pixel modules) sits in the bottom-right corner of the second screen.
    整个屏幕 grabs both screens side by side in device pixels and accepts the code; 框选区域
    shows a picker on each screen, a drag on the second one is remembered with that screen
    and its region is read. At a device pixel ratio of 2 the frames have twice the pixels."""
    rng = __import__("random").Random(7)
    text = "MCA1." + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
                             for _ in range(180))  # fmt: skip
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "xcb",
        "QT_SCALE_FACTOR": scale,
        "DISPLAY": xvfb_two_screens,
        "PYTHONPATH": str(ROOT),
        "HOME": str(tmp_path),
    }
    for name in ("WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "QT_SCREEN_SCALE_FACTORS"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-c", WHOLE_CHILD, text],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    ratio = float(scale)
    assert len(out["screens"]) == 2 and {s[5] for s in out["screens"]} == {ratio}
    second = out["screens"][1]
    # The code's window is in the bottom-right corner of the second screen.
    _name, x, y, w, h = out["code_window"]
    assert (x + w, y + h) == (second[1] + second[3], second[2] + second[4])
    # 整个屏幕: both screens side by side, in device pixels; the code is accepted.
    assert out["whole_accepted_s"] is not None, out
    assert out["frame"] == [900, 1600 + 1280, 3]
    assert out["remembered_whole"] == [True, None, True]
    # 框选区域: a picker on each screen; the region drawn on the second one is read there.
    assert len(out["pickers"]) == 2
    assert out["region_accepted_s"] is not None, out
    rx, ry, rw, rh = out["region"]
    assert rx + rw == pytest.approx(1, abs=0.01) and ry + rh == pytest.approx(1, abs=0.01)
    assert out["region_frame"][:2] == [round(rh * second[4] * ratio), round(rw * second[3] * ratio)]


PORTAL_CHILD = r"""
import sys, threading
from jeepney import DBusAddress, HeaderFields, MessageType, new_method_return, new_signal
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from mobileca_desktop.services.qr import ScanPipeline
from mobileca_desktop.views.camera_view import frame_from_qimage
from mobileca_desktop.views.scan.portal import PortalScreenshot, portal_available

uri, code = sys.argv[1], int(sys.argv[2])
asked = []


def portal(conn):
    # A desktop portal's Screenshot: answer with the request path, then its Response.
    while True:
        msg = conn.receive()
        h = msg.header
        if h.message_type != MessageType.method_call:
            continue
        if h.fields.get(HeaderFields.member) != "Screenshot":
            continue
        _parent, options = msg.body
        asked.append(options["interactive"][1])
        sender = h.fields[HeaderFields.sender][1:].replace(".", "_")
        path = f"/org/freedesktop/portal/desktop/request/{sender}/{options['handle_token'][1]}"
        conn.send(new_method_return(msg, "o", (path,)))
        request = DBusAddress(path, interface="org.freedesktop.portal.Request")
        conn.send(new_signal(request, "Response", "ua{sv}", (code, {"uri": ("s", uri)})))


conn = open_dbus_connection(bus="SESSION")
conn.send_and_get_reply(message_bus.RequestName("org.freedesktop.portal.Desktop"))
threading.Thread(target=portal, args=(conn,), daemon=True).start()

app = QApplication([])
out = {"available": portal_available()}
shot = PortalScreenshot()
shot.taken.connect(lambda image: (out.update(codes=[
    c.text for c in ScanPipeline().decode(frame_from_qimage(image))]), app.quit()))
shot.failed.connect(lambda reason: (out.update(failed=reason), app.quit()))
out["requested"] = shot.request()
QTimer.singleShot(20000, app.quit)
app.exec()
out["interactive"] = asked
print(__import__("json").dumps(out))
"""


@pytest.mark.parametrize("answer", [0, 1])
def test_screenshot_through_the_desktop_portal(tmp_path, answer):
    """Wayland: the desktop portal's Screenshot (a portal on a private session bus here)
    hands over a file with the screen; the code in it is decoded. A cancelled request
    (response 1) is said as such."""
    if shutil.which("dbus-run-session") is None:
        if os.environ.get("CI"):
            pytest.fail("dbus-run-session is not installed (apt-get install dbus)")
        pytest.skip("dbus-run-session is not installed")
    segno = pytest.importorskip("segno")
    pytest.importorskip("jeepney")
    text = "MCA1.portal-screenshot"
    shot = tmp_path / "screen shot.png"
    segno.make(text, error="m").save(str(shot), scale=8, border=4)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    done = subprocess.run(
        ["dbus-run-session", "--", sys.executable, "-c", PORTAL_CHILD, shot.as_uri(), str(answer)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["available"] is True and out["requested"] is True
    assert out["interactive"] == [False]
    if answer == 0:
        assert out["codes"] == [text]
    else:
        assert out["failed"] == "cancelled" and "codes" not in out

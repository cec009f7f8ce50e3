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
frame = ScreenGrabber(remembered_region(screen)[1], "blank", screen)()
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
    if shutil.which("Xvfb") is None:
        if os.environ.get("CI"):
            pytest.fail("Xvfb is not installed (apt-get install xvfb)")
        pytest.skip("Xvfb is not installed")
    read, write = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        assert number.isdigit(), "Xvfb did not start"
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(10)


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

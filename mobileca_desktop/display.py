"""Is there a screen to show the windows on? Asked before Qt starts, without Qt.

On Linux, a ``QApplication`` with no usable display does not raise: Qt prints a hint about
``xcb-cursor0`` (whatever the cause) and aborts the process. ``mobileca`` and
``mobileca demo`` ask :func:`display_problem` first and print its one line instead;
``mobileca doctor`` reports it too. Only what can be checked cheaply and surely is: the
environment, a connection to the X or Wayland socket, and the one library the xcb plugin
loads that a desktop may lack. Anything else (an X server on another host, other systems)
is left to Qt. Qt-free (``.importlinter``).
"""

from __future__ import annotations

import ctypes
import os
import re
import socket
import sys
from collections.abc import Mapping

from mobileca_desktop.domain.errors import NoDisplay

WHAT_TO_DO = (
    "run it in a desktop session, or on a virtual screen: xvfb-run -a {program} "
    "(QT_QPA_PLATFORM=offscreen is for tests: it shows nothing)"
)

# ":0", ":0.0", "unix:0": the local X server's socket; a host name means TCP (not checked).
_LOCAL_X = re.compile(r"^(?:unix)?:(\d+)(?:\.\d+)?$")


def _connects(path: str) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        try:
            sock.connect(path)
        except OSError:
            return False
    return True


def x_server_answers(display: str) -> bool | None:
    """Whether the local X server of ``display`` accepts a connection (on its socket file or
    its abstract socket, as libxcb tries them); None when ``display`` is not a local one."""
    match = _LOCAL_X.match(display)
    if match is None:
        return None
    path = f"/tmp/.X11-unix/X{match.group(1)}"
    return _connects(path) or _connects("\0" + path)


def wayland_answers(env: Mapping[str, str]) -> bool:
    name = env.get("WAYLAND_DISPLAY", "")
    if not name:
        return False
    path = name if name.startswith("/") else os.path.join(env.get("XDG_RUNTIME_DIR", ""), name)
    return _connects(path)


def _xcb_cursor_missing() -> bool:
    try:
        ctypes.CDLL("libxcb-cursor.so.0")
    except OSError:
        return True
    return False


def display_problem(
    env: Mapping[str, str] | None = None,
    platform: str = sys.platform,
    program: str = "mobileca",
) -> NoDisplay | None:
    """Why no window can be shown here, or None when one can (or it cannot be told without
    Qt). Only Linux and the BSDs are judged; ``QT_QPA_PLATFORM``, when set, is a choice made
    on purpose (offscreen for tests, xcb or wayland) and left to Qt."""
    env = os.environ if env is None else env
    what_to_do = WHAT_TO_DO.format(program=program)
    if not platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return None
    if env.get("QT_QPA_PLATFORM"):
        return None
    if wayland_answers(env):
        return None
    display = env.get("DISPLAY", "")
    wayland = env.get("WAYLAND_DISPLAY", "")
    if not display:
        if wayland:
            reason = f"WAYLAND_DISPLAY={wayland} is set, but no Wayland compositor answers there"
        else:
            reason = "neither DISPLAY nor WAYLAND_DISPLAY is set"
        return NoDisplay(reason=reason, fix=what_to_do)
    answers = x_server_answers(display)
    if answers is False:
        return NoDisplay(reason=f"no X server answers on DISPLAY={display}", fix=what_to_do)
    if _xcb_cursor_missing():
        return NoDisplay(
            reason="Qt's X11 (xcb) plugin needs the library libxcb-cursor.so.0, which is missing",
            fix="install it: sudo apt-get install libxcb-cursor0 (scripts/bootstrap.sh app does)",
        )
    return None

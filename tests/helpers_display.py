"""A real Xvfb X server for tests that need a display (its DISPLAY), and an environment
with no display at all."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest

NO_DISPLAY_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")


def env_without_display(**extra: str) -> dict[str, str]:
    """This environment without DISPLAY, WAYLAND_DISPLAY and QT_QPA_PLATFORM."""
    env = {k: v for k, v in os.environ.items() if k not in NO_DISPLAY_VARIABLES}
    env.update(extra)
    return env


@contextlib.contextmanager
def xvfb_display(*screens: str) -> Iterator[str]:
    """An Xvfb server on a display it picks itself (-displayfd), with one screen per size
    given (default one 1024x768); yields its DISPLAY. Missing Xvfb fails on CI."""
    if shutil.which("Xvfb") is None:
        if os.environ.get("CI"):
            pytest.fail("Xvfb is not installed (apt-get install xvfb)")
        pytest.skip("Xvfb is not installed")
    read, write = os.pipe()
    layout = [
        arg
        for i, size in enumerate(screens or ("1024x768x24",))
        for arg in ("-screen", str(i), size)
    ]
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), *layout, "-nolisten", "tcp"],
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
        proc.wait(10)

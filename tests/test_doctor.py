"""``mobileca doctor``: every check's failure path prints a fix, and a failed required check
makes the exit status non-zero."""

from __future__ import annotations

import io
import os
import socket
import sys

import keyring
import pytest
from helpers_display import env_without_display, xvfb_display
from keyring.backends import fail
from test_app import LockedKeyring

from mobileca_desktop import doctor
from mobileca_desktop.ca.engine import CAEngine
from mobileca_desktop.config import Settings


def test_qt_plugin_that_does_not_load_fails_with_a_fix():
    env = {**os.environ, "QT_QPA_PLATFORM": "no-such-platform"}
    check = doctor.qt_check(env=env)
    assert not check.ok and check.required
    assert "no-such-platform" in check.detail or "platform plugin" in check.detail
    assert "libxcb-cursor0" in check.fix and "offscreen" in check.fix


def test_qt_plugin_loads():
    check = doctor.qt_check(env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert check.ok and check.detail == "platform plugin offscreen"


def test_no_cjk_font_fails(tmp_path):
    fake = tmp_path / "fc-list"
    fake.write_text("#!/bin/sh\nexit 0\n")  # fontconfig that knows no Chinese font
    fake.chmod(0o755)
    check = doctor.font_check(str(fake), env={})
    assert not check.ok and "fonts-wqy-microhei" in check.fix
    missing = doctor.font_check(str(tmp_path / "nothing-here"), env={})
    if sys.platform.startswith("linux"):
        assert not missing.ok and "fc-list" in missing.detail
    named = doctor.font_check(env={"MOBILECA_CJK_FONT": str(tmp_path / "no.ttf")})
    assert not named.ok and "no such file" in named.detail


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fontconfig")
def test_the_cjk_font_is_found_here():
    check = doctor.font_check(env={})
    assert check.ok, check.detail


def test_keyring_failures(memory_keyring):
    none = doctor.keyring_check(env={}, backend=fail.Keyring())
    assert not none.ok and none.required and "gnome-keyring-daemon --unlock" in none.fix
    locked = doctor.keyring_check(env={}, backend=LockedKeyring())
    assert not locked.ok and "locked" in locked.detail and "unlock" in locked.fix
    insecure = doctor.keyring_check(env={"MOBILECA_INSECURE_FILE_KEYRING": "1"})
    assert not insecure.ok and not insecure.required and "INSECURE" in insecure.detail
    good = doctor.keyring_check(env={})
    assert good.ok and "unlocked" in good.detail


def test_no_camera_is_a_warning_not_a_failure():
    none = doctor.camera_check(lambda: [])
    assert not none.ok and not none.required and "image files" in none.detail

    def broken():
        raise RuntimeError("driver says no")

    failed = doctor.camera_check(broken)
    assert not failed.ok and not failed.required and "driver says no" in failed.detail
    assert doctor.camera_check(lambda: ["/dev/video0"]).ok


def test_no_qr_decoder_fails():
    check = doctor.decoder_check(lambda: [])
    assert not check.ok and check.required and "zxing-cpp" in check.fix
    assert doctor.decoder_check(lambda: ["zxing"]).ok


def test_two_opencv_wheels_fail_with_a_fix():
    both = doctor.opencv_check(
        lambda: ["opencv-python-headless 4.14.0.94", "opencv-contrib-python-headless 4.14.0.94"]
    )
    assert not both.ok and both.required and "both installed" in both.detail
    assert "pip uninstall" in both.fix and "opencv-contrib-python-headless>=4.10,<5" in both.fix
    plain = doctor.opencv_check(lambda: ["opencv-python-headless 4.14.0.94"])
    assert not plain.ok and not plain.required and "WeChat" in plain.detail
    assert not doctor.opencv_check(lambda: []).ok
    assert doctor.opencv_check(lambda: ["opencv-contrib-python-headless 4.14.0.94"]).ok


def test_opencv_here_is_one_contrib_wheel():
    check = doctor.opencv_check()
    assert check.ok, check.detail


def test_wechat_fallback_says_whether_it_is_active():
    def missing():
        raise FileNotFoundError("the WeChat QR model files are missing: /x/detect.prototxt")

    off = doctor.wechat_check(missing)
    assert not off.ok and not off.required and "zxing-cpp decodes alone" in off.detail
    assert "qr_models" in off.fix and "missing" in off.detail
    from mobileca_desktop.services.qr import available_decoders

    here = doctor.wechat_check()
    assert here.ok == ("wechat" in available_decoders())
    if here.ok:
        assert "active (models in " in here.detail


def test_data_folder_that_is_a_file_fails(tmp_path):
    # As root a read-only folder is still writable: a path that is a file is not.
    blocker = tmp_path / "file"
    blocker.write_text("x")
    check = doctor.folder_check(Settings(data_dir=blocker))
    assert not check.ok and str(blocker) in check.detail and "--data-dir" in check.fix
    assert doctor.folder_check(Settings(data_dir=tmp_path / "fine")).ok


def test_local_ca_failures(tmp_path, memory_keyring, engine_config):
    blocker = tmp_path / "data"
    blocker.mkdir()
    (blocker / "ca").write_text("not a folder")
    check = doctor.ca_check(Settings(data_dir=blocker))
    assert not check.ok and "is a file" in check.detail

    made = tmp_path / "made"
    CAEngine.open(made / "ca", config=engine_config).close()
    assert doctor.ca_check(Settings(data_dir=made)).ok
    # The same folder for another user: its secret is not in this keyring.
    memory_keyring.entries.clear()
    other = doctor.ca_check(Settings(data_dir=made))
    assert not other.ok and "does not open" in other.detail and "--data-dir" in other.fix
    fresh = doctor.ca_check(Settings(data_dir=tmp_path / "new"))
    assert fresh.ok and "created at first start" in fresh.detail


def test_remote_ca_that_does_not_answer_fails():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    check = doctor.ca_check(Settings(ca=f"http://127.0.0.1:{port}"), timeout=2)
    assert not check.ok and "mobileca-ca serve" in check.fix


def test_remote_ca_that_answers(services, tmp_path):
    from mobileca_desktop.server.app import ServerConfig, create_app
    from mobileca_desktop.server.run import ThreadedServer

    with ThreadedServer(create_app(services.engine, ServerConfig())) as server:
        check = doctor.ca_check(Settings(ca=server.url))
    assert check.ok and "CA institutions" in check.detail


def test_exit_status_follows_required_checks():
    out = io.StringIO()
    checks = [
        doctor.Check("a", True, "fine"),
        doctor.Check("cam", False, "none", "plug one in", required=False),
    ]
    assert doctor.report(checks, out) == 0
    assert "[warn] cam" in out.getvalue() and "fix: plug one in" in out.getvalue()
    out = io.StringIO()
    assert doctor.report([*checks, doctor.Check("CA", False, "down", "start it")], out) == 1
    assert "[FAIL] CA" in out.getvalue() and "1 required check(s) failed: CA" in out.getvalue()


def test_doctor_command_without_a_keyring_fails(tmp_path, capsys):
    from mobileca_desktop.cli import main

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        code = main(["--data-dir", str(tmp_path), "doctor"])
    finally:
        keyring.set_keyring(previous)
    out = capsys.readouterr().out
    assert code == 1 and "[FAIL] OS keyring" in out and "fix:" in out


def test_qt_check_with_no_display_fails_without_starting_qt(tmp_path):
    """The doctor asks what the app asks before Qt starts: with no display it cannot say ok
    (it used to probe offscreen, which always loads)."""
    missing = tmp_path / "no-python"  # the Qt probe must not even be started
    check = doctor.qt_check(python=str(missing), env=env_without_display(), platform="linux")
    assert not check.ok and check.required
    assert "DISPLAY" in check.detail and "xvfb-run" in check.fix


def test_qt_check_probes_the_platform_the_app_will_use():
    """On a real X server with QT_QPA_PLATFORM unset, the probe loads xcb, as the app would."""
    with xvfb_display() as display:
        check = doctor.qt_check(env=env_without_display(DISPLAY=display))
    assert check.ok, check
    assert check.detail == "platform plugin xcb"

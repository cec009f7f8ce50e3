"""The ``mobileca`` command as far as it is built: doctor, and honest messages for the rest."""

from __future__ import annotations

import subprocess
import sys

import pytest
from helpers_display import env_without_display, xvfb_display

from mobileca_desktop.cli import NO_DISPLAY, main


def test_doctor_reports_a_folder_that_is_a_file(tmp_path, capsys, memory_keyring):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")  # as root a read-only folder is still writable; a file is not
    assert main(["doctor", "--data-dir", str(blocker)]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] data folder" in out and "fix:" in out
    assert "[ok  ] OS keyring" in out  # the in-memory backend counts as a real keyring


def test_doctor_all_good(tmp_path, capsys, memory_keyring):
    code = main(["--data-dir", str(tmp_path), "doctor"])
    out = capsys.readouterr().out
    assert "[ok  ] data folder" in out and "[ok  ] CJK font" in out
    assert code == (0 if "FAIL" not in out else 1)


def test_demo_runs_the_demo_with_its_flags(monkeypatch, tmp_path):
    from mobileca_desktop import demo

    seen = []
    monkeypatch.setattr(demo, "run_demo", lambda settings, options: seen.append(options) or 0)
    assert main(["demo", "--no-browser", "--quit-after-ready", "--data-dir", str(tmp_path)]) == 0
    assert seen[0].data_dir == tmp_path and not seen[0].open_browser
    assert seen[0].quit_after_ready


def test_no_command_starts_the_window(monkeypatch, tmp_path):
    from mobileca_desktop import app

    started = []
    monkeypatch.setattr(app, "run", lambda settings, **kw: started.append(settings) or 0)
    assert main(["--data-dir", str(tmp_path), "--device", "laptop"]) == 0
    assert started[0].device == "laptop" and started[0].ca_data_dir == tmp_path / "ca"


def test_bad_configuration_is_a_typed_error(capsys):
    assert main(["--ca", "ftp://example", "doctor"]) == 2
    assert "configuration_error" in capsys.readouterr().err


def test_python_dash_m_runs():
    out = subprocess.run(
        [sys.executable, "-m", "mobileca_desktop", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0 and "mobileca-desktop" in out.stdout


@pytest.mark.parametrize("command", [[], ["demo", "--no-browser"]])
def test_with_no_display_the_windows_say_so_before_qt_starts(tmp_path, command):
    """No DISPLAY, no WAYLAND_DISPLAY, no QT_QPA_PLATFORM: one line that says so and what to
    do, status 3, and no Qt abort (which blamed xcb-cursor0)."""
    out = subprocess.run(
        [sys.executable, "-m", "mobileca_desktop", "--data-dir", str(tmp_path), *command],
        capture_output=True,
        text=True,
        timeout=60,
        env=env_without_display(),
    )
    assert out.returncode == NO_DISPLAY, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert "[no_display]" in lines[0] and "DISPLAY" in lines[0]
    program = " ".join(["mobileca", *command[:1]])
    assert f"xvfb-run -a {program} " in lines[0] and "desktop session" in lines[0]
    assert "xcb-cursor0" not in out.stderr and not out.stdout
    assert not (tmp_path / "ca").exists()  # nothing was opened


def test_a_display_nobody_answers_on_is_no_display(tmp_path):
    from mobileca_desktop.display import display_problem

    problem = display_problem(env_without_display(DISPLAY=":97"), "linux")
    if problem is None:  # something does listen on :97 here
        pytest.skip("an X server answers on :97")
    assert "no X server answers on DISPLAY=:97" in problem.message
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None  # chosen
    assert display_problem({}, "win32") is None  # Windows always has its desktop
    wayland = display_problem({"WAYLAND_DISPLAY": str(tmp_path / "none")}, "linux")
    assert wayland is not None and "no Wayland compositor answers" in wayland.message


def test_a_real_x_server_is_a_display(tmp_path):
    from mobileca_desktop.display import display_problem

    with xvfb_display() as display:
        assert display_problem(env_without_display(DISPLAY=display), "linux") is None

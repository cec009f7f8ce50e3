"""scripts/bootstrap.sh: "app" installs only what the client and the demo need; "test" adds
the test stack, and a switch from one to the other is noticed (the pip stamp)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "bootstrap.sh"
TEST_ONLY = {"chromium", "postgresql", "xvfb", "poppler-utils", "libnss3-tools", "libzbar0"}

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def packages(mode: str) -> list[str]:
    out = subprocess.run(
        ["bash", str(SCRIPT), "packages", mode], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_the_app_gets_only_the_packages_the_app_needs():
    app, test = packages("app"), packages("test")
    assert not TEST_ONLY & set(app), app
    assert {"libxcb-cursor0", "fonts-wqy-microhei", "gnome-keyring"} <= set(app)
    assert set(app) < set(test) and set(test) >= TEST_ONLY


@pytest.fixture
def project(tmp_path):
    """A copy of the script and pyproject.toml whose .venv's python records each pip command
    in pip.log instead of running it (everything else runs on the real interpreter)."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(SCRIPT, tmp_path / "scripts" / "bootstrap.sh")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    fake = bin_dir / "python"
    # pip and the QR models' download only record (nothing is installed, removed or fetched:
    # `pip show` finds nothing); `pip --version`, the version checks and the hash run for real.
    fake.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = -m ] && [ "$2" = pip ] && [ "$3" != --version ]; then\n'
        f'  echo "$*" >> "{tmp_path}/pip.log"; [ "$3" = show ] && exit 1; exit 0\n'
        "fi\n"
        'if [ "$1" = -m ] && [ "$2" = mobileca_desktop.services.qr_models ]; then exit 0; fi\n'
        f'exec "{sys.executable}" "$@"\n'
    )
    fake.chmod(0o755)
    return tmp_path


def setup(project: Path, mode: str) -> list[str]:
    env = {**os.environ, "MOBILECA_BOOTSTRAP_DRY_RUN": "1"}  # never apt-get here
    out = subprocess.run(
        ["bash", str(project / "scripts" / "bootstrap.sh"), "setup", mode],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    log = project / "pip.log"
    lines = log.read_text().splitlines() if log.exists() else []
    return [line for line in lines if line.startswith("-m pip install ")]


def test_the_pip_stamp_notices_a_switch_from_app_to_test(project):
    assert setup(project, "app") == ["-m pip install --disable-pip-version-check -q -e .[demo]"]
    assert len(setup(project, "app")) == 1  # unchanged: pip is skipped
    calls = setup(project, "test")
    assert len(calls) == 2 and calls[1].endswith("-e .[test,server,demo]")
    assert len(setup(project, "app")) == 2  # the test install covers the app's
    with (project / "pyproject.toml").open("a") as fh:
        fh.write("\n# changed\n")
    calls = setup(project, "app")
    assert len(calls) == 3 and calls[2].endswith("-e .[demo]")

"""The QA kit from outside: the example QA repository (examples/qa, no conftest.py) passes
when run by pytest on its own, and a failing GUI test's report carries the window's
screenshot and the phone inbox. Each run is a pytest of its own in a subprocess, rooted in
its folder, so nothing of this repository's tests/ is loaded."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "qa"


def entry_point_only(folder: Path) -> Path:
    """A distribution that declares nothing but the kit's ``pytest11`` entry point (copied
    from pyproject.toml), for pytest to find as it finds the installed package's: the
    shared environment's install of the package may predate the entry point."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    ((name, target),) = project["entry-points"]["pytest11"].items()
    info = folder / "mobileca_qa_kit_entry_point-0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: mobileca-qa-kit-entry-point\nVersion: 0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(f"[pytest11]\n{name} = {target}\n", encoding="utf-8")
    return folder


def run_pytest(
    folder: Path, *args: str, site: Path, unset: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    """pytest rooted in ``folder``, this checkout's package first on the path, the plugin
    loaded through its entry point as in a QA team's environment; without the environment
    variables ``unset``."""
    path = [str(entry_point_only(site)), str(ROOT), os.environ.get("PYTHONPATH", "")]
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env["PYTHONPATH"] = os.pathsep.join(path)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_the_example_qa_repository_passes_on_its_own(tmp_path):
    assert (
        not (EXAMPLE / "conftest.py").exists() and not (EXAMPLE / "tests" / "conftest.py").exists()
    )
    run = run_pytest(EXAMPLE, "-q", site=tmp_path / "site")
    report = run.stdout + run.stderr
    assert run.returncode == 0, report
    assert "4 passed" in report, report


def test_a_failing_gui_test_reports_the_screenshot_and_the_phone(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "test_fails.py").write_text(
        "def test_wrong_status(mca_client, mca_world):\n"
        "    cid = mca_world.approved_certificate()\n"
        "    client = mca_client('legal-pc')\n"
        "    home = client.login_page().log_in_as_company()\n"
        "    client.window.show_inbox(mca_world.demo.company.legal_person_phone)\n"
        "    assert home.open_certificates().row(certificate_id=cid).status == '已过期'\n",
        encoding="utf-8",
    )
    artifacts = tmp_path / "artifacts"
    options = ("--mobileca-headless", f"--mobileca-artifacts={artifacts}")
    run = run_pytest(tmp_path, "-q", *options, site=tmp_path / "site")
    report = run.stdout + run.stderr
    assert run.returncode == 1, report
    assert "mobileca: screenshots and phone inbox" in report, report
    (shot,) = artifacts.glob("*legal-pc.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 2000
    assert str(shot) in report
    (phone,) = artifacts.glob("*legal-pc-phone.png")  # the phone inbox, open beside it
    assert phone.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and phone.stat().st_size > 2000
    assert str(phone) in report
    assert "手机 13935100001:" in report and "短信验证码" in report  # the signing code


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 / Wayland displays")
def test_without_a_display_nor_headless_the_test_fails_saying_what_to_do(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "test_window.py").write_text(
        "def test_window(mca_client):\n    mca_client('pc').login_page()\n\n"
        "def test_plain():\n    pass\n",
        encoding="utf-8",
    )
    screens = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    run = run_pytest(tmp_path, "-q", site=tmp_path / "site", unset=screens)
    report = run.stdout + run.stderr
    # Not Qt's abort of the whole run: the test errs at setup, the others run, and it says why.
    assert run.returncode == 1 and "1 passed, 1 error" in report, report
    assert "no display to open the client window on" in report, report
    assert "--mobileca-headless" in report and "Fatal Python error" not in report, report


def test_the_plugin_loads_inert_and_can_be_switched_off(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "test_plain.py").write_text(
        "import sys\n"
        "def test_plain(request):\n"
        "    loaded = request.config.pluginmanager.has_plugin('mobileca')\n"
        "    app = ('PySide6', 'mobileca_desktop.')\n"
        "    kit = ('mobileca_desktop.testing',)\n"
        "    bad = sorted(m for m in sys.modules if m.startswith(app) and not m.startswith(kit))\n"
        "    print('LOADED', loaded, 'IMPORTED', bad)\n",
        encoding="utf-8",
    )
    # pytest-qt (off here) imports Qt when it loads; the kit's plugin imports neither Qt nor
    # any module of the application.
    on = run_pytest(tmp_path, "-q", "-s", "-p", "no:pytest-qt", site=tmp_path / "site")
    assert on.returncode == 0, on.stdout + on.stderr
    assert "LOADED True IMPORTED []" in on.stdout, on.stdout
    off = run_pytest(tmp_path, "-q", "-s", "-p", "no:mobileca", site=tmp_path / "site2")
    assert off.returncode == 0, off.stdout + off.stderr
    assert "LOADED False" in off.stdout, off.stdout


def test_the_example_runs_against_a_remote_ca(tmp_path, services):
    """``--mobileca-ca URL``: the same tests against a CA server (here one on loopback over
    this test's engine, seeded as ``mobileca-ca demo-seed`` does), the reviewer acting with
    the operator token; nothing local is made."""
    from mobileca_desktop.cacli.demo import _seed
    from mobileca_desktop.server.app import ServerConfig, create_app
    from mobileca_desktop.server.ratelimit import RateLimits
    from mobileca_desktop.server.run import ThreadedServer

    engine = services.engine
    _seed(engine)
    token = engine.operator_session().token
    config = ServerConfig(demo=True, limits=RateLimits.unlimited(), operator_token=token)
    with ThreadedServer(create_app(engine, config)) as server:
        options = (f"--mobileca-ca={server.url}", f"--mobileca-operator-token={token}")
        tests = ("tests/test_first.py", "tests/test_review.py")
        run = run_pytest(EXAMPLE, "-q", *options, *tests, site=tmp_path / "site")
        # A token the server does not know (here without its "operator:") is said so at once.
        wrong = (f"--mobileca-ca={server.url}", f"--mobileca-operator-token={token[9:]}")
        refused = run_pytest(EXAMPLE, "-q", *wrong, tests[0], site=tmp_path / "site2")
    said = refused.stdout + refused.stderr
    assert refused.returncode == 1 and "refused the operator token" in said, said
    report = run.stdout + run.stderr
    assert run.returncode == 0, report
    assert "3 passed" in report, report
    # The server's own records: the three applications the tests made there.
    from mobileca_desktop.cacli.demo import DEMO_PASSWORD, demo_identities
    from mobileca_desktop.domain.models import AccountKind, AppState

    session = services.ca.login(AccountKind.LEGAL, demo_identities()["uscc"], DEMO_PASSWORD)
    states = sorted(a.state for a in services.ca.list_applications(session))
    assert states == sorted([AppState.ISSUED, AppState.ISSUED, AppState.REJECTED]), states


def test_the_pace_slows_each_step_down_to_be_watched(tmp_path):
    """--mobileca-pace MS: each page-object step (here: type, type, 登录) is followed by a
    pause, so a login takes at least three of them; without it, far less."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "test_paced.py").write_text(
        "import time\n"
        "def test_paced(mca_client):\n"
        "    login = mca_client().login_page()\n"
        "    start = time.monotonic()\n"
        "    login.log_in_as_company()\n"
        "    print('LOGIN TOOK', time.monotonic() - start)\n",
        encoding="utf-8",
    )
    took = {}
    for pace in (0, 900):
        run = run_pytest(
            tmp_path,
            "-q",
            "-s",
            "--mobileca-headless",
            f"--mobileca-pace={pace}",
            site=tmp_path / f"site{pace}",
        )
        assert run.returncode == 0, run.stdout + run.stderr
        took[pace] = float(run.stdout.split("LOGIN TOOK ")[1].split()[0])
    assert took[900] >= 2.4, took  # three pauses of 0.9 s (Qt timers may end a little early)
    assert took[900] - took[0] >= 2.0, took

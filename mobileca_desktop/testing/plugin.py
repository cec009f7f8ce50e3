"""The pytest plugin of the QA kit (entry point ``pytest11``: ``mobileca``).

Every pytest run in an environment with the package installed loads this module, so it
stays inert: it imports nothing of the application and no Qt here (each fixture imports
what it needs when a test uses it), adds three command-line options, and its report hook
does something only for tests that opened a client window. Switch it off with
``-p no:mobileca``. The fixtures are documented in docs/qa-guide.md.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

CLIENTS = pytest.StashKey[list]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mobileca", "mobileca QA kit (mobileca_desktop.testing)")
    group.addoption(
        "--mobileca-pace",
        type=int,
        default=0,
        metavar="MS",
        help="pause MS milliseconds after each page-object step, to watch a visible window",
    )
    group.addoption(
        "--mobileca-headless",
        action="store_true",
        help="run the client windows off screen (sets QT_QPA_PLATFORM=offscreen)",
    )
    group.addoption(
        "--mobileca-ca",
        default=None,
        metavar="URL",
        help="test against this CA server (mobileca-ca serve --demo, after demo-seed) "
        "instead of a throw-away local CA per test",
    )
    group.addoption(
        "--mobileca-operator-token",
        default=os.environ.get("MOBILECA_OPERATOR_TOKEN"),
        metavar="TOKEN",
        help="the remote CA's operator token, for the reviewer fixtures "
        "(default: $MOBILECA_OPERATOR_TOKEN; without it the reviewer logs in as reviewer-bjca)",
    )
    group.addoption(
        "--mobileca-scenarios",
        default=None,
        metavar="DIR",
        help="also run the handbook scenarios (*.toml) of DIR, each as a test",
    )
    group.addoption(
        "--mobileca-portrait",
        default=None,
        metavar="PICTURE",
        help="the face the webcam shows in the scenarios' 刷脸 steps (a photo file)",
    )
    group.addoption(
        "--mobileca-artifacts",
        default=None,
        metavar="DIR",
        help="where failing tests' window screenshots go (default: pytest's temporary folder)",
    )


def pytest_configure(config: pytest.Config) -> None:
    # Before any Qt import (pytest-qt makes the QApplication when a test first needs it).
    if config.getoption("--mobileca-headless", False):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    scenarios = config.getoption("--mobileca-scenarios", None)
    if scenarios:
        folder = Path(scenarios)
        if not folder.is_dir():
            raise pytest.UsageError(f"--mobileca-scenarios: no folder {folder}")
        config.args.append(str(folder))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    folder = parent.config.getoption("--mobileca-scenarios", None)
    if not folder or file_path.suffix != ".toml":
        return None
    if Path(folder).resolve() not in file_path.resolve().parents:
        return None
    return ScenarioFile.from_parent(parent, path=file_path)


class ScenarioFile(pytest.File):
    """A handbook scenario (mobileca_desktop/testing/scenarios.py): one test, played with
    the kit's fixtures."""

    def collect(self) -> Iterator[pytest.Item]:
        from mobileca_desktop.testing import scenarios

        path = self.path
        played = scenarios.load(path)  # a file that cannot be played fails collection

        portrait = self.config.getoption("--mobileca-portrait", None)

        def play(world: Any, open_client: Any, platform: Any, tmp_path: Path) -> None:
            picture = Path(portrait).read_bytes() if portrait else None
            player = scenarios.Player(
                world, open_client, folder=tmp_path, platform=platform, portrait=picture
            )
            player.play(played)

        if played.needs_platform:

            def scenario(mca_client: Any, mca_world: Any, mca_platform: Any, tmp_path: Path):
                play(mca_world, mca_client, mca_platform, tmp_path)

        else:  # runs against a remote CA too

            def scenario(mca_client: Any, mca_world: Any, tmp_path: Path):  # type: ignore[misc]
                play(mca_world, mca_client, None, tmp_path)

        yield ScenarioItem.from_parent(self, name=path.stem, callobj=scenario)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Any:  # type: ignore[override]
        # A file that cannot be played: what ``scenarios.load`` says, not the kit's frames.
        return _trainer_words(self.config, excinfo) or super().repr_failure(excinfo)


class ScenarioItem(pytest.Function):
    """A scenario's test: a step that fails is reported in the trainer's words alone (the
    step, what the window showed), not as a traceback through the kit; ``--full-trace``
    shows the traceback too."""

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Any:  # type: ignore[override]
        return _trainer_words(self.config, excinfo) or super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, None, str]:
        # The scenario file, not the kit's function that plays it.
        return self.path, None, f"{self.path.name}"


def _trainer_words(config: pytest.Config, excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    from mobileca_desktop.testing.scenarios import ScenarioError, StepFailed

    if config.getoption("fulltrace", False) or not excinfo.errisinstance(
        (ScenarioError, StepFailed)
    ):
        return ""
    return str(excinfo.value)


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def mca_keyring() -> Iterator[Any]:
    """An in-memory OS keyring for the test (the CA secret, the devices' secrets)."""
    from mobileca_desktop.testing.memory_keyring import memory_keyring

    with memory_keyring() as backend:
        yield backend


@pytest.fixture
def mca_world(request: pytest.FixtureRequest, tmp_path: Path, mca_keyring: Any) -> Iterator[Any]:
    """A throw-away local CA in the test's folder with the demo company, agent and one
    reviewer per institution (``mobileca_desktop.testing.world.World``); with
    ``--mobileca-ca URL`` the CA server there instead (shared by the tests)."""
    from mobileca_desktop.testing.world import World

    url = request.config.getoption("--mobileca-ca", None)
    if url:
        token = request.config.getoption("--mobileca-operator-token", None)
        world = World.remote(url, tmp_path / "mobileca", operator_token=token)
        if token:
            _check_operator_token(world, url)
    else:
        world = World.local(tmp_path / "mobileca")
    yield world
    world.close()


def _check_operator_token(world: Any, url: str) -> None:
    """A token the server does not know fails here, saying so, rather than as "your login
    has expired" at the test's first review."""
    from mobileca_desktop.domain.errors import PermissionDenied, SessionExpired

    try:
        world.reviewer.queue()
        return
    except (SessionExpired, PermissionDenied) as exc:
        said = str(exc)
    world.close()
    pytest.fail(  # outside the except: the report is this sentence, not a chain of errors
        f"the CA server {url} refused the operator token (--mobileca-operator-token or "
        f"$MOBILECA_OPERATOR_TOKEN: {said}): give the whole token `mobileca-ca serve "
        "--demo` printed, operator:… included, of the server running now (each start "
        "prints a new one), or leave it out to review as reviewer-bjca",
        pytrace=False,
    )


@pytest.fixture
def mca_demo(mca_world: Any) -> Any:
    """The demo people: ``.company`` (uscc, password, legal_person_phone...), ``.agent``."""
    return mca_world.demo


@pytest.fixture
def mca_phone(mca_world: Any) -> Any:
    """The simulated phones: ``last_code(number)``, ``messages(number)``, ``last_id``."""
    return mca_world.phone


@pytest.fixture
def mca_clock(mca_world: Any) -> Any:
    """The CA's demo clock: ``advance(days=...)``, ``reset()``, ``now()``."""
    return mca_world.clock


@pytest.fixture
def mca_reviewer(mca_world: Any) -> Any:
    """The CA reviewer off the GUI: ``approve(app_id)``, ``reject(app_id, reason)``."""
    return mca_world.reviewer


@pytest.fixture
def mca_platform(mca_world: Any, tmp_path: Path) -> Iterator[Any]:
    """The trading-platform simulator on 127.0.0.1 trusting the test's CA, with its browser:
    ``login_qr()`` is the QR its home page shows (``.qr_png``, ``.qr_text``)."""
    from mobileca_desktop.testing.world import Platform

    engine = getattr(mca_world.services, "engine", None)
    if engine is None:
        pytest.skip(
            "mca_platform needs the CA in process; against a remote CA run mobileca-platform "
            "(certified with `mobileca-platform certify`) yourself"
        )
    platform = Platform.start(engine, tmp_path / "platform")
    yield platform
    platform.stop()


@pytest.fixture
def mca_client(
    request: pytest.FixtureRequest, mca_world: Any, tmp_path: Path
) -> Iterator[Callable[..., Any]]:
    """Opens client windows: ``mca_client("legal-pc")`` is one computer (device profile)
    on the test's CA, on the login page; call it again for another computer, or with the
    same name after ``client.close()`` to start the program again there. Each trusts
    the test's ``mca_platform`` when the test uses it. Its webcam is ``client.camera`` (a
    picture file: ``camera.show(qr_png)``), or ``camera=`` a picture or video file. Other
    keyword arguments are settings of the client (``lang="en"``, ``demo=True``,
    ``settings_file=path``...); the window still runs on the test's CA."""
    _check_display()
    qtbot = request.getfixturevalue("qtbot")  # pytest-qt: the [testing] extra
    from mobileca_desktop.testing.client import Client

    platforms = []
    if "mca_platform" in request.fixturenames:
        platforms.append(request.getfixturevalue("mca_platform"))
    pace = request.config.getoption("--mobileca-pace", 0) or 0
    opened: list[Any] = request.node.stash.setdefault(CLIENTS, [])
    languages: list[str] = []  # the UI language a client's lang= installed (app-wide)

    def open_client(
        device: str = "test-pc", camera: str | Path | None = None, **settings: Any
    ) -> Any:
        if any(c.device == device and not c.closed for c in opened):
            raise ValueError(f"a client on the device {device!r} is open already")
        if settings.get("lang") is not None:
            _use_language(str(settings["lang"]), languages)
        folder = tmp_path / "clients" / _safe(device)
        client = Client(
            qtbot, mca_world, device, folder, platforms, pace, camera=camera, settings=settings
        )
        opened.append(client)
        return client

    yield open_client
    for client in opened:
        client.close()
    if languages:
        from PySide6.QtWidgets import QApplication

        from mobileca_desktop.views import i18n

        app = QApplication.instance()
        assert app is not None  # the clients' windows ran on it
        i18n.uninstall(app)  # the next test starts in Chinese again
    if opened:
        from mobileca_desktop.views import camera_view

        assert camera_view.stop_all(5000), "a camera thread did not stop"


def _use_language(lang: str, languages: list[str]) -> None:
    """``lang=`` of a client: its window in that language, as the program started with that
    setting shows it. The translation is the application's (one per test): a second client
    may not ask for another."""
    from PySide6.QtWidgets import QApplication

    from mobileca_desktop.views import i18n

    wanted = i18n.normalise(lang)
    if languages and languages[0] != wanted:
        raise ValueError(
            f"lang={lang!r}: this test's windows are in {languages[0]} already (Qt's "
            "translation is one for the whole application: one language per test)"
        )
    if not languages:
        app = QApplication.instance()  # pytest-qt's, made by the qtbot fixture
        assert app is not None
        languages.append(i18n.install(app, wanted))


def _check_display() -> None:
    """Fails the test with what to do when Qt has no display to open the window on: Qt
    itself would abort the whole pytest run (no report, no other test run)."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return
    pytest.fail(
        "no display to open the client window on (neither DISPLAY nor WAYLAND_DISPLAY is "
        "set): run `pytest --mobileca-headless` (or set QT_QPA_PLATFORM=offscreen) to run "
        "off screen, or run it in a desktop session to watch it",
        pytrace=False,
    )


# --- failure reports --------------------------------------------------------------------------


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name)[:80] or "x"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    clients = item.stash.get(CLIENTS, [])
    if report.failed and clients:
        _attach(item, report, clients)
    return report


def _artifacts(config: pytest.Config) -> Path:
    folder = config.getoption("--mobileca-artifacts", None)
    if folder:
        return Path(folder)
    factory = getattr(config, "_tmp_path_factory", None)  # pytest's basetemp, when it has one
    if factory is not None:
        return factory.getbasetemp() / "mobileca-failures"
    import tempfile

    return Path(tempfile.gettempdir()) / "mobileca-failures"


def _attach(item: pytest.Item, report: pytest.TestReport, clients: list[Any]) -> None:
    """A screenshot of each window the test opened (and of its phone inbox when open), and
    what the demo phones show, as text."""
    base = _artifacts(item.config)
    base.mkdir(parents=True, exist_ok=True)
    import hashlib

    lines = []
    test = f"{_safe(item.name)[:60]}-{hashlib.sha256(item.nodeid.encode()).hexdigest()[:8]}"
    for client in clients:
        if client.closed:  # closed by the test (started again on the same device after)
            continue
        path = base / f"{test}-{report.when}-{_safe(client.device)}.png"
        try:
            client.screenshot(path)
            lines.append(f"window of {client.device!r}: {path}")
        except Exception as exc:  # a report must not fail because the window is gone
            lines.append(f"window of {client.device!r}: no screenshot ({exc})")
        item.user_properties.append((f"mobileca-screenshot:{client.device}", str(path)))
        phone = base / f"{test}-{report.when}-{_safe(client.device)}-phone.png"
        try:
            if client.inbox_screenshot(phone) is not None:
                lines.append(f"phone inbox beside {client.device!r}: {phone}")
                item.user_properties.append((f"mobileca-phone:{client.device}", str(phone)))
        except Exception as exc:
            lines.append(f"phone inbox beside {client.device!r}: no screenshot ({exc})")
    world = clients[0].world
    demo = world.demo
    numbers = [demo.company.legal_person_phone, demo.agent.phone]
    numbers += sorted(n for c in clients for n in c.phones_seen if n not in numbers)
    try:
        lines.append(world.phone.transcript(numbers))
    except Exception as exc:
        lines.append(f"phone inbox unavailable ({exc})")
    report.sections.append(("mobileca: screenshots and phone inbox", "\n".join(lines)))

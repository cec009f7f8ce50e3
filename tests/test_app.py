"""app.py: the window first, then the CA (local or remote), this device's keystore and
扫一扫 behind it; start-up problems explained; the start-up probe used by bench/startup.py."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked
from qt_support import WAIT_MS, settle, wait_page

from mobileca_desktop import app as app_module
from mobileca_desktop.app import Client, open_ca_services, startup_problem
from mobileca_desktop.config import Settings
from mobileca_desktop.domain.errors import (
    ConfigurationError,
    KeyringUnavailable,
    ServiceUnavailable,
)
from mobileca_desktop.server.app import ServerConfig, create_app
from mobileca_desktop.server.run import ThreadedServer

ROOT = Path(__file__).resolve().parent.parent


class LockedKeyring(KeyringBackend):
    """A keyring that is there but locked (as gnome-keyring before the user unlocks it)."""

    priority = 1

    def get_password(self, service, username):
        raise KeyringLocked("locked")

    def set_password(self, service, username, password):
        raise KeyringLocked("locked")

    def delete_password(self, service, username):
        raise KeyringLocked("locked")


def start(qtbot, client: Client, signal: str = "ready"):
    qtbot.addWidget(client.window)
    with qtbot.waitSignal(getattr(client, signal), timeout=WAIT_MS) as blocker:
        client.start()
        assert client.window.isVisible()  # shown before anything is open
    return blocker.args[0]


def test_local_client_opens_ca_device_and_scan(qtbot, tmp_path, memory_keyring, services):
    settings = Settings(data_dir=tmp_path, device="laptop")
    client = Client(settings, lambda: services, owns_services=False)
    ctx = start(qtbot, client)
    wait_page(qtbot, client.window, "loginPage")
    assert ctx.settings is settings and ctx.ca_label == "本机 CA" and ctx.device == "laptop"
    assert ctx.keys is not None and ctx.keys.device_name == "laptop"
    assert ctx.keys.keyring_description().startswith("system keyring:")
    assert ctx.keys.keystore.folder == tmp_path / "devices" / "laptop"
    assert ctx.scan is not None  # services/scan.py is installed
    settle(qtbot)
    client.close()
    assert services.ca.institutions()  # not owned: still open


def test_without_the_scan_service_the_client_still_starts(
    qtbot, tmp_path, memory_keyring, services, monkeypatch
):
    monkeypatch.setitem(sys.modules, "mobileca_desktop.services.scan", None)  # ImportError
    client = Client(Settings(data_dir=tmp_path), lambda: services, owns_services=False)
    ctx = start(qtbot, client)
    assert ctx.scan is None and ctx.keys is not None
    wait_page(qtbot, client.window, "loginPage")
    settle(qtbot)
    client.close()


class Gate:
    """Opens the CA services only when the test says so (``release``), or fails then."""

    def __init__(self, services, error: BaseException | None = None) -> None:
        import threading

        self.services, self.error = services, error
        self.opening = threading.Event()
        self.go = threading.Event()

    def __call__(self):
        self.opening.set()
        assert self.go.wait(WAIT_MS / 1000), "the test never released the CA"
        if self.error is not None:
            raise self.error
        return self.services

    def release(self) -> None:
        self.go.set()


def test_the_login_form_is_usable_before_the_ca_is_open(
    qtbot, tmp_path, memory_keyring, services, company
):
    """The login page comes before the CA: typing works, and a click on 登录 waits for the
    CA and then logs in with what was typed (nothing typed is lost)."""
    from PySide6.QtCore import Qt

    reg, _session = company
    gate = Gate(services)
    client = Client(Settings(data_dir=tmp_path), gate, owns_services=False)
    qtbot.addWidget(client.window)
    client.start()
    try:
        page = wait_page(qtbot, client.window, "loginPage")
        qtbot.waitUntil(gate.opening.is_set, timeout=WAIT_MS)  # opening behind the form
        assert client.ctx is None
        form = page.legal
        qtbot.keyClicks(form.login_name.edit, reg.uscc)
        qtbot.keyClicks(form.password.edit, "Demo2026pass")
        assert form.login_name.value() == reg.uscc
        assert form.login_button.isEnabled()
        with qtbot.assertNotEmitted(client.ready, wait=50):
            qtbot.mouseClick(form.login_button, Qt.MouseButton.LeftButton)
        assert not form.login_button.isEnabled()  # waiting for the CA, not lost
        toast = client.window.toast
        assert toast.isVisible() and toast.text() == "正在打开本机 CA…"  # says what it waits for
        assert client.window.current() is page and client.ctx is None
        with qtbot.waitSignal(client.ready, timeout=WAIT_MS):
            gate.release()
        wait_page(qtbot, client.window, "homePage")
        assert client.window.account is not None
        assert client.window.account.login_name == reg.uscc
    finally:
        gate.release()
        settle(qtbot)
        client.close()


def test_a_ca_that_fails_to_open_replaces_the_waiting_login_form(
    qtbot, tmp_path, memory_keyring, services
):
    """A click on 登录 while the CA opens, then the CA fails: the problem page, not a login."""
    from PySide6.QtCore import Qt

    gate = Gate(services, ServiceUnavailable(url="local", reason="test"))
    client = Client(Settings(data_dir=tmp_path), gate, owns_services=False)
    qtbot.addWidget(client.window)
    client.start()
    try:
        page = wait_page(qtbot, client.window, "loginPage")
        form = page.legal
        qtbot.keyClicks(form.login_name.edit, "91140100MA0L8XXXXX")
        qtbot.keyClicks(form.password.edit, "x")
        qtbot.mouseClick(form.login_button, Qt.MouseButton.LeftButton)
        assert not form.login_button.isEnabled()
        with qtbot.waitSignal(client.failed, timeout=WAIT_MS):
            gate.release()
        current = client.window.current()
        assert current.objectName() == "startupPage"
        assert current.heading.text() == "无法打开本机 CA"
        assert client.window._waiting == [] and client.ctx is None
    finally:
        gate.release()
        settle(qtbot)
        client.close()


def test_a_locked_keyring_is_a_start_up_problem(qtbot, tmp_path, services):
    previous = keyring.get_keyring()
    keyring.set_keyring(LockedKeyring())
    try:
        client = Client(Settings(data_dir=tmp_path), lambda: services, owns_services=False)
        err = start(qtbot, client, "failed")
    finally:
        keyring.set_keyring(previous)
    assert isinstance(err, KeyringUnavailable) and err.params["reason"] == "locked"
    page = client.window.current()
    assert page.objectName() == "startupPage"
    assert page.heading.text() == "无法使用系统钥匙串"
    assert "解锁" in page.text.text() and "mobileca doctor" in page.text.text()
    client.close()


def test_the_insecure_file_keyring_is_used_only_when_asked(qtbot, tmp_path, services):
    store = tmp_path / "INSECURE.json"
    client = Client(
        Settings(data_dir=tmp_path),
        lambda: services,
        owns_services=False,
        insecure_file_keyring=store,
    )
    ctx = start(qtbot, client)
    assert "INSECURE" in ctx.keys.keyring_description()
    settle(qtbot)
    client.close()


@pytest.fixture
def ca_server(services):
    server = ThreadedServer(create_app(services.engine, ServerConfig(demo=True))).start()
    yield server
    server.stop()


def test_remote_mode_connects_to_the_ca_server(qtbot, tmp_path, memory_keyring, ca_server):
    settings = Settings(data_dir=tmp_path / "client", ca=ca_server.url, device="agent-pc")
    client = Client(settings)
    ctx = start(qtbot, client)
    wait_page(qtbot, client.window, "loginPage")
    assert ctx.ca_label == ca_server.url
    assert type(ctx.ca).__name__ == "RemoteCAService"
    assert ctx.keys is not None and ctx.keys.ca is ctx.ca
    assert not (tmp_path / "client" / "ca").exists()  # no embedded CA in remote mode
    settle(qtbot)
    client.close()


def test_an_unreachable_remote_ca_is_explained(qtbot, tmp_path, memory_keyring):
    import socket

    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = Settings(data_dir=tmp_path, ca=f"http://127.0.0.1:{port}")
    client = Client(settings)
    err = start(qtbot, client, "failed")
    assert isinstance(err, ServiceUnavailable)
    page = client.window.current()
    assert page.heading.text() == "无法连接远程 CA"
    assert f"127.0.0.1:{port}" in page.text.text()
    client.close()


def test_the_pin_goes_to_the_remote_client(monkeypatch):
    from mobileca_desktop.services import remote

    seen = {}

    class Fake:
        def __init__(self):
            self.ca = self
            self.closed = False

        def institutions(self):
            raise ConfigurationError(reason="the CA server's root does not match")

        def close(self):
            self.closed = True

    fake = Fake()

    def connect(url, **kw):
        seen.update(kw, url=url)
        return fake

    monkeypatch.setattr(remote.RemoteServices, "connect", staticmethod(connect))
    pin = "AB:" * 31 + "AB"
    settings = Settings(ca="https://ca.example.org", ca_root_sha256=pin)
    with pytest.raises(ConfigurationError):
        open_ca_services(settings)
    assert seen["root_fingerprint"] == "ab" * 32 and seen["url"] == "https://ca.example.org"
    assert fake.closed  # a failed check closes the connection pool
    heading, html = startup_problem(ConfigurationError(reason="x"), settings)
    assert heading == "远程 CA 的证书不可信" and "--ca-root-sha256" in html


def test_a_banner_stays_above_the_pages(qtbot, tmp_path, memory_keyring, services):
    client = Client(
        Settings(data_dir=tmp_path), lambda: services, owns_services=False, banner="不安全"
    )
    start(qtbot, client)
    wait_page(qtbot, client.window, "loginPage")
    warning = client.window.findChild(type(client.banners["warning"]), "warningBanner")
    assert warning is not None and warning.isVisible() and warning.text() == "不安全"
    client.set_banner("演示", "info")
    assert client.banners["info"].isVisible()
    settle(qtbot)
    client.close()


needs_gnome_keyring = pytest.mark.skipif(
    shutil.which("gnome-keyring-daemon") is None or shutil.which("dbus-run-session") is None,
    reason="needs gnome-keyring-daemon and dbus-run-session",
)


@needs_gnome_keyring
def test_the_mobileca_command_reaches_the_login_page(tmp_path):
    """The real command on a real Secret Service: first paint, then an interactive login
    page, and the CA open behind it (MOBILECA_STARTUP_PROBE makes it print them and quit)."""
    home = tmp_path / "home"
    for sub in ("data", "config", "run"):
        (home / sub).mkdir(parents=True)
    (home / "run").chmod(0o700)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_RUNTIME_DIR": str(home / "run"),
        "PYTHONPATH": str(ROOT),
        "QT_QPA_PLATFORM": "offscreen",
        "MOBILECA_STARTUP_PROBE": "1",
        "LANG": "C.UTF-8",
    }
    script = (
        "printf 'test-keyring-password' | gnome-keyring-daemon --unlock --components=secrets"
        f' >/dev/null && exec "{sys.executable}" -m mobileca_desktop --data-dir "{tmp_path}/d"'
        " --device probe"
    )
    out = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    lines = [line.split() for line in out.stdout.splitlines() if line.startswith("startup-probe")]
    kinds = [parts[1] for parts in lines]
    # interactive: the login page took a typed character and its button ran the form's check
    assert kinds[:2] == ["first-paint", "interactive"], out.stdout + out.stderr[-2000:]
    assert sorted(kinds[2:]) == ["ca-open"], out.stdout + out.stderr[-2000:]
    assert float(lines[0][2]) <= float(lines[1][2])
    assert (tmp_path / "d" / "ca" / "ca.sqlite3").exists()


def test_app_module_keeps_the_engine_out_of_the_first_paint():
    """The window shows before the engine's libraries load: importing app must not import
    SQLAlchemy, cryptography or the engine (they load off the GUI thread)."""
    code = (
        "import sys, mobileca_desktop.app;"
        "bad = [m for m in ('sqlalchemy', 'mobileca_desktop.ca.engine', 'httpx') "
        "if m in sys.modules]; print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", out.stdout
    assert app_module.LOCAL_CA_LABEL == "本机 CA"


FIRST_FRAME_PROBE = """
import sys
from PySide6 import QtCore
lazy_qt = "Qt" not in vars(QtCore)  # PySide6 builds its Qt namespace on first use
from mobileca_desktop import app
from mobileca_desktop.config import Settings
qapp = app.application()
client = app.Client(Settings(data_dir=sys.argv[1], device="probe"))
client.window.show()
for _ in range(5):
    qapp.processEvents()
late = (
    "mobileca_desktop.domain.models", "mobileca_desktop.views.messages",
    "mobileca_desktop.views.background", "mobileca_desktop.views.inbox_panel",
    "mobileca_desktop.views.toast", "mobileca_desktop.services.api",
)
print([m for m in late if m in sys.modules], lazy_qt and "Qt" in vars(QtCore))
"""


def test_the_first_frame_waits_only_for_the_window(tmp_path):
    """The start-up page is painted before the domain models, the error texts, the phone-inbox
    dock and the toast are loaded, and before PySide6 builds the ~90 enums of its Qt
    namespace: they come after the first frame (bench/startup.py)."""
    out = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME_PROBE, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[] False", out.stdout + out.stderr[-1500:]


def test_the_inbox_dock_is_built_on_first_use(qtbot):
    from mobileca_desktop.views.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert window._inbox_panel is None
    width = window.width()
    window.toggle_inbox()
    panel = window.inbox_panel
    assert panel is window._inbox_panel and panel.isVisible() and panel.isWindow()
    assert window.width() == width  # a window of its own: the client keeps its size
    window.toggle_inbox()
    assert not panel.isVisible() and window.inbox_panel is panel


def test_values_set_by_key_name_take_effect(qtbot):
    """The first frame's widgets set Qt enum values by key name (setProperty, which fails
    silently on a wrong name): check each one took."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QKeySequence, QShortcut

    from mobileca_desktop.views.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    page = window.startup
    assert page.heading.alignment() == Qt.AlignmentFlag.AlignCenter
    assert page.text.textFormat() == Qt.TextFormat.RichText
    assert page.text.textInteractionFlags() == Qt.TextInteractionFlag.TextSelectableByMouse
    assert page.scroll_area.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    assert window.top_bar.title.alignment() == Qt.AlignmentFlag.AlignCenter
    assert window.top_bar.back.shortcut() == QKeySequence("Alt+Left")
    keys = [s.key() for s in window.findChildren(QShortcut)]
    assert QKeySequence("Ctrl+I") in keys


OPEN_WITHOUT_HEAVY_IMPORTS = """
import sys
import keyring
from keyring.backend import KeyringBackend

class Memory(KeyringBackend):
    priority = 1
    def __init__(self):
        self.entries = {}
    def get_password(self, service, username):
        return self.entries.get((service, username))
    def set_password(self, service, username, password):
        self.entries[(service, username)] = password
    def delete_password(self, service, username):
        self.entries.pop((service, username), None)

keyring.set_keyring(Memory())
from mobileca_desktop import app
from mobileca_desktop.config import Settings
settings = Settings(data_dir=sys.argv[1], device="probe")
services = app.open_ca_services(settings)
keys = app.open_device(services, settings)
scan = app.open_scan(services, keys, settings)
assert scan is not None
heavy = ("cv2", "numpy", "pyhanko", "aiohttp", "httpx", "mobileca_desktop.services.ltv")
print([m for m in heavy if m in sys.modules])
services.close()
"""


def test_the_ca_opens_behind_the_login_form_without_opencv_pyhanko_or_httpx(tmp_path):
    """What opens behind the login form (the local CA, this device's keystore, 扫一扫)
    does not import OpenCV (face checks, image decoding), pyHanko (签章) or httpx (requests
    to a platform): they load when first used, so the CA is ready sooner."""
    out = subprocess.run(
        [sys.executable, "-c", OPEN_WITHOUT_HEAVY_IMPORTS, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout + out.stderr[-1500:]

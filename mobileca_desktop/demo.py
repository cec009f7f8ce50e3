"""``mobileca demo``: one command for trainers.

A local CA in a temporary folder (or ``--data-dir``) with the demo company, its legal person,
an agent and the reviewers (``mobileca-ca demo-seed``); the trading-platform simulator on
loopback, opened in the web browser; and two client windows side by side, the legal
person's device and the agent's device. Each window is its own device profile with its own
keystore and keyring entries, on the same local CA, so a grant can be shown end to end:
the legal person grants, the agent logs in, downloads and scans.

The keyring: the desktop's keyring when it is usable and unlocked; otherwise a private
GNOME Keyring on a private D-Bus session bus started for this demo (a password kept in the
demo folder, so a re-used ``--data-dir`` opens without a prompt); otherwise, and said on
screen in both windows, the INSECURE file store. Every child process is stopped when the demo ends.

Outside the client layers, like ``app``: it opens the engine and hands services to windows.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import webbrowser
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from mobileca_desktop.app import Client, application
from mobileca_desktop.config import Settings
from mobileca_desktop.domain.errors import KeyringUnavailable
from mobileca_desktop.domain.models import AccountKind

log = logging.getLogger(__name__)

LEGAL_DEVICE = "legal-person"
AGENT_DEVICE = "agent"
CA_PASSPHRASE_FILE = "demo-ca-passphrase"
INSECURE_FILE = "INSECURE-demo-keyring.json"
KEYRING_PASSWORD_FILE = "demo-keyring-password"
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""
KEYRING_WAIT = 20.0  # seconds for the private keyring to answer on its bus


@dataclass
class DemoOptions:
    data_dir: Path | None = None  # None: a temporary folder, removed at the end
    open_browser: bool = True
    quit_after_ready: bool = False
    insecure_file_keyring: bool | str | Path | None = None  # force the INSECURE store
    engine_config: Any = None  # ca.engine.EngineConfig (tests: cheap passwords)
    start_platform: bool = True
    reset: bool = False  # start over: the demo folder (--data-dir) emptied first
    # Run in the ready windows before the trainer takes over (``trainer.demo_state``: a
    # shipped scenario played to a named point); returns what to say in the banner.
    prepare: Callable[[Demo], str] | None = None


class DemoError(Exception):
    """A demo that cannot start as asked (an unknown state, a folder that is not a demo's)."""


def reset_folder(folder: Path) -> None:
    """``--reset``: a demo folder (it holds the demo's CA) is emptied; any other non-empty
    folder is refused, so a wrong ``--data-dir`` deletes nothing."""
    if not folder.exists():
        return
    entries = list(folder.iterdir())
    if not entries:
        return
    if not ((folder / "ca").is_dir() or (folder / CA_PASSPHRASE_FILE).exists()):
        raise DemoError(
            f"{folder} 不是演示文件夹（没有演示的 CA），未删除任何文件 / "
            f"{folder} is not a demo folder (no demo CA): nothing was deleted"
        )
    shutil.rmtree(folder)


# --- the keyring ---------------------------------------------------------------------------


@dataclass
class KeyringChoice:
    """Which secret store the demo's devices use, and the processes behind it."""

    kind: str  # "os" | "private" | "insecure"
    description: str
    insecure_file: Path | None = None
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def insecure(self) -> bool:
        return self.kind == "insecure"

    def close(self) -> None:
        for proc in reversed(self.processes):
            stop_process(proc)
        self.processes.clear()


def stop_process(proc: subprocess.Popen, timeout: float = 5.0) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)


def os_keyring_usable() -> bool:
    """The desktop's keyring answers now (present, not a plaintext backend, not locked)."""
    from mobileca_desktop.doctor import _secret_service_locked
    from mobileca_desktop.keystore.secretstore import OSKeyring

    store = OSKeyring()
    try:
        store.get("demo-check")
    except KeyringUnavailable as exc:
        log.info("the desktop's keyring cannot be used: %s", exc.message)
        return False
    return not _secret_service_locked(store)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the child gets SIGTERM when the demo dies, even by SIGKILL."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def _read_line(proc: subprocess.Popen, timeout: float) -> str:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    if not ready:
        raise TimeoutError("no answer in time")
    return proc.stdout.readline().decode().strip()


def start_private_keyring(
    folder: Path,
    environ: MutableMapping[str, str] | None = None,
    timeout: float = KEYRING_WAIT,
) -> KeyringChoice | None:
    """A private D-Bus session bus and GNOME Keyring's Secret Service on it, unlocked with a
    throw-away password, for this process (``DBUS_SESSION_BUS_ADDRESS`` is set in
    ``environ``, default ``os.environ``). None when dbus-daemon or gnome-keyring-daemon is
    missing or the keyring does not answer."""
    environ = os.environ if environ is None else environ
    dbus = shutil.which("dbus-daemon")
    daemon = shutil.which("gnome-keyring-daemon")
    if dbus is None or daemon is None or os.name != "posix":
        return None
    home = Path(folder)
    for sub in ("data", "run"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    (home / "run").chmod(0o700)
    choice = KeyringChoice("private", "")
    preexec = _die_with_parent if sys.platform.startswith("linux") else None
    try:
        # A session bus without service activation: a request made before our keyring
        # owns its name must fail and be retried, not start a second keyring daemon that
        # asks on screen for the password of the kept "login" keyring.
        config = home / "bus.conf"
        config.write_text(BUS_CONFIG)
        bus = subprocess.Popen(
            [dbus, f"--config-file={config}", "--nofork", "--nopidfile", "--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            preexec_fn=preexec,
        )
        choice.processes.append(bus)
        address = _read_line(bus, timeout)
        if not address:
            raise RuntimeError("dbus-daemon printed no address")
        env = {
            "PATH": environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_RUNTIME_DIR": str(home / "run"),
            "DBUS_SESSION_BUS_ADDRESS": address,
            "LANG": "C.UTF-8",
        }
        with (home / "gnome-keyring.log").open("wb") as log_file:
            keyring_proc = subprocess.Popen(
                [daemon, "--foreground", "--unlock", "--components=secrets"],
                stdin=subprocess.PIPE,
                stdout=log_file,
                stderr=log_file,
                env=env,
                preexec_fn=preexec,
            )
        choice.processes.append(keyring_proc)
        assert keyring_proc.stdin is not None
        keyring_proc.stdin.write(private_keyring_password(home).encode())
        keyring_proc.stdin.close()
        # Ask nothing before the daemon has made and unlocked its "login" keyring: a
        # request earlier would make it prompt (no one can answer) for a new collection.
        _wait_for(lambda: (home / "data" / "keyrings" / "login.keyring").exists(), timeout)
        environ["DBUS_SESSION_BUS_ADDRESS"] = address
        _use_secret_service(timeout)
    except Exception as exc:
        log.warning("a private GNOME Keyring could not be started: %s", exc)
        choice.close()
        return None
    choice.description = f"private GNOME Keyring for this demo (D-Bus {address})"
    return choice


def private_keyring_password(home: Path) -> str:
    """The private keyring's password, made once and kept (0600) beside it: a re-used
    ``--data-dir`` unlocks its keyring again, where a new password would make GNOME Keyring
    ask on screen for one nobody knows."""
    path = home / KEYRING_PASSWORD_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    password = secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password)
    return password


def _wait_for(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    waiter = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"GNOME Keyring made no keyring in {timeout:.0f} s")
        waiter.wait(0.05)


def _use_secret_service(timeout: float) -> None:
    """Point ``keyring`` at the Secret Service of the (new) session bus and wait until an
    entry can be written and read back there."""
    import keyring
    from keyring.backends import SecretService

    deadline = time.monotonic() + timeout
    waiter = threading.Event()
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            backend = SecretService.Keyring()
            backend.set_password("mobileca-desktop-demo", "check", "ok")
            if backend.get_password("mobileca-desktop-demo", "check") == "ok":
                backend.delete_password("mobileca-desktop-demo", "check")
                keyring.set_keyring(backend)
                return
        except Exception as exc:  # not on the bus yet, or still unlocking
            last = exc
        waiter.wait(0.1)
    raise TimeoutError(f"the Secret Service did not answer in {timeout:.0f} s ({last})")


def choose_keyring(
    folder: Path,
    *,
    force_insecure: bool | str | Path | None = None,
    os_usable: Callable[[], bool] = os_keyring_usable,
    start_private: Callable[[Path], KeyringChoice | None] | None = None,
    env: Mapping[str, str] | None = None,
) -> KeyringChoice:
    """The desktop's keyring if usable; else a private GNOME Keyring; else the INSECURE
    file store (``force_insecure`` or ``MOBILECA_INSECURE_FILE_KEYRING`` choose it first)."""
    from mobileca_desktop.keystore.secretstore import insecure_file_requested

    insecure_path = folder / INSECURE_FILE
    requested = insecure_file_requested(force_insecure, env)
    if requested:
        path = insecure_path if requested is True else Path(requested)
        return KeyringChoice("insecure", "INSECURE file store (asked for)", insecure_file=path)
    if os_usable():
        from mobileca_desktop.keystore.secretstore import OSKeyring

        return KeyringChoice("os", OSKeyring().describe())
    starter = start_private or (lambda f: start_private_keyring(f / "keyring"))
    private = starter(folder)
    if private is not None:
        return private
    return KeyringChoice(
        "insecure",
        "INSECURE file store: no usable keyring and no GNOME Keyring to start",
        insecure_file=insecure_path,
    )


# --- the demo ------------------------------------------------------------------------------


def ca_secret_for(folder: Path, choice: KeyringChoice, throwaway: bool = False) -> Any:
    """The CA's key-wrapping secret: the desktop's keyring for a kept ``--data-dir``;
    otherwise (a private or insecure keyring, which do not outlive the demo, or a temporary
    folder, whose keyring entry would be left behind) a random passphrase file in the demo
    folder, kept so a ``--data-dir`` opens again next time."""
    from mobileca_desktop.ca.secrets import PassphraseFileSecret

    passphrase = folder / CA_PASSPHRASE_FILE
    if choice.kind == "os" and not throwaway and not passphrase.exists():
        return None  # KeyringSecret, the engine's default
    if not passphrase.exists():
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(passphrase, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(32))
    return PassphraseFileSecret(passphrase)


@dataclass
class Shared:
    """What both windows share, opened once off the GUI thread."""

    services: Any = None
    seed: dict | None = None
    platform: Any = None
    platform_note: str | None = None


class Demo(QObject):
    """The running demo: two clients on one CA, the platform, the keyring's processes."""

    all_ready = Signal()
    failed = Signal(object)
    prepared = Signal(str)  # DemoOptions.prepare ran: what the trainer finds

    def __init__(self, settings: Settings, options: DemoOptions) -> None:
        super().__init__()
        self.options = options
        self._temporary = options.data_dir is None
        if options.reset and options.data_dir is not None:
            reset_folder(Path(options.data_dir))
        folder = (
            Path(tempfile.mkdtemp(prefix="mobileca-demo-"))
            if options.data_dir is None
            else Path(options.data_dir)
        )
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.keyring = choose_keyring(folder, force_insecure=options.insecure_file_keyring)
        log.info("demo in %s; device keys: %s", folder, self.keyring.description)
        self.shared = Shared()
        self._lock = threading.Lock()
        self._ready: set[str] = set()
        self._closed = False
        base = dataclasses.replace(
            settings, ca="local", data_dir=folder, demo=True, settings_file=None
        )
        banner = None
        if self.keyring.insecure:
            banner = QCoreApplication.translate(
                "Demo",
                "不安全：没有可用的系统钥匙串，本演示的设备密钥只由证书密码保护，"
                "保存在普通文件中。仅供演示，切勿用于真实证书。",
            )
        self.clients: dict[str, Client] = {}
        for device in (LEGAL_DEVICE, AGENT_DEVICE):
            profile = dataclasses.replace(
                base, device=device, settings_file=folder / f"settings-{device}.toml"
            )
            client = Client(
                profile,
                self._open_shared,
                owns_services=False,
                insecure_file_keyring=self.keyring.insecure_file if self.keyring.insecure else None,
                banner=banner,
            )
            client.ready.connect(lambda _ctx, d=device: self._client_ready(d))
            client.failed.connect(self.failed)
            self.clients[device] = client

    @property
    def legal(self) -> Client:
        return self.clients[LEGAL_DEVICE]

    @property
    def agent(self) -> Client:
        return self.clients[AGENT_DEVICE]

    # --- start-up (background) ------------------------------------------------------------

    def _open_shared(self) -> Any:
        """Both clients call this on worker threads; the first opens, the second waits."""
        with self._lock:
            if self.shared.services is None:
                self._open_ca()
            return self.shared.services

    def _open_ca(self) -> None:
        from mobileca_desktop.cacli.demo import _seed
        from mobileca_desktop.services.local import LocalServices

        secret = ca_secret_for(self.folder, self.keyring, throwaway=self._temporary)
        services = LocalServices.open(self.folder / "ca", secret, self.options.engine_config)
        try:
            self.shared.seed = _seed(services.engine)
        except BaseException:
            services.close()
            raise
        self.shared.services = services
        if self.options.start_platform:
            self._start_platform(services)
        else:
            self.shared.platform_note = QCoreApplication.translate(
                "Demo", "本次演示未启动交易平台模拟器。"
            )

    def _start_platform(self, services: Any) -> None:
        try:
            from mobileca_desktop.platform.run import PlatformConfig, start_platform
        except ImportError as exc:
            log.info("the trading-platform simulator is not installed: %s", exc)
            self.shared.platform_note = QCoreApplication.translate(
                "Demo", "交易平台模拟器尚未安装：本次演示没有扫一扫的网页，其余功能可正常演示。"
            )
            return
        try:
            running = start_platform(
                PlatformConfig(data_dir=self.folder / "platform", engine=services.engine)
            )
        except Exception as exc:
            log.exception("the trading-platform simulator did not start")
            self.shared.platform_note = QCoreApplication.translate(
                "Demo", "交易平台模拟器未能启动："
            ) + str(exc)
            return
        self.shared.platform = running
        trusted = trust_platform(self.folder, running)
        log.info(
            "trading platform %s at %s (trusted by the devices: %s)",
            running.name,
            running.url,
            trusted,
        )
        if self.options.open_browser:
            with contextlib.suppress(Exception):
                webbrowser.open(running.url)

    def start(self) -> None:
        from mobileca_desktop.views.inbox_panel import InboxPanel

        # One simulated phone on the desk for both computers, as in a classroom.
        self.inbox = InboxPanel()
        for client in self.clients.values():
            client.window.use_inbox(self.inbox)
        self._place_windows()
        for client in self.clients.values():
            client.start()

    def _place_windows(self) -> None:
        screen = QApplication.primaryScreen()
        area = screen.availableGeometry() if screen is not None else None
        x, y = (area.left() + 20, area.top() + 20) if area is not None else (20, 20)
        for client in self.clients.values():
            client.window.move(x, y)
            x += client.window.frameGeometry().width() + 20
        self.inbox.move(x, y)  # where the phone opens: beside the agent's window

    def _client_ready(self, device: str) -> None:
        client = self.clients[device]
        seed = self.shared.seed or {}
        company, agent = seed.get("company", {}), seed.get("agent", {})
        window = client.window
        # Qt adds the product's name (the application's display name) to every title.
        role = (
            QCoreApplication.translate("Demo", "法人的电脑")
            if device == LEGAL_DEVICE
            else QCoreApplication.translate("Demo", "经办人的电脑")
        )
        window.setWindowTitle(f"{role}（{device}）")
        for phone in (company.get("legal_person_phone"), agent.get("phone")):
            if phone:
                # Both numbers are on the phone; it opens on the newest message's number.
                window.inbox_panel.add_phone(phone, select=False)
        if device == LEGAL_DEVICE:
            window.show_login(AccountKind.LEGAL, company.get("uscc", ""))
        else:
            window.show_login(AccountKind.PERSONAL, agent.get("phone", ""))
        if device == LEGAL_DEVICE:
            who = QCoreApplication.translate("Demo", "演示 · 法人的电脑：%1（%2）")
            who = who.replace("%1", company.get("legal_person_name", "")).replace(
                "%2", company.get("company_name", "")
            )
        else:
            who = (
                QCoreApplication.translate(
                    "Demo", "演示 · 经办人的电脑：%1（身份证号 %2，手机 %3）"
                )
                .replace("%1", agent.get("name", ""))
                .replace("%2", agent.get("id_number", ""))
                .replace("%3", agent.get("phone", ""))
            )
        if self.shared.platform is not None:
            who += (
                "\n" + QCoreApplication.translate("Demo", "交易平台：") + self.shared.platform.url
            )
        elif self.shared.platform_note:
            who += "\n" + self.shared.platform_note
        client.set_banner(who, "info")
        self._ready.add(device)
        if len(self._ready) == len(self.clients):
            self._print_welcome()
            if self.options.prepare is not None:
                QTimer.singleShot(0, self._prepare)
            else:
                self.all_ready.emit()

    def _prepare(self) -> None:
        """``DemoOptions.prepare`` in the ready windows (``--state``), then ``all_ready``."""
        prepare = self.options.prepare
        assert prepare is not None
        try:
            said = prepare(self)
        except Exception as exc:
            log.error("the demo was not prepared: %s", exc)
            self.failed.emit(exc)
            return
        print(f"  {said}", flush=True)
        info = self.legal.banners.get("info")
        text = info.text() + "\n" + said if info is not None else said
        self.legal.set_banner(text, "info")
        self.prepared.emit(said)
        self.all_ready.emit()

    def _print_welcome(self) -> None:
        seed = self.shared.seed or {}
        company, agent = seed.get("company", {}), seed.get("agent", {})
        lines = [
            f"mobileca demo in {self.folder}",
            f"  device keys: {self.keyring.description}",
            f"  法人登录 (window '{LEGAL_DEVICE}'): {company.get('uscc')} / "
            f"{company.get('password')}  ({company.get('company_name')})",
            f"  个人登录 (window '{AGENT_DEVICE}'): {agent.get('phone')} / "
            f"{agent.get('password')}  ({agent.get('name')})",
            f"  法定代表人 {company.get('legal_person_name')}: "
            f"ID {company.get('legal_person_id_number')}, phone "
            f"{company.get('legal_person_phone')}",
            f"  经办人 {agent.get('name')} (经办人信息 / 新增授权): ID {agent.get('id_number')}, "
            f"phone {agent.get('phone')}",
            f"  reviewers (CA 审核台, menu ⋯): reviewer-<institution> / {company.get('password')}",
        ]
        if self.shared.platform is not None:
            lines.append(f"  trading platform: {self.shared.platform.url}")
        elif self.shared.platform_note:
            lines.append(f"  trading platform: {self.shared.platform_note}")
        print("\n".join(lines), flush=True)

    # --- the end ----------------------------------------------------------------------------

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for client in self.clients.values():
            client.close()
            client.window.close()
        inbox = getattr(self, "inbox", None)
        if inbox is not None:
            inbox.close()
            inbox.deleteLater()
        if self.shared.platform is not None:
            with contextlib.suppress(Exception):
                self.shared.platform.stop()
        if self.shared.services is not None:
            self.shared.services.close()
        self.keyring.close()
        if self._temporary:
            shutil.rmtree(self.folder, ignore_errors=True)


def trust_platform(folder: Path, running: Any) -> bool:
    """Adds the running platform to the trusted platforms of the data folder (shared by
    both device profiles), pinned by its signing certificate. False when 扫一扫 is not
    installed."""
    try:
        from mobileca_desktop.services.platforms import add_trusted
        from mobileca_desktop.services.scan import TrustedPlatform
    except ImportError as exc:
        log.info("扫一扫 is not installed; the platform is not trusted: %s", exc)
        return False
    platform = TrustedPlatform.from_certificate(
        running.platform_id, running.name, running.certificate_pem
    )
    add_trusted(folder, platform)
    return True


def start_demo(settings: Settings, options: DemoOptions) -> Demo:
    """The demo's windows, shown and opening (a ``QApplication`` must exist); tests drive
    this without ``exec``."""
    demo = Demo(settings, options)
    demo.start()
    return demo


def run_demo(settings: Settings, options: DemoOptions) -> int:
    """``mobileca demo``: until both windows are closed (or, ``--quit-after-ready``, until
    both show the login page: exit status 0; a start-up failure: 1)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    app = application()
    from mobileca_desktop.views import i18n

    i18n.install(app, settings.lang)
    app.setQuitOnLastWindowClosed(True)
    try:
        demo = start_demo(settings, options)
    except DemoError as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 2
    status = {"code": 0}
    demo.failed.connect(lambda err: print(f"错误 / error: {err}", file=sys.stderr, flush=True))
    if options.quit_after_ready:
        demo.all_ready.connect(app.quit)

        def failed(err: BaseException) -> None:
            log.error("the demo did not start: %r", err)
            status["code"] = 1
            app.quit()

        demo.failed.connect(failed)
    # Ctrl+C and SIGTERM end the event loop, so the children are stopped below.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: app.quit())
    ticker = QTimer()
    ticker.start(250)  # lets Python run its signal handlers while Qt waits
    ticker.timeout.connect(lambda: None)
    try:
        app.exec()
    finally:
        ticker.stop()
        demo.close()
    return status["code"]

"""``mobileca demo``: two device windows on one local CA with the demo data, the platform
trusted by both, the keyring chosen (desktop / private GNOME Keyring / INSECURE, said on
screen), and every child process stopped at the end."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import keyring
import pytest
from qt_support import WAIT_MS, settle

from mobileca_desktop import demo as demo_module
from mobileca_desktop.ca.engine import EngineConfig
from mobileca_desktop.ca.identity import CHEAP_PASSWORDS
from mobileca_desktop.cacli.demo import DEMO_AGENT_PHONE, DEMO_PASSWORD, demo_identities
from mobileca_desktop.config import Settings
from mobileca_desktop.demo import DemoOptions, KeyringChoice, choose_keyring, start_demo
from mobileca_desktop.domain.models import AccountKind

ROOT = Path(__file__).resolve().parent.parent
needs_gnome_keyring = pytest.mark.skipif(
    shutil.which("gnome-keyring-daemon") is None or shutil.which("dbus-daemon") is None,
    reason="needs gnome-keyring-daemon and dbus-daemon",
)


def cheap() -> EngineConfig:
    return EngineConfig(passwords=CHEAP_PASSWORDS, kmc_pool_target=2, kmc_background=False)


@pytest.fixture
def restore_keyring():
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


def test_both_windows_reach_the_login_page_with_the_demo_data(qtbot, tmp_path):
    folder = tmp_path / "demo"
    options = DemoOptions(
        data_dir=folder, open_browser=False, insecure_file_keyring=True, engine_config=cheap()
    )
    demo = start_demo(Settings(data_dir=tmp_path), options)
    try:
        for client in demo.clients.values():
            qtbot.addWidget(client.window)
        with qtbot.waitSignal(demo.all_ready, timeout=WAIT_MS):
            pass
        legal, agent = demo.legal.window, demo.agent.window
        assert legal.current().objectName() == agent.current().objectName() == "loginPage"
        uscc = demo_identities()["uscc"]
        assert legal.current().form(AccountKind.LEGAL).login_name.value() == uscc
        assert agent.current().form(AccountKind.PERSONAL).login_name.value() == DEMO_AGENT_PHONE
        assert legal.x() + legal.width() <= agent.x()  # side by side
        assert demo.legal.ctx.device == "legal-person" and demo.agent.ctx.device == "agent"
        # Two device profiles, one CA.
        assert demo.legal.ctx.ca is demo.agent.ctx.ca
        assert demo.legal.ctx.keys.keystore.folder != demo.agent.ctx.keys.keystore.folder
        ca = demo.shared.services.ca
        assert ca.login(AccountKind.LEGAL, uscc, DEMO_PASSWORD).token
        assert ca.login(AccountKind.PERSONAL, DEMO_AGENT_PHONE, DEMO_PASSWORD).token
        # The INSECURE store is said on screen in both windows.
        for client in demo.clients.values():
            banner = client.banners["warning"]
            assert banner.isVisible() and "不安全" in banner.text()
            assert "INSECURE" in client.ctx.keys.keyring_description()
        assert "法人" in demo.legal.banners["info"].text()
        assert "经办人" in demo.agent.banners["info"].text()
        # The platform runs, both devices trust it, and 扫一扫 is ready on both.
        platform = demo.shared.platform
        assert platform is not None
        assert platform.url in demo.legal.banners["info"].text()
        from mobileca_desktop.services.platforms import load_trusted

        trusted = load_trusted(folder)
        assert [p.origin for p in trusted] == [platform.origin]
        assert demo.legal.ctx.scan is not None and demo.agent.ctx.scan is not None
        assert httpx.get(platform.url + "/.well-known/mobileca-platform").status_code == 200
        settle(qtbot)
    finally:
        demo.close()
    with pytest.raises(httpx.HTTPError):
        httpx.get(platform.url + "/.well-known/mobileca-platform", timeout=2)
    assert folder.exists()  # a --data-dir is kept; only a temporary folder is removed


def test_a_temporary_folder_is_removed_and_the_platform_is_optional(qtbot, monkeypatch):
    monkeypatch.setitem(sys.modules, "mobileca_desktop.platform.run", None)  # not installed
    options = DemoOptions(open_browser=False, insecure_file_keyring=True, engine_config=cheap())
    demo = start_demo(Settings(), options)
    try:
        for client in demo.clients.values():
            qtbot.addWidget(client.window)
        with qtbot.waitSignal(demo.all_ready, timeout=WAIT_MS):
            pass
        folder = demo.folder
        assert demo.shared.platform is None
        assert "交易平台模拟器尚未安装" in demo.legal.banners["info"].text()
        settle(qtbot)
    finally:
        demo.close()
    assert not folder.exists()


def test_keyring_choice_prefers_the_desktop_keyring(tmp_path):
    started = []
    choice = choose_keyring(tmp_path, os_usable=lambda: True, start_private=started.append, env={})
    assert choice.kind == "os" and not choice.insecure and started == []


def test_keyring_choice_starts_a_private_keyring_when_there_is_none(tmp_path):
    private = KeyringChoice("private", "private GNOME Keyring")
    choice = choose_keyring(
        tmp_path, os_usable=lambda: False, start_private=lambda f: private, env={}
    )
    assert choice is private


def test_keyring_choice_falls_back_to_the_insecure_store_and_says_so(tmp_path):
    choice = choose_keyring(tmp_path, os_usable=lambda: False, start_private=lambda f: None, env={})
    assert choice.insecure and choice.insecure_file == tmp_path / demo_module.INSECURE_FILE
    assert "INSECURE" in choice.description


def test_keyring_choice_insecure_when_asked(tmp_path):
    asked = choose_keyring(
        tmp_path,
        os_usable=lambda: True,
        start_private=lambda f: None,
        env={"MOBILECA_INSECURE_FILE_KEYRING": "1"},
    )
    assert asked.insecure


def test_the_ca_secret_follows_the_keyring(tmp_path):
    from mobileca_desktop.ca.secrets import PassphraseFileSecret

    assert demo_module.ca_secret_for(tmp_path / "a", KeyringChoice("os", "")) is None
    throwaway = demo_module.ca_secret_for(tmp_path / "t", KeyringChoice("os", ""), throwaway=True)
    assert isinstance(throwaway, PassphraseFileSecret)  # no keyring entry left behind
    secret = demo_module.ca_secret_for(tmp_path / "b", KeyringChoice("insecure", ""))
    assert isinstance(secret, PassphraseFileSecret)
    file = tmp_path / "b" / demo_module.CA_PASSPHRASE_FILE
    assert len(file.read_text()) >= 32 and (file.stat().st_mode & 0o777) == 0o600
    # A folder made without the desktop keyring keeps its passphrase file later on.
    assert isinstance(
        demo_module.ca_secret_for(tmp_path / "b", KeyringChoice("os", "")), PassphraseFileSecret
    )


@needs_gnome_keyring
def test_a_private_gnome_keyring_starts_and_stops(tmp_path, monkeypatch, restore_keyring):
    from mobileca_desktop.keystore.secretstore import OSKeyring

    # Recorded, so the address the keyring sets is undone after the test.
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
    choice = demo_module.start_private_keyring(tmp_path / "keyring")
    assert choice is not None, (tmp_path / "keyring" / "gnome-keyring.log").read_text()
    try:
        assert os.environ["DBUS_SESSION_BUS_ADDRESS"].startswith("unix:")
        assert all(p.poll() is None for p in choice.processes)
        store = OSKeyring()
        assert store.backend_name() == "Secret Service"
        store.set("demo/check", "secret")
        assert store.get("demo/check") == "secret"
    finally:
        choice.close()
    assert all(p.poll() is not None for p in choice.processes) or not choice.processes


@needs_gnome_keyring
def test_a_reused_folder_unlocks_its_private_keyring_again(tmp_path, monkeypatch, restore_keyring):
    """A re-used --data-dir: the keyring made last time opens with the password kept beside
    it, at once and with what was stored in it; a new password would make GNOME Keyring ask
    on screen for one nobody knows, and the demo fell back to the INSECURE store after 20 s."""
    import time

    from mobileca_desktop.keystore.secretstore import OSKeyring

    folder = tmp_path / "keyring"
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
    first = demo_module.start_private_keyring(folder)
    assert first is not None
    try:
        OSKeyring().set("demo/kept", "from the first run")
    finally:
        first.close()
    password_file = folder / demo_module.KEYRING_PASSWORD_FILE
    assert (password_file.stat().st_mode & 0o777) == 0o600
    started = time.monotonic()
    second = demo_module.start_private_keyring(folder, timeout=10)
    assert second is not None, (folder / "gnome-keyring.log").read_text()
    try:
        assert time.monotonic() - started < 8  # no prompt waited out
        assert OSKeyring().get("demo/kept") == "from the first run"
    finally:
        second.close()


def test_no_keyring_programs_means_no_private_keyring(tmp_path, monkeypatch):
    monkeypatch.setattr(demo_module.shutil, "which", lambda name: None)
    assert demo_module.start_private_keyring(tmp_path) is None


@needs_gnome_keyring
def test_the_demo_command_starts_and_exits_when_ready(tmp_path):
    """The real command, without a desktop keyring: a private GNOME Keyring, both windows
    at the login page, exit status 0, nothing left running."""
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "PYTHONPATH": str(ROOT),
        "QT_QPA_PLATFORM": "offscreen",
        "LANG": "C.UTF-8",
    }
    out = subprocess.run(
        [sys.executable, "-m", "mobileca_desktop", "demo", "--no-browser", "--quit-after-ready"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "private GNOME Keyring" in out.stdout, out.stdout
    assert demo_identities()["uscc"] in out.stdout
    assert "trading platform: http://127.0.0.1:" in out.stdout
    folder = Path(out.stdout.split("mobileca demo in ", 1)[1].splitlines()[0].strip())
    assert not folder.exists()  # the temporary folder went with the demo


def test_a_demo_starts_at_a_named_state_played_in_its_windows(qtbot, tmp_path):
    """--state 已授权: the shipped scenario played in the demo's own windows (downloaded on
    the legal person's computer, granted to the agent), both windows then at home."""
    from mobileca_desktop import trainer
    from mobileca_desktop.testing.driver import WindowClient, world_over

    folder = tmp_path / "demo"
    options = DemoOptions(
        data_dir=folder,
        open_browser=False,
        insecure_file_keyring=True,
        engine_config=cheap(),
        start_platform=False,
        prepare=trainer.demo_state("已授权"),
    )
    demo = start_demo(Settings(data_dir=tmp_path), options)
    try:
        for client in demo.clients.values():
            qtbot.addWidget(client.window)
        with qtbot.waitSignal(demo.prepared, timeout=120_000) as said:
            pass
        assert said.args[0].startswith("演示状态：已授权（单位证书已授权给经办人")
        assert "演示状态：已授权" in demo.legal.banners["info"].text()
        assert demo.legal.window.current().objectName() == "homePage"
        world = world_over(demo.shared.services, demo.shared.seed, folder)
        legal = WindowClient(demo.legal.window, world, "legal-person")
        (row,) = legal.page().open_grants().rows()
        assert row.status == "授权中"
        (cert,) = legal.page().back().open_certificates().rows()
        assert cert.status == "正常"
        settle(qtbot)
    finally:
        demo.close()


def test_an_unknown_state_is_refused_and_reset_deletes_only_a_demo_folder(tmp_path):
    from mobileca_desktop import trainer
    from mobileca_desktop.demo import DemoError, reset_folder
    from mobileca_desktop.testing.scenarios import ScenarioError

    with pytest.raises(ScenarioError, match="没有演示状态“飞起来”（可用：审核中、"):
        trainer.demo_state("飞起来")
    for state in trainer.DEMO_STATES.values():  # each names a step of its shipped scenario
        from mobileca_desktop.testing import scenarios

        assert state.last_step(scenarios.load(state.scenario_path())) >= 9
    other = tmp_path / "documents"
    other.mkdir()
    (other / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(DemoError, match="不是演示文件夹"):
        reset_folder(other)
    assert (other / "keep.txt").exists()
    demo_folder = tmp_path / "demo"
    (demo_folder / "ca").mkdir(parents=True)
    (demo_folder / "settings-agent.toml").write_text("", encoding="utf-8")
    reset_folder(demo_folder)
    assert not demo_folder.exists()
    reset_folder(demo_folder)  # nothing there: nothing to do


def test_the_demo_help_lists_the_states():
    out = subprocess.run(
        [sys.executable, "-m", "mobileca_desktop", "demo", "--help"],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())
    for name in ("审核中", "已过期", "已授权", "已下载", "--reset"):
        assert name in text, text


def test_the_demo_command_starts_at_a_state_and_reset_starts_over(tmp_path):
    """`mobileca demo --state 审核中`, then `--reset --state 正常` in the same folder: one
    application, approved (the first run's was deleted with its CA)."""
    from mobileca_desktop.ca.secrets import PassphraseFileSecret
    from mobileca_desktop.services.local import LocalServices

    folder = tmp_path / "demo"
    env = {
        **os.environ,
        "HOME": str(tmp_path / "home"),
        "PYTHONPATH": str(ROOT),
        "QT_QPA_PLATFORM": "offscreen",
    }
    base = [sys.executable, "-m", "mobileca_desktop", "demo", "--data-dir", str(folder)]
    base += ["--insecure-file-keyring", "--no-browser", "--quit-after-ready"]

    def run(*extra: str) -> str:
        out = subprocess.run([*base, *extra], env=env, capture_output=True, text=True, timeout=180)
        assert out.returncode == 0, out.stderr[-3000:]
        return out.stdout

    assert "演示状态：审核中（单位证书已提交" in run("--state", "审核中")
    assert "演示状态：正常（" in run("--reset", "--state", "正常")
    secret = PassphraseFileSecret(folder / demo_module.CA_PASSPHRASE_FILE)
    services = LocalServices.open(folder / "ca", secret)
    try:
        session = services.ca.login(AccountKind.LEGAL, demo_identities()["uscc"], DEMO_PASSWORD)
        (app,) = services.ca.list_applications(session)
        assert app.certificate_id is not None
    finally:
        services.close()
    out = subprocess.run([*base, "--state", "飞起来"], env=env, capture_output=True, text=True)
    assert out.returncode == 2 and "没有演示状态“飞起来”" in out.stderr, out.stderr
    # A state on top of the demo already in the folder (without --reset) would not be the
    # state asked for: refused, and the folder's demo is kept.
    out = subprocess.run([*base, "--state", "审核中"], env=env, capture_output=True, text=True)
    assert out.returncode == 2 and "已有演示数据：加 --reset 从头开始" in out.stderr, out.stderr
    assert (folder / "ca").is_dir()

"""Settings: precedence of the sources, errors a user can meet, and atomic saving."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import platformdirs
import pytest

from mobileca_desktop import config
from mobileca_desktop.config import (
    Settings,
    add_common_arguments,
    load_settings,
    save_settings,
)
from mobileca_desktop.domain.errors import ConfigurationError


@pytest.fixture(autouse=True)
def no_default_settings_file(tmp_path, monkeypatch):
    """Never read the real user's settings file: point the default at a missing file."""
    monkeypatch.setattr(config, "default_settings_path", lambda: tmp_path / "absent.toml")


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def parse(argv: list[str]) -> dict[str, object]:
    parser = argparse.ArgumentParser()
    add_common_arguments(parser)
    parser.add_argument("command", nargs="?")
    return vars(parser.parse_args(argv))


# --- defaults and folders ------------------------------------------------------------------


def test_defaults_without_any_source():
    s = load_settings(cli={}, env={})
    assert s.ca == "local"
    assert s.is_local_ca
    assert s.data_dir == platformdirs.user_data_path("mobileca-desktop", appauthor=False)
    assert s.lang == "zh_CN"
    assert s.camera == "0"
    assert s.demo is False
    assert s.validity_days == 365
    assert s.public_url == "http://127.0.0.1:8470"
    assert s.device == config.default_device_name()


def test_folders_derive_from_data_dir(tmp_path):
    s = Settings(data_dir=tmp_path, device="agent-pc")
    assert s.ca_data_dir == tmp_path / "ca"
    assert s.device_dir == tmp_path / "devices" / "agent-pc"


@pytest.mark.parametrize(
    "hostname, expected",
    [
        ("Zhang-Laptop", "zhang-laptop"),
        ("my pc/Ü.example.org", "my-pc-.example.org"),
        ("...", "this-computer"),
        ("CON", "this-computer"),
        ("x" * 100, "x" * 64),
    ],
)
def test_default_device_is_a_valid_slug_of_the_hostname(monkeypatch, hostname, expected):
    monkeypatch.setattr(config.socket, "gethostname", lambda: hostname)
    assert config.default_device_name() == expected
    Settings(device=config.default_device_name())  # accepted as a device name


# --- precedence ----------------------------------------------------------------------------


def test_cli_beats_env_beats_file_beats_default(tmp_path):
    file = write(tmp_path / "s.toml", 'lang = "en"\ncamera = "2"\ndevice = "from-file"\n')
    env = {"MOBILECA_CAMERA": "3", "MOBILECA_DEVICE": "from-env"}
    cli = {"device": "from-cli"}
    s = load_settings(cli=cli, env=env, settings_file=file)
    assert s.lang == "en"  # file only
    assert s.camera == "3"  # env over file
    assert s.device == "from-cli"  # cli over env and file
    assert s.ca == "local"  # default


def test_every_setting_can_come_from_the_environment(tmp_path):
    env = {
        "MOBILECA_CA": "https://ca.example.test:8443/",
        "MOBILECA_DATA_DIR": str(tmp_path / "data"),
        "MOBILECA_DEVICE": "legal.pc_1",
        "MOBILECA_LANG": "en",
        "MOBILECA_CAMERA": "/dev/video2",
        "MOBILECA_DEMO": "yes",
        "MOBILECA_VALIDITY_DAYS": " 30 ",
        "MOBILECA_PUBLIC_URL": "http://localhost:9000",
    }
    s = load_settings(env=env)
    assert s == Settings(
        ca="https://ca.example.test:8443/",
        data_dir=tmp_path / "data",
        device="legal.pc_1",
        lang="en",
        camera="/dev/video2",
        demo=True,
        validity_days=30,
        public_url="http://localhost:9000",
    )


def test_every_setting_can_come_from_the_file(tmp_path):
    file = write(
        tmp_path / "s.toml",
        """
        ca = "http://127.0.0.1:8471"
        data_dir = "data"
        device = "agent"
        lang = "en"
        camera = "clip.mp4"
        demo = true
        validity_days = 7
        public_url = "https://ca.example.test"
        """.replace("        ", ""),
    )
    s = load_settings(env={}, settings_file=file)
    assert s.ca == "http://127.0.0.1:8471"
    assert s.data_dir == tmp_path / "data"  # relative to the settings file's folder
    assert (s.device, s.lang, s.camera, s.demo, s.validity_days) == (
        "agent",
        "en",
        "clip.mp4",
        True,
        7,
    )
    assert s.public_url == "https://ca.example.test"


def test_flags_parsed_by_argparse_override_env(tmp_path):
    env = {"MOBILECA_LANG": "en", "MOBILECA_DEMO": "1", "MOBILECA_CA": "http://ca.test"}
    args = parse(["--lang", "zh_CN", "--no-demo", "--data-dir", str(tmp_path), "demo"])
    s = load_settings(cli=args, env=env)
    assert s.lang == "zh_CN"
    assert s.demo is False
    assert s.data_dir == tmp_path
    assert s.ca == "http://ca.test"  # flag not given: the environment's value stands


def test_flags_not_given_leave_lower_sources_alone():
    args = parse([])
    assert {k: v for k, v in args.items() if v is not None} == {}
    s = load_settings(cli=args, env={"MOBILECA_DEMO": "true", "MOBILECA_CAMERA": "1"})
    assert s.demo is True
    assert s.camera == "1"


def test_empty_environment_variables_count_as_unset():
    s = load_settings(env={"MOBILECA_LANG": "", "MOBILECA_DEMO": "  "})
    assert s.lang == "zh_CN"
    assert s.demo is False


def test_settings_file_from_flag_and_from_environment(tmp_path):
    flag_file = write(tmp_path / "flag.toml", 'camera = "flag"\n')
    env_file = write(tmp_path / "env.toml", 'camera = "env"\n')
    env = {"MOBILECA_SETTINGS": str(env_file)}
    assert load_settings(env=env).camera == "env"
    assert load_settings(cli={"settings": flag_file}, env=env).camera == "flag"
    assert load_settings(cli=parse(["--settings", str(flag_file)]), env=env).camera == "flag"


def test_default_settings_file_is_read_when_present(tmp_path, monkeypatch):
    file = write(tmp_path / "default.toml", 'lang = "en"\n')
    monkeypatch.setattr(config, "default_settings_path", lambda: file)
    assert load_settings(env={}).lang == "en"


# --- errors --------------------------------------------------------------------------------


def reason_of(excinfo: pytest.ExceptionInfo[ConfigurationError]) -> str:
    assert excinfo.value.code == "configuration_error"
    return str(excinfo.value.params["reason"])


def test_unknown_key_in_file_is_an_error(tmp_path):
    file = write(tmp_path / "s.toml", 'lang = "en"\nlanguage = "en"\n')
    with pytest.raises(ConfigurationError) as excinfo:
        load_settings(env={}, settings_file=file)
    assert "language" in reason_of(excinfo)


def test_invalid_toml_is_an_error(tmp_path):
    file = write(tmp_path / "s.toml", "lang = en\n")
    with pytest.raises(ConfigurationError) as excinfo:
        load_settings(env={}, settings_file=file)
    assert "not valid TOML" in reason_of(excinfo)


@pytest.mark.parametrize(
    "text",
    ['validity_days = "many"\n', "lang = 5\n", 'demo = "maybe"\n', "validity_days = 0\n"],
)
def test_wrong_types_in_file_are_errors(tmp_path, text):
    file = write(tmp_path / "s.toml", text)
    with pytest.raises(ConfigurationError):
        load_settings(env={}, settings_file=file)


def test_a_named_settings_file_must_exist(tmp_path):
    with pytest.raises(ConfigurationError) as excinfo:
        load_settings(cli={"settings": tmp_path / "typo.toml"}, env={})
    assert "typo.toml" in reason_of(excinfo)


@pytest.mark.parametrize(
    "name, value",
    [
        ("lang", "fr"),
        ("lang", "zh_TW"),
        ("ca", "remote"),
        ("ca", "ftp://ca.example.test"),
        ("ca", "https://"),
        ("device", "a/b"),
        ("device", ".."),
        ("device", "x" * 65),
        ("device", "nul"),
        ("device", "张三"),
        ("validity_days", "-1"),
        ("public_url", "localhost:8470"),
        ("demo", "perhaps"),
    ],
)
def test_bad_values_are_errors_from_every_source(tmp_path, name, value):
    env_var = config.ENV_VARS[name]
    with pytest.raises(ConfigurationError) as excinfo:
        load_settings(env={env_var: value})
    assert env_var in reason_of(excinfo)
    with pytest.raises(ConfigurationError) as excinfo:
        load_settings(cli={name: value}, env={})
    assert "--" + name.replace("_", "-") in reason_of(excinfo)
    file = write(tmp_path / "s.toml", f"{name} = {config._toml_value(value)}\n")
    with pytest.raises(ConfigurationError):
        load_settings(env={}, settings_file=file)


def test_blank_camera_is_an_error(tmp_path):
    with pytest.raises(ConfigurationError):
        load_settings(cli={"camera": " "}, env={})
    with pytest.raises(ConfigurationError):
        load_settings(env={}, settings_file=write(tmp_path / "s.toml", 'camera = ""\n'))


def test_a_good_cli_value_does_not_hide_a_bad_env_value():
    # Every source is checked, so a typo in the environment is found even when overridden.
    with pytest.raises(ConfigurationError):
        load_settings(cli={"lang": "en"}, env={"MOBILECA_LANG": "english"})


def test_direct_construction_is_checked_too():
    with pytest.raises(ConfigurationError):
        Settings(lang="de")


# --- saving --------------------------------------------------------------------------------


def test_save_then_load_round_trips(tmp_path):
    original = Settings(
        ca='https://ca.example.test/a"b',
        data_dir=tmp_path / 'back\\slash "quoted" 张三',
        device="agent-pc",
        lang="en",
        camera="tab\there",
        demo=True,
        validity_days=30,
        public_url="http://127.0.0.1:9999",
    )
    path = save_settings(original, tmp_path / "nested" / "settings.toml")
    assert path == tmp_path / "nested" / "settings.toml"
    assert load_settings(env={}, settings_file=path) == original


def test_failed_save_keeps_the_old_file_and_leaves_no_temp_file(tmp_path, monkeypatch):
    path = save_settings(Settings(lang="en", device="old"), tmp_path / "settings.toml")
    before = path.read_bytes()

    def refuse(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(config.os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        save_settings(Settings(lang="zh_CN", device="new"), path)
    assert path.read_bytes() == before
    # The folder's lock file (mobileca_desktop.locking) stays; no temporary file does.
    assert sorted(p.name for p in tmp_path.iterdir()) == [".mobileca.lock", "settings.toml"]


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = save_settings(Settings(device="old"), tmp_path / "settings.toml")
    before = path.read_bytes()

    def broken_fsync(fd):
        raise OSError("I/O error")

    monkeypatch.setattr(config.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="I/O error"):
        save_settings(Settings(device="new"), path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == [".mobileca.lock", "settings.toml"]

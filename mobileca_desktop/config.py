"""Configuration shared by every program: command-line flags > environment > settings file.

``load_settings`` merges the three sources over the defaults and checks every value, so a
program gets one valid :class:`Settings` or a :class:`ConfigurationError` that names the
source of the bad value. Qt-free: the client, the CA server and the platform all use it.

Folders come from platformdirs (the user's standard data and config folders of each OS);
the CA store and each device's store are separate sub-folders of the data folder, so one
machine can run several devices side by side on one local CA.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

from mobileca_desktop.domain.errors import ConfigurationError

APP_NAME = "mobileca-desktop"
SETTINGS_FILENAME = "settings.toml"
LANGUAGES = ("zh_CN", "en")
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8470"
MAX_VALIDITY_DAYS = 3650

# Environment variable for each setting; the settings file uses the field names as keys.
ENV_VARS: dict[str, str] = {
    "ca": "MOBILECA_CA",
    "data_dir": "MOBILECA_DATA_DIR",
    "device": "MOBILECA_DEVICE",
    "lang": "MOBILECA_LANG",
    "camera": "MOBILECA_CAMERA",
    "demo": "MOBILECA_DEMO",
    "validity_days": "MOBILECA_VALIDITY_DAYS",
    "public_url": "MOBILECA_PUBLIC_URL",
    "ca_root_sha256": "MOBILECA_CA_ROOT_SHA256",
}
SETTINGS_ENV_VAR = "MOBILECA_SETTINGS"

_DEVICE_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
# Names Windows refuses as file or folder names, with or without an extension.
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {
    f"{p}{i}" for p in ("com", "lpt") for i in range(1, 10)
}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def default_data_dir() -> Path:
    """The per-user data folder (e.g. ``~/.local/share/mobileca-desktop`` on Linux)."""
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def default_settings_path() -> Path:
    """The per-user settings file (e.g. ``~/.config/mobileca-desktop/settings.toml``)."""
    return platformdirs.user_config_path(APP_NAME, appauthor=False) / SETTINGS_FILENAME


def default_device_name() -> str:
    """This computer's name as a device name: lower case, only ``[a-z0-9._-]``."""
    slug = re.sub(r"[^a-z0-9._-]+", "-", socket.gethostname().lower()).strip("-.")[:64]
    slug = slug.strip("-.")
    if not slug or _device_problem(slug):
        return "this-computer"
    return slug


def _device_problem(name: str) -> str | None:
    if not _DEVICE_RE.fullmatch(name):
        return "use 1 to 64 letters, digits, dots, dashes or underscores"
    if set(name) == {"."}:
        return "a device name cannot be only dots"
    if name.split(".")[0].lower() in _WINDOWS_RESERVED:
        return "the name is reserved on Windows"
    return None


def _http_url_problem(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "expected an http:// or https:// URL"
    return None


def normalise_fingerprint(text: str) -> str:
    """A SHA-256 fingerprint as 64 lower-case hex digits (colons and spaces dropped)."""
    return re.sub(r"[\s:]", "", text).lower()


def _check(name: str, value: Any) -> str | None:
    """Why ``value`` is not valid for setting ``name``, or None when it is."""
    if name == "ca":
        if value != "local" and _http_url_problem(value):
            return 'expected "local" or an http:// or https:// URL'
    elif name == "public_url":
        return _http_url_problem(value)
    elif name == "device":
        return _device_problem(value)
    elif name == "lang":
        if value not in LANGUAGES:
            return f"expected one of {', '.join(LANGUAGES)}"
    elif name == "camera":
        if not value.strip():
            return "expected a camera number, a device path or a file"
    elif name == "ca_root_sha256":
        if value and not _SHA256_RE.fullmatch(value):
            return "expected the SHA-256 fingerprint of the CA server's root: 64 hex digits"
    elif name == "validity_days" and not 1 <= value <= MAX_VALIDITY_DAYS:
        return f"expected a number of days from 1 to {MAX_VALIDITY_DAYS}"
    return None


def check_value(name: str, text: str) -> str | None:
    """Why ``text`` (as typed, e.g. on the settings page) is not a valid value for setting
    ``name``, or None. The reason is English; callers show their own words."""
    try:
        value = _CONVERTERS[name](text, name)
    except ConfigurationError as exc:
        return str(exc.params.get("reason", exc))
    return _check(name, value)


@dataclass
class Settings:
    """Everything the programs are configured with; every value is checked on creation."""

    ca: str = "local"  # "local" (embedded CA in data_dir) or the CA server's URL
    data_dir: Path = field(default_factory=default_data_dir)
    device: str = field(default_factory=default_device_name)
    lang: str = "zh_CN"
    camera: str = "0"  # an OpenCV camera index, a device path, or an image/video file
    demo: bool = False
    validity_days: int = 365
    public_url: str = DEFAULT_PUBLIC_URL  # base of the CRL and OCSP URLs the CA writes
    # Remote CA over https: the SHA-256 of the server's TLS root, pinned ("" = not pinned).
    ca_root_sha256: str = ""
    # The settings file these values were read from and the settings page writes to (not a
    # setting itself: never written to the file, not compared).
    settings_file: Path | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir)
        self.ca_root_sha256 = normalise_fingerprint(self.ca_root_sha256)
        for f in fields(self):
            if f.name not in ENV_VARS:
                continue
            problem = _check(f.name, getattr(self, f.name))
            if problem:
                raise ConfigurationError(reason=f"{f.name} = {getattr(self, f.name)!r}: {problem}")

    @property
    def ca_data_dir(self) -> Path:
        """The embedded CA's store (used when ``ca == "local"``)."""
        return self.data_dir / "ca"

    @property
    def device_dir(self) -> Path:
        """This device profile's keystore folder."""
        return self.data_dir / "devices" / self.device

    @property
    def is_local_ca(self) -> bool:
        return self.ca == "local"


# --- reading values from each source -------------------------------------------------------


def _to_str(value: Any, source: str) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Path):
        return str(value)
    raise ConfigurationError(reason=f"{source}: expected text, got {value!r}")


def _to_bool(value: Any, source: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise ConfigurationError(reason=f"{source}: expected true or false, got {value!r}")


def _to_int(value: Any, source: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise ConfigurationError(reason=f"{source}: expected a whole number, got {value!r}")


def _to_path(value: Any, source: str, base: Path | None = None) -> Path:
    path = Path(_to_str(value, source)).expanduser()
    if base is not None and not path.is_absolute():
        path = base / path
    return path


_CONVERTERS: dict[str, Callable[[Any, str], Any]] = {
    "ca": _to_str,
    "data_dir": _to_path,
    "device": _to_str,
    "lang": _to_str,
    "camera": _to_str,
    "demo": _to_bool,
    "validity_days": _to_int,
    "public_url": _to_str,
    "ca_root_sha256": lambda value, source: normalise_fingerprint(_to_str(value, source)),
}


def _convert(name: str, value: Any, source: str) -> Any:
    converted = _CONVERTERS[name](value, source)
    problem = _check(name, converted)
    if problem:
        raise ConfigurationError(reason=f"{source} = {value!r}: {problem}")
    return converted


def read_settings_file(path: Path) -> dict[str, Any]:
    """The checked values of a TOML settings file; unknown keys are an error."""
    import tomllib  # here: the window's first paint does not wait for it

    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(reason=f"{path} is not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigurationError(reason=f"cannot read {path}: {exc.strerror or exc}") from exc
    unknown = sorted(set(raw) - set(ENV_VARS))
    if unknown:
        raise ConfigurationError(
            reason=f"{path}: unknown setting(s) {', '.join(unknown)}; "
            f"known settings are {', '.join(ENV_VARS)}"
        )
    values: dict[str, Any] = {}
    for name, value in raw.items():
        source = f"{path}: {name}"
        if name == "data_dir":
            # A relative data folder in the file is relative to the file, not to the cwd.
            values[name] = _to_path(value, source, base=path.parent)
        else:
            values[name] = _convert(name, value, source)
    return values


def _settings_path(cli: Mapping[str, object], env: Mapping[str, str]) -> tuple[Path, bool]:
    """The settings file to read, and whether it was named explicitly (so must exist)."""
    if cli.get("settings") is not None:
        return _to_path(cli["settings"], "--settings"), True
    if env.get(SETTINGS_ENV_VAR, "").strip():
        return _to_path(env[SETTINGS_ENV_VAR], SETTINGS_ENV_VAR), True
    return default_settings_path(), False


def load_settings(
    cli: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
    settings_file: Path | None = None,
) -> Settings:
    """Merge defaults < settings file < environment < command-line flags.

    ``cli`` is typically ``vars(args)`` from a parser that used :func:`add_common_arguments`:
    ``None`` values mean "not given", keys that are not settings are ignored. ``env``
    defaults to ``os.environ``; empty variables count as unset. ``settings_file`` overrides
    ``--settings`` / ``MOBILECA_SETTINGS``; only the default settings file may be missing.
    """
    cli = dict(cli or {})
    env = os.environ if env is None else env

    if settings_file is not None:
        path, explicit = Path(settings_file), True
    else:
        path, explicit = _settings_path(cli, env)
    values: dict[str, Any] = {}
    if path.is_file() or explicit:
        values.update(read_settings_file(path))

    for name, var in ENV_VARS.items():
        raw = env.get(var)
        if raw is not None and raw.strip():
            values[name] = _convert(name, raw, var)

    for name in ENV_VARS:
        given = cli.get(name)
        if given is not None:
            values[name] = _convert(name, given, "--" + name.replace("_", "-"))

    return Settings(**values, settings_file=path)


# --- writing -------------------------------------------------------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    out = []
    for ch in text:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def settings_to_toml(settings: Settings) -> str:
    lines = [
        "# mobileca-desktop settings. Environment variables (MOBILECA_*) and command-line",
        "# flags override these values.",
    ]
    for f in fields(settings):
        if f.name in ENV_VARS:
            lines.append(f"{f.name} = {_toml_value(getattr(settings, f.name))}")
    return "\n".join(lines) + "\n"


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write ``settings`` as TOML atomically: the old file stays whole if anything fails."""
    if path is None:
        path = settings.settings_file or default_settings_path()
    path = Path(path)
    _write_atomically(path, settings_to_toml(settings).encode("utf-8"))
    return path


def update_settings_file(changes: Mapping[str, Any], path: Path | None = None) -> Path:
    """Change some keys of the settings file (the settings page): the file's other keys are
    kept, values that came from flags or the environment are not written into it. Every
    value is checked first (``ConfigurationError`` naming the key); the write is atomic."""
    path = Path(path) if path is not None else default_settings_path()
    unknown = sorted(set(changes) - set(ENV_VARS))
    if unknown:
        raise ConfigurationError(reason=f"unknown setting(s) {', '.join(unknown)}")
    values = read_settings_file(path) if path.is_file() else {}
    for name, value in changes.items():
        values[name] = _CONVERTERS[name](value, name) if name != "data_dir" else Path(value)
        problem = _check(name, values[name])
        if problem:
            raise ConfigurationError(reason=f"{name} = {value!r}: {problem}")
    lines = [
        "# mobileca-desktop settings. Environment variables (MOBILECA_*) and command-line",
        "# flags override these values.",
    ]
    for name in ENV_VARS:
        if name in values:
            lines.append(f"{name} = {_toml_value(values[name])}")
    _write_atomically(path, ("\n".join(lines) + "\n").encode("utf-8"))
    return path


def _write_atomically(path: Path, data: bytes) -> None:
    # The project's one atomic-write helper (under the folder's cross-process lock).
    from mobileca_desktop.locking import atomic_write

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, data)


# --- command line --------------------------------------------------------------------------


def add_common_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the flags every program shares. Defaults are None: "not given, look further"."""
    group = parser.add_argument_group("configuration")
    group.add_argument(
        "--ca",
        metavar="local|URL",
        help='"local" for the embedded CA in the data folder, or the CA server\'s http(s) URL '
        "(env MOBILECA_CA; default local)",
    )
    group.add_argument(
        "--ca-root-sha256",
        metavar="HEX",
        help="remote CA over https: pin the server's TLS root by its SHA-256 fingerprint "
        "(printed by `mobileca-ca serve --tls`) (env MOBILECA_CA_ROOT_SHA256)",
    )
    group.add_argument(
        "--data-dir",
        type=Path,
        metavar="PATH",
        help=f"folder for the CA store and device profiles (env MOBILECA_DATA_DIR; "
        f"default {default_data_dir()})",
    )
    group.add_argument(
        "--device",
        metavar="NAME",
        help="device profile: its own keystore and keyring entry (env MOBILECA_DEVICE; "
        "default this computer's name)",
    )
    group.add_argument(
        "--lang",
        choices=LANGUAGES,
        help="language of the user interface (env MOBILECA_LANG; default zh_CN)",
    )
    group.add_argument(
        "--camera",
        metavar="INDEX|PATH",
        help="camera number, device path, or image/video file to scan from "
        "(env MOBILECA_CAMERA; default 0)",
    )
    group.add_argument(
        "--demo",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="demo mode for trainers and tests (env MOBILECA_DEMO; default off)",
    )
    group.add_argument(
        "--settings",
        type=Path,
        metavar="FILE",
        help=f"settings file (TOML) (env {SETTINGS_ENV_VAR}; default {default_settings_path()})",
    )
    return parser

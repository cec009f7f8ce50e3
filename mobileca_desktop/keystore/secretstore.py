"""Where a device keystore's secret lives: the OS keyring behind one interface.

``OSKeyring`` uses the ``keyring`` package (Windows Credential Manager, Secret Service,
macOS Keychain, KWallet) and refuses the plaintext or "fail" backends: there is no silent
fallback. When no usable keyring exists the caller gets ``KeyringUnavailable`` with what to
do, never a wrong-password error. ``InsecureFileStore`` keeps entries in a plain file; it
exists for CI, kiosks and crash tests, is used only when asked for (``--insecure-file-keyring``
or ``MOBILECA_INSECURE_FILE_KEYRING``), and says so loudly in its description and the log.
"""

from __future__ import annotations

import json
import logging
import os
from abc import ABC, abstractmethod
from collections.abc import Mapping
from contextlib import AbstractContextManager
from pathlib import Path

from mobileca_desktop.domain.errors import KeyringUnavailable
from mobileca_desktop.locking import atomic_write, folder_lock

log = logging.getLogger(__name__)

SERVICE = "mobileca-desktop-device"
INSECURE_ENV = "MOBILECA_INSECURE_FILE_KEYRING"
INSECURE_FILENAME = "INSECURE-file-keyring.json"
_FALSE = {"", "0", "false", "no", "off"}
_TRUE = {"1", "true", "yes", "on"}

# Backend modules that store secrets in clear or only pretend to store them.
_REFUSED_MODULES = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")

_NAMES = {
    "keyring.backends.Windows.WinVaultKeyring": "Windows Credential Manager",
    "keyring.backends.SecretService.Keyring": "Secret Service",
    "keyring.backends.libsecret.Keyring": "Secret Service (libsecret)",
    "keyring.backends.macOS.Keyring": "macOS Keychain",
    "keyring.backends.kwallet.DBusKeyring": "KWallet",
}

_ADVICE_NONE = (
    "On Linux start a Secret Service (GNOME Keyring or KeePassXC with its Secret Service "
    "integration) in your desktop session; on Windows and macOS the system keyring is "
    "built in. For CI or a kiosk only, set MOBILECA_INSECURE_FILE_KEYRING=1."
)
_ADVICE_LOCKED = (
    "Unlock the keyring (log in to the desktop session, or open the system's password "
    "manager and unlock the 'login' keyring), then try again."
)
_ADVICE_REFUSED = "Check that the system keyring is running and allows this program access."


class SecretStore(ABC):
    """A small map of (username -> text) in the service ``SERVICE``."""

    is_secure = True

    @abstractmethod
    def describe(self) -> str:
        """Which store is in use, in words a user can check (shown in the client and logs)."""

    @abstractmethod
    def get(self, username: str) -> str | None: ...

    @abstractmethod
    def set(self, username: str, value: str) -> None: ...

    @abstractmethod
    def delete(self, username: str) -> None: ...


def _qualname(obj: object) -> str:
    return f"{type(obj).__module__}.{type(obj).__name__}"


class OSKeyring(SecretStore):
    """The operating system's keyring, through the ``keyring`` package.

    The backend is looked up at each call (``keyring.get_keyring()``) unless one is given,
    so that a test's ``keyring.set_keyring`` applies.
    """

    def __init__(self, backend: object | None = None) -> None:
        self._backend = backend

    def _current(self) -> object:
        import keyring

        return self._backend if self._backend is not None else keyring.get_keyring()

    def _chain(self, backend: object) -> list[object]:
        inner = getattr(backend, "backends", None)
        if type(backend).__name__ == "ChainerBackend" and inner is not None:
            return list(inner)
        return [backend]

    def backend_name(self) -> str:
        backend = self._current()
        chain = self._chain(backend)
        first = chain[0] if chain else backend
        name = _qualname(first)
        return _NAMES.get(name, name)

    def describe(self) -> str:
        return f"system keyring: {self.backend_name()}"

    def _usable(self) -> object:
        """The one backend to talk to: the chain's first. keyring's chainer would fall
        through to lower backends when the first fails, which could be a plaintext one, so
        it is never called directly."""
        chain = self._chain(self._current())
        if not chain:
            raise KeyringUnavailable(
                store=self.backend_name(), reason="no_keyring", advice=_ADVICE_NONE
            )
        first = chain[0]
        module = type(first).__module__
        if module.startswith(_REFUSED_MODULES):
            raise KeyringUnavailable(
                store=_qualname(first),
                reason="insecure_backend" if module.startswith("keyrings.alt") else "no_keyring",
                advice=_ADVICE_NONE,
            )
        return first

    def _call(self, op: str, *args: str) -> str | None:
        from keyring.errors import KeyringLocked, NoKeyringError

        backend = self._usable()
        try:
            result: str | None = getattr(backend, op)(SERVICE, *args)  # keyring: untyped
            return result
        except KeyringLocked as exc:
            raise KeyringUnavailable(
                store=self.backend_name(), reason="locked", advice=_ADVICE_LOCKED
            ) from exc
        except NoKeyringError as exc:
            raise KeyringUnavailable(
                store=self.backend_name(), reason="no_keyring", advice=_ADVICE_NONE
            ) from exc
        except Exception as exc:  # D-Bus, COM and keyring errors alike mean "not usable now"
            if op == "delete_password" and type(exc).__name__ == "PasswordDeleteError":
                return None
            raise KeyringUnavailable(
                store=self.backend_name(),
                reason=f"refused ({type(exc).__name__})",
                advice=_ADVICE_REFUSED,
            ) from exc

    def get(self, username: str) -> str | None:
        return self._call("get_password", username)

    def set(self, username: str, value: str) -> None:
        self._call("set_password", username, value)

    def delete(self, username: str) -> None:
        self._call("delete_password", username)


class InsecureFileStore(SecretStore):
    """INSECURE: entries in a plain JSON file. For CI, kiosks and crash tests only.

    Anyone who can read the file and the key files together needs only the certificate
    password. Several processes share it (every device profile of a data folder has its entry
    here): each read and each read-modify-write holds the lock of the file's folder
    (``locking.folder_lock``), and writes are atomic, so a crash leaves the old or the new
    content and no process loses another's entry.
    """

    is_secure = False

    def __init__(self, path: Path, *, lock_timeout: float | None = None) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        log.warning(
            "INSECURE file keyring in use (%s): device keys are protected by the certificate "
            "password only. Use it for CI, kiosks and crash tests, never for real keys.",
            self.path,
        )

    def describe(self) -> str:
        return f"INSECURE file keyring (CI/testing only, not the system keyring): {self.path}"

    def _locked(self) -> AbstractContextManager[None]:
        return folder_lock(self.path.parent).hold(self.lock_timeout)

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise KeyringUnavailable(
                store=self.describe(), reason="unreadable file", advice=_ADVICE_REFUSED
            ) from exc
        if not isinstance(data, dict):
            raise KeyringUnavailable(
                store=self.describe(), reason="unreadable file", advice=_ADVICE_REFUSED
            )
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}

    def _write(self, entries: dict[str, str]) -> None:
        data = json.dumps(entries, sort_keys=True, indent=1).encode("utf-8")
        atomic_write(self.path, data, timeout=self.lock_timeout)

    def get(self, username: str) -> str | None:
        with self._locked():
            return self._read().get(f"{SERVICE}/{username}")

    def set(self, username: str, value: str) -> None:
        with self._locked():
            entries = self._read()
            entries[f"{SERVICE}/{username}"] = value
            self._write(entries)

    def delete(self, username: str) -> None:
        with self._locked():
            entries = self._read()
            if entries.pop(f"{SERVICE}/{username}", None) is not None:
                self._write(entries)


class MemorySecretStore(SecretStore):
    """Entries in this process's memory, lost at exit: for benchmarks and unit tests only.
    Never chosen by :func:`select_secret_store`."""

    is_secure = False

    def __init__(self) -> None:
        self.entries: dict[str, str] = {}

    def describe(self) -> str:
        return "in-memory store (tests and benchmarks only; nothing is kept)"

    def get(self, username: str) -> str | None:
        return self.entries.get(username)

    def set(self, username: str, value: str) -> None:
        self.entries[username] = value

    def delete(self, username: str) -> None:
        self.entries.pop(username, None)


def insecure_file_requested(
    flag: bool | str | Path | None = None, env: Mapping[str, str] | None = None
) -> Path | bool:
    """Whether the INSECURE file store was asked for: False, True (default path) or a path.

    ``flag`` is the command-line option (True or a path); otherwise the environment variable
    ``MOBILECA_INSECURE_FILE_KEYRING`` decides: "1"/"true"/"yes"/"on" or a file path.
    """
    if flag:
        return flag if isinstance(flag, Path) else (Path(flag) if isinstance(flag, str) else True)
    env = os.environ if env is None else env
    raw = env.get(INSECURE_ENV, "").strip()
    if raw.lower() in _FALSE:
        return False
    if raw.lower() in _TRUE:
        return True
    return Path(raw).expanduser()


def select_secret_store(
    default_file: Path,
    flag: bool | str | Path | None = None,
    env: Mapping[str, str] | None = None,
) -> SecretStore:
    """The OS keyring, or the INSECURE file store when explicitly requested (see
    :func:`insecure_file_requested`); ``default_file`` is its path when none is given."""
    requested = insecure_file_requested(flag, env)
    if requested is False:
        return OSKeyring()
    path = default_file if requested is True else Path(requested)
    return InsecureFileStore(path)

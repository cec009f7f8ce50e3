"""Where the CA's key-wrapping secret comes from: the OS keyring (local) or a passphrase file
(server). Never a constant in code, never a silent plaintext fallback.

The master secret is 32 random bytes (keyring) or derived from the passphrase with scrypt;
purpose keys are derived from it with HKDF, so one secret protects CA keys, escrowed
encryption keys and the HMAC of SMS codes without reusing a key for two purposes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from abc import ABC, abstractmethod
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from mobileca_desktop.domain.errors import SecretUnavailable

KEYRING_SERVICE = "mobileca-desktop-ca"


class SecretSource(ABC):
    """Provides the 32-byte master secret of one CA data folder."""

    @abstractmethod
    def master_secret(self, salt: bytes, create: bool) -> bytes:
        """``create``: a new CA is being set up and may store a fresh secret."""

    @abstractmethod
    def describe(self) -> str:
        """Which store is in use, for ``doctor`` and the start-up log."""


class KeyringSecret(SecretSource):
    """The secret lives in the OS keyring (Windows Credential Manager, Secret Service,
    macOS Keychain), one entry per CA data folder."""

    def __init__(self, data_dir: Path) -> None:
        self.username = (
            "ca:" + hashlib.sha256(str(Path(data_dir).resolve()).encode()).hexdigest()[:32]
        )

    def master_secret(self, salt: bytes, create: bool) -> bytes:
        import keyring
        from keyring.errors import KeyringError

        backend = keyring.get_keyring()
        if type(backend).__module__.startswith("keyring.backends.fail"):
            raise SecretUnavailable(
                reason="no OS keyring is available (on Linux start gnome-keyring or "
                "KeePassXC's Secret Service, or run the CA with --passphrase-file)"
            )
        try:
            stored = keyring.get_password(KEYRING_SERVICE, self.username)
            if stored is None:
                if not create:
                    raise SecretUnavailable(
                        reason="the keyring has no entry for this CA data folder "
                        "(was it made on another computer or by another user?)"
                    )
                stored = base64.b64encode(os.urandom(32)).decode()
                keyring.set_password(KEYRING_SERVICE, self.username, stored)
        except KeyringError as exc:
            raise SecretUnavailable(
                reason=f"the OS keyring refused access ({type(exc).__name__})"
            ) from exc
        return base64.b64decode(stored)

    def describe(self) -> str:
        import keyring

        backend = keyring.get_keyring()
        return f"OS keyring ({type(backend).__module__}.{type(backend).__name__})"


class PassphraseFileSecret(SecretSource):
    """Server mode: a passphrase in a file readable only by the CA's service account."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def master_secret(self, salt: bytes, create: bool) -> bytes:
        try:
            passphrase = self.path.read_bytes().strip()
        except OSError as exc:
            raise SecretUnavailable(
                reason=f"cannot read the passphrase file ({exc.strerror})"
            ) from exc
        if len(passphrase) < 16:
            raise SecretUnavailable(reason="the passphrase file must hold at least 16 characters")
        return Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(passphrase)

    def describe(self) -> str:
        return f"passphrase file {self.path.name}"


class Keys:
    """Purpose keys derived from the master secret."""

    PURPOSES = ("ca-key-wrap", "kmc-wrap", "sms-hmac", "id-digest", "identity-wrap", "check")

    def __init__(self, master: bytes) -> None:
        self._keys = {
            p: HKDF(hashes.SHA256(), 32, salt=None, info=f"mobileca/{p}".encode()).derive(master)
            for p in self.PURPOSES
        }

    def __getitem__(self, purpose: str) -> bytes:
        return self._keys[purpose]

    def check_value(self) -> str:
        return hmac.new(self["check"], b"mobileca-ca-secret-check", "sha256").hexdigest()

    def hmac_hex(self, purpose: str, *parts: str) -> str:
        msg = "\x1f".join(parts).encode()
        return hmac.new(self[purpose], msg, "sha256").hexdigest()

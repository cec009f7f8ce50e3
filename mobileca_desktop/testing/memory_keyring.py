"""An in-memory OS keyring, so that a test's CA secret and device keys never touch the
machine's real keyring (the CA keeps its secret there, the keystore its device secret)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import keyring
from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    """A real ``keyring`` backend that keeps its entries in a dictionary."""

    priority = 1  # keyring declares it a classproperty; a class attribute serves too

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


@contextmanager
def memory_keyring(backend_class: type[MemoryKeyring] = MemoryKeyring) -> Iterator[MemoryKeyring]:
    """Installs a fresh ``MemoryKeyring`` (or subclass) as the process's keyring; puts the
    previous one back."""
    previous = keyring.get_keyring()
    backend = backend_class()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)

"""One cross-process lock per folder, and the project's one atomic-write helper.

A device profile (``Settings.device_dir``) can be used by several processes at once: two
client windows, the client and ``mobileca decode``, a second start while the first closes.
Every read-modify-write of the profile (key files, the retry counter in the keyring entry,
the scan nonce store) therefore runs under the folder's lock:

- ``folder_lock(folder)`` is the process-wide lock of a folder: an in-process re-entrant
  mutex plus ``filelock.FileLock`` on ``<folder>/.mobileca.lock`` (the OS kind: ``flock`` on
  POSIX, ``LockFileEx`` on Windows; never the soft kind, which a crash leaves behind). A lock
  held by a process that dies is freed by the OS; nothing is ever broken by guessing that a
  holder is gone. Acquiring it has a timeout that ends in ``ProfileInUse`` ("in use by
  another window"): a Secret Service write may wait on an unlock prompt while the lock is
  held. The lock file itself is kept (deleting lock files races with other openers).
- ``atomic_write(path, data)`` writes under the lock of ``path``'s folder: temporary file in
  the same folder, fsync, ``os.replace``, fsync of the folder. A crash leaves the old or the
  new file whole.
- ``sweep_temporary_files(folder)`` removes temporary files left by a crash, only while
  holding the folder's lock: every temporary file is created and renamed under that lock, so
  one found while holding it belongs to no live writer.

Readers take the lock too: on Windows ``os.replace`` fails while another process has the
target open, so a reader holding a file open would make a writer's replace fail. Linux takes
the same path, so the tests on Linux exercise what Windows runs. Network file systems are out
of scope (their lock semantics vary): a device profile lives on a local disk.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from mobileca_desktop.domain.errors import ProfileInUse

log = logging.getLogger(__name__)

LOCK_NAME = ".mobileca.lock"
TMP_SUFFIX = ".tmp"
# Long enough for another window's short file and keyring work, short enough that a window
# waiting behind a keyring prompt elsewhere says why instead of hanging.
DEFAULT_TIMEOUT = 15.0


class FolderLock:
    """The lock of one folder in this process: re-entrant within a thread, exclusive between
    threads and between processes. Use ``with lock.hold(timeout):``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME
        self._mutex = threading.RLock()
        self._depth = 0
        self._owner: int | None = None
        self._file = FileLock(
            str(self.path),
            thread_local=False,
            fallback_to_soft=False,
            preserve_lock_file=True,
        )

    def __repr__(self) -> str:
        return f"<FolderLock {self.folder} depth={self._depth}>"

    def held(self) -> bool:
        """True when the calling thread holds this lock."""
        return self._owner == threading.get_ident()

    @contextlib.contextmanager
    def hold(self, timeout: float | None = None) -> Iterator[None]:
        """Holds the lock for the ``with`` block; ``ProfileInUse`` after ``timeout`` seconds
        (default ``DEFAULT_TIMEOUT``; 0 tries once)."""
        timeout = DEFAULT_TIMEOUT if timeout is None else max(0.0, timeout)
        deadline = time.monotonic() + timeout
        got = self._mutex.acquire(timeout=timeout) if timeout > 0 else self._mutex.acquire(False)
        if not got:
            raise ProfileInUse(folder=str(self.folder))
        try:
            if self._depth == 0:
                self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
                try:
                    self._file.acquire(timeout=max(0.0, deadline - time.monotonic()))
                except Timeout:
                    log.info("the folder %s is in use by another process", self.folder)
                    raise ProfileInUse(folder=str(self.folder)) from None
                self._owner = threading.get_ident()
            self._depth += 1
        except BaseException:
            self._mutex.release()
            raise
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                self._file.release()
            self._mutex.release()


_registry: dict[str, FolderLock] = {}
_registry_guard = threading.Lock()


def _forget_locks_in_child() -> None:
    # A forked child gets fresh locks: the parent's mutexes may be held by its other threads.
    global _registry_guard
    _registry.clear()
    _registry_guard = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_locks_in_child)


def folder_lock(folder: Path) -> FolderLock:
    """The one lock of ``folder`` in this process (shared by every object using it)."""
    key = os.path.normcase(os.path.realpath(folder))
    with _registry_guard:
        lock = _registry.get(key)
        if lock is None:
            lock = _registry[key] = FolderLock(Path(folder))
        return lock


def atomic_write(path: Path, data: bytes, *, timeout: float | None = None) -> None:
    """Replace ``path`` by ``data`` under the lock of its folder, so that a crash at any point
    leaves the old or the new file whole: temporary file (mode 0600) in the same folder,
    fsync, ``os.replace``, fsync the folder."""
    path = Path(path)
    with folder_lock(path.parent).hold(timeout):
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TMP_SUFFIX, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        fsync_dir(path.parent)


def remove(path: Path, *, timeout: float | None = None) -> None:
    """Delete ``path`` if present, durably, under the lock of its folder."""
    path = Path(path)
    if not path.parent.is_dir():
        return
    with folder_lock(path.parent).hold(timeout):
        try:
            os.unlink(path)
        except FileNotFoundError:
            return
        fsync_dir(path.parent)


def sweep_temporary_files(folder: Path) -> int:
    """Removes the temporary files a crash left in ``folder`` (``.<name>.<random>.tmp``), only
    if its lock is free right now (a holder may be writing one); returns how many."""
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    try:
        with folder_lock(folder).hold(timeout=0):
            removed = 0
            for tmp in folder.glob(f".*{TMP_SUFFIX}"):
                try:
                    tmp.unlink()
                except OSError:
                    continue
                removed += 1
                log.info("removed an unfinished write: %s", tmp.name)
            return removed
    except ProfileInUse:
        return 0  # another process is at work here; the next open sweeps


def fsync_dir(folder: Path) -> None:
    """Make a rename or unlink durable on POSIX; Windows cannot open folders for this."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

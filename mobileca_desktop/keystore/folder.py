"""One profile's keystore folder and keyring entry: layout, lock, secret, tries, verified reads."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import shutil
import uuid
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from mobileca_desktop.domain.errors import KeystoreCorrupt, NotActivated, NotThisDevice
from mobileca_desktop.keystore import currentfile
from mobileca_desktop.keystore import fileformat as ff
from mobileca_desktop.keystore.kdf import FLOOR_N, KdfProfile, calibrate
from mobileca_desktop.keystore.records import EncryptionCertInfo, KeyFileInfo, LocalState
from mobileca_desktop.keystore.secretstore import SecretStore, StoreInfo
from mobileca_desktop.locking import folder_lock, sweep_temporary_files

log = logging.getLogger(__name__)

MAX_TRIES = 6  # consecutive wrong passwords before the certificate locks on this device
HEADER_NAME = "keystore.json"
HEADER_FORMAT = "mobileca-desktop/keystore-folder"
SECRET_LEN = 32
_DOC_RE = re.compile(r"^(cert|pending)-(\d{1,12})\.json$")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class KeystoreFolder:
    """The folder of one device profile and its keyring entry: where the files are, the
    cross-process lock, the device secret, the retry counters, verified reads and the KDF
    profile. ``Keystore`` adds the key operations (unlock, password change, activation)."""

    def __init__(
        self,
        folder: Path,
        device_name: str,
        secrets: SecretStore,
        kdf: KdfProfile | None = None,
        *,
        max_tries: int = MAX_TRIES,
        lock_timeout: float | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.device_name = device_name
        self.secrets = secrets
        self.max_tries = max_tries
        self.lock_timeout = lock_timeout  # None: locking.DEFAULT_TIMEOUT
        self._kdf = kdf  # None: calibrated on this machine once, cached in keystore.json
        self._sweep_temporary_files()

    def __repr__(self) -> str:
        return f"<Keystore {self.folder} device={self.device_name!r}>"

    # --- where things are ---------------------------------------------------------------

    def describe_store(self) -> str:
        """Which secret store protects this keystore, in words (for logs and ``doctor``)."""
        return self.secrets.describe()

    def store_info(self) -> StoreInfo:
        """Which secret store protects this keystore, its kind and name (for the UI)."""
        return self.secrets.info()

    def _cert_path(self, certificate_id: int) -> Path:
        return self.folder / f"cert-{int(certificate_id)}.json"

    def _pending_path(self, certificate_id: int) -> Path:
        return self.folder / f"pending-{int(certificate_id)}.json"

    def _username(self, keystore_id: str) -> str:
        return f"{self.device_name}/{keystore_id}"

    def _locked(self) -> AbstractContextManager[None]:
        """The profile's cross-process lock (re-entrant in this thread); ``ProfileInUse``
        when another process holds it past the timeout."""
        return folder_lock(self.folder).hold(self.lock_timeout)

    def _sweep_temporary_files(self) -> None:
        """Temporary files left by a crash before their rename are garbage (the old file is
        whole); they hold nothing in clear, but they are removed to keep the folder clean.
        Only while holding the lock (skipped when another process holds it): a temporary
        file seen then belongs to no live writer."""
        sweep_temporary_files(self.folder)

    def _documents(self) -> dict[tuple[str, int], Path]:
        if not self.folder.is_dir():
            return {}
        out = {}
        for path in self.folder.iterdir():
            m = _DOC_RE.match(path.name)
            if m:
                out[(m.group(1), int(m.group(2)))] = path
        return out

    def certificate_ids(self) -> list[int]:
        """Every certificate with a key file or a pending activation in this folder."""
        return sorted({cid for _, cid in self._documents()})

    # --- the keyring entry ----------------------------------------------------------------

    def _read_header(self) -> dict[str, Any] | None:
        try:
            data = json.loads((self.folder / HEADER_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("format") != HEADER_FORMAT:
            return None
        if not isinstance(data.get("keystore_id"), str):
            return None
        return data

    def _write_header(self, header: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        data = (json.dumps(header, sort_keys=True, indent=1) + "\n").encode()
        ff.atomic_write(self.folder / HEADER_NAME, data)

    def _load_entry(self, keystore_id: str) -> dict[str, Any] | None:
        raw = self.secrets.get(self._username(keystore_id))
        if raw is None:
            return None
        try:
            entry = json.loads(raw)
            secret = ff.b64d(entry.get("secret"), "device secret")
        except (ValueError, AttributeError, ff.FormatError):
            entry, secret = None, b""
        if not isinstance(entry, dict) or len(secret) != SECRET_LEN:
            # An entry we cannot read is as good as none: the files cannot be opened here.
            log.error("the keyring entry of this keystore is unreadable")
            return None
        if not isinstance(entry.get("tries"), dict):
            entry["tries"] = {}
        return entry

    def _save_entry(self, keystore_id: str, entry: dict[str, Any]) -> None:
        self.secrets.set(self._username(keystore_id), json.dumps(entry, sort_keys=True))

    def _entry(self, keystore_id: str) -> dict[str, Any]:
        entry = self._load_entry(keystore_id)
        if entry is None:
            raise NotThisDevice(folder=str(self.folder))
        return entry

    def _secret(self, keystore_id: str) -> bytes:
        return ff.b64d(self._entry(keystore_id)["secret"], "device secret")

    def _replace_key_file(
        self,
        keystore_id: str,
        certificate_id: int,
        body: dict[str, Any],
        secret: bytes,
        *,
        reset_tries: bool = False,
    ) -> None:
        """Writes a key file and names it (its MAC and device certificate serial) in the
        keyring entry as the current one (an older
        copy put back is then refused). Three steps under the lock: stage the new file's MAC,
        replace the file, commit (and reset the counter if asked). A kill between any two
        leaves a file the entry accepts; the next open settles the record as the commit
        would have."""
        data = ff.encode(body, secret)
        mac = ff.mac_of(body, secret)
        serial = _serial_of(body)
        with self._locked():
            entry = self._entry(keystore_id)
            currentfile.stage(
                entry, certificate_id, mac, reset_tries=reset_tries, serial_hex=serial
            )
            self._save_entry(keystore_id, entry)
            ff.atomic_write(self._cert_path(certificate_id), data)
            currentfile.commit(entry, certificate_id, mac, serial)
            if reset_tries:
                entry["tries"].pop(str(certificate_id), None)
            self._save_entry(keystore_id, entry)

    def _keystore_ids_on_disk(self) -> list[str]:
        ids = []
        for path in self._documents().values():
            try:
                kid = ff.parse(path.read_bytes()).get("keystore_id")
            except (OSError, ff.FormatError):
                continue
            if isinstance(kid, str) and kid not in ids:
                ids.append(kid)
        return ids

    def _ensure_keystore(self) -> tuple[str, bytes]:
        """This folder's keystore id and device secret, creating both for a new folder."""
        with self._locked():
            header = self._read_header()
            known = [header["keystore_id"]] if header else []
            known += [k for k in self._keystore_ids_on_disk() if k not in known]
            for kid in known:
                entry = self._load_entry(kid)
                if entry is not None:
                    if header is None or header["keystore_id"] != kid:
                        self._write_header(self._new_header(kid, header))
                    return kid, ff.b64d(entry["secret"], "device secret")
            if self._documents():
                raise NotThisDevice(folder=str(self.folder))
            kid = uuid.uuid4().hex
            secret = os.urandom(SECRET_LEN)
            self._save_entry(kid, {"v": 1, "keystore": kid, "secret": ff.b64e(secret), "tries": {}})
            self._write_header(self._new_header(kid, header))
            log.info("new keystore for device %r (%s)", self.device_name, self.describe_store())
            return kid, secret

    def _new_header(self, keystore_id: str, old: dict[str, Any] | None) -> dict[str, Any]:
        header = {
            "format": HEADER_FORMAT,
            "version": 1,
            "keystore_id": keystore_id,
            "device_name": self.device_name,
            "created_at": _now().isoformat(),
        }
        if old and isinstance(old.get("kdf_profile"), dict):
            header["kdf_profile"] = old["kdf_profile"]
        return header

    def is_foreign(self) -> bool:
        """True when this folder holds key files but this computer's keyring has no entry
        for them (copied from another machine or user account)."""
        with self._locked():
            if not self._documents():
                return False
            header = self._read_header()
            ids = ([header["keystore_id"]] if header else []) + self._keystore_ids_on_disk()
            return not any(self._load_entry(k) is not None for k in ids)

    def archive_foreign(self) -> Path | None:
        """Moves key files made on another device aside (``foreign-<time>/``), so that this
        device can start a keystore of its own; nothing is deleted."""
        with self._locked():
            if not self.is_foreign():
                return None
            target = self.folder / f"foreign-{_now().strftime('%Y%m%dT%H%M%SZ')}"
            target.mkdir()
            for path in [*self._documents().values(), self.folder / HEADER_NAME]:
                if path.exists():
                    shutil.move(str(path), target / path.name)
            ff.fsync_dir(self.folder)
            log.warning("key files from another device moved to %s", target)
            return target

    def replaced_serial(self, certificate_id: int) -> str | None:
        """The device certificate of the key file a new download replaces, when the file
        cannot be used (damaged, an older copy): the serial the keyring entry recorded for
        the current file, else (a file of an earlier release) the one the file names, read
        without trusting it (the CA checks it is this device's). None when neither is known."""
        with self._locked():
            header = self._read_header()
            ids = ([header["keystore_id"]] if header else []) + self._keystore_ids_on_disk()
            for kid in ids:
                entry = self._load_entry(kid)
                recorded = currentfile.serial(entry, certificate_id) if entry else None
                if recorded:
                    return recorded
            try:
                doc = ff.parse(self._cert_path(certificate_id).read_bytes())
            except (OSError, ff.FormatError):
                return None
        return _serial_of(doc)

    # --- the retry counter ------------------------------------------------------------------

    def _tries(self, keystore_id: str, certificate_id: int) -> int:
        entry = self._load_entry(keystore_id)
        if entry is None:
            raise NotThisDevice(folder=str(self.folder))
        value = entry["tries"].get(str(certificate_id), 0)
        return value if isinstance(value, int) and value >= 0 else self.max_tries

    def _set_tries(self, keystore_id: str, certificate_id: int, value: int) -> None:
        with self._locked():
            entry = self._load_entry(keystore_id)
            if entry is None:
                raise NotThisDevice(folder=str(self.folder))
            if value:
                entry["tries"][str(certificate_id)] = value
            elif entry["tries"].pop(str(certificate_id), None) is None:
                return
            self._save_entry(keystore_id, entry)

    def tries_left(self, certificate_id: int) -> int:
        with self._locked():
            _doc, kid, _secret = self._open(self._cert_path(certificate_id), certificate_id)
            return max(0, self.max_tries - self._tries(kid, certificate_id))

    # --- reading documents -----------------------------------------------------------------

    def _open(self, path: Path, certificate_id: int) -> tuple[dict[str, Any], str, bytes]:
        """A document whose MAC verifies, with its keystore id and device secret (read under
        the lock, so that no writer's replace meets an open file on Windows)."""
        with self._locked():
            return self._open_locked(path, certificate_id)

    def _open_locked(self, path: Path, certificate_id: int) -> tuple[dict[str, Any], str, bytes]:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise NotActivated(certificate=certificate_id) from None
        except OSError as exc:
            raise KeystoreCorrupt(
                certificate=certificate_id, reason=f"unreadable: {exc.strerror}"
            ) from exc
        try:
            doc = ff.parse(data)
        except ff.FormatError as exc:
            raise KeystoreCorrupt(certificate=certificate_id, reason=str(exc)) from exc
        kid = doc.get("keystore_id")
        if not isinstance(kid, str):
            raise KeystoreCorrupt(certificate=certificate_id, reason="no keystore id")
        entry = self._entry(kid)  # KeyringUnavailable / NotThisDevice
        secret = ff.b64d(entry["secret"], "device secret")
        if not ff.mac_ok(doc, secret):
            raise KeystoreCorrupt(certificate=certificate_id, reason="integrity check failed")
        if doc.get("certificate_id") != certificate_id:
            raise KeystoreCorrupt(certificate=certificate_id, reason="file of another certificate")
        if path == self._cert_path(certificate_id) and currentfile.check(
            entry, certificate_id, doc["mac"], _serial_of(doc)
        ):  # KeyFileOutdated: an older copy of the key file
            self._save_entry(kid, entry)
        return doc, kid, secret

    @staticmethod
    def _header_of(doc: dict[str, Any]) -> dict[str, Any]:
        return {
            "keystore_id": doc["keystore_id"],
            "certificate_id": doc["certificate_id"],
            "kdf": doc["kdf"],
        }

    def state(self, certificate_id: int) -> LocalState:
        """This device's state for a certificate. Raises ``KeyringUnavailable`` when the
        keyring cannot be asked (then no state can be told)."""
        if not self._pending_path(certificate_id).exists() and not (
            self._cert_path(certificate_id).exists()
        ):
            return LocalState.ABSENT
        with self._locked():
            if self._pending_path(certificate_id).exists():
                return LocalState.PENDING
            try:
                _doc, kid, _secret = self._open(self._cert_path(certificate_id), certificate_id)
            except NotActivated:
                return LocalState.ABSENT
            except KeystoreCorrupt:
                return LocalState.CORRUPT
            except NotThisDevice:
                return LocalState.NOT_THIS_DEVICE
            if self._tries(kid, certificate_id) >= self.max_tries:
                return LocalState.LOCKED
            return LocalState.READY

    def info(self, certificate_id: int) -> KeyFileInfo:
        """The public part of a verified key file (device certificate, chain, encryption
        certificates)."""
        doc, _kid, _secret = self._open(self._cert_path(certificate_id), certificate_id)
        return self._info(doc)

    def _info(self, doc: dict[str, Any]) -> KeyFileInfo:
        pub = doc["public"]
        return KeyFileInfo(
            certificate_id=doc["certificate_id"],
            account_id=pub["account_id"],
            device_name=pub["device_name"],
            device_serial_hex=pub["device_serial_hex"],
            device_cert_pem=pub["device_cert_pem"],
            chain_pem=pub["chain_pem"],
            activated_at=dt.datetime.fromisoformat(pub["activated_at"]),
            encryption_certs=tuple(
                EncryptionCertInfo(e["serial_hex"], e["generation"], e["cert_pem"])
                for e in pub["encryption_certs"]
            ),
        )

    # --- the KDF profile ------------------------------------------------------------------

    def kdf_profile(self) -> KdfProfile:
        """The profile for new files: the injected one, else the one calibrated on this
        machine (measured once, then cached in ``keystore.json``)."""
        if self._kdf is not None:
            return self._kdf
        with self._locked():
            cached = _cached_profile(self._read_header())
        if cached is not None:
            return cached
        # Measured outside the lock (it takes a second or two); the first to finish keeps it.
        profile = calibrate()
        log.info("calibrated scrypt: n=2**%d, %.3f s", profile.n.bit_length() - 1, profile.seconds)
        with self._locked():
            header = self._read_header()
            cached = _cached_profile(header)
            if cached is not None:
                return cached
            if header is not None:
                header["kdf_profile"] = {
                    "n": profile.n,
                    "r": profile.r,
                    "p": profile.p,
                    "seconds": profile.seconds,
                    "measured_at": _now().isoformat(),
                }
                self._write_header(header)
            return profile


def _serial_of(doc: dict[str, Any]) -> str | None:
    """The device certificate serial a key file names (pending records name none)."""
    public = doc.get("public")
    serial = public.get("device_serial_hex") if isinstance(public, dict) else None
    return serial if isinstance(serial, str) and serial else None


def _cached_profile(header: dict[str, Any] | None) -> KdfProfile | None:
    cached = header.get("kdf_profile") if header else None
    if not isinstance(cached, dict):
        return None
    n, r, p = cached.get("n"), cached.get("r"), cached.get("p")
    if not (isinstance(n, int) and isinstance(r, int) and isinstance(p, int)):
        return None
    try:
        profile = KdfProfile(n=n, r=r, p=p, seconds=cached.get("seconds"))
    except (ValueError, TypeError):
        return None
    return profile if profile.n >= FLOOR_N else None

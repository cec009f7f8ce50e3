"""What 扫一扫 keeps between scans: the trusted platforms and the nonces already answered."""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from mobileca_desktop.crypto import oids
from mobileca_desktop.crypto import scanproto as sp
from mobileca_desktop.domain.errors import ConfigurationError
from mobileca_desktop.keystore.fileformat import atomic_write
from mobileca_desktop.services.scan_data import _refuse

log = logging.getLogger(__name__)


# --- the trust list ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TrustedPlatform:
    """A trading platform the user trusts: its pinned signing certificate and origin."""

    platform_id: str
    name: str
    origin: str
    certificate_pem: str

    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.certificate_pem.encode("ascii"))

    def check(self) -> TrustedPlatform:
        """``self`` if its certificate may sign scan payloads for ``origin``; else
        ``ConfigurationError``."""
        problem = _platform_problem(self)
        if problem:
            raise ConfigurationError(reason=f"trusted platform {self.platform_id!r}: {problem}")
        return self

    def to_dict(self) -> dict[str, str]:
        return {
            "platform_id": self.platform_id,
            "name": self.name,
            "origin": self.origin,
            "certificate_pem": self.certificate_pem,
        }

    @classmethod
    def from_dict(cls, obj: Any) -> TrustedPlatform:
        keys = ("platform_id", "name", "origin", "certificate_pem")
        if not isinstance(obj, dict) or not all(isinstance(obj.get(k), str) for k in keys):
            raise ConfigurationError(reason=f"a trusted platform needs {', '.join(keys)}")
        return cls(*(obj[k] for k in keys)).check()

    @classmethod
    def from_certificate(
        cls, platform_id: str, name: str, certificate_pem: str | bytes
    ) -> TrustedPlatform:
        """Trust a platform certificate (the engine's platform profile): the origin is its
        URI SAN."""
        pem = (
            certificate_pem.decode("ascii")
            if isinstance(certificate_pem, bytes)
            else certificate_pem
        )
        try:
            cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
        except ValueError as exc:
            raise ConfigurationError(reason="not a PEM certificate") from exc
        origins = _san_origins(cert)
        if len(origins) != 1:
            raise ConfigurationError(reason="the platform certificate must name one origin")
        return cls(platform_id, name, origins[0], pem).check()


def _san_origins(cert: x509.Certificate) -> list[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    out = []
    for uri in san.get_values_for_type(x509.UniformResourceIdentifier):
        with contextlib.suppress(ValueError):
            out.append(sp.url_origin(uri))
    return out


def _platform_problem(tp: TrustedPlatform) -> str | None:
    if not re.fullmatch(r"[a-z0-9.-]{1,64}", tp.platform_id):
        return "the id must be 1-64 characters of [a-z0-9.-]"
    if not tp.name.strip() or len(tp.name) > 100:
        return "a name of 1-100 characters is needed"
    try:
        sp.check_origin(tp.origin)
    except ValueError as exc:
        return f"the origin is not valid ({exc})"
    try:
        cert = tp.certificate()
    except ValueError:
        return "the certificate is not PEM"
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        return "the certificate's key is not EC P-256"
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return "the certificate has no extended key usage"
    if not oids.has_platform_signing_eku(eku):
        return "the certificate is not a platform-signing certificate (EKU)"
    if tp.origin not in _san_origins(cert):
        return "the origin is not the one in the certificate"
    return None


def load_trust_list(path: Path) -> list[TrustedPlatform]:
    """The trusted platforms in ``path`` (none when the file does not exist)."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise ConfigurationError(reason=f"{Path(path).name} cannot be read ({exc})") from exc
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigurationError(reason=f"{Path(path).name} is not JSON") from exc
    if not isinstance(data, list):
        raise ConfigurationError(reason=f"{Path(path).name} must hold a list")
    platforms = [TrustedPlatform.from_dict(item) for item in data]
    ids = [p.platform_id for p in platforms]
    if len(set(ids)) != len(ids):
        raise ConfigurationError(reason=f"{Path(path).name} names a platform twice")
    return platforms


def save_trust_list(path: Path, platforms: Iterable[TrustedPlatform]) -> None:
    items = [p.check().to_dict() for p in platforms]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    atomic_write(Path(path), json.dumps(items, ensure_ascii=False, indent=2).encode("utf-8"))


def trust_platform(path: Path, platform: TrustedPlatform) -> None:
    """Adds or replaces one platform in the trust list file."""
    others = [p for p in load_trust_list(path) if p.platform_id != platform.platform_id]
    save_trust_list(path, [*others, platform.check()])


# --- the nonce store --------------------------------------------------------------------------


class NonceStore:
    """The nonces this device has answered, kept until their ``exp`` (+ tolerance) has
    passed; a JSON file in the device folder, replaced atomically on every change. Every
    read and read-modify-write holds the device profile's cross-process lock (the folder's
    ``locking.folder_lock``), so two windows on one profile cannot both spend one nonce."""

    def __init__(self, path: Path, tolerance: int = sp.IAT_TOLERANCE) -> None:
        self.path = Path(path)
        self.tolerance = tolerance

    def _locked(self) -> contextlib.AbstractContextManager[None]:
        from mobileca_desktop.locking import folder_lock

        return folder_lock(self.path.parent).hold()

    @staticmethod
    def _key(platform_id: str, nonce: str) -> str:
        return f"{platform_id} {nonce}"

    def _load(self) -> dict[str, int]:
        try:
            data = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, UnicodeDecodeError):
            # The platform refuses a reused nonce as well, and every nonce here lives for
            # at most ~150 s: a damaged file is set aside rather than block 扫一扫 for good.
            log.warning("the scan nonce store %s is damaged; starting a new one", self.path)
            with contextlib.suppress(OSError):  # under the lock: no writer meets the move
                self.path.replace(self.path.with_suffix(".damaged"))
            return {}
        if not isinstance(data, dict):
            return {}
        return {
            k: v
            for k, v in data.items()
            if isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
        }

    def seen(self, platform_id: str, nonce: str) -> bool:
        if not self.path.parent.is_dir():
            return False
        with self._locked():
            return self._key(platform_id, nonce) in self._load()

    def spend(self, platform_id: str, nonce: str, expires_at: int, now: float) -> None:
        """Records the nonce (and drops the expired ones) before anything is posted; a nonce
        already spent, by this or another process, is ``ScanRefused(replayed)``."""
        with self._locked():
            entries = {k: exp for k, exp in self._load().items() if exp + self.tolerance >= now}
            if self._key(platform_id, nonce) in entries:
                raise _refuse("replayed", "this code was already used on this device")
            entries[self._key(platform_id, nonce)] = int(expires_at)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path, json.dumps(entries, sort_keys=True).encode("ascii"))

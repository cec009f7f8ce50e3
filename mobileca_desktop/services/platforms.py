"""The trading platforms this client trusts for 扫一扫, as the settings page manages them.

The list itself (``platforms.json`` in the data folder, pinned signing certificate and
origin per platform) and its checks belong to the scan service (``services/scan.py``); this
module adds what the settings page needs around it: fetching a platform's description from
``GET <url>/.well-known/mobileca-platform`` so the user can compare it before trusting it,
and the certificate's SHA-256 fingerprint to show. Qt-free.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives.serialization import Encoding

from mobileca_desktop.domain.errors import ConfigurationError, ServiceUnavailable
from mobileca_desktop.services.scan import (
    TRUST_FILE,
    TrustedPlatform,
    load_trust_list,
    trust_platform,
)

WELL_KNOWN = "/.well-known/mobileca-platform"
MAX_ANSWER = 64 * 1024


@dataclass(frozen=True)
class PlatformInfo:
    """A platform as shown to the user: who, where, and the pinned certificate's SHA-256."""

    platform: TrustedPlatform
    fingerprint: str

    @property
    def name(self) -> str:
        return self.platform.name

    @property
    def origin(self) -> str:
        return self.platform.origin

    @property
    def platform_id(self) -> str:
        return self.platform.platform_id


def info(platform: TrustedPlatform) -> PlatformInfo:
    der = platform.certificate().public_bytes(Encoding.DER)
    return PlatformInfo(platform, hashlib.sha256(der).hexdigest())


def trust_file(data_dir: Path) -> Path:
    return Path(data_dir) / TRUST_FILE


def load_trusted(data_dir: Path) -> list[PlatformInfo]:
    """The platforms trusted in this data folder (shared by its device profiles)."""
    return [info(p) for p in load_trust_list(trust_file(data_dir))]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(reason=f"not an http(s) URL: {url!r}")
    return f"{parts.scheme}://{parts.netloc}".lower()


def fetch_platform(
    url: str, *, timeout: float = 10.0, transport: httpx.BaseTransport | None = None
) -> PlatformInfo:
    """The platform at ``url`` as it describes itself. Its certificate must be a platform
    signing certificate for exactly the origin the user typed, so a page cannot pass off
    another origin's certificate; the user still compares the fingerprint before trusting."""
    origin = _origin(url)
    try:
        with httpx.Client(timeout=timeout, transport=transport, follow_redirects=False) as c:
            resp = c.get(origin + WELL_KNOWN)
    except httpx.HTTPError as exc:
        raise ServiceUnavailable(url=origin, reason=f"cannot connect ({exc})") from None
    if resp.status_code != 200:
        raise ServiceUnavailable(url=origin, reason=f"HTTP {resp.status_code}")
    if len(resp.content) > MAX_ANSWER:
        raise ServiceUnavailable(url=origin, reason="the answer is too large")
    try:
        data = resp.json()
    except ValueError:
        raise ServiceUnavailable(url=origin, reason="the answer is not JSON") from None
    platform = TrustedPlatform.from_dict(data)  # checked: EKU, P-256, origin in the SAN
    if platform.origin.lower() != origin:
        raise ConfigurationError(
            reason=f"the platform at {origin} describes itself as {platform.origin}"
        )
    return info(platform)


def add_trusted(data_dir: Path, platform: PlatformInfo | TrustedPlatform) -> None:
    """Adds (or replaces, by id) a platform in the data folder's trust list, atomically."""
    tp = platform.platform if isinstance(platform, PlatformInfo) else platform
    trust_platform(trust_file(data_dir), tp)

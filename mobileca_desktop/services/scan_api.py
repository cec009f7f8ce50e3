"""扫一扫 as the views see it (Qt-free): read a QR code's text, show who asks for what, then
act with a certificate and its password.

The three steps are separate calls so the views can show the request between them and ask
for the password; each runs off the GUI thread. ``read`` and ``prepare`` never sign
anything; ``perform`` signs (or decrypts) only after every check of the payload passed and
the platform's operation data was fetched from the payload's signed origin.

The payload format and its checks are in ``docs/scan-protocol.md``.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import StrEnum

from mobileca_desktop.crypto.pdfpages import Box, PageArea
from mobileca_desktop.domain.models import CertKind, Session


class ScanOperation(StrEnum):
    LOGIN = "login"  # 扫码登录
    SEAL = "seal"  # 扫码签章
    ENCRYPT = "encrypt"  # 扫码加密
    DECRYPT = "decrypt"  # 扫码解密 (开标)


class ScanSource(StrEnum):
    """Where the code was read. A code on this computer's own screen or clipboard was shown
    by a browser on this computer, so the platform may insist that the browser that asked is
    at the client's address (docs/scan-protocol.md §9); a camera or an image file may show
    another device's screen."""

    SCREEN = "screen"  # 屏幕区域
    CLIPBOARD = "clipboard"  # 粘贴 / 拖放
    CAMERA = "camera"
    FILE = "file"  # 选择图片文件

    @property
    def local(self) -> bool:
        return self in (ScanSource.SCREEN, ScanSource.CLIPBOARD)


@dataclass(frozen=True)
class ScanRequest:
    """A payload whose signature, platform, origin, expiry and nonce have been checked."""

    version: int
    operation: ScanOperation
    platform_id: str  # the platform's identity (from its signing certificate)
    platform_name: str  # shown to the user, e.g. 山西省公共资源交易平台（模拟）
    origin: str  # the pinned origin every URL of the request is on
    session_ref: str
    callback_url: str
    nonce: str
    expires_at: dt.datetime
    source: ScanSource = ScanSource.SCREEN  # where the code was read


@dataclass(frozen=True)
class Requester:
    """Who asked the platform for this request (protocol version 2): the browser's address,
    its browser and system in plain words (empty when the User-Agent says nothing known),
    when, and whether the address from which this client fetched the data is the same."""

    address: str
    user_agent: str
    browser: str
    system: str
    at: dt.datetime
    client_address: str
    same_address: bool


@dataclass(frozen=True)
class CertificateChoice:
    """A certificate on this device that may do the request's operation."""

    certificate_id: int
    kind: CertKind
    subject_name: str  # the company or person
    label: str  # e.g. "单位证书 · 山西示范建设有限公司"
    agent_for: str | None = None  # set when used by an agent through a grant


@dataclass(frozen=True)
class ScanPrompt:
    """What the user confirms: the platform, the operation and its data."""

    request: ScanRequest
    summary: str  # one line: 登录 山西省公共资源交易平台 / 签章《投标函.pdf》 …
    details: tuple[tuple[str, str], ...] = ()  # label → value rows for the confirm page
    document: bytes | None = None  # the PDF to seal (what you see is what you seal)
    document_name: str | None = None
    seal_image: bytes | None = None  # PNG of the chosen seal, for the preview
    # 扫码签章: every page's visible area and rotation, and where the platform asks for the
    # seal (page, box in PDF points); the user may move it (``perform(placement=...)``).
    seal_pages: tuple[PageArea, ...] = ()
    seal_page: int = 1
    seal_box: Box | None = None
    certificates: tuple[CertificateChoice, ...] = ()
    data_digest: str = ""  # hex SHA-256 of the operation data the signature will bind
    requester: Requester | None = None  # None: a version-1 platform does not say


@dataclass(frozen=True)
class ScanOutcome:
    """The platform accepted the result."""

    operation: ScanOperation
    message: str  # the platform's words, e.g. 登录成功：山西示范建设有限公司
    details: dict[str, str] = field(default_factory=dict)


class ScanService(ABC):
    """扫一扫 for one device (its keystore) and one logged-in account."""

    @abstractmethod
    def read(self, text: str, source: ScanSource = ScanSource.SCREEN) -> ScanRequest:
        """Parse and check a QR code's text, read from ``source`` (signed into the answer;
        the strict default suits a caller that does not know). Raises ``ScanPayloadInvalid``
        (not a platform code) or ``ScanRefused`` (unsigned, badly signed, unknown platform,
        expired, nonce already used, URL off the signed origin, ...). Signs nothing."""

    @abstractmethod
    def prepare(self, session: Session, request: ScanRequest) -> ScanPrompt:
        """Fetch the operation's data from the platform by the session reference and list
        this device's certificates that may do it. Signs nothing."""

    @abstractmethod
    def perform(
        self,
        session: Session,
        prompt: ScanPrompt,
        certificate_id: int,
        password: str,
        *,
        placement: tuple[int, Box] | None = None,
    ) -> ScanOutcome:
        """Unlock the certificate with ``password`` (the keystore's retry counter applies),
        sign or decrypt, send the result to the callback URL and return the platform's
        answer. Raises ``WrongPassword``, ``CertificateLocked``, ``ScanRefused``,
        ``PlatformRejected``, ``ServiceUnavailable``. The nonce is spent once sent.
        ``placement``: 扫码签章's (page, box) where the user put the seal on the confirm page
        (default: where the platform asked)."""

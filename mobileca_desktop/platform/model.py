"""The platform's records: scan sessions, logins and bids, with their limits and labels."""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric import ec

from mobileca_desktop.crypto import scanproto
from mobileca_desktop.platform.requesters import Requester
from mobileca_desktop.platform.trust import Subject

QR_LIFETIME = 120  # seconds (the protocol's maximum)
ANSWER_GRACE = 180  # seconds after exp in which a session already scanned may still answer
BINDING_SKEW = 300  # seconds the binding's time may differ from the CA clock
MAX_BID_BYTES = 10 * 1024 * 1024
MAX_BID_ID = 64  # far above the platform's own ids (_new_id)
LOGIN_HOURS = 8
KEEP_ENDED = 60  # seconds an ended session without a login stays, so its page learns the end
MAX_FETCH_ADDRESSES = 8  # copies of one session's data kept (more are served, not kept)
KEEP_ENDED_OWNED = 3600  # a logged-in page's ended session (its sealed file, opened bid)
LOGIN_CONFIRM_WINDOW = QR_LIFETIME  # seconds the browser has to confirm a scanned login

OP_LABEL = {"login": "扫码登录", "seal": "扫码签章", "encrypt": "扫码加密", "decrypt": "扫码解密"}
SEAL_LABEL = {"official": "公章", "legal_rep": "法人章", "signature": "个人签名"}
STATE_LABEL = {
    "waiting": "等待扫码",
    "scanned": "已扫码，请在客户端确认",
    "authorized": "已授权，等待客户端返回密钥",
    "confirmed": "已确认",
    "rejected": "已拒绝",
    "expired": "二维码已过期",
}
LIVE = ("waiting", "scanned", "authorized")


@dataclass
class Login:
    """A logged-in platform session (the browser holds its token in a cookie)."""

    token: str
    subject: Subject
    device_serial: str
    institution: str
    at: dt.datetime
    expires_at: dt.datetime


@dataclass
class Bid:
    id: str
    name: str
    sha256: str
    size: int
    subject_key: str
    subject_name: str
    encryption_serial: str
    created_at: str
    signer: str
    opened_at: str | None = None
    opened_by: str | None = None
    project: str = ""
    sealed_at: int | None = None  # the bidder's binding time at 扫码加密 (Unix seconds)


@dataclass
class ScanSession:
    sid: str
    op: str
    nonce: str
    iat: int
    exp: int
    qr_text: str
    requester: Requester  # the browser that asked (address, User-Agent, when)
    bind_digest: bytes  # SHA-256 of the browser-binding cookie handed to that browser
    owner: Login | None = None
    # The operation data as served to each fetching address (each names its fetcher, so a
    # relaying attacker's own early fetch cannot make the victim's copy say "same address").
    served: dict[str, bytes] = field(default_factory=dict)
    ended_at: int | None = None
    state: str = "waiting"
    code: str | None = None
    message: str = ""
    data_body: bytes | None = None  # the served body the accepted answer signed
    details: list[list[str]] = field(default_factory=list)
    summary: str = ""
    # seal
    document: bytes | None = None
    document_name: str | None = None
    seal: dict | None = None
    sealed: bytes | None = None
    # encrypt
    bid_name: str | None = None
    bid_content: bytes | None = None
    project: str = ""
    # decrypt
    bid_id: str | None = None
    ephemeral: ec.EllipticCurvePrivateKey | None = None
    # results
    # login: the accepted login, not yet valid, until the binding browser confirms it
    pending_login: Login | None = None
    confirm_until: int | None = None  # CA clock; the pending login is dropped after it
    answer_signature: str | None = None  # decrypt: step (b) repeats step (a)'s signature
    result: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


@dataclass
class _Proof:
    """How far an answer got: ``authentic`` once its signature over this session's binding
    verified with a certificate of a pinned CA for the subject the session expects (any
    subject for a login). Only then may a refusal end the session."""

    authentic: bool = False


def _new_id() -> str:
    return scanproto.b64url(secrets.token_bytes(18))  # 24 characters

"""The platform's scan sessions and the four operations, without HTTP (``app.py`` serves them).

A scan session is one QR code: ``waiting`` (shown) → ``scanned`` (its operation data was
fetched) → ``confirmed`` / ``rejected`` (with the reason) / ``expired``; a decrypt session
passes ``authorized`` (the wrapped key was released) on its way to ``confirmed``. A confirmed
扫码登录 holds its login until the browser that asked confirms the account (``take_login``)
or declines it (``decline_login``, the session becomes ``rejected``), at most
``LOGIN_CONFIRM_WINDOW`` seconds (then ``expired``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import segno
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from mobileca_desktop.crypto import cms, ecies, scanproto
from mobileca_desktop.domain.filenames import clean_filename
from mobileca_desktop.platform import bids, pdfcheck
from mobileca_desktop.platform.requesters import (
    Requester,
    ScanPolicy,
    binding_matches,
    new_binding,
)
from mobileca_desktop.platform.trust import (
    CertificateChecker,
    CheckedCertificate,
    Refusal,
    Subject,
    TrustSource,
    shanghai,
    subject_of,
)

log = logging.getLogger(__name__)

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


class Platform:
    """One trading platform: its signing key and certificate, its sessions and bids."""

    def __init__(
        self,
        *,
        data_dir: Path,
        trust: TrustSource,
        key: ec.EllipticCurvePrivateKey,
        certificate: x509.Certificate,
        platform_id: str,
        name: str,
        origin: str,
        accepted_institutions: frozenset[str] | None = None,
        policy: ScanPolicy | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.trust = trust
        self.checker = CertificateChecker(trust, accepted_institutions)
        self.key = key
        self.certificate = certificate
        self.certificate_pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
        self.platform_id = platform_id
        self.name = name
        self.origin = origin
        self.policy = policy or ScanPolicy()
        self._lock = threading.RLock()
        self.sessions: dict[str, ScanSession] = {}
        self.logins: dict[str, Login] = {}
        self.bids_dir = self.data_dir / "bids"
        self.sealed_dir = self.data_dir / "sealed"
        self.bids_dir.mkdir(parents=True, exist_ok=True)
        self.sealed_dir.mkdir(parents=True, exist_ok=True)

    # --- sessions ------------------------------------------------------------------------

    def now(self) -> dt.datetime:
        return self.trust.now()

    def new_session(
        self, op: str, *, requester: Requester, owner: Login | None = None, **kw
    ) -> tuple[ScanSession, str]:
        """A new session and the browser-binding value for the requesting browser's
        HttpOnly cookie (only its digest is kept). Without a login, creation is bounded
        per address and in total (``too_many_sessions``, 429)."""
        now = int(self.now().timestamp())
        if owner is None:
            self._admit(requester, now)
        sid = _new_id()
        nonce = scanproto.b64url(secrets.token_bytes(scanproto.NONCE_BYTES))
        ephemeral = ec.generate_private_key(ec.SECP256R1()) if op == "decrypt" else None
        payload = scanproto.Payload(
            operation=op,
            platform_id=self.platform_id,
            origin=self.origin,
            session_ref=sid,
            data_url=f"{self.origin}/scan/{sid}/data",
            callback_url=f"{self.origin}/scan/{sid}/callback",
            nonce=nonce,
            issued_at=now,
            expires_at=now + QR_LIFETIME,
            ephemeral_key=scanproto.encode_k(ephemeral.public_key()) if ephemeral else None,
        )
        text = scanproto.encode_payload(payload, self.key)
        token, digest = new_binding()
        session = ScanSession(
            sid=sid,
            op=op,
            nonce=nonce,
            iat=now,
            exp=now + QR_LIFETIME,
            qr_text=text,
            requester=requester,
            bind_digest=digest,
            owner=owner,
            ephemeral=ephemeral,
            **kw,
        )
        with self._lock:
            self.sessions[sid] = session
        return session, token

    def _admit(self, requester: Requester, now: int) -> None:
        with self._lock:
            self._sweep(now)
            anonymous = [s for s in self.sessions.values() if s.owner is None]
            mine = sum(
                1 for s in anonymous if s.state in LIVE and s.requester.address == requester.address
            )
            # All sessions made without a login, ended ones too until they are forgotten.
            full = len(anonymous) >= self.policy.max_pending_total
        if mine >= self.policy.max_pending_per_address or full:
            log.warning("scan session refused for %s: too many pending", requester.address)
            refusal = Refusal("too_many_sessions", "待扫码的二维码过多，请稍后再试", 429)
            refusal.retry_after = QR_LIFETIME  # type: ignore[attr-defined]  # app.py's header
            raise refusal

    def _sweep(self, now: int) -> None:
        """Ends sessions at their expiry (their QR code, document and keys dropped at
        once) and forgets ended ones after ``KEEP_ENDED`` seconds (a logged-in page's after
        ``KEEP_ENDED_OWNED``). Runs under ``self._lock`` whenever a session is made or
        looked up, so memory stays bounded by the creation limits."""
        gone = []
        for sid, session in self.sessions.items():
            self._expire(session, now)
            if session.pending_login is not None:
                continue  # kept until confirmed, declined or expired
            keep = KEEP_ENDED_OWNED if session.owner is not None else KEEP_ENDED
            if session.ended_at is not None and now > session.ended_at + keep:
                gone.append(sid)
        for sid in gone:
            del self.sessions[sid]

    def get(self, sid: str) -> ScanSession:
        now = int(self.now().timestamp())
        with self._lock:
            self._sweep(now)
            session = self.sessions.get(sid)
        if session is None:
            raise Refusal("unknown_session", "没有这个扫码会话（可能已过期被清除）", status=404)
        return session

    @staticmethod
    def _expire(session: ScanSession, now: int) -> None:
        if session.pending_login is not None and now > (session.confirm_until or 0):
            session.pending_login = None
            session.state = "expired"
            session.message = "浏览器上的登录确认已超时，请刷新二维码重新扫码"
            session.result["confirm"] = "expired"
            session.ended_at = now
        if session.state == "waiting" and now > session.exp:
            session.state = "expired"
            session.message = "二维码已过期，请刷新"
        elif session.state in ("scanned", "authorized") and now > session.exp + ANSWER_GRACE:
            session.state = "expired"
            session.message = "等待客户端确认超时，请刷新二维码"
        if session.state not in LIVE and session.ended_at is None:
            session.ended_at = now
        if session.state == "expired":
            # Nothing of an expired session can be used any more: drop what it held.
            session.document = session.bid_content = session.ephemeral = None
            session.data_body = session.pending_login = None
            session.served = {}
            session.qr_text = ""

    def owns(self, session: ScanSession, bind_token: str | None, login: Login | None) -> bool:
        """Whether a browser is the one that asked for ``session``: it holds the session's
        browser-binding cookie, or (an operation of a logged-in page) its login."""
        if binding_matches(bind_token, session.bind_digest):
            return True
        return login is not None and session.owner is not None and login is session.owner

    def _pending(self, session: ScanSession, bind_token: str | None) -> Login:
        """The pending login of ``session`` for the browser holding its binding cookie (the
        caller holds ``session.lock``). Login CSRF: no other browser may take or drop it."""
        if session.op != "login" or not binding_matches(bind_token, session.bind_digest):
            raise Refusal("not_your_login", "只有发起此次扫码登录的浏览器才能确认或取消登录", 403)
        self._expire(session, int(self.now().timestamp()))
        if session.state == "expired" and session.result.get("confirm") == "expired":
            raise Refusal("login_expired", "登录确认已超时，请刷新二维码重新扫码", 410)
        if session.pending_login is None or session.state != "confirmed":
            raise Refusal("no_pending_login", "没有待确认的登录（已确认、已取消或尚未扫码）", 409)
        return session.pending_login

    def take_login(self, session: ScanSession, bind_token: str | None) -> Login:
        """Confirms the account of a scanned 扫码登录 (the page asked "以 X 身份登录？" and the
        user said yes): the login becomes valid from now and is handed exactly once, only to
        the browser holding that session's binding cookie (``Refusal`` otherwise)."""
        with session.lock:
            pending = self._pending(session, bind_token)
            session.pending_login = None
            now = self.now()
            login = Login(
                token=secrets.token_urlsafe(24),
                subject=pending.subject,
                device_serial=pending.device_serial,
                institution=pending.institution,
                at=now,
                expires_at=now + dt.timedelta(hours=LOGIN_HOURS),
            )
            with self._lock:
                self.logins[login.token] = login
            session.result["confirm"] = "done"
            session.message = f"登录成功：{login.subject.display}"
        return login

    def decline_login(self, session: ScanSession, bind_token: str | None) -> None:
        """不是我: the browser's user refuses the account a scan answered with (someone else
        answered the code first). The login is dropped and the session ends ``rejected``."""
        with session.lock:
            pending = self._pending(session, bind_token)
            session.pending_login = None
            session.state = "rejected"
            session.code = "login_declined"
            session.message = "已取消登录：浏览器用户拒绝了此账号，请重新扫码"
            session.result["confirm"] = "declined"
        log.warning(
            "login %s declined by the browser that asked (answered as %s, device %s)",
            session.sid,
            pending.subject.display,
            pending.device_serial,
        )

    @staticmethod
    def _showable(session: ScanSession) -> None:
        if session.state not in LIVE or not session.qr_text:
            raise Refusal("session_closed", "此二维码已不可用", status=410)

    def qr_png(self, session: ScanSession, scale: int = 6) -> bytes:
        self._showable(session)
        qr = segno.make(session.qr_text, error="m", micro=False)
        buf = io.BytesIO()
        qr.save(buf, kind="png", scale=scale, border=4)
        return buf.getvalue()

    def qr_svg(self, session: ScanSession, scale: int = 6) -> bytes:
        self._showable(session)
        qr = segno.make(session.qr_text, error="m", micro=False)
        buf = io.BytesIO()
        qr.save(buf, kind="svg", scale=scale, border=4, xmldecl=False)
        return buf.getvalue()

    def public_state(self, session: ScanSession, *, owner: bool = False) -> dict[str, Any]:
        """What the page polls. Who logged in, with which certificate and institution (the
        result, and messages that name them) only for the browser that owns the session
        (``owns``); anyone else who knows the session reference sees its state."""
        out: dict[str, Any] = {
            "sid": session.sid,
            "op": session.op,
            "state": session.state,
            "state_text": STATE_LABEL[session.state],
            "code": session.code,
            "message": session.message if owner else STATE_LABEL[session.state],
            "exp": session.exp,
            "now": int(self.now().timestamp()),  # the CA clock (demo offset included)
            "result": session.result if owner else {},
        }
        return out

    # --- logins --------------------------------------------------------------------------

    def login_of(self, token: str | None) -> Login | None:
        if not token:
            return None
        with self._lock:
            login = self.logins.get(token)
        if login is None or login.expires_at <= self.now():
            return None
        return login

    def logout(self, token: str | None) -> None:
        with self._lock:
            self.logins.pop(token or "", None)

    # --- operation data (GET d) ----------------------------------------------------------

    def data(self, sid: str, address: str = "unknown") -> bytes:
        """The operation data as served to ``address`` (fixed per address once served): it
        names that address as the client's and compares it with the requesting browser's."""
        session = self.get(sid)
        with self._lock:
            if session.state not in LIVE:
                raise Refusal(
                    "session_closed",
                    f"此二维码已不可用（{STATE_LABEL[session.state]}）",
                    status=410,
                )
            body = session.served.get(address)
            if body is None:
                body = scanproto.canonical_json(self._data_dict(session, address))
                # Kept for the first few addresses only (memory); past them the copy is
                # made again from the answering address (``_verify_binding``), so anyone
                # who saw the code and fetched from many addresses cannot lock the real
                # client out (an outside review did, with 8 fetches).
                if len(session.served) < MAX_FETCH_ADDRESSES:
                    session.served[address] = body
            if session.state == "waiting":
                session.state = "scanned"
            return body

    def _subject_dict(self, subject: Subject) -> dict[str, str]:
        out = {"key": subject.key, "name": subject.name, "kind": subject.kind}
        if subject.uscc:
            out["uscc"] = subject.uscc
        return out

    def _data_dict(self, s: ScanSession, client_address: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "v": scanproto.VERSION,
            "op": s.op,
            "s": s.sid,
            "platform_name": self.name,
            "summary": s.summary,
            "details": s.details,
            "requester": {
                "address": s.requester.address,
                "user_agent": s.requester.user_agent,
                "at": s.requester.at,
                "client_address": client_address,
                "same_address": client_address == s.requester.address,
            },
        }
        if s.op == "seal":
            assert s.document is not None and s.owner is not None
            out["subject"] = self._subject_dict(s.owner.subject)
            out["document_url"] = f"{self.origin}/scan/{s.sid}/document.pdf"
            out["document_sha256"] = hashlib.sha256(s.document).hexdigest()
            out["document_name"] = s.document_name
            out["seal"] = s.seal
        elif s.op == "encrypt":
            assert s.bid_content is not None and s.owner is not None
            out["subject"] = self._subject_dict(s.owner.subject)
            out["bid_name"] = s.bid_name
            out["bid_sha256"] = hashlib.sha256(s.bid_content).hexdigest()
            out["project"] = s.project  # signed with the bid: shown again at 开标
        elif s.op == "decrypt":
            # Version 2: the bid's envelope and what it holds, so the client opens only the
            # bid it shows (docs/scan-protocol.md §3); no bare wrapped key is ever sent.
            bid = self.bid(s.bid_id or "")
            out["dv"] = 2  # the decrypt data's own version (docs/scan-protocol.md §3)
            out["subject"] = {"key": bid.subject_key, "name": bid.subject_name}
            if bid.subject_key.startswith("org:"):
                out["subject"]["uscc"] = bid.subject_key[4:]
            out["bid_name"] = bid.name
            out["bid_sha256"] = bid.sha256
            out["bid"] = {
                "name": bid.name,
                "sha256": bid.sha256,
                "project": bid.project,
                "bidder": bid.subject_name,
                "sealed_at": bid.sealed_at,
            }
            out["envelope_url"] = f"{self.origin}/scan/{s.sid}/bid.p7m"
            out["envelope_sha256"] = hashlib.sha256(self.envelope(bid.id)).hexdigest()
        return out

    def bid_envelope(self, sid: str) -> bytes:
        """The stored envelope of a live decrypt session's bid (the session reference is the
        capability, as for the seal's document)."""
        session = self.get(sid)
        if session.op != "decrypt" or not session.bid_id:
            raise Refusal("unknown_session", "此会话没有待开启的投标文件", status=404)
        if session.state not in LIVE:
            raise Refusal("session_closed", "此开标会话已结束", status=410)
        return self.envelope(session.bid_id)

    def document(self, sid: str) -> tuple[str, bytes]:
        session = self.get(sid)
        if session.op != "seal" or session.document is None:
            raise Refusal("unknown_session", "此会话没有待签章的文件", status=404)
        if session.state not in LIVE:
            raise Refusal("session_closed", "此签章会话已结束", status=410)
        return session.document_name or "document.pdf", session.document

    # --- the client's answer (POST cb) ---------------------------------------------------

    def callback(self, sid: str, body: Any, address: str = "unknown") -> dict[str, Any]:
        """Checks an answer posted from ``address`` (§4.1). A refusal ends the session only
        when the answer was authentic (``_Proof``); a stray or forged post leaves it live."""
        session = self.get(sid)
        with session.lock:
            if session.state not in LIVE:
                if session.state in ("confirmed", "rejected"):
                    raise Refusal(
                        "replayed", "此二维码的应答已处理过（一次性随机数已用），不能重复提交", 409
                    )
                raise Refusal("expired", "二维码已过期，请刷新后重新扫码", 410)
            proof = _Proof()
            try:
                try:
                    result = self._answer(session, body, proof, address)
                except (cms.EnvelopeError, ValueError, OSError) as exc:
                    log.exception("answer to session %s failed", sid)
                    raise Refusal(
                        "platform_error", f"平台处理应答时出错：{type(exc).__name__}", 500
                    ) from exc
            except Refusal as refusal:
                if proof.authentic:
                    session.state = "rejected"
                    session.code = refusal.code
                    session.message = refusal.message
                else:
                    log.info("stray answer to session %s refused: %s", sid, refusal.code)
                raise
            return result

    def _answer(self, s: ScanSession, body: Any, proof: _Proof, address: str) -> dict[str, Any]:
        if not isinstance(body, dict) or body.get("v") != scanproto.VERSION:
            raise Refusal(
                "bad_request",
                f"应答格式不对（需要 v={scanproto.VERSION} 的 JSON 对象；旧版客户端请升级）",
            )
        if body.get("s") != s.sid:
            raise Refusal("wrong_session", "应答不属于此扫码会话")
        if body.get("n") != s.nonce:
            raise Refusal("wrong_nonce", "应答中的一次性随机数与本二维码不符")
        if s.op == "decrypt" and body.get("step") == "key":
            if s.answer_signature is None or body.get("signature") != s.answer_signature:
                raise Refusal("not_authorized", "请先提交授权签名（step=authorize）")
            proof.authentic = True  # it repeats the authentic step (a)'s signature
            return self._decrypt_key(s, body)
        if s.state == "authorized":
            raise Refusal("replayed", "此开标会话已授权，请提交内容密钥", 409)
        checked, binding, signature = self._verify_binding(s, body, proof, address)
        if s.op == "login":
            return self._login(s, checked, binding, address)
        if s.owner is None:
            raise Refusal("not_logged_in", "请先扫码登录平台")
        if s.op == "seal":
            return self._seal(s, body, checked)
        if s.op == "encrypt":
            return self._encrypt(s, body, checked, binding, signature)
        if body.get("step") != "authorize":
            raise Refusal("bad_request", "解密应答需要 step=authorize 或 step=key")
        return self._decrypt_authorize(s, checked, signature)

    def _verify_binding(
        self, s: ScanSession, body: dict, proof: _Proof, address: str = "unknown"
    ) -> tuple[CheckedCertificate, dict, bytes]:
        binding = body.get("binding")
        try:
            scanproto.check_binding(binding)
            signature = scanproto.unb64(body.get("signature"))
            chain = body.get("chain")
            if not isinstance(chain, list) or not chain or len(chain) > 4:
                raise ValueError("chain")
            cert = x509.load_pem_x509_certificate(str(chain[0]).encode())
        except (ValueError, TypeError) as exc:
            raise Refusal("bad_request", f"应答格式不对：{exc}") from exc
        if not s.served:
            raise Refusal("binding_mismatch", "客户端还没有取过本次操作的数据，签名不可能覆盖它")
        served = {scanproto.data_digest(b): b for b in s.served.values()}
        own = scanproto.canonical_json(self._data_dict(s, address))  # the data as served here
        served.setdefault(scanproto.data_digest(own), own)
        expected = {
            "v": scanproto.VERSION,
            "op": s.op,
            "p": self.platform_id,
            "o": self.origin,
            "s": s.sid,
            "n": s.nonce,
        }
        wrong = [k for k, v in expected.items() if binding.get(k) != v]
        if binding.get("d") not in served:
            wrong.append("d")
        if wrong:
            raise Refusal(
                "binding_mismatch",
                f"签名内容与本次会话不符（{', '.join(sorted(wrong))}）",
            )
        now = self.now()
        if abs(binding["t"] - int(now.timestamp())) > BINDING_SKEW:
            raise Refusal("stale_binding", "签名时间与平台时间相差过大")
        if not scanproto.verify_binding(binding, signature, cert):
            raise Refusal("bad_signature", "签名验证失败（签名值与证书不符）")
        self.checker.authority_for(cert)  # untrusted_chain: anyone can make a certificate
        if s.op == "login" or subject_of(cert).key == self._expected_subject(s):
            proof.authentic = True
        checked = self.checker.check(cert, now=now)
        s.data_body = served[binding["d"]]
        return checked, binding, signature

    def _expected_subject(self, s: ScanSession) -> str | None:
        """The subject key whose answer is the scanning user's (a seal, encrypt or decrypt
        session's; a login expects anyone)."""
        if s.op == "decrypt":
            return self.bid(s.bid_id or "").subject_key
        return s.owner.subject.key if s.owner is not None else None

    def _login(
        self, s: ScanSession, checked: CheckedCertificate, binding: dict, address: str
    ) -> dict[str, Any]:
        # §9: a code read from this computer's own screen or clipboard was shown by a browser
        # on this computer; a login requested from elsewhere is a relayed code (QRLJacking).
        if (
            binding.get("src") in scanproto.LOCAL_SOURCES
            and self.policy.require_same_address
            and address != s.requester.address
        ):
            log.warning(
                "login %s refused: code read on screen at %s, requested by %s",
                s.sid,
                address,
                s.requester.address,
            )
            raise Refusal(
                "address_mismatch",
                "拒绝登录：二维码是在扫码电脑本机的屏幕或剪贴板上读取的，但发起登录的浏览器"
                f"不在这台电脑上（浏览器地址 {s.requester.address}，扫码客户端地址 {address}）。"
                "这可能是有人把自己的登录二维码转给了您（二维码劫持），请勿在他人提供的页面上扫码登录。",
                403,
            )
        # Login CSRF: whoever saw the code may have answered it with their own certificate.
        # The login is not valid until the browser's user confirms the account (take_login).
        now = self.now()
        confirm_until = int(now.timestamp()) + LOGIN_CONFIRM_WINDOW
        s.pending_login = Login(
            token="",  # made when confirmed
            subject=checked.subject,
            device_serial=format(checked.cert.serial_number, "x"),
            institution=checked.authority.name,
            at=now,
            expires_at=now,
        )
        s.confirm_until = confirm_until
        s.state = "confirmed"
        s.message = f"扫码成功：{checked.subject.display}。请在浏览器上确认登录"
        s.result = {
            "subject": checked.subject.display,
            "institution": checked.authority.name,
            "device_serial": s.pending_login.device_serial,
            "confirm": "pending",
            "confirm_until": confirm_until,
        }
        return {"ok": True, "message": s.message}

    def _require_owner(self, s: ScanSession, checked: CheckedCertificate) -> None:
        assert s.owner is not None
        if checked.subject.key != s.owner.subject.key:
            raise Refusal(
                "wrong_subject",
                f"扫码证书（{checked.subject.display}）与平台登录主体"
                f"（{s.owner.subject.display}）不一致",
            )

    def _seal(self, s: ScanSession, body: dict, checked: CheckedCertificate) -> dict[str, Any]:
        self._require_owner(s, checked)
        try:
            sealed = scanproto.unb64(body.get("pdf"))
        except ValueError as exc:
            raise Refusal("bad_request", "应答中没有签章后的 PDF") from exc
        assert s.document is not None and s.owner is not None
        page, box = _reported_position(body.get("placement"), s.seal or {})
        check = pdfcheck.check_sealed(
            s.document,
            sealed,
            self.checker,
            subject_key=s.owner.subject.key,
            now=self.now(),
            page=page,
            box=box,
        )
        s.sealed = sealed
        (self.sealed_dir / f"{s.sid}.pdf").write_bytes(sealed)
        s.state = "confirmed"
        s.message = f"签章成功：{check.signer.subject.display}"
        s.result = {
            "signer": check.signer.subject.display,
            "document": s.document_name or "",
            "download": f"/sealed/{s.sid}.pdf",
            "validation": "签名有效，文件未被篡改，证书可信，签名覆盖整个原文",
            "size": str(len(sealed)),
        }
        return {"ok": True, "message": s.message}

    def _encrypt(
        self,
        s: ScanSession,
        body: dict,
        checked: CheckedCertificate,
        binding: dict,
        signature: bytes,
    ) -> dict[str, Any]:
        self._require_owner(s, checked)
        try:
            enc = x509.load_pem_x509_certificate(str(body.get("encryption_certificate")).encode())
        except ValueError as exc:
            raise Refusal("bad_request", "应答中没有加密证书") from exc
        enc_checked = self.checker.check(enc, purpose="encrypt")
        if enc_checked.subject.key != checked.subject.key:
            raise Refusal("wrong_subject", "加密证书不属于投标主体")
        assert s.bid_content is not None and s.data_body is not None
        record = bids.make_record(
            bid_name=s.bid_name or "bid",
            content=s.bid_content,
            data_body=s.data_body,
            binding=binding,
            signature=signature,
            chain_pem=[str(p) for p in body["chain"]],
        )
        envelope = cms.make_envelope(record, enc)
        bid = Bid(
            id=_new_id(),
            name=s.bid_name or "bid",
            sha256=hashlib.sha256(s.bid_content).hexdigest(),
            size=len(s.bid_content),
            subject_key=checked.subject.key,
            subject_name=checked.subject.name,
            encryption_serial=format(enc.serial_number, "x"),
            created_at=shanghai(self.now()),
            signer=checked.subject.display,
            project=s.project,
            sealed_at=int(binding["t"]),
        )
        (self.bids_dir / f"{bid.id}.p7m").write_bytes(envelope)
        self._save_bid(bid)
        s.bid_content = None  # the clear bid is not kept
        s.state = "confirmed"
        s.message = f"加密成功：《{bid.name}》已加密存储（加密证书 {bid.encryption_serial}）"
        s.result = {
            "bid_id": bid.id,
            "bid_name": bid.name,
            "encryption_serial": bid.encryption_serial,
        }
        return {"ok": True, "message": s.message}

    def _decrypt_authorize(
        self, s: ScanSession, checked: CheckedCertificate, signature: bytes
    ) -> dict[str, Any]:
        bid = self.bid(s.bid_id or "")
        if checked.subject.key != bid.subject_key:
            raise Refusal(
                "wrong_subject",
                f"扫码证书（{checked.subject.display}）不属于投标人（{bid.subject_name}）",
            )
        bids.envelope_parts(self.envelope(bid.id))  # still a readable envelope
        s.answer_signature = scanproto.b64(signature)
        s.state = "authorized"
        s.message = f"已授权：{checked.subject.display}，等待内容密钥"
        s.result = {"authorized_by": checked.subject.display}
        # No wrapped key in the answer (decrypt data dv 2): the client unwraps it from the envelope
        # it checked, after proving the bid inside is the one it shows.
        return {"ok": True, "message": "已验证签名，请解开内容密钥"}

    def _decrypt_key(self, s: ScanSession, body: dict) -> dict[str, Any]:
        if s.state != "authorized" or s.ephemeral is None:
            raise Refusal("not_authorized", "请先提交授权签名（step=authorize）")
        try:
            key_box = scanproto.sealed_from_json(body.get("sealed_key"))
        except ValueError as exc:
            raise Refusal("bad_request", f"内容密钥格式不对：{exc}") from exc
        try:
            content_key = ecies.open_sealed(s.ephemeral, key_box, scanproto.key_aad(s.nonce))
        except ecies.DecryptError as exc:
            raise Refusal(
                "sealed_key_invalid", "内容密钥无法解开（不是发给本次开标会话的）"
            ) from exc
        bid = self.bid(s.bid_id or "")
        parts = bids.envelope_parts(self.envelope(bid.id))
        record = bids.open_with_key(parts, content_key)
        issuing = [a.issuing for a in self.trust.authorities()]
        opened = bids.verify_record(record, bid.sha256, issuing)
        bid.opened_at = shanghai(self.now())
        bid.opened_by = s.result.get("authorized_by", "")
        self._save_bid(bid)
        s.ephemeral = None
        s.state = "confirmed"
        s.message = f"解密成功：《{bid.name}》已开启，投标签名有效"
        s.result = {
            "bid_id": bid.id,
            "bid_name": bid.name,
            "size": str(len(opened.content)),
            "sha256": bid.sha256,
            "signer": subject_of(opened.signer).display,
            "authorized_by": bid.opened_by or "",
            "preview": opened.content[:200].decode("utf-8", "replace"),
        }
        return {"ok": True, "message": s.message}

    # --- bids ----------------------------------------------------------------------------

    def _save_bid(self, bid: Bid) -> None:
        path = self.bids_dir / f"{bid.id}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(bid.__dict__, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(path)

    def bid(self, bid_id: str) -> Bid:
        # Bounded before it becomes a file name (a 5,000-character id is ENAMETOOLONG).
        if (
            not bid_id
            or len(bid_id) > MAX_BID_ID
            or not all(c.isalnum() or c in "-_" for c in bid_id)
        ):
            raise Refusal("unknown_bid", "没有这份投标文件", status=404)
        path = self.bids_dir / f"{bid_id}.json"
        if not path.is_file():
            raise Refusal("unknown_bid", "没有这份投标文件", status=404)
        return Bid(**json.loads(path.read_text(encoding="utf-8")))

    def envelope(self, bid_id: str) -> bytes:
        return (self.bids_dir / f"{bid_id}.p7m").read_bytes()

    def bids_of(self, subject_key: str) -> list[Bid]:
        out = []
        for path in sorted(self.bids_dir.glob("*.json")):
            bid = Bid(**json.loads(path.read_text(encoding="utf-8")))
            if bid.subject_key == subject_key:
                out.append(bid)
        return sorted(out, key=lambda b: b.created_at, reverse=True)

    # --- creating the operations' sessions (from the logged-in pages) ----------------------

    def start_seal(
        self,
        owner: Login,
        *,
        requester: Requester,
        name: str,
        pdf: bytes,
        seal: str,
        page: int,
        box: list[float] | None,
    ) -> tuple[ScanSession, str]:
        """``box`` None: the page's default place (its bottom-right corner as shown)."""
        if seal not in SEAL_LABEL:
            raise Refusal("bad_request", "印章种类只能是 公章 / 法人章 / 个人签名")
        if owner.subject.kind == "personal" and seal != "signature":
            raise Refusal("bad_request", "个人证书只能使用个人签名")
        if len(pdf) > pdfcheck.MAX_PDF_BYTES:
            raise Refusal("bad_request", "请上传 PDF 文件（不超过 20 MB）")
        if box is not None and (len(box) != 4 or not all(isinstance(v, int | float) for v in box)):
            raise Refusal("bad_request", "印章位置需要四个数字 [x1, y1, x2, y2]")
        # The same check the client runs before it asks for the password (with a trial
        # seal): a file accepted here is one the client can seal and check_sealed reads.
        checked_name = _clean_name(name, "document.pdf")
        sealable, placed = pdfcheck.check_upload(pdf, checked_name, int(page), box)
        x1, y1, x2, y2 = placed
        pages = len(sealable.pages)
        name = checked_name
        return self.new_session(
            "seal",
            requester=requester,
            owner=owner,
            document=pdf,
            document_name=name,
            seal={"kind": seal, "page": int(page), "box": [x1, y1, x2, y2]},
            summary=f"签章《{name}》",
            details=[
                ["平台", self.name],
                ["文件", name],
                ["印章", SEAL_LABEL[seal]],
                [
                    "位置",
                    f"第 {int(page)} 页（共 {pages} 页）"
                    f"({x1:.0f}, {y1:.0f}) – ({x2:.0f}, {y2:.0f})",
                ],
                ["签章主体", owner.subject.display],
            ],
        )

    def start_encrypt(
        self,
        owner: Login,
        *,
        requester: Requester,
        name: str,
        content: bytes,
        project: str = "",
    ) -> tuple[ScanSession, str]:
        if owner.subject.kind == "personal":
            raise Refusal("certificate_kind", "个人证书不能加密单位的投标文件")
        if not content or len(content) > MAX_BID_BYTES:
            raise Refusal("bad_request", "请选择投标文件（不超过 10 MB）")
        name = _clean_name(name, "投标文件")
        return self.new_session(
            "encrypt",
            requester=requester,
            owner=owner,
            bid_name=name,
            bid_content=content,
            project=_clean_name(project, "")[:80] if project else "",
            summary=f"加密投标文件《{name}》",
            details=[
                ["平台", self.name],
                *([["投标项目", _clean_name(project, "")]] if project else []),
                ["投标文件", name],
                ["大小", f"{len(content)} 字节"],
                ["SHA-256", hashlib.sha256(content).hexdigest()],
                ["投标人", owner.subject.name],
            ],
        )

    def start_decrypt(
        self, owner: Login, *, requester: Requester, bid_id: str
    ) -> tuple[ScanSession, str]:
        bid = self.bid(bid_id)
        if bid.subject_key != owner.subject.key:
            raise Refusal("wrong_subject", "只能开启本单位的投标文件", status=403)
        return self.new_session(
            "decrypt",
            requester=requester,
            owner=owner,
            bid_id=bid.id,
            summary=f"开标解密《{bid.name}》",
            details=[
                ["平台", self.name],
                ["投标文件", bid.name],
                ["投标人", bid.subject_name],
                ["加密证书", bid.encryption_serial],
                ["投标时间", bid.created_at],
            ],
        )


def _reported_position(placement: Any, asked: dict) -> tuple[int | None, list[float] | None]:
    """Where the client says the user put the seal (scan-protocol §5.2: the user may move it
    on the confirm page), or where the platform asked for it. check_sealed then checks the
    sealed file's seal is there and inside that page."""
    if placement is None:
        return asked.get("page"), asked.get("box")
    page = placement.get("page") if isinstance(placement, dict) else None
    box = placement.get("box") if isinstance(placement, dict) else None
    if not (
        isinstance(page, int)
        and not isinstance(page, bool)
        and page >= 1
        and isinstance(box, list)
        and len(box) == 4
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in box)
    ):
        raise Refusal("bad_request", "应答中的印章位置格式不对")
    return page, [float(v) for v in box]


def _clean_name(name: Any, default: str) -> str:
    # The same cleaning as the CA's uploads: shown to the signer and saved on any OS.
    return clean_filename(name, default)

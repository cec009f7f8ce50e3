"""The platform's scan sessions, logins, the operation data a client fetches, stored bids."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import secrets
import threading
from pathlib import Path
from typing import Any

import segno
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from mobileca_desktop.crypto import scanproto
from mobileca_desktop.platform import admission
from mobileca_desktop.platform.model import (
    ANSWER_GRACE,
    KEEP_ENDED,
    KEEP_ENDED_OWNED,
    LIVE,
    LOGIN_HOURS,
    MAX_BID_ID,
    MAX_FETCH_ADDRESSES,
    QR_LIFETIME,
    STATE_LABEL,
    Bid,
    Login,
    ScanSession,
    _new_id,
)
from mobileca_desktop.platform.requesters import (
    Requester,
    ScanPolicy,
    binding_matches,
    new_binding,
)
from mobileca_desktop.platform.trust import (
    CertificateChecker,
    Refusal,
    Subject,
    TrustSource,
)

log = logging.getLogger(__name__)


class PlatformSessions:
    """The state of one trading platform: its sessions, logins and bids. ``PlatformAnswers``
    adds the checks of the client's answers, ``Platform`` the operations' starts."""

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
        per address and per network (``too_many_sessions``, 429) and in total (the most
        crowded network's oldest session makes room: ``admission``)."""
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
        """Per address and per network: 429; the total: room is made (``admission``)."""
        with self._lock:
            self._sweep(now)
            # All sessions made without a login, ended ones too until they are forgotten.
            anonymous = [s for s in self.sessions.values() if s.owner is None]
            victim = admission.admit(anonymous, requester, self.policy)
            if victim is not None:
                self._drop(victim)

    def _drop(self, session: ScanSession) -> None:
        """Forgets ``session`` at once (its page polls 404, its code is answered 404). Like
        ``_expire``, under ``self._lock`` only (``take_login`` takes the session's lock
        first, then this one)."""
        session.state = "expired"
        session.message = "二维码已失效，请刷新"
        session.ended_at = session.ended_at or int(self.now().timestamp())
        session.document = session.bid_content = session.ephemeral = None
        session.data_body = None
        session.served = {}
        session.qr_text = ""
        self.sessions.pop(session.sid, None)

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

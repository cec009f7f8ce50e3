"""The client's answers (POST cb): binding checks and the four operations' results."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from cryptography import x509

from mobileca_desktop.crypto import cms, ecies, scanproto
from mobileca_desktop.platform import bids, pdfcheck
from mobileca_desktop.platform.model import (
    BINDING_SKEW,
    LIVE,
    LOGIN_CONFIRM_WINDOW,
    Bid,
    Login,
    ScanSession,
    _new_id,
    _Proof,
)
from mobileca_desktop.platform.sessions import PlatformSessions
from mobileca_desktop.platform.trust import (
    CheckedCertificate,
    Refusal,
    shanghai,
    subject_of,
)

log = logging.getLogger(__name__)


class PlatformAnswers(PlatformSessions):
    """Checks a client's answer to a scan session and applies its operation."""

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
        try:
            binding = scanproto.check_binding(body.get("binding"))
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

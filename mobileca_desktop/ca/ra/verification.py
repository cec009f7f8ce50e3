"""Verifying the applicant (核验): face, e-business licence, 对公打款 deposit, letter of
authorisation (accepted in review), and the agent's 授权码."""

from __future__ import annotations

import secrets as pysecrets
import threading
from typing import Any

from sqlalchemy.orm import Session as DB

from mobileca_desktop.ca import documents, face, idcheck, identity, policy
from mobileca_desktop.ca import sms as smsmod
from mobileca_desktop.ca.clock import to_shanghai
from mobileca_desktop.ca.context import Context, Part
from mobileca_desktop.ca.ra.applications import legal_phone, require_draft
from mobileca_desktop.ca.store import AccountRow, ApplicationRow
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.filenames import clean_filename
from mobileca_desktop.domain.models import (
    ApplicationInfo,
    CertKind,
    DepositNotice,
    DocKind,
    Handler,
    MessageKind,
    Method,
    Session,
    VerificationState,
)


class Verification(Part):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        # Image and PDF decodes at once (EngineConfig.decode_slots), for every upload.
        self.decode_slots = threading.BoundedSemaphore(max(1, self.config.decode_slots))

    def issue_auth_code(self, s: DB, app: ApplicationRow, acc: AccountRow) -> None:
        """Sends the 授权码 through the chosen verification method's channel (agents only)."""
        if app.handler != Handler.AGENT.value:
            return
        code = smsmod.new_code()
        app.auth_code_hmac = self.keys.hmac_hex("sms-hmac", "authcode", str(app.id), code)
        app.auth_code_tries = 0
        app.auth_code_confirmed = False
        now = self.clock.now()
        phone = legal_phone(s, app)
        text = (
            f"【移动CA】{app.agent_name} 正在以经办人身份为贵单位办理数字证书，"
            f"授权码 {code}。如非本人授权，请勿告知他人。"
        )
        method = Method(app.method or "")
        if method is Method.ELICENCE:
            smsmod.post(
                s,
                phone=phone,
                kind=MessageKind.ELICENCE,
                title="电子营业执照 · 授权码",
                body=text,
                code=code,
                now=now,
            )
        elif method is Method.DEPOSIT:
            # The deposit notice itself carries the code in its memo line (see start_deposit).
            app.verification_data = {**app.verification_data, "memo_code": code}
        else:
            smsmod.post(
                s, phone=phone, kind=MessageKind.SMS, title="授权码", body=text, code=code, now=now
            )

    def passed(self, s: DB, app: ApplicationRow, acc: AccountRow, detail: dict[str, Any]) -> None:
        app.verification = VerificationState.PASSED.value
        app.verification_data = {**(app.verification_data or {}), **detail}
        if app.handler == Handler.AGENT.value and app.method != Method.DEPOSIT.value:
            self.issue_auth_code(s, app, acc)
        self._audit(s, acc, "application.verified", app, {"method": app.method})

    def _verifiable(
        self, s: DB, session: Session, app_id: int, method: Method
    ) -> tuple[AccountRow, ApplicationRow]:
        acc = self._account(s, session)
        app = self.ctx.applications.own_app(s, acc, app_id)
        require_draft(app, "verify")
        if app.method != method.value:
            raise E.PreconditionFailed(action="verify", missing=f"choose {method.value} first")
        if app.kind != CertKind.PERSONAL.value and app.handler is None:
            raise E.PreconditionFailed(action="verify", missing="choose the handler role first")
        return acc, app

    def verify_face(
        self, session: Session, app_id: int, photo: bytes, filename: str = "face.jpg"
    ) -> ApplicationInfo:
        """法人刷脸 (or the person's own face for 个人证书)."""
        filename = clean_filename(filename, "face.jpg")
        # The caller's own draft first: nothing is decoded for someone else's application.
        with self.store.read() as s:
            self._verifiable(s, session, app_id, Method.FACE)
        limits: dict[str, Any] = {"allow_pdf": False, "max_bytes": self.config.max_document_bytes}
        documents.check_header(photo, filename, **limits)  # pixel count from the header
        with self.decode_slots:
            info = documents.validate_document(photo, filename, **limits)
            face.check_face(photo, filename, validated=True)
        with self.store.tx() as s:
            acc, app = self._verifiable(s, session, app_id, Method.FACE)
            self.ctx.applications.put_document(s, app, DocKind.FACE, filename, photo, info)
            self.passed(s, app, acc, {"face": info.sha256})
            return self.ctx.applications.app_info(s, app)

    def verify_elicence(self, session: Session, app_id: int, qr_text: str) -> ApplicationInfo:
        with self.store.tx() as s:
            acc, app = self._verifiable(s, session, app_id, Method.ELICENCE)
            key = self.ctx.authorities.identity_key(s)
            data = identity.read_elicence(key.public_key(), qr_text)
            if data.get("uscc") != acc.uscc:
                raise E.VerificationFailed(
                    method="elicence", reason="the licence belongs to another company"
                )
            self.passed(s, app, acc, {"elicence_iat": data.get("iat")})
            return self.ctx.applications.app_info(s, app)

    def start_deposit(self, session: Session, app_id: int) -> DepositNotice:
        """对公打款: deposits a random 0.01–0.99 yuan to the company account."""
        with self.store.tx() as s:
            acc, app = self._verifiable(s, session, app_id, Method.DEPOSIT)
            if app.verification == VerificationState.PASSED.value:
                raise E.IllegalState(action="start another deposit", state="verified")
            cents = 1 + pysecrets.randbelow(99)
            now = self.clock.now()
            data: dict[str, Any] = {
                "amount_hmac": self.keys.hmac_hex("sms-hmac", "deposit", str(app.id), str(cents)),
                "tries": 0,
            }
            memo = "移动CA核验"
            if app.handler == Handler.AGENT.value:
                self.issue_auth_code(s, app, acc)
                data["memo_code"] = app.verification_data.get("memo_code")
                memo = f"移动CA核验 授权码{data['memo_code']}"
            app.verification_data = {k: v for k, v in data.items() if k != "memo_code"}
            app.verification = VerificationState.PENDING.value
            smsmod.post(
                s,
                phone=acc.phone,
                kind=MessageKind.DEPOSIT,
                title="对公账户入账通知",
                body=(
                    f"您尾号{(acc.bank_account or '')[-4:]}的对公账户（{acc.bank_name}）"
                    f"{to_shanghai(now).strftime('%m月%d日')}收到转账 "
                    f"{cents // 100}.{cents % 100:02d} 元，"
                    f"附言：{memo}。"
                ),
                code=data.get("memo_code"),
                now=now,
            )
            self._audit(s, acc, "application.deposit", app)
            return DepositNotice(
                bank_name=acc.bank_name or "",
                account_masked=idcheck.mask_bank_account(acc.bank_account or ""),
                tries_left=policy.DEPOSIT_TRIES,
            )

    def confirm_deposit(self, session: Session, app_id: int, amount: str) -> ApplicationInfo:
        cents = policy.parse_amount(amount)
        failure: E.MobileCAError | None = None
        with self.store.tx() as s:
            acc, app = self._verifiable(s, session, app_id, Method.DEPOSIT)
            data = dict(app.verification_data or {})
            if app.verification != VerificationState.PENDING.value or "amount_hmac" not in data:
                raise E.PreconditionFailed(action="confirm the amount", missing="start a deposit")
            expected = data["amount_hmac"]
            if pysecrets.compare_digest(
                expected, self.keys.hmac_hex("sms-hmac", "deposit", str(app.id), str(cents))
            ):
                data.pop("amount_hmac")
                app.verification_data = data
                self.passed(s, app, acc, {"deposit": "confirmed"})
                return self.ctx.applications.app_info(s, app)
            data["tries"] = data.get("tries", 0) + 1
            left = policy.DEPOSIT_TRIES - data["tries"]
            if left <= 0:
                data.pop("amount_hmac")
                app.verification = VerificationState.FAILED.value
                failure = E.DepositTriesExhausted(method="deposit")
            else:
                failure = E.VerificationFailed(
                    method="deposit",
                    reason=f"the amount is wrong ({left} tries left)",
                    tries_left=left,
                )
            app.verification_data = data
            self._audit(s, acc, "application.deposit_wrong", app, {"tries": data["tries"]})
        raise failure  # after the commit: the try is counted

    def confirm_auth_code(self, session: Session, app_id: int, code: str) -> ApplicationInfo:
        failure: E.MobileCAError | None = None
        with self.store.tx() as s:
            acc = self._account(s, session)
            app = self.ctx.applications.own_app(s, acc, app_id)
            require_draft(app, "enter the 授权码")
            if app.handler != Handler.AGENT.value:
                raise E.PreconditionFailed(action="enter a 授权码", missing="an agent handler")
            if app.auth_code_hmac is None:
                raise E.PreconditionFailed(action="enter the 授权码", missing="verification")
            if app.auth_code_tries >= policy.AUTH_CODE_TRIES:
                raise E.SmsTooManyTries()
            got = self.keys.hmac_hex("sms-hmac", "authcode", str(app.id), (code or "").strip())
            if pysecrets.compare_digest(got, app.auth_code_hmac):
                app.auth_code_confirmed = True
                self._audit(s, acc, "application.auth_code", app)
                return self.ctx.applications.app_info(s, app)
            app.auth_code_tries += 1
            failure = E.SmsCodeWrong(tries_left=policy.AUTH_CODE_TRIES - app.auth_code_tries)
        raise failure

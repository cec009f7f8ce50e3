"""The simulated phones: an SMS gateway (6-digit codes stored as HMAC) and an inbox per number.

Codes expire after 5 minutes, allow 5 tries, and a new one can be asked for after a
60-second cool-down. The inbox also carries bank deposit notices and e-licences, so a
trainer can show them and a test can read them.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy.orm import Session

from mobileca_desktop.ca.secrets import Keys
from mobileca_desktop.ca.store import log as q
from mobileca_desktop.domain.errors import (
    SmsCodeExpired,
    SmsCodeWrong,
    SmsCooldown,
    SmsTooManyTries,
)
from mobileca_desktop.domain.models import InboxMessage, MessageKind

CODE_TTL = dt.timedelta(minutes=5)
MAX_TRIES = 5
COOLDOWN = dt.timedelta(seconds=60)


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


class SmsGateway:
    def __init__(self, keys: Keys) -> None:
        self._keys = keys

    def _hmac(self, phone: str, purpose: str, ref: str, code: str) -> str:
        return self._keys.hmac_hex("sms-hmac", phone, purpose, ref, code)

    def send_code(
        self, session: Session, *, phone: str, purpose: str, ref: str, now: dt.datetime, text: str
    ) -> str:
        """Sends a fresh code (``text`` has a ``{code}`` field) and returns it for the inbox.
        Earlier unused codes for the same purpose stop working."""
        last = q.last_sms_code(session, phone, purpose, ref)
        if last is not None and not last.used and now - last.sent_at < COOLDOWN:
            wait = int((COOLDOWN - (now - last.sent_at)).total_seconds()) + 1
            raise SmsCooldown(seconds=wait)
        if last is not None:
            last.used = True
        code = new_code()
        q.add_sms_code(
            session,
            phone=phone,
            purpose=purpose,
            ref=ref,
            code_hmac=self._hmac(phone, purpose, ref, code),
            sent_at=now,
            expires_at=now + CODE_TTL,
            tries=0,
            used=False,
        )
        post(
            session,
            phone=phone,
            kind=MessageKind.SMS,
            title="短信验证码",
            body=text.format(code=code),
            code=code,
            now=now,
        )
        return code

    def check(
        self,
        session: Session,
        *,
        phone: str,
        purpose: str,
        ref: str,
        code: str,
        now: dt.datetime,
        consume: bool,
    ) -> None:
        """Raises a typed error for a wrong, expired or exhausted code. A wrong try is
        counted in ``session``: the caller must commit it even though it raises."""
        row = q.last_sms_code(session, phone, purpose, ref)
        if row is None or row.used:
            raise SmsCodeExpired()
        if row.tries >= MAX_TRIES:
            raise SmsTooManyTries()
        if now > row.expires_at:
            raise SmsCodeExpired()
        code = (code or "").strip()
        if not secrets.compare_digest(row.code_hmac, self._hmac(phone, purpose, ref, code)):
            row.tries += 1
            raise SmsCodeWrong(tries_left=MAX_TRIES - row.tries)
        if consume:
            row.used = True


def post(
    session: Session,
    *,
    phone: str,
    kind: MessageKind,
    title: str,
    body: str,
    now: dt.datetime,
    code: str | None = None,
    attachment: str | None = None,
) -> None:
    q.add_message(
        session,
        phone=phone,
        kind=kind.value,
        title=title,
        body=body,
        code=code,
        attachment=attachment,
        created_at=now,
    )


def messages(
    session: Session, phone: str, *, after_id: int = 0, limit: int = 100
) -> list[InboxMessage]:
    rows = q.messages(session, phone, after_id=after_id, limit=limit)
    return [
        InboxMessage(
            id=r.id,
            phone=r.phone,
            kind=MessageKind(r.kind),
            title=r.title,
            body=r.body,
            created_at=r.created_at,
            code=r.code,
            attachment=r.attachment,
        )
        for r in rows
    ]

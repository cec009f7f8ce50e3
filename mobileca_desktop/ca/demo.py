"""The demo parts of the CA: the in-process operator, the demo clock a trainer moves, the
simulated phones' inbox, and the audit log's view."""

from __future__ import annotations

import datetime as dt
import secrets as pysecrets

from mobileca_desktop.ca import audit, idcheck
from mobileca_desktop.ca import sms as smsmod
from mobileca_desktop.ca.context import OPERATOR_ID, Context, Part
from mobileca_desktop.ca.store import accounts as qa
from mobileca_desktop.ca.store import log as qlog
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import (
    AccountKind,
    AuditEntry,
    ClockInfo,
    InboxMessage,
    Session,
)


class Demo(Part):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self._operator_tokens: set[str] = set()

    def is_operator_token(self, token: str) -> bool:
        return token in self._operator_tokens

    def operator_session(self) -> Session:
        """An in-process session for the CA operator (CLI, the trainer's reviewer window in
        local mode). It exists only in this process's memory and cannot be forged remotely."""
        token = "operator:" + pysecrets.token_urlsafe(24)
        self._operator_tokens.add(token)
        return Session(
            token=token,
            account_id=OPERATOR_ID,
            kind=AccountKind.REVIEWER,
            display_name="CA 操作员",
            expires_at=self.clock.now() + dt.timedelta(days=1),
        )

    def adopt_operator_token(self, token: str) -> None:
        """Demo servers only (``mobileca-ca serve --demo``): every worker process accepts the
        one operator token its parent made and printed for the trainer."""
        if not token.startswith("operator:") or len(token) < 40:
            raise E.InvalidInput(field="operator_token", reason="not an operator token")
        self._operator_tokens.add(token)

    def inbox(self, phone: str, after_id: int = 0) -> list[InboxMessage]:
        """The simulated phone's messages, newest first (demo and local mode)."""
        phone = idcheck.validate_phone(phone)
        with self.store.read() as s:
            return smsmod.messages(s, phone, after_id=after_id)

    def advance_clock(self, session: Session, seconds: int) -> ClockInfo:
        with self.store.tx() as s:
            acc = self._account(s, session)
            if acc.id != OPERATOR_ID:
                raise E.PermissionDenied(action="move the demo clock")
            old = self.clock.offset_seconds()
            new = max(0, old + int(seconds))
            before = self.clock.now()
            self.clock.set_offset(s, new)
            # A demo clock move is a trainer's jump through time, not time passing: the
            # logins open now stay open, so neither window is logged out mid-demo.
            qa.shift_sessions(s, open_after=before, shift=dt.timedelta(seconds=new - old))
            audit.append(
                s,
                at=self.clock.now(),
                actor=self._actor(acc),
                action="clock.advance",
                obj="clock",
                details={"offset_seconds": new},
            )
        self.ctx.grants.sweep()
        return self.clock.info()

    def audit_verify(self) -> tuple[int, int | None]:
        with self.store.read() as s:
            return audit.verify(s)

    def audit_tail(self, limit: int = 50) -> list[AuditEntry]:
        with self.store.read() as s:
            return [
                AuditEntry(
                    id=r.id,
                    at=r.at,
                    actor=r.actor,
                    action=r.action,
                    object=r.object,
                    details=r.details,
                )
                for r in qlog.audit_tail(s, limit)
            ]

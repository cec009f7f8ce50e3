"""Grants (授权管理): a legal person lets an agent use a certificate for a while; withdrawn or
expired grants revoke the agent's device certificates."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session as DB

from mobileca_desktop.ca import audit, idcheck, identity, policy
from mobileca_desktop.ca import sms as smsmod
from mobileca_desktop.ca.context import Part
from mobileca_desktop.ca.store import AccountRow, GrantRow
from mobileca_desktop.ca.store import accounts as qa
from mobileca_desktop.ca.store import certificates as q
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import (
    AccountKind,
    AgentDetails,
    CertKind,
    CertStatus,
    GrantInfo,
    GrantStatus,
    MessageKind,
    RevocationReason,
    Session,
)


class Grants(Part):
    def grants_received(self, s: DB, acc: AccountRow) -> list[GrantRow]:
        """The active grants made to a personal account (none for other accounts)."""
        if acc.kind != AccountKind.PERSONAL.value:
            return []
        return q.grants_to_agent(s, acc.id_number or "", GrantStatus.ACTIVE.value)

    def grant(
        self, session: Session, certificate_id: int, agent: AgentDetails, valid_until: dt.datetime
    ) -> GrantInfo:
        name = identity.require_name("agent_name", agent.name)
        idn = idcheck.validate_id_number(agent.id_number)
        phone = idcheck.validate_phone(agent.phone)
        with self.store.tx() as s:
            acc = self._account(s, session)
            if acc.kind != AccountKind.LEGAL.value:
                raise E.PermissionDenied(action="grant certificates without 法人登录")
            cert, _ = self.ctx.certificates.cert_access(s, acc, certificate_id, owner_only=True)
            if cert.kind == CertKind.PERSONAL.value:
                raise E.GrantNotAllowed(reason="个人证书不支持授权使用")
            now = self.clock.now()
            status = policy.cert_status(cert, now)
            if status is not CertStatus.NORMAL:
                raise E.CertificateUnavailable(status=status.value)
            if valid_until.tzinfo is None:
                raise E.InvalidInput(field="valid_until", reason="needs a time zone")
            if valid_until <= now:
                raise E.InvalidInput(field="valid_until", reason="must be in the future")
            if idn == acc.id_number:
                raise E.GrantNotAllowed(reason="the legal person uses the certificate directly")
            valid_until = min(valid_until, cert.not_after)
            g = q.add_grant(
                s,
                certificate_id=cert.id,
                grantor_account_id=acc.id,
                agent_name=name,
                agent_id_number=idn,
                agent_phone=phone,
                valid_from=now,
                valid_until=valid_until,
                status=GrantStatus.ACTIVE.value,
                created_at=now,
            )
            smsmod.post(
                s,
                phone=phone,
                kind=MessageKind.SMS,
                title="证书授权通知",
                body=f"【移动CA】{acc.display_name} 已将「{cert.subject_name}」证书授权给您使用，"
                "请在移动CA中个人登录后查看授权管理。",
                now=now,
            )
            audit.append(
                s,
                at=now,
                actor=self._actor(acc),
                action="grant.create",
                obj=f"grant:{g.id}",
                details={"certificate": cert.id, "until": valid_until.isoformat()},
            )
            return self.grant_info(s, g)

    def list_grants(self, session: Session) -> list[GrantInfo]:
        """Grants made (法人登录) or received (个人登录)."""
        self.sweep()
        with self.store.read() as s:
            acc = self._account(s, session)
            if acc.kind == AccountKind.LEGAL.value:
                rows = q.grants_by_grantor(s, acc.id)
            elif acc.kind == AccountKind.PERSONAL.value:
                rows = q.grants_to_agent(s, acc.id_number or "")
            else:
                raise E.PermissionDenied(action="list grants")
            return [self.grant_info(s, g) for g in rows]

    def withdraw_grant(self, session: Session, grant_id: int) -> GrantInfo:
        """Withdraws a grant and revokes the agent's device certificates made under it."""
        with self.store.tx() as s:
            acc = self._account(s, session)
            g = q.grant(s, grant_id)
            if g is None or g.grantor_account_id != acc.id:
                raise E.NotFound(what="grant", id=grant_id)
            if g.status != GrantStatus.ACTIVE.value:
                raise E.IllegalState(action="withdraw the grant", state=g.status)
            now = self.clock.now()
            g.status, g.ended_at = GrantStatus.WITHDRAWN.value, now
            self.revoke_devices(s, g, now)
            audit.append(
                s, at=now, actor=self._actor(acc), action="grant.withdraw", obj=f"grant:{g.id}"
            )
            return self.grant_info(s, g)

    def revoke_devices(self, s: DB, g: GrantRow, now: dt.datetime) -> None:
        rows = q.unrevoked_of_grant(s, g.id)
        self.ctx.revocation.revoke_rows(s, rows, RevocationReason.AFFILIATION_CHANGED, now)

    def sweep(self) -> int:
        """Expires grants whose period ended and revokes their device certificates."""
        now = self.clock.now()
        with self.store.read() as s:
            due = q.any_grant_ended_by(s, GrantStatus.ACTIVE.value, now)
        if not due:
            return 0
        with self.store.tx() as s:
            rows = q.grants_ended_by(s, GrantStatus.ACTIVE.value, now)
            for g in rows:
                g.status, g.ended_at = GrantStatus.EXPIRED.value, now
                self.revoke_devices(s, g, now)
                audit.append(s, at=now, actor="system", action="grant.expire", obj=f"grant:{g.id}")
            return len(rows)

    def grant_info(self, s: DB, g: GrantRow) -> GrantInfo:
        cert = q.certificate(s, g.certificate_id)
        grantor = qa.account(s, g.grantor_account_id)
        assert cert is not None and grantor is not None
        return GrantInfo(
            id=g.id,
            certificate_id=g.certificate_id,
            certificate_kind=CertKind(cert.kind),
            company_name=grantor.company_name or "",
            agent_name=g.agent_name,
            agent_id_masked=idcheck.mask_id_number(g.agent_id_number),
            agent_phone_masked=idcheck.mask_phone(g.agent_phone),
            valid_from=g.valid_from,
            valid_until=g.valid_until,
            status=GrantStatus(g.status),
            granted_by=grantor.display_name,
        )

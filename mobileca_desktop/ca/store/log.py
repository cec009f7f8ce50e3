"""Queries on the audit chain, the SMS codes and the simulated phones' inbox."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DB

from mobileca_desktop.ca.db import AuditRow, MessageRow, SmsCodeRow


def last_audit_hash(s: DB) -> str | None:
    return s.execute(select(AuditRow.hash).order_by(AuditRow.id.desc()).limit(1)).scalar()


def add_audit(s: DB, **fields: Any) -> AuditRow:
    row = AuditRow(**fields)
    s.add(row)
    s.flush()
    return row


def audit_entries(s: DB) -> list[AuditRow]:
    """The whole chain, oldest first."""
    return list(s.execute(select(AuditRow).order_by(AuditRow.id)).scalars())


def audit_tail(s: DB, limit: int) -> list[AuditRow]:
    """The newest ``limit`` entries, newest first."""
    return list(s.execute(select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)).scalars())


def last_sms_code(s: DB, phone: str, purpose: str, ref: str) -> SmsCodeRow | None:
    return s.execute(
        select(SmsCodeRow)
        .where(SmsCodeRow.phone == phone, SmsCodeRow.purpose == purpose, SmsCodeRow.ref == ref)
        .order_by(SmsCodeRow.id.desc())
        .limit(1)
    ).scalar()


def add_sms_code(s: DB, **fields: Any) -> None:
    s.add(SmsCodeRow(**fields))


def add_message(s: DB, **fields: Any) -> None:
    s.add(MessageRow(**fields))


def messages(s: DB, phone: str, *, after_id: int, limit: int) -> list[MessageRow]:
    """The phone's messages after ``after_id``, newest first."""
    return list(
        s.execute(
            select(MessageRow)
            .where(MessageRow.phone == phone, MessageRow.id > after_id)
            .order_by(MessageRow.id.desc())
            .limit(limit)
        ).scalars()
    )

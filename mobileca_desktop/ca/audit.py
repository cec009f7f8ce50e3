"""The hash-chained audit log: every state change, who, when, what.

Each entry's hash covers the previous entry's hash and the entry's canonical JSON, so an
edited, inserted or deleted row breaks the chain at that point (``verify``).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from mobileca_desktop.ca.db import AuditRow
from mobileca_desktop.domain.canonical import canonical_json

GENESIS = "0" * 64


def _digest(prev: str, at: dt.datetime, actor: str, action: str, obj: str, details: dict) -> str:
    body = canonical_json(
        [
            prev,
            at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            actor,
            action,
            obj,
            details,
        ],
        ascii=False,
    )
    return hashlib.sha256(body).hexdigest()


def append(
    session: Session,
    *,
    at: dt.datetime,
    actor: str,
    action: str,
    obj: str,
    details: dict | None = None,
) -> AuditRow:
    details = details or {}
    last = session.execute(select(AuditRow.hash).order_by(AuditRow.id.desc()).limit(1)).scalar()
    prev = last or GENESIS
    at = at.replace(microsecond=at.microsecond)  # stored with microseconds on every backend
    row = AuditRow(
        at=at,
        actor=actor,
        action=action,
        object=obj,
        details=details,
        prev_hash=prev,
        hash=_digest(prev, at, actor, action, obj, details),
    )
    session.add(row)
    session.flush()
    return row


def verify(session: Session) -> tuple[int, int | None]:
    """Returns (entries checked, id of the first bad entry or None)."""
    prev = GENESIS
    count = 0
    for row in session.execute(select(AuditRow).order_by(AuditRow.id)).scalars():
        count += 1
        expected = _digest(prev, row.at, row.actor, row.action, row.object, row.details or {})
        if row.prev_hash != prev or row.hash != expected:
            return count, row.id
        prev = row.hash
    return count, None

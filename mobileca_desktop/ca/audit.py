"""The hash-chained audit log: every state change, who, when, what.

Each entry's hash covers the previous entry's hash and the entry's canonical JSON, so an
edited, inserted or deleted row breaks the chain at that point (``verify``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from sqlalchemy.orm import Session

from mobileca_desktop.ca.store import AuditRow
from mobileca_desktop.ca.store import log as q
from mobileca_desktop.domain.canonical import canonical_json

GENESIS = "0" * 64


def _digest(
    prev: str, at: dt.datetime, actor: str, action: str, obj: str, details: dict[str, Any]
) -> str:
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
    details: dict[str, Any] | None = None,
) -> AuditRow:
    details = details or {}
    last = q.last_audit_hash(session)
    prev = last or GENESIS
    at = at.replace(microsecond=at.microsecond)  # stored with microseconds on every backend
    return q.add_audit(
        session,
        at=at,
        actor=actor,
        action=action,
        object=obj,
        details=details,
        prev_hash=prev,
        hash=_digest(prev, at, actor, action, obj, details),
    )


def verify(session: Session) -> tuple[int, int | None]:
    """Returns (entries checked, id of the first bad entry or None)."""
    prev = GENESIS
    count = 0
    for row in q.audit_entries(session):
        count += 1
        expected = _digest(prev, row.at, row.actor, row.action, row.object, row.details or {})
        if row.prev_hash != prev or row.hash != expected:
            return count, row.id
        prev = row.hash
    return count, None

"""Queries on the CA institutions (their keys, certificates and CRL) and the KMC key pool."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session as DB

from mobileca_desktop.ca.db import InstitutionRow, KeyPoolRow


def institution(s: DB, institution_id: str) -> InstitutionRow | None:
    return s.get(InstitutionRow, institution_id)


def institutions(s: DB) -> list[InstitutionRow]:
    q = select(InstitutionRow).order_by(InstitutionRow.position)
    return list(s.execute(q).scalars())


def institution_names(s: DB) -> dict[str, str]:
    return {r.id: r.name for r in s.execute(select(InstitutionRow)).scalars()}


def add_institution(s: DB, **fields: Any) -> InstitutionRow:
    row = InstitutionRow(**fields)
    s.add(row)
    return row


def pool_size(s: DB) -> int:
    return s.execute(select(func.count(KeyPoolRow.id))).scalar_one()


def pool_take(s: DB) -> bytes | None:
    """The oldest pooled (wrapped) key, removed in the caller's transaction; None if empty."""
    row = s.execute(select(KeyPoolRow).order_by(KeyPoolRow.id).limit(1)).scalar()
    if row is None:
        return None
    s.delete(row)
    return row.wrapped_key


def pool_add(s: DB, wrapped_key: bytes, created_at: dt.datetime) -> None:
    s.add(KeyPoolRow(wrapped_key=wrapped_key, created_at=created_at))

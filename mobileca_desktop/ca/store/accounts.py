"""Queries on accounts and login sessions."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session as DB

from mobileca_desktop.ca.db import AccountRow, SessionRow
from mobileca_desktop.ca.store.connection import Store


def account(s: DB, account_id: int) -> AccountRow | None:
    return s.get(AccountRow, account_id)


def login_name_taken(s: DB, login_name: str) -> bool:
    return (
        s.execute(select(AccountRow.id).where(AccountRow.login_name == login_name)).first()
        is not None
    )


def personal_phone_taken(s: DB, kind: str, phone: str) -> bool:
    q = select(AccountRow.id).where(AccountRow.kind == kind, AccountRow.phone == phone)
    return s.execute(q).first() is not None


def add_account(s: DB, **fields: Any) -> AccountRow:
    acc = AccountRow(**fields)
    s.add(acc)
    s.flush()
    return acc


def detached_account(**fields: Any) -> AccountRow:
    """An account object that is never stored (the in-process CA operator)."""
    return AccountRow(**fields)


def for_login(
    s: DB, kind: str, *, phone: str | None = None, login_name: str | None = None
) -> AccountRow | None:
    q = select(AccountRow).where(AccountRow.kind == kind)
    if phone is not None:
        q = q.where(AccountRow.phone == phone)
    else:
        q = q.where(AccountRow.login_name == login_name)
    return s.execute(q).scalar()


def session(s: DB, token_hash: str) -> SessionRow | None:
    return s.get(SessionRow, token_hash)


def add_session(
    s: DB, *, token_hash: str, account_id: int, created_at: dt.datetime, expires_at: dt.datetime
) -> None:
    s.add(
        SessionRow(
            token_hash=token_hash,
            account_id=account_id,
            created_at=created_at,
            expires_at=expires_at,
        )
    )


def delete_session(s: DB, token_hash: str) -> None:
    row = s.get(SessionRow, token_hash)
    if row is not None:
        s.delete(row)


def shift_sessions(s: DB, *, open_after: dt.datetime, shift: dt.timedelta) -> None:
    """Moves the end of every login still open at ``open_after`` by ``shift``."""
    for row in s.execute(select(SessionRow).where(SessionRow.expires_at > open_after)).scalars():
        row.expires_at = row.expires_at + shift


class SessionHolder(NamedTuple):
    account_id: int
    expires_at: dt.datetime
    kind: str
    display_name: str


def session_holder(store: Store, token_hash: str) -> SessionHolder | None:
    """Who a login token belongs to (the server rebuilds a ``Session`` from it)."""
    with store.read() as s:
        row = s.execute(
            select(
                SessionRow.account_id,
                SessionRow.expires_at,
                AccountRow.kind,
                AccountRow.display_name,
            )
            .join(AccountRow, AccountRow.id == SessionRow.account_id)
            .where(SessionRow.token_hash == token_hash)
        ).first()
    if row is None:
        return None
    return SessionHolder(row.account_id, row.expires_at, row.kind, row.display_name)

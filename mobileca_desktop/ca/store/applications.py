"""Queries on applications and their documents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DB

from mobileca_desktop.ca.db import ApplicationRow, DocumentRow


def application(s: DB, app_id: int) -> ApplicationRow | None:
    return s.get(ApplicationRow, app_id)


def by_idempotency_key(s: DB, account_id: int, key: str) -> ApplicationRow | None:
    return s.execute(
        select(ApplicationRow).where(
            ApplicationRow.account_id == account_id, ApplicationRow.idempotency_key == key
        )
    ).scalar()


def of_account(s: DB, account_id: int) -> list[ApplicationRow]:
    q = select(ApplicationRow).where(ApplicationRow.account_id == account_id)
    return list(s.execute(q.order_by(ApplicationRow.id)).scalars())


def not_in_state(s: DB, account_id: int, state: str) -> list[ApplicationRow]:
    q = select(ApplicationRow).where(
        ApplicationRow.account_id == account_id, ApplicationRow.state != state
    )
    return list(s.execute(q.order_by(ApplicationRow.id)).scalars())


def with_handler_newest_first(s: DB, account_id: int, handler: str) -> list[ApplicationRow]:
    q = select(ApplicationRow).where(
        ApplicationRow.account_id == account_id, ApplicationRow.handler == handler
    )
    return list(s.execute(q.order_by(ApplicationRow.id.desc())).scalars())


def review_queue(
    s: DB,
    *,
    submitted: str,
    draft: str,
    letter_method: str,
    pending: str,
    institution_id: str | None,
) -> list[ApplicationRow]:
    """Submitted applications, and drafts whose letter of authorisation waits."""
    q = select(ApplicationRow).where(
        (ApplicationRow.state == submitted)
        | (
            (ApplicationRow.state == draft)
            & (ApplicationRow.method == letter_method)
            & (ApplicationRow.verification == pending)
        )
    )
    if institution_id:
        q = q.where(ApplicationRow.institution_id == institution_id)
    return list(s.execute(q.order_by(ApplicationRow.id)).scalars())


def add_application(s: DB, **fields: Any) -> ApplicationRow:
    app = ApplicationRow(**fields)
    s.add(app)
    s.flush()
    return app


# --- documents ---------------------------------------------------------------------------


def document(s: DB, document_id: int) -> DocumentRow | None:
    return s.get(DocumentRow, document_id)


def documents(s: DB, app_id: int) -> list[DocumentRow]:
    q = select(DocumentRow).where(DocumentRow.application_id == app_id)
    return list(s.execute(q.order_by(DocumentRow.id)).scalars())


def document_kinds(s: DB, app_id: int) -> set[str]:
    q = select(DocumentRow.kind).where(DocumentRow.application_id == app_id)
    return set(s.execute(q).scalars())


def document_digests(s: DB, app_id: int) -> Sequence[tuple[str, str]]:
    """(kind, sha256) of every document, by kind: what the 电子签名 covers."""
    return [
        (k, h)
        for k, h in s.execute(
            select(DocumentRow.kind, DocumentRow.sha256)
            .where(DocumentRow.application_id == app_id)
            .order_by(DocumentRow.kind)
        ).all()
    ]


def document_of_kind(s: DB, app_id: int, kind: str) -> DocumentRow | None:
    q = select(DocumentRow).where(DocumentRow.application_id == app_id, DocumentRow.kind == kind)
    return s.execute(q).scalar()


def replace_document(
    s: DB,
    *,
    application_id: int,
    kind: str,
    filename: str,
    mime: str,
    data: bytes,
    sha256: str,
    created_at: dt.datetime,
) -> DocumentRow:
    """Stores a document in place of any earlier one of the same kind."""
    for old in s.execute(
        select(DocumentRow).where(
            DocumentRow.application_id == application_id, DocumentRow.kind == kind
        )
    ).scalars():
        s.delete(old)
    row = DocumentRow(
        application_id=application_id,
        kind=kind,
        filename=filename,
        mime=mime,
        size=len(data),
        sha256=sha256,
        data=data,
        created_at=created_at,
    )
    s.add(row)
    s.flush()
    return row


def delete_document(s: DB, row: DocumentRow) -> None:
    s.delete(row)

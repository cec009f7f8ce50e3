"""Token buckets shared by every worker (process) of one CA: rows of ``rate_buckets``.

The server's limits on password and code guessing (``server/ratelimit.py``) must hold for the
CA as a whole, not for each of its ``mobileca-ca serve --workers N`` processes. A bucket is
one row, found by the SHA-256 of its limit's name and key (an account, a login name, a client
address or network: never stored in clear). ``take`` takes one token from each of several
buckets in order in one short transaction and stops at the first empty one, as the
in-memory buckets do: tokens taken before it stay taken.

Atomic under concurrency: on SQLite the transaction holds the database's write lock from its
start (``BEGIN IMMEDIATE``, ``Store.counters``); on PostgreSQL each bucket is read by an upsert
that locks its row until commit, so two workers taking from one bucket queue on that row and
nothing else (not the CA writers' advisory lock). Every transaction locks its buckets in the
same order of limits (address, network, key, account), so two takers never deadlock.

Times are the callers' clock in seconds since the epoch; a clock behind never refills a
bucket (``at`` only moves forward). A missing bucket is full, so a full one may be deleted:
``prune`` deletes those whose ``full_at`` has passed.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import NamedTuple, cast

from sqlalchemy import Table, delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from mobileca_desktop.ca.db import RateBucketRow
from mobileca_desktop.ca.store.connection import Store

_table = cast(Table, RateBucketRow.__table__)


class Take(NamedTuple):
    """One token of the bucket ``(name, key)``, which holds ``burst`` tokens and refills at
    ``per_minute`` a minute."""

    name: str
    key: str
    per_minute: float
    burst: int


def bucket_id(name: str, key: str) -> str:
    return hashlib.sha256(f"{name}\x00{key}".encode()).hexdigest()


def take(store: Store, takes: Sequence[Take], now: float, *, prune: bool = False) -> int | None:
    """Takes one token from each bucket of ``takes`` in order. ``None`` when all were taken;
    else the seconds to wait (at least 1) for the first empty bucket, and the ones after it
    were not touched. ``prune`` also deletes the buckets full again by ``now``."""
    with store.counters() as conn:
        wait = None
        for t in takes:
            wait = _take_one(conn, t, now)
            if wait is not None:
                break
        if prune:
            conn.execute(delete(_table).where(_table.c.full_at < now))
        return wait


def _take_one(conn: Connection, t: Take, now: float) -> int | None:
    ident = bucket_id(t.name, t.key)
    burst = float(t.burst)
    tokens, at = _lock(conn, ident, burst, now)
    rate = t.per_minute / 60.0
    tokens = min(burst, tokens + max(0.0, now - at) * rate)
    at = max(at, now)
    wait = None
    if tokens < 1.0:
        wait = max(1, math.ceil((1.0 - tokens) / rate)) if rate > 0 else 60
    else:
        tokens -= 1.0
    full_at = at + ((burst - tokens) / rate if rate > 0 else 3600.0)
    conn.execute(
        update(_table).where(_table.c.id == ident).values(tokens=tokens, at=at, full_at=full_at)
    )
    return wait


def _lock(conn: Connection, ident: str, burst: float, now: float) -> tuple[float, float]:
    """The bucket's (tokens, at), made full if it did not exist; locked until commit."""
    dialect = conn.dialect.name
    if dialect not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"shared rate limits on {dialect}")
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    new = insert(_table).values(id=ident, tokens=burst, at=now, full_at=now)
    # A no-op update on conflict: the row is returned as it was, and on PostgreSQL locked.
    stmt = new.on_conflict_do_update(
        index_elements=[_table.c.id], set_={"id": new.excluded.id}
    ).returning(_table.c.tokens, _table.c.at)
    row = conn.execute(stmt).one()
    return float(row.tokens), float(row.at)


__all__ = ["Take", "bucket_id", "take"]

"""The CA database's connection: SQLite (WAL) by default, PostgreSQL by URL.

Every multi-step change runs in one transaction (``Store.tx``); a failure rolls it back whole.
The tables are ``ca/db.py``'s; the queries on them are this package's other modules.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from mobileca_desktop.ca import schema
from mobileca_desktop.ca.db import Base, Meta
from mobileca_desktop.domain.errors import ServiceUnavailable

WRITER_WAIT_SECONDS = 60  # PostgreSQL: how long a write waits for the writers' lock


class Store:
    """Owns the database connection; ``tx()`` is the one way to change state."""

    def __init__(self, url: str, *, create: bool = True) -> None:
        """Opens the database and brings its schema to the code's (``ca/schema.py``): a new
        one is created (``create=False`` refuses it instead), an older one upgraded, a newer
        one refused with ``SchemaTooNew``. ``schema_change`` says what was done, if anything.
        """
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.is_postgresql = url.startswith("postgresql")
        if self.is_sqlite:
            args = {"check_same_thread": False, "timeout": 30}
            self.engine: Engine = create_engine(url, connect_args=args)
            self._read_engine: Engine = create_engine(url, connect_args=args)
            event.listen(self.engine, "connect", _sqlite_writer_connect)
            event.listen(self.engine, "begin", _sqlite_begin_immediate)
            event.listen(self._read_engine, "connect", _sqlite_pragmas)
        elif self.is_postgresql:
            # Writers queue on a lock in this process (tx) and hold one connection at a
            # time; readers have a pool of their own, so a writer's nested read (the clock,
            # a CA lookup) never waits for connections held by threads queued behind it.
            self.engine = create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=2)
            self._read_engine = create_engine(
                url, pool_pre_ping=True, pool_size=10, max_overflow=20
            )
        else:
            self.engine = create_engine(url, pool_pre_ping=True)
            self._read_engine = self.engine
        self._pg_writer = threading.Lock()
        self._counters_lock = threading.Lock()
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._readers = sessionmaker(self._read_engine, expire_on_commit=False)
        try:
            self.schema_change = schema.prepare(
                url, self._read_engine, self.engine, Base.metadata, create=create
            )
        except BaseException:
            self.dispose()
            raise

    @classmethod
    def for_folder(cls, folder: Path) -> Store:
        folder.mkdir(parents=True, exist_ok=True)
        return cls(f"sqlite:///{folder / 'ca.sqlite3'}")

    @contextmanager
    def tx(self) -> Iterator[Session]:
        """One write transaction; on SQLite it takes the write lock at BEGIN, so two
        writers never interleave (the audit chain and serial checks rely on it).

        PostgreSQL gets the same guarantee from a transaction-scoped advisory lock taken
        first: several server processes then never fork the audit chain ("read the last
        hash, insert"), hand one pooled KMC key to two certificates, or lose a counted
        try. Readers (OCSP, lists) do not take it. Threads of one process queue on a lock
        before they take a connection, as SQLite's writers wait for theirs."""
        if not self.is_postgresql:
            with self._sessions() as session, session.begin():
                yield session
            return
        if not self._pg_writer.acquire(timeout=WRITER_WAIT_SECONDS):
            raise ServiceUnavailable(url="database", reason="the CA is busy; try again")
        try:
            with self._sessions() as session, session.begin():
                session.execute(_PG_WRITER_LOCK)
                yield session
        finally:
            self._pg_writer.release()

    @contextmanager
    def counters(self) -> Iterator[Connection]:
        """A short write transaction for counters that the server's processes share (the
        rate limits' buckets, ``ratebuckets.py``). SQLite: under the write lock from BEGIN,
        as ``tx()``. PostgreSQL: without the writers' advisory lock, on the readers' pool;
        the counters' rows are locked instead, so a rate check never queues behind a CA
        write (or a worker's writer lock), only behind another take of the same bucket."""
        if self.is_postgresql:
            with self._read_engine.begin() as conn:
                yield conn
            return
        # Threads of one process queue here rather than in SQLite's busy handler, whose
        # growing sleeps (up to 100 ms) made the slowest takes wait ~0.3 s under contention.
        with self._counters_lock, self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._readers() as session:
            yield session

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """A plain connection for hot read paths (OCSP) that need no ORM objects."""
        with self._read_engine.connect() as conn:
            yield conn

    def get_meta(self, session: Session, key: str) -> str | None:
        row = session.get(Meta, key)
        return row.value if row else None

    def set_meta(self, session: Session, key: str, value: str) -> None:
        row = session.get(Meta, key)
        if row is None:
            session.add(Meta(key=key, value=value))
        else:
            row.value = value

    def dispose(self) -> None:
        self.engine.dispose()
        self._read_engine.dispose()

    # --- queries of the CA operator's command line -----------------------------------------

    def is_initialised(self) -> bool:
        """Whether a CA was created in this database (its secret's salt is stored)."""
        with self.read() as s:
            return self.get_meta(s, "secret_salt") is not None

    def account_exists(self, login_name: str) -> bool:
        """Whether an account logs in with ``login_name`` (USCC, ID number or reviewer login)."""
        from mobileca_desktop.ca.store import accounts

        with self.read() as s:
            return accounts.login_name_taken(s, login_name)

    def encryption_serial(self, certificate_id: int) -> str | None:
        """The serial of the encryption certificate issued with the certificate
        ``certificate_id``; None when there is no such certificate."""
        from mobileca_desktop.ca.store import certificates

        with self.read() as s:
            row = certificates.certificate(s, certificate_id)
            return row.encryption_serial if row else None

    def verify_audit_chain(self) -> tuple[int, int | None]:
        """``audit.verify`` on this database: (entries checked, first bad entry or None).
        Needs no CA secret."""
        from mobileca_desktop.ca import audit  # audit's queries are this package's

        with self.read() as s:
            return audit.verify(s)


# One advisory-lock key for "the CA's writer"; schema upgrades take it too.
_PG_WRITER_LOCK = schema.PG_WRITER_LOCK


def _sqlite_writer_connect(dbapi_connection: Any, record: Any) -> None:
    _sqlite_pragmas(dbapi_connection, record)
    # Let SQLAlchemy's "begin" event issue BEGIN IMMEDIATE instead of pysqlite's own BEGIN.
    dbapi_connection.isolation_level = None


def _sqlite_begin_immediate(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()

"""The CA database's schema revision: checked on every open, created, stamped or upgraded.

The revisions are Alembic scripts in ``ca/migrations/versions``. Opening a CA whose database
is at ``HEAD`` (the common case) costs one plain query on ``alembic_version``; Alembic itself
is imported (``ca/migrate.py``) only when an upgrade is needed or the revision is unknown.

- A new database is made by ``create_all`` and stamped ``HEAD`` with plain SQL: the tables
  are then exactly the ORM's (tests/test_migrations.py checks that the revision chain from
  empty gives the same schema), in one pass, without importing Alembic on a first start.
- A database made before migrations existed (CA tables, no ``alembic_version``) is the
  baseline: missing tables are added as ``create_all`` always did, it is stamped
  ``BASELINE`` and then upgraded like any older database.
- An older revision is upgraded to ``HEAD``. SQLite: under the write lock (BEGIN IMMEDIATE,
  foreign keys off as SQLite's ALTER procedure asks, checked before commit), after a copy of
  the file is kept next to it as ``<file>.before-<HEAD>.bak``; one transaction, so a failed
  step leaves the database as it was. PostgreSQL: one transaction under the writers' advisory
  lock, so two workers never upgrade (or create) at once and no worker writes meanwhile.
- An unknown revision (a newer release upgraded the database) is refused with
  ``SchemaTooNew`` and nothing is touched.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    Column,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    create_engine,
    event,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import NullPool

from mobileca_desktop.domain import errors as E

# The newest revision in ca/migrations/versions (tests/test_migrations.py checks it against
# Alembic's view of the scripts). Add a revision there and move HEAD with it.
HEAD = "0003"
# The schema of the releases made before migrations existed: revision 0001_baseline.py.
BASELINE = "0001"

VERSION_TABLE = "alembic_version"
# Every CA database has had this table since its first release.
MARKER_TABLE = "meta"

_versions = Table(
    VERSION_TABLE,
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)
# The writers' advisory lock of db.py (any 64-bit constant: ASCII "mobileca").
PG_WRITER_LOCK = text("SELECT pg_advisory_xact_lock(7885629677478699873)")


@dataclass(frozen=True)
class State:
    revision: str | None  # None: no version table, or an empty one
    has_ca_tables: bool
    revisions: int = 0  # rows in the version table (Alembic branches: more than one)


@dataclass(frozen=True)
class Change:
    """What opening (or ``mobileca-ca upgrade``) did to the schema."""

    before: str | None  # None: a new database, or one made before migrations existed
    after: str
    created: bool = False
    stamped: bool = False  # recognised as the baseline (made before migrations)
    backup: Path | None = None


def read_state(conn: Connection) -> State:
    dialect = conn.dialect
    if not dialect.has_table(conn, VERSION_TABLE):
        return State(None, dialect.has_table(conn, MARKER_TABLE))
    rows = [r[0] for r in conn.execute(select(_versions.c.version_num))]
    has_tables = dialect.has_table(conn, MARKER_TABLE)
    if len(rows) == 1:
        return State(rows[0], has_tables, 1)
    return State(",".join(sorted(rows)) or None, has_tables, len(rows))


def where(url: str) -> str:
    """The database for messages: the SQLite file, or the URL without its password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    return parsed.render_as_string(hide_password=True)


def prepare(
    url: str, read_engine: Engine, write_engine: Engine, metadata: MetaData, *, create: bool
) -> Change | None:
    """Brings the database at ``url`` to ``HEAD`` (see the module's text); ``None`` when it
    already was. ``create=False`` refuses a database without a CA instead of making one."""
    with read_engine.connect() as conn:
        state = read_state(conn)
        conn.rollback()
    if state.revision == HEAD and state.revisions == 1:
        return None
    if not state.has_ca_tables and state.revision is None and not create:
        raise E.ConfigurationError(reason=f"no CA in {where(url)}")
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        return _prepare_sqlite(url, metadata, create=create)
    with write_engine.connect() as conn, conn.begin():
        if backend == "postgresql":
            conn.execute(PG_WRITER_LOCK)
        return _prepare_locked(conn, url, metadata, create=create, backup=None)


def _prepare_sqlite(url: str, metadata: MetaData, *, create: bool) -> Change | None:
    # A connection of its own: foreign keys can only be turned off outside a transaction,
    # and SQLite's procedure for rebuilding a table (Alembic's batch mode) needs them off.
    engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=OFF")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    database = make_url(url).database
    path = Path(database) if database and database != ":memory:" else None
    try:
        with engine.connect() as conn, conn.begin():
            return _prepare_locked(conn, url, metadata, create=create, backup=path)
    finally:
        engine.dispose()


def _prepare_locked(
    conn: Connection, url: str, metadata: MetaData, *, create: bool, backup: Path | None
) -> Change | None:
    """Runs inside the writers' lock and one transaction; an exception rolls it back."""
    state = read_state(conn)  # again: another process may have done it meanwhile
    if state.revision == HEAD and state.revisions == 1:
        return None
    stamped = False
    if state.revision is None:
        if not state.has_ca_tables:
            if not create:
                raise E.ConfigurationError(reason=f"no CA in {where(url)}")
            metadata.create_all(conn)
            _stamp(conn, HEAD)
            return Change(None, HEAD, created=True)
        # Made before migrations: the baseline schema (plus any table it lacked, which
        # create_all added on every open then).
        metadata.create_all(conn)
        _stamp(conn, BASELINE)
        stamped = True
        if BASELINE == HEAD:
            return Change(None, HEAD, stamped=True)
        before = BASELINE
    elif state.revisions != 1:
        raise E.SchemaTooNew(where=where(url), revision=state.revision, head=HEAD)
    else:
        before = state.revision
    from mobileca_desktop.ca import migrate  # Alembic: only when an upgrade is needed

    if not migrate.is_known(before):
        raise E.SchemaTooNew(where=where(url), revision=before, head=HEAD)
    kept = None
    if backup is not None:
        kept = _backup_sqlite(backup, url, before)
    try:
        migrate.upgrade(conn, HEAD)
        if conn.dialect.name == "sqlite":
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"{len(broken)} rows break a foreign key after the upgrade")
    except E.MobileCAError:
        raise
    except Exception as exc:
        raise E.SchemaUpgradeFailed(
            where=where(url),
            revision=before,
            head=HEAD,
            reason=f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
            backup=str(kept) if kept else "-",
        ) from exc
    return Change(before, HEAD, stamped=stamped, backup=kept)


def _stamp(conn: Connection, revision: str) -> None:
    _versions.create(conn, checkfirst=True)
    conn.execute(_versions.delete())
    conn.execute(_versions.insert().values(version_num=revision))


def backup_path(database: Path, head: str | None = None) -> Path:
    """``ca.sqlite3.before-0002.bak`` next to the database; ``.1.bak``, ... if taken."""
    head = head or HEAD
    candidate = database.with_name(f"{database.name}.before-{head}.bak")
    n = 1
    while candidate.exists():
        candidate = database.with_name(f"{database.name}.before-{head}.{n}.bak")
        n += 1
    return candidate


def _backup_sqlite(database: Path, url: str, before: str) -> Path:
    """A consistent copy of the committed database (SQLite's online backup: the WAL's
    committed pages included), readable by its owner only: it holds the wrapped CA keys."""
    target = backup_path(database)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        source = sqlite3.connect(database, timeout=30)
        try:
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)
            finally:
                copy.close()
        finally:
            source.close()
    except (OSError, sqlite3.Error) as exc:
        target.unlink(missing_ok=True)
        raise E.SchemaUpgradeFailed(
            where=where(url),
            revision=before,
            head=HEAD,
            reason=f"cannot keep a copy of the database first ({exc})",
            backup="-",
        ) from None
    return target


__all__ = ["BASELINE", "HEAD", "Change", "State", "prepare", "read_state"]

"""Schema migrations (ca/schema.py, ca/migrate.py, ca/migrations/): a database made before
migrations existed (tests/data/ca-before-migrations) is stamped and then serves the contract
tests; an older revision is upgraded after a copy is kept, with its data; a failed upgrade
is rolled back; a newer revision is refused untouched; PostgreSQL upgrades under the
writers' advisory lock; opening a CA at head never imports Alembic."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

# A slice of the contract suite, run below on the upgraded database (the local backend).
from test_contract import (  # noqa: F401
    Backend,
    services,
    svc,
    test_activation_grant_renew_change_revoke,
    test_errors_keep_their_type_code_and_params,
    test_every_method_and_handler_reaches_review_and_issue,
    test_idempotency_keys_never_create_twice,
    test_inbox_and_clock,
    test_reject_continue_cancel_and_discard,
)

from mobileca_desktop.ca import audit, migrate, schema
from mobileca_desktop.ca.db import AccountRow, Base, select
from mobileca_desktop.ca.engine import CAEngine
from mobileca_desktop.ca.secrets import PassphraseFileSecret
from mobileca_desktop.ca.store import Store
from mobileca_desktop.cacli.demo import DEMO_PASSWORD, demo_identities
from mobileca_desktop.cacli.main import main
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import AccountKind, AppState, CertStatus
from mobileca_desktop.services.local import LocalServices

DATA = Path(__file__).resolve().parent / "data"
LEGACY = DATA / "ca-before-migrations"
LATER = DATA / "revisions-later"
FAILING = DATA / "revisions-failing"
ROOT = Path(__file__).resolve().parent.parent


def legacy_copy(tmp_path: Path) -> Path:
    """A copy of the pre-migration CA folder; returns the folder."""
    folder = tmp_path / "ca"
    folder.mkdir()
    shutil.copy(LEGACY / "ca.sqlite3", folder / "ca.sqlite3")
    return folder


def secret() -> PassphraseFileSecret:
    return PassphraseFileSecret(LEGACY / "passphrase")


def version_rows(db: Path) -> list[str] | None:
    """The rows of alembic_version; None when the table does not exist."""
    with sqlite3.connect(db) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        if "alembic_version" not in names:
            return None
        return [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]


def columns(db: Path, table: str) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# The test revisions (tests/data/revisions-*) follow the real head.
LATER_HEAD = "0004"


@pytest.fixture
def later_revision(monkeypatch):
    """The code "knows" a revision 0004 (tests/data/revisions-later) and makes it head."""
    monkeypatch.setattr(migrate, "EXTRA_VERSION_LOCATIONS", [LATER])
    monkeypatch.setattr(schema, "HEAD", LATER_HEAD)


def stamp_at_baseline(folder: Path, monkeypatch) -> None:
    """Opens the legacy copy as the release that knew only the baseline did: stamped 0001."""
    monkeypatch.setattr(schema, "HEAD", schema.BASELINE)
    Store.for_folder(folder).dispose()
    monkeypatch.undo()
    assert version_rows(folder / "ca.sqlite3") == [schema.BASELINE]


# --- the revisions themselves ------------------------------------------------------------------


def test_head_constant_matches_the_revision_scripts():
    assert migrate.head() == schema.HEAD
    assert migrate.script().get_base() == schema.BASELINE


def _schema_diff(url: str) -> list:
    """Runs the revisions from an empty database to head, then compares with the ORM."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            migrate.upgrade(conn, schema.HEAD)
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()


def test_the_revisions_make_the_same_schema_as_create_all_on_sqlite(tmp_path):
    assert _schema_diff(f"sqlite:///{tmp_path / 'empty.sqlite3'}") == []


def test_the_revisions_make_the_same_schema_as_create_all_on_postgresql(pg_cluster):
    database = pg_cluster.new_database()
    try:
        assert _schema_diff(pg_cluster.url(database)) == []
    finally:
        pg_cluster.drop_database(database)


# --- SQLite -------------------------------------------------------------------------------------


def test_a_new_database_is_created_at_head(tmp_path):
    store = Store.for_folder(tmp_path / "ca")
    try:
        assert store.schema_change is not None and store.schema_change.created
    finally:
        store.dispose()
    assert version_rows(tmp_path / "ca" / "ca.sqlite3") == [schema.HEAD]
    again = Store.for_folder(tmp_path / "ca")
    assert again.schema_change is None
    again.dispose()


def test_a_database_made_before_migrations_is_stamped_and_keeps_its_data(tmp_path):
    folder = legacy_copy(tmp_path)
    db = folder / "ca.sqlite3"
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "alembic_version" not in tables and "meta" in tables  # really the old format
    store = Store.for_folder(folder)
    change = store.schema_change
    # stamped at the baseline, then upgraded through the later revisions (a copy kept)
    assert change is not None and change.stamped and change.before == schema.BASELINE
    assert change.after == schema.HEAD and change.backup is not None
    assert version_rows(db) == [schema.HEAD]
    engine = CAEngine(store, secret())
    try:
        ids = demo_identities()
        engine.login(AccountKind.LEGAL, ids["uscc"], DEMO_PASSWORD)
        with store.read() as s:
            count, bad = audit.verify(s)
        assert count >= 7 and bad is None
    finally:
        engine.close()


def _add_old_application(db: Path, state: str, reason: str | None) -> int:
    """An application row as the releases before 0002 stored it (the demo company's)."""
    with sqlite3.connect(db) as conn:
        account = conn.execute(
            "SELECT id FROM accounts WHERE login_name = ?", (demo_identities()["uscc"],)
        ).fetchone()[0]
        cur = conn.execute(
            "INSERT INTO applications (account_id, kind, purpose, institution_id, state,"
            " verification, verification_data, auth_code_tries, auth_code_confirmed, subject,"
            " reject_reason, created_at) VALUES (?, 'unit', 'new', 'sxca', ?, 'not_started',"
            " '{}', 0, 0, ?, ?, '2026-11-30 08:00:00.000000')",
            (account, state, '{"company_name": "山西示例"}', reason),
        )
        return cur.lastrowid


def test_discarded_drafts_stored_as_cancelled_become_discarded(tmp_path):
    """Revision 0002: a draft discarded before it (cancelled + 申请人已撤销) is DISCARDED;
    an application a reviewer cancelled stays cancelled; the lists show what they did."""
    folder = legacy_copy(tmp_path)
    db = folder / "ca.sqlite3"
    discarded = _add_old_application(db, "cancelled", "申请人已撤销")
    cancelled = _add_old_application(db, "cancelled", "被永久取消审核")
    store = Store.for_folder(folder)
    assert store.schema_change.after == schema.HEAD
    with sqlite3.connect(db) as conn:
        rows = dict(conn.execute("SELECT id, state FROM applications").fetchall())
    assert rows[discarded] == "discarded" and rows[cancelled] == "cancelled"
    engine = CAEngine(store, secret())
    try:
        s = engine.login(AccountKind.LEGAL, demo_identities()["uscc"], DEMO_PASSWORD)
        assert engine.get_application(s, discarded).state is AppState.DISCARDED
        assert engine.get_application(s, discarded).reject_reason == "申请人已撤销"
        listed = {r.application_id: r for r in engine.list_certificates(s)}
        assert discarded not in listed
        assert listed[cancelled].status is CertStatus.INVALID
        assert listed[cancelled].reason == "被永久取消审核"
    finally:
        engine.close()


def test_an_older_revision_is_upgraded_after_a_copy_is_kept(tmp_path, monkeypatch):
    folder = legacy_copy(tmp_path)
    db = folder / "ca.sqlite3"
    stamp_at_baseline(folder, monkeypatch)
    with sqlite3.connect(db) as conn:
        accounts = conn.execute("SELECT id, display_name FROM accounts ORDER BY id").fetchall()
        audit_rows = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    assert len(accounts) == 6

    monkeypatch.setattr(migrate, "EXTRA_VERSION_LOCATIONS", [LATER])
    monkeypatch.setattr(schema, "HEAD", LATER_HEAD)
    store = Store.for_folder(folder)
    change = store.schema_change
    assert change is not None and (change.before, change.after) == ("0001", LATER_HEAD)
    assert change.backup == folder / "ca.sqlite3.before-0004.bak"
    assert version_rows(db) == [LATER_HEAD]
    assert "nickname" in columns(db, "accounts")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT id, nickname FROM accounts ORDER BY id").fetchall() == accounts
        assert conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == audit_rows
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # the copy is the database as it was: revision 0001, no new column, the same rows
    assert change.backup.stat().st_mode & 0o777 == 0o600
    assert version_rows(change.backup) == ["0001"]
    assert "nickname" not in columns(change.backup, "accounts")
    with sqlite3.connect(change.backup) as conn:
        assert len(conn.execute("SELECT id FROM accounts").fetchall()) == 6
    # the CA works on the upgraded file: logins, the audit chain, a new account
    engine = CAEngine(store, secret())
    try:
        engine.login(AccountKind.LEGAL, demo_identities()["uscc"], DEMO_PASSWORD)
        with store.read() as s:
            assert audit.verify(s)[1] is None
            assert len(s.execute(select(AccountRow)).scalars().all()) == 6
    finally:
        engine.close()
    # opening again: at head, nothing to do, no second copy
    again = Store.for_folder(folder)
    assert again.schema_change is None
    again.dispose()
    assert sorted(p.name for p in folder.glob("*.bak")) == ["ca.sqlite3.before-0004.bak"]


def test_a_database_made_before_migrations_goes_straight_to_a_later_head(tmp_path, later_revision):
    folder = legacy_copy(tmp_path)
    store = Store.for_folder(folder)
    change = store.schema_change
    store.dispose()
    assert change.stamped and (change.before, change.after) == ("0001", LATER_HEAD)
    assert change.backup is not None and version_rows(change.backup) is None  # as it was
    assert version_rows(folder / "ca.sqlite3") == [LATER_HEAD]


def test_a_failed_upgrade_is_rolled_back(tmp_path, monkeypatch):
    folder = legacy_copy(tmp_path)
    db = folder / "ca.sqlite3"
    stamp_at_baseline(folder, monkeypatch)
    monkeypatch.setattr(migrate, "EXTRA_VERSION_LOCATIONS", [FAILING])
    monkeypatch.setattr(schema, "HEAD", LATER_HEAD)
    with pytest.raises(E.SchemaUpgradeFailed) as caught:
        Store.for_folder(folder)
    assert caught.value.params["revision"] == "0001"
    assert caught.value.params["backup"] == str(folder / "ca.sqlite3.before-0004.bak")
    assert version_rows(db) == ["0001"]
    assert "nickname" not in columns(db, "accounts")
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert len(conn.execute("SELECT id FROM accounts").fetchall()) == 6


def test_a_newer_schema_is_refused_and_left_untouched(tmp_path):
    folder = legacy_copy(tmp_path)
    db = folder / "ca.sqlite3"
    Store.for_folder(folder).dispose()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0999'")
    before = sha256(db)
    copies = sorted(folder.glob("*.bak"))  # the first open's upgrade to head kept one
    with pytest.raises(E.SchemaTooNew) as caught:
        CAEngine.open(folder, secret())
    assert caught.value.params == {
        "where": str(db),
        "revision": "0999",
        "head": schema.HEAD,
    }
    assert "newer mobileca release" in caught.value.message
    from mobileca_desktop.views import messages

    assert "更新版本" in messages.error_text(caught.value, "zh_CN")
    from mobileca_desktop.app import startup_problem  # what the desktop shows instead

    heading, html = startup_problem(caught.value)
    assert heading == "无法打开本机 CA" and "0999" in html and "更新版本" in html
    assert sha256(db) == before
    assert sorted(folder.glob("*.bak")) == copies  # no copy made for a refused open


# --- the contract suite on the upgraded database -----------------------------------------------


@pytest.fixture
def backend(tmp_path, memory_keyring, engine_config, later_revision):
    """Overrides test_contract's backend: the pre-migration file, upgraded to a later head."""
    folder = legacy_copy(tmp_path)
    engine = CAEngine(Store.for_folder(folder), secret(), engine_config)
    assert version_rows(folder / "ca.sqlite3") == [LATER_HEAD]
    local = LocalServices.over(engine)
    yield Backend("local", local, engine)
    local.close()


# --- start-up cost ------------------------------------------------------------------------------

PROBE = """
import sys
from pathlib import Path
from mobileca_desktop.ca.engine import CAEngine
from mobileca_desktop.ca.store import Store
from mobileca_desktop.ca.secrets import PassphraseFileSecret
engine = CAEngine.open(Path(sys.argv[1]), PassphraseFileSecret(Path(sys.argv[2])))
engine.close()
new = Store.for_folder(Path(sys.argv[3]))
print(new.schema_change.created, sorted(m for m in sys.modules if m.split(".")[0] == "alembic"))
"""


def test_opening_a_ca_at_head_does_not_import_alembic(tmp_path):
    folder = legacy_copy(tmp_path)
    Store.for_folder(folder).dispose()  # stamped: the common case from now on
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(folder), str(LEGACY / "passphrase"), str(tmp_path / "n")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "True []", out.stdout


# --- mobileca-ca upgrade ------------------------------------------------------------------------


def test_the_upgrade_command_prints_from_and_to(tmp_path, capsys, monkeypatch):
    folder = legacy_copy(tmp_path)
    assert main(["upgrade", "--data-dir", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "stamped at the baseline 0001" in out and f"0001 → {schema.HEAD}" in out
    monkeypatch.setattr(migrate, "EXTRA_VERSION_LOCATIONS", [LATER])
    monkeypatch.setattr(schema, "HEAD", LATER_HEAD)
    url = f"sqlite:///{folder / 'ca.sqlite3'}"
    assert main(["upgrade", "--db", url]) == 0
    out = capsys.readouterr().out
    assert "0003 → 0004" in out and "ca.sqlite3.before-0004.bak" in out
    assert main(["upgrade", "--data-dir", str(folder), "--json"]) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    assert data["from"] == data["to"] == LATER_HEAD and not data["upgraded"]


def test_the_upgrade_command_refuses_a_missing_ca_and_a_newer_schema(tmp_path, capsys):
    assert main(["upgrade", "--data-dir", str(tmp_path / "none")]) == 2
    assert "[configuration_error]" in capsys.readouterr().err
    assert not (tmp_path / "none").exists()
    empty = tmp_path / "empty.sqlite3"
    assert main(["upgrade", "--db", f"sqlite:///{empty}"]) == 2
    assert "no CA in" in capsys.readouterr().err
    with sqlite3.connect(empty) as conn:  # nothing was created in it
        assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
    folder = legacy_copy(tmp_path)
    Store.for_folder(folder).dispose()
    with sqlite3.connect(folder / "ca.sqlite3") as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffff'")
    assert main(["upgrade", "--data-dir", str(folder)]) == 2
    assert "[schema_too_new]" in capsys.readouterr().err


# --- PostgreSQL ---------------------------------------------------------------------------------


@pytest.fixture
def pg_legacy(pg_cluster):
    """A PostgreSQL CA database as the releases before migrations made it (create_all)."""
    database = pg_cluster.new_database()
    url = pg_cluster.url(database)
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO meta (key, value) VALUES ('marker', 'kept')"))
    engine.dispose()
    yield url
    pg_cluster.drop_database(database)


def _pg_scalar(url: str, sql: str):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def test_postgresql_stamps_then_upgrades_under_the_writers_lock(pg_legacy, monkeypatch):
    url = pg_legacy
    store = Store(url)
    assert store.schema_change.stamped and store.schema_change.backup is None
    store.dispose()
    assert _pg_scalar(url, "SELECT version_num FROM alembic_version") == schema.HEAD

    monkeypatch.setattr(migrate, "EXTRA_VERSION_LOCATIONS", [LATER])
    monkeypatch.setattr(schema, "HEAD", LATER_HEAD)
    # Another worker holds the writers' advisory lock: the upgrade waits for it.
    holder = create_engine(url)
    conn = holder.connect()
    conn.begin()
    conn.execute(schema.PG_WRITER_LOCK)
    results: list = []

    def open_store() -> None:
        try:
            s = Store(url)
            results.append(s.schema_change)
            s.dispose()
        except BaseException as exc:  # reported below
            results.append(exc)

    worker = threading.Thread(target=open_store)
    worker.start()
    waiting_sql = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
    watcher = create_engine(url)
    try:
        for _ in range(600):  # until the worker is seen waiting on the lock (or 60 s)
            with watcher.connect() as w:
                if w.execute(text(waiting_sql)).scalar():
                    break
            worker.join(0.1)
        else:
            pytest.fail("the upgrade never waited for the writers' lock")
        assert worker.is_alive() and not results
        assert _pg_scalar(url, "SELECT version_num FROM alembic_version") == "0003"
    finally:
        watcher.dispose()
        conn.rollback()
        conn.close()
        holder.dispose()
    worker.join(60)
    assert len(results) == 1 and not isinstance(results[0], BaseException), results
    assert (results[0].before, results[0].after) == ("0003", LATER_HEAD)
    assert _pg_scalar(url, "SELECT version_num FROM alembic_version") == LATER_HEAD
    assert _pg_scalar(url, "SELECT value FROM meta WHERE key = 'marker'") == "kept"


def test_two_postgresql_workers_never_upgrade_twice(pg_legacy, later_revision):
    url = pg_legacy
    barrier = threading.Barrier(2)
    results: list = []

    def open_store() -> None:
        try:
            barrier.wait(30)
            s = Store(url)
            results.append(s.schema_change)
            s.dispose()
        except BaseException as exc:  # reported below
            results.append(exc)

    workers = [threading.Thread(target=open_store) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert not any(isinstance(r, BaseException) for r in results), results
    done = [r for r in results if r is not None]
    assert len(results) == 2 and len(done) == 1, results  # one upgraded, one found it done
    assert done[0].after == LATER_HEAD
    assert _pg_scalar(url, "SELECT count(*) FROM alembic_version") == 1
    assert _pg_scalar(url, "SELECT version_num FROM alembic_version") == LATER_HEAD


def test_postgresql_refuses_a_newer_schema(pg_legacy):
    url = pg_legacy
    Store(url).dispose()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    engine.dispose()
    with pytest.raises(E.SchemaTooNew):
        Store(url)
    assert _pg_scalar(url, "SELECT version_num FROM alembic_version") == "0999"


def test_the_revisions_are_installed_with_the_package():
    """The wheel ships ca/migrations/versions/*.py as modules of a package (pyproject's
    packages.find): it needs its __init__.py; the template is package data."""
    from setuptools import find_packages

    assert "mobileca_desktop.ca.migrations.versions" in find_packages(
        str(ROOT), include=["mobileca_desktop*"]
    )
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"ca/migrations/script.py.mako"' in pyproject

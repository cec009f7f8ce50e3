"""``mobileca-ca audit verify --db URL`` checks the audit chain of a PostgreSQL CA (the
database ``mobileca-ca serve --db URL`` uses), without the CA's secret, and finds an edited
row there as it does in SQLite (tests/test_ca_cli.py)."""

from __future__ import annotations

import json

import pytest
from conftest import PASSWORD, demo_company
from sqlalchemy import create_engine, inspect, text

from mobileca_desktop.ca.engine import CAEngine
from mobileca_desktop.ca.secrets import KeyringSecret
from mobileca_desktop.ca.store import Store
from mobileca_desktop.cacli.main import main
from mobileca_desktop.domain.models import AccountKind


@pytest.fixture
def pg_ca(pg_cluster, tmp_path, memory_keyring, engine_config, people):
    database = pg_cluster.new_database()
    url = pg_cluster.url(database)
    engine = CAEngine(Store(url), KeyringSecret(tmp_path / "ca"), engine_config)
    reg = demo_company(people)
    engine.register_legal(reg)
    engine.login(AccountKind.LEGAL, reg.uscc, PASSWORD)
    engine.close()
    yield url
    pg_cluster.drop_database(database)


def test_audit_verify_on_postgresql(pg_ca, tmp_path, capsys):
    # No CA secret and an empty data folder: the database URL is all the auditor needs.
    empty = tmp_path / "nothing-here"
    assert main(["audit", "verify", "--db", pg_ca, "--data-dir", str(empty)]) == 0
    out = capsys.readouterr().out
    assert "chain intact" in out
    assert main(["audit", "verify", "--db", pg_ca, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["intact"] is True and report["entries"] >= 3

    store = Store(pg_ca)
    with store.tx() as s:
        s.execute(text('UPDATE audit_log SET details = \'{"kind": "forged"}\' WHERE id = 2'))
    store.dispose()
    assert main(["audit", "verify", "--db", pg_ca, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report == {"entries": 2, "intact": False, "first_bad_entry": 2}


def test_audit_verify_names_an_unreachable_or_empty_database(pg_cluster, capsys):
    database = pg_cluster.new_database()
    try:
        assert main(["audit", "verify", "--db", pg_cluster.url(database)]) == 2
        assert "no CA in" in capsys.readouterr().err
        # the auditor's look made no CA tables in the empty database
        engine = create_engine(pg_cluster.url(database))
        with engine.connect() as conn:
            assert inspect(conn).get_table_names() == []
        engine.dispose()
    finally:
        pg_cluster.drop_database(database)
    url = pg_cluster.url("postgres").replace(f":{pg_cluster.port}/", ":1/")
    assert main(["audit", "verify", "--db", url]) == 2
    err = capsys.readouterr().err
    assert "configuration_error" in err and "cannot" in err

"""Alembic, configured in code (no ``alembic.ini``): imported by ``ca/schema.py`` only when
a database is not at ``schema.HEAD``, and by developers to write a new revision.

A new revision (a column added to ``ca/db.py``, say)::

    python -m mobileca_desktop.ca.migrate revision "what changes" --db sqlite:///ca.sqlite3

autogenerates ``ca/migrations/versions/<id>_<what>.py`` against a database at the current
head (make one with ``mobileca-ca init``); review it, give it the next number as its id,
and move ``schema.HEAD`` to it.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Connection

MIGRATIONS = Path(__file__).with_name("migrations")
# Folders of revision scripts besides ca/migrations/versions (tests add a later one).
EXTRA_VERSION_LOCATIONS: list[Path] = []


def config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    locations = [MIGRATIONS / "versions", *EXTRA_VERSION_LOCATIONS]
    cfg.set_main_option("version_locations", os.pathsep.join(map(str, locations)))
    cfg.attributes["connection"] = connection
    return cfg


def script() -> ScriptDirectory:
    return ScriptDirectory.from_config(config())


def head() -> str:
    current = script().get_current_head()
    if current is None:  # only if the package were installed without its revisions
        raise RuntimeError("no Alembic revisions in the migrations' version locations")
    return current


def is_known(revision: str) -> bool:
    try:
        return script().get_revision(revision) is not None
    except CommandError:
        return False


def upgrade(connection: Connection, target: str) -> None:
    """Runs the revisions up to ``target`` inside the connection's open transaction."""
    command.upgrade(config(connection), target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mobileca_desktop.ca.migrate")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("revision", help="autogenerate a revision against a database at head")
    p.add_argument("message")
    p.add_argument("--db", required=True, metavar="URL")
    p.add_argument("--rev-id", metavar="ID", help="e.g. 0002")
    args = parser.parse_args(argv)
    from sqlalchemy import create_engine

    engine = create_engine(args.db)
    try:
        with engine.begin() as conn:
            command.revision(config(conn), args.message, autogenerate=True, rev_id=args.rev_id)
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

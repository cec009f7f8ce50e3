"""Alembic's environment script, run by ``ca/migrate.py``: the revisions run on the
connection (and inside the transaction) that ``config.attributes["connection"]`` holds."""

from typing import Literal

from alembic import context

from mobileca_desktop.ca.db import Base, UTCDateTime


def _render_item(kind: str, obj: object, _autogen_context: object) -> str | Literal[False]:
    # Revisions must not import the code they migrate: UTCDateTime is a DateTime column.
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite alters most columns only by rebuilding the table: batch mode does that, and
    # on PostgreSQL it issues plain ALTERs, so one script serves both.
    render_as_batch=True,
    compare_type=True,
    render_item=_render_item,
)
with context.begin_transaction():
    context.run_migrations()

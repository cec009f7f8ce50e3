"""TEST ONLY: a later revision, to prove that a database at an older revision is upgraded.

Adds ``accounts.nickname`` filled from ``display_name``, rebuilding the table (batch mode,
``recreate="always"`` on SQLite) although other tables point at it with foreign keys, as a real
column change on SQLite would.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite: rebuild the table as a type change would; PostgreSQL: a plain ALTER.
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("accounts", recreate="always" if sqlite else "auto") as batch_op:
        batch_op.add_column(sa.Column("nickname", sa.String(length=128), nullable=True))
    op.execute("UPDATE accounts SET nickname = display_name")


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.drop_column("nickname")

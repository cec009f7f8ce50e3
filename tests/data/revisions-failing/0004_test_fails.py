"""TEST ONLY: a later revision that fails half-way, to prove the upgrade is rolled back.

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
    op.execute("SELECT no_such_column FROM accounts")  # fails: everything above is undone


def downgrade() -> None:
    pass

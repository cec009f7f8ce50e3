"""The server's rate limits are counted in the database, shared by all its workers.

Until now each worker process of ``mobileca-ca serve`` kept its token buckets in memory, so
with N workers a client got N times the limit on password and code guessing. The new table
``rate_buckets`` holds one row per (limit, key) bucket; ``ca/store/ratebuckets.py`` takes
tokens from it under the row's lock. It starts empty (a missing bucket is full), so there is
no data to move; the downgrade drops it.

A database made before migrations is stamped at the baseline after ``create_all``, which
already made this table: then it is left as it is.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("rate_buckets"):
        return
    op.create_table(
        "rate_buckets",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("tokens", sa.Double(), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("full_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rate_buckets_full_at", "rate_buckets", ["full_at"])


def downgrade() -> None:
    op.drop_index("ix_rate_buckets_full_at", table_name="rate_buckets")
    op.drop_table("rate_buckets")

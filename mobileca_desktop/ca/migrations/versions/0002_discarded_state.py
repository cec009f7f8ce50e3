"""Discarded drafts get a state of their own.

Until now a draft its applicant discarded was stored as ``cancelled`` with the reason
``申请人已撤销``, and the lists filtered on that text. ``applications.state`` is a plain
string column (no enum type, no check constraint), so this is a data change only: those
rows become ``discarded`` (``AppState.DISCARDED``); the reason stays, as it was shown.
Cancelled applications with any other reason (被永久取消审核 by a reviewer) are untouched.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

REASON = "申请人已撤销"


def upgrade() -> None:
    op.get_bind().execute(
        sa.text(
            "UPDATE applications SET state = 'discarded' "
            "WHERE state = 'cancelled' AND reject_reason = :reason"
        ),
        {"reason": REASON},
    )


def downgrade() -> None:
    op.get_bind().execute(
        sa.text(
            "UPDATE applications SET state = 'cancelled', reject_reason = :reason "
            "WHERE state = 'discarded'"
        ),
        {"reason": REASON},
    )

"""add review_queue provenance and pending suggestion

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 21:56:02.632910

Write the change with `op.batch_alter_table(...)` so it runs on SQLite as well as MySQL/MariaDB,
and keep the types literal here (never import them from sql.py: a revision is frozen once shipped).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_queue", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provenance", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("pending_suggestion", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review_queue", schema=None) as batch_op:
        batch_op.drop_column("pending_suggestion")
        batch_op.drop_column("provenance")

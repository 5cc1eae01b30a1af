"""queue lock lease and work claims

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 00:18:26.900685

Write the change with `op.batch_alter_table(...)` so it runs on SQLite as well as MySQL/MariaDB,
and keep the types literal here (never import them from sql.py: a revision is frozen once shipped).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _datetime() -> sa.types.TypeEngine[object]:
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mariadb").with_variant(mysql.DATETIME(fsp=6), "mysql")


def upgrade() -> None:
    op.create_table(
        "pipeline_workers",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("stages", sa.JSON(), nullable=True),
        sa.Column("started_at", _datetime(), nullable=False),
        sa.Column("heartbeat_at", _datetime(), nullable=False),
        sa.Column("lease_expires_at", _datetime(), nullable=True),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("review_queue", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("claim_stage", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("claim_expires_at", _datetime(), nullable=True))
    with op.batch_alter_table("queue_lock", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", _datetime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("queue_lock", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
    with op.batch_alter_table("review_queue", schema=None) as batch_op:
        batch_op.drop_column("claim_expires_at")
        batch_op.drop_column("claim_stage")
        batch_op.drop_column("claim_token")
        batch_op.drop_column("claimed_by")
    op.drop_table("pipeline_workers")

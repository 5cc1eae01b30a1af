"""review_queue quality measures and scenes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 23:56:56.438225

Write the change with `op.batch_alter_table(...)` so it runs on SQLite as well as MySQL/MariaDB,
and keep the types literal here (never import them from sql.py: a revision is frozen once shipped).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_queue", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quality_measures", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("quality_flags", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("scene_signature", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("scene_id", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("scene_size", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("scene_rank", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("keeper", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("keeper_chosen_by", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("cull_suggested", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("cull_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review_queue", schema=None) as batch_op:
        batch_op.drop_column("cull_reason")
        batch_op.drop_column("cull_suggested")
        batch_op.drop_column("keeper_chosen_by")
        batch_op.drop_column("keeper")
        batch_op.drop_column("scene_rank")
        batch_op.drop_column("scene_size")
        batch_op.drop_column("scene_id")
        batch_op.drop_column("scene_signature")
        batch_op.drop_column("quality_flags")
        batch_op.drop_column("quality_measures")

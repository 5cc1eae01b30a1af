"""review_queue: the other file of a RAW + JPEG pair (raw_original_name, jpeg_original_name)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 13:00:00

Plain ADD/DROP COLUMN (SQLite 3.35+ and MySQL/MariaDB both have them): a batch operation would
make SQLite copy the table, computed column (0008) included, which it refuses. Types stay literal
here (never imported from sql.py: a revision is frozen once shipped).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


COLUMNS = ("raw_original_name", "jpeg_original_name")


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("review_queue", sa.Column(name, sa.Text(), nullable=True))


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.drop_column("review_queue", name)

"""review_queue: a person's rating, 1-5 stars (rating)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 15:00:00

Plain ADD/DROP COLUMN (SQLite 3.35+ and MySQL/MariaDB both have them): a batch operation would
make SQLite copy the table, computed column (0008) included, which it refuses. Types stay literal
here (never imported from sql.py: a revision is frozen once shipped).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("review_queue", sa.Column("rating", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("review_queue", "rating")

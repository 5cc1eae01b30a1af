"""review_queue: the photo's own alt text, creator, copyright and reading notes (MWG reader)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 12:20:00

Plain ADD/DROP COLUMN (SQLite 3.35+ and MySQL/MariaDB both have them): a batch operation would
make SQLite copy the table, computed column (0008) included, which it refuses. Types stay literal
here (never imported from sql.py: a revision is frozen once shipped).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


COLUMNS = ("exif_alt_text", "exif_creator", "exif_copyright", "metadata_notes")


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("review_queue", sa.Column(name, sa.JSON() if name == "metadata_notes" else sa.Text(), nullable=True))


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.drop_column("review_queue", name)

"""review_queue: what a row holds in the published target and gallery (published_file_name,
published_sha256) and the names it was published under before a rename (former_file_names)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 14:00:00

Plain ADD/DROP COLUMN (SQLite 3.35+ and MySQL/MariaDB both have them): a batch operation would
make SQLite copy the table, computed column (0008) included, which it refuses. Types stay literal
here (never imported from sql.py: a revision is frozen once shipped). A row published before this
revision holds its gallery entry under its `file_name` (a published row's file name could not
change); the picture there is known only for rows still `published`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("review_queue", sa.Column("published_file_name", sa.Text(), nullable=True))
    op.add_column("review_queue", sa.Column("published_sha256", sa.Text(), nullable=True))
    op.add_column("review_queue", sa.Column("former_file_names", sa.JSON(), nullable=True))
    op.execute("UPDATE review_queue SET published_file_name = file_name WHERE remote_id IS NOT NULL")
    op.execute("UPDATE review_queue SET published_sha256 = sha256 WHERE remote_id IS NOT NULL AND status = 'published'")


def downgrade() -> None:
    for name in ("former_file_names", "published_sha256", "published_file_name"):
        op.drop_column("review_queue", name)

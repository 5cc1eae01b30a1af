"""photo_sets (each set name's source folder), review_queue.perceptual_hash and .history, and key
columns that compare exactly on MySQL/MariaDB (binary collation: `A.jpg` is not `a.jpg`, `café` is
not `cafe`)

Revision ID: 0004
Revises: 0003

Write the change with `op.batch_alter_table(...)` so it runs on SQLite as well as MySQL/MariaDB,
and keep the types literal here (never import them from sql.py: a revision is frozen once shipped).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _key(length: int) -> sa.types.TypeEngine:  # type: ignore[type-arg]
    exact = mysql.VARCHAR(length, charset="utf8mb4", collation="utf8mb4_bin")
    return sa.String(length).with_variant(exact, "mariadb").with_variant(exact, "mysql")


# (column, nullable) of review_queue that are keys or looked up by exact name
_KEY_COLUMNS = (("set_name", False), ("original_name", False), ("file_name", True))


def upgrade() -> None:
    op.create_table(
        "photo_sets",
        sa.Column("name", _key(255), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    with op.batch_alter_table("review_queue", schema=None) as batch_op:
        batch_op.add_column(sa.Column("perceptual_hash", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("history", sa.JSON(), nullable=True))
    if op.get_bind().dialect.name in ("mysql", "mariadb"):  # SQLite already compares exactly
        for name, nullable in _KEY_COLUMNS:
            op.alter_column("review_queue", name, type_=mysql.VARCHAR(255, charset="utf8mb4", collation="utf8mb4_bin"),
                            existing_type=sa.String(255), existing_nullable=nullable)


def downgrade() -> None:
    if op.get_bind().dialect.name in ("mysql", "mariadb"):
        for name, nullable in _KEY_COLUMNS:
            op.alter_column("review_queue", name, type_=sa.String(255), existing_type=sa.String(255),
                            existing_nullable=nullable)
    with op.batch_alter_table("review_queue", schema=None) as batch_op:
        batch_op.drop_column("history")
        batch_op.drop_column("perceptual_hash")
    op.drop_table("photo_sets")

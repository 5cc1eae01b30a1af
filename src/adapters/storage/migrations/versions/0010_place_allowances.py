"""place_allowances: place names a person vouched for (`proofdesk places allow`)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 12:00:00

Write the change with `op.batch_alter_table(...)` so it runs on SQLite as well as MySQL/MariaDB,
and keep the types literal here (never import them from sql.py: a revision is frozen once shipped).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _key(length: int) -> sa.types.TypeEngine:  # type: ignore[type-arg]
    exact = mysql.VARCHAR(length, charset="utf8mb4", collation="utf8mb4_bin")
    return sa.String(length).with_variant(exact, "mariadb").with_variant(exact, "mysql")


def upgrade() -> None:
    # "" in set_name / original_name: the name holds for every set / every row of the set (a key
    # column cannot be NULL, and NULLs would never collide in a unique key)
    op.create_table(
        "place_allowances",
        sa.Column("name_key", _key(255), nullable=False),
        sa.Column("set_name", _key(255), nullable=False),
        sa.Column("original_name", _key(255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"), nullable=False),
        sa.PrimaryKeyConstraint("name_key", "set_name", "original_name"),
    )


def downgrade() -> None:
    op.drop_table("place_allowances")

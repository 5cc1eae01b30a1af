"""review_queue: exact accepted file names unique by a constraint

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 00:40:00

Write the change with `op.batch_alter_table(...)` so it runs on SQLite as well as MySQL/MariaDB,
and keep the types literal here (never import them from sql.py: a revision is frozen once shipped).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

EXPRESSION = "CASE WHEN metadata_quality = 'accepted' AND status <> 'rejected' THEN file_name END"


def upgrade() -> None:
    kind = sa.String(255).with_variant(mysql.VARCHAR(255, charset="utf8mb4", collation="utf8mb4_bin"), "mysql", "mariadb")
    with op.batch_alter_table("review_queue", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accepted_file_name", kind, sa.Computed(EXPRESSION, persisted=False)))
        batch_op.create_unique_constraint("uq_review_queue_accepted_file_name", ["accepted_file_name"])


def downgrade() -> None:
    with op.batch_alter_table("review_queue", schema=None) as batch_op:
        batch_op.drop_constraint("uq_review_queue_accepted_file_name", type_="unique")
        batch_op.drop_column("accepted_file_name")

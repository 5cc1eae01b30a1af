"""add review_queue place and time-zone facts (place_*, time_zone, utc_offset, utc_offset_source, clock_offset)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 21:14:18.948518

Write the change with `op.batch_alter_table(...)` so it runs on SQLite as well as MySQL/MariaDB,
and keep the types literal here (never import them from sql.py: a revision is frozen once shipped).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_queue", schema=None) as batch_op:
        batch_op.add_column(sa.Column("place_city", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("place_region", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("place_country", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("place_country_code", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("place_distance_km", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("time_zone", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("utc_offset", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("utc_offset_source", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("clock_offset", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review_queue", schema=None) as batch_op:
        batch_op.drop_column("clock_offset")
        batch_op.drop_column("utc_offset_source")
        batch_op.drop_column("utc_offset")
        batch_op.drop_column("time_zone")
        batch_op.drop_column("place_distance_km")
        batch_op.drop_column("place_country_code")
        batch_op.drop_column("place_country")
        batch_op.drop_column("place_region")
        batch_op.drop_column("place_city")

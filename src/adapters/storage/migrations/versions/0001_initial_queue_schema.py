"""Initial queue schema: the four tables as `metadata.create_all` made them before migrations.

Revision ID: 0001
Revises:
Create Date: 2026-11-30

A queue created by an older proofdesk (these tables, no alembic_version) is stamped at this
revision instead of running it (`proofdesk.adapters.storage.migrate`). The types are spelled out
here, not imported from sql.py, so that this revision never changes once shipped.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Naive UTC datetimes; microseconds on MySQL/MariaDB.
DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table(
        "review_queue",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("set_name", sa.String(255), nullable=False),
        sa.Column("original_name", sa.String(255), nullable=False),
        sa.Column("source_path", sa.Text()),
        sa.Column("incoming_path", sa.Text()),
        sa.Column("ollama_path", sa.Text()),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger()),
        sa.Column("captured_at", sa.String(64)),
        sa.Column("captured_offset", sa.String(64)),
        sa.Column("gps_timestamp_utc", sa.String(64)),
        sa.Column("camera_make", sa.Text()),
        sa.Column("camera_model", sa.Text()),
        sa.Column("lens", sa.Text()),
        sa.Column("focal_length_mm", sa.Double()),
        sa.Column("f_number", sa.Double()),
        sa.Column("exposure_time", sa.String(64)),
        sa.Column("iso", sa.Integer()),
        sa.Column("gps_latitude", sa.Double()),
        sa.Column("gps_longitude", sa.Double()),
        sa.Column("gps_altitude_m", sa.Double()),
        sa.Column("orientation", sa.Integer()),
        sa.Column("width", sa.Integer()),
        sa.Column("height", sa.Integer()),
        sa.Column("exif_caption", sa.Text()),
        sa.Column("exif_title", sa.Text()),
        sa.Column("exif_keywords", sa.JSON()),
        sa.Column("brisque_score", sa.Double()),
        sa.Column("brisque_fallback", sa.Boolean()),
        sa.Column("clip_aesthetic_score", sa.Double()),
        sa.Column("clip_aesthetic_fallback", sa.Boolean()),
        sa.Column("caption", sa.Text()),
        sa.Column("alt_text", sa.Text()),
        sa.Column("keywords", sa.JSON()),
        sa.Column("file_name", sa.String(255)),
        sa.Column("caption_source", sa.Text()),
        sa.Column("metadata_quality", sa.String(16)),
        sa.Column("proof_reasons", sa.JSON()),
        sa.Column("proof_digest", sa.Text()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("stages_done", sa.JSON()),
        sa.Column("edited_fields", sa.JSON()),
        sa.Column("suggestion_history", sa.JSON()),
        sa.Column("remote_id", sa.Text()),
        sa.Column("publish_error", sa.Text()),
        sa.Column("session_id", sa.String(64)),
        sa.Column("created_at", DATETIME),
        sa.Column("updated_at", DATETIME),
        sa.UniqueConstraint("set_name", "original_name", name="uq_review_queue_set_original"),
    )
    op.create_index("ix_review_queue_sha256", "review_queue", ["sha256"])
    op.create_index("ix_review_queue_status", "review_queue", ["status"])

    op.create_table(
        "pipeline_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("started_at", DATETIME, nullable=False),
        sa.Column("ended_at", DATETIME),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sets", sa.JSON()),
        sa.Column("config_digest", sa.String(64)),
        sa.Column("pid", sa.Integer()),
        sa.Column("note", sa.Text()),
    )

    op.create_table(
        "session_journal",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("before", sa.JSON()),
        sa.UniqueConstraint("session_id", "seq", name="uq_session_journal_seq"),
    )

    op.create_table(
        "queue_lock",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("since", DATETIME, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("queue_lock")
    op.drop_table("session_journal")
    op.drop_table("pipeline_sessions")
    op.drop_index("ix_review_queue_status", table_name="review_queue")
    op.drop_index("ix_review_queue_sha256", table_name="review_queue")
    op.drop_table("review_queue")

"""The queue's schema and its codecs: the column types, the tables (what the newest Alembic revision
builds), the engine factory, and the conversions between a `Row` and a database record. Imported by
the queue store (`sql.py`), the migrations (`migrate.py`), the work queue and the SQL gallery.

Lists (keywords, proof reasons, stages done, edited fields) are JSON columns; datetimes are stored as
naive UTC and returned timezone-aware; floats are DOUBLE so MySQL keeps full precision.
"""

from __future__ import annotations

import os
import types
import typing
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from proofdesk.core.domain.models import ROW_FIELDS, ProofReason, Row, RowStatus, SessionStatus
from proofdesk.core.ports.storage import StorageError
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

DateTime = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
Json = sa.JSON()

def _KeyString(length: int) -> sa.types.TypeEngine[Any]:  # noqa: N802 - reads as a type
    """A key string compared exactly: `A.jpg` and `a.jpg`, `café` and `cafe` are different keys.
    MySQL/MariaDB's default collations fold case and accents, so there it is binary."""
    return sa.String(length).with_variant(mysql.VARCHAR(length, charset="utf8mb4", collation="utf8mb4_bin"),
                                          "mysql", "mariadb")


# Column sizes for indexed/key strings (MySQL needs bounded lengths for keys).
_STRING_SIZES = {"set_name": 255, "original_name": 255, "sha256": 64, "file_name": 255, "session_id": 64,
                 "perceptual_hash": 32}


def _column_type(name: str, annotation: Any) -> sa.types.TypeEngine[Any]:
    base = annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        base = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
    origin = typing.get_origin(base)
    if origin in (list, dict):
        return Json
    if base is bool:
        return sa.Boolean()
    if base is int:
        return sa.BigInteger() if name == "size_bytes" else sa.Integer()
    if base is float:
        return sa.Double()
    if base is datetime:
        return DateTime
    if base in (RowStatus, SessionStatus) or name == "metadata_quality":
        return sa.String(16)
    if name in ("set_name", "original_name", "file_name"):
        return _KeyString(_STRING_SIZES[name])
    if name in _STRING_SIZES:
        return sa.String(_STRING_SIZES[name])
    if name in ("exposure_time", "captured_at", "captured_offset", "gps_timestamp_utc"):
        return sa.String(64)
    return sa.Text()


def _row_columns() -> list[sa.Column[Any]]:
    columns: list[sa.Column[Any]] = [sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)]
    for name, field in ROW_FIELDS.items():
        if name == "id":
            continue
        nullable = name not in ("set_name", "original_name", "sha256", "status")
        columns.append(sa.Column(name, _column_type(name, field.annotation), nullable=nullable))
    return columns


metadata = sa.MetaData()

ACCEPTED_FILE_NAME = "CASE WHEN metadata_quality = 'accepted' AND status <> 'rejected' THEN file_name END"

review_queue = sa.Table(
    "review_queue",
    metadata,
    *_row_columns(),
    # per-row work claims of `proofdesk worker` (not part of a Row: the work queue's bookkeeping)
    sa.Column("claimed_by", sa.String(128), nullable=True),
    sa.Column("claim_token", sa.String(32), nullable=True),
    sa.Column("claim_stage", sa.String(16), nullable=True),
    sa.Column("claim_expires_at", DateTime, nullable=True),
    # the file name of a row whose proof accepted it and nobody rejected: unique, so no two rows
    # (of any worker) can both hold an accepted claim on one exact name (NULLs never collide)
    sa.Column("accepted_file_name", _KeyString(255), sa.Computed(ACCEPTED_FILE_NAME, persisted=False)),
    sa.UniqueConstraint("set_name", "original_name", name="uq_review_queue_set_original"),
    sa.UniqueConstraint("accepted_file_name", name="uq_review_queue_accepted_file_name"),
    sa.Index("ix_review_queue_sha256", "sha256"),
    sa.Index("ix_review_queue_status", "status"),
)

sessions_table = sa.Table(
    "pipeline_sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("started_at", DateTime, nullable=False),
    sa.Column("ended_at", DateTime),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("sets", Json),
    sa.Column("config_digest", sa.String(64)),
    sa.Column("pid", sa.Integer),
    sa.Column("note", sa.Text),
)

journal_table = sa.Table(
    "session_journal",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("session_id", sa.String(64), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("target", sa.Text, nullable=False),
    sa.Column("before", Json),
    sa.UniqueConstraint("session_id", "seq", name="uq_session_journal_seq"),
)

# Which source folder each set name belongs to (the name is compared exactly: binary on MySQL).
sets_table = sa.Table(
    "photo_sets",
    metadata,
    sa.Column("name", _KeyString(255), primary_key=True),
    sa.Column("path", sa.Text, nullable=False),
)

# Place names a person vouched for (`proofdesk places allow`): the folded name, and the set and row
# it holds for ("" for every set / every row of the set), one allowance per key.
place_allowances_table = sa.Table(
    "place_allowances",
    metadata,
    sa.Column("name_key", _KeyString(255), primary_key=True),
    sa.Column("set_name", _KeyString(255), primary_key=True),
    sa.Column("original_name", _KeyString(255), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("created_at", DateTime, nullable=False),
)

workers_table = sa.Table(
    "pipeline_workers",
    metadata,
    sa.Column("id", sa.String(128), primary_key=True),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("stages", Json),
    sa.Column("started_at", DateTime, nullable=False),
    sa.Column("heartbeat_at", DateTime, nullable=False),
    sa.Column("lease_expires_at", DateTime, nullable=True),
    sa.Column("rows_done", sa.Integer, nullable=False, default=0),
    sa.Column("status", sa.String(16), nullable=False),
)

lock_table = sa.Table(
    "queue_lock",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("session_id", sa.String(64), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("since", DateTime, nullable=False),
    sa.Column("expires_at", DateTime, nullable=True),
)


# list and dict fields are JSON columns; NULL (a row from before the column existed) reads as empty
_JSON_ROW_FIELDS = {name for name, field in ROW_FIELDS.items() if typing.get_origin(field.annotation) is list}
_JSON_DICT_ROW_FIELDS = {name for name, field in ROW_FIELDS.items() if typing.get_origin(field.annotation) is dict}


def to_db_time(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None)


def from_db_time(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None else None


def row_to_db(row: Row) -> dict[str, Any]:
    values = row.model_dump(mode="python", exclude={"id"})
    for name in ("created_at", "updated_at"):
        values[name] = to_db_time(values[name])
    values["proof_reasons"] = [reason.model_dump() for reason in row.proof_reasons]
    for name in ("status", "metadata_quality"):
        if values[name] is not None:
            values[name] = str(values[name].value if hasattr(values[name], "value") else values[name])
    return values


def row_from_db(record: sa.RowMapping) -> Row:
    values = dict(record)
    for name in _JSON_ROW_FIELDS:
        if values.get(name) is None:
            values[name] = []
    for name in _JSON_DICT_ROW_FIELDS:
        if values.get(name) is None:
            values[name] = {}
    values["proof_reasons"] = [ProofReason(**reason) for reason in values["proof_reasons"]]
    for name in ("created_at", "updated_at"):
        values[name] = from_db_time(values[name])
    return Row.model_validate(values)


def storage_error(exc: SQLAlchemyError, what: str) -> StorageError:
    detail = exc.orig if hasattr(exc, "orig") else exc
    text = str(detail).lower()
    if "disk is full" in text or "no space left" in text or getattr(detail, "args", (None,))[:1] == (1021,):
        return StorageError(f"queue database error while {what}: disk full ({detail}); free space on the disk "
                            "that holds the queue database, then run again")
    return StorageError(f"queue database error while {what}: {exc.__class__.__name__}: {detail}")


def _sqlite_begin_immediate(engine: Engine) -> None:
    """pysqlite starts transactions lazily; take the write lock at BEGIN so two writers queue on
    the busy timeout instead of failing when a reader upgrades (SQLAlchemy's documented recipe)."""

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for a queue or gallery URL; SQLite parent folders are created."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(database)), exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 60})
        _sqlite_begin_immediate(engine)
        return engine
    # No ping per checkout (a round trip each): a connection idle for an hour is replaced before
    # use instead. No reset on return either: every connection is used through a unit of work or
    # `engine.begin()/connect()`, which end their transaction themselves (a second ROLLBACK per
    # checkout would be a wasted round trip).
    return sa.create_engine(url, pool_recycle=3600, pool_reset_on_return=None)

"""The gallery table on SQLAlchemy 2.x Core: MySQL/MariaDB (PyMySQL) and SQLite.

One row per published photo, keyed by a unique `File_Name`. The table name and every column name
come from the settings (`gallery.table`, `gallery.columns.*`); a column mapped to "" is left out
(except id, File_Name and the sha256, which publishing needs). The table is created when missing.
Upserts are `INSERT … ON DUPLICATE KEY UPDATE` on MySQL and `INSERT … ON CONFLICT (File_Name) DO
UPDATE` on SQLite, followed by a `SELECT id` in the same transaction, so the id is the same on every
upsert of a File_Name. Values always travel as bound parameters; identifiers are validated and
quoted by SQLAlchemy.

Connection errors (refused, lost, timed out) are retried with backoff and then raise
ServiceUnavailable; a statement the database refuses for one entry raises GalleryError.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from proofdesk.adapters.retry import retrying
from proofdesk.adapters.storage.schema import make_engine
from proofdesk.core.domain.publishing import GalleryEntry, GalleryRecord
from proofdesk.core.ports.publishing import Gallery, GalleryError, ServiceUnavailable
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

T = TypeVar("T")

# Logical field -> default column name. `id`, `file_name` and `sha256` are required.
DEFAULT_COLUMNS: dict[str, str] = {
    "id": "id",
    "file_name": "File_Name",
    "title": "Title",
    "caption": "Caption",
    "alt_text": "Alt_Text",
    "keywords": "Keywords",
    "set_name": "Set_Name",
    "width": "Width",
    "height": "Height",
    "captured_at": "Captured_At",
    "camera": "Camera",
    "lens": "Lens",
    "image_url": "Image_URL",
    "thumb_url": "Thumb_URL",
    "brisque_score": "Brisque_Score",
    "aesthetic_score": "Aesthetic_Score",
    "sha256": "Sha256",
    "updated_at": "Updated_At",
}
REQUIRED = ("id", "file_name", "sha256")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
DateTime = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def _types() -> dict[str, sa.types.TypeEngine[Any]]:
    return {
        "file_name": sa.String(255),
        "title": sa.String(255),
        "caption": sa.Text(),
        "alt_text": sa.String(255),
        "keywords": sa.Text(),
        "set_name": sa.String(255),
        "width": sa.Integer(),
        "height": sa.Integer(),
        "captured_at": DateTime,
        "camera": sa.String(255),
        "lens": sa.String(255),
        "image_url": sa.String(1024),
        "thumb_url": sa.String(1024),
        "brisque_score": sa.Double(),
        "aesthetic_score": sa.Double(),
        "sha256": sa.String(64),
        "updated_at": DateTime,
    }


def check_identifier(value: str, key: str) -> str:
    if not _IDENTIFIER.match(value):
        raise ValueError(f"{key}: {value!r} is not a plain SQL identifier (letters, digits, _; at most 64)")
    return value


def gallery_table(name: str = "gallery", columns: Mapping[str, str] | None = None) -> tuple[sa.Table, dict[str, str]]:
    """The table definition and the field -> column mapping actually used."""
    mapping = dict(DEFAULT_COLUMNS)
    for field, column in (columns or {}).items():
        if field not in DEFAULT_COLUMNS:
            raise ValueError(f"gallery.columns.{field}: unknown field; known: {', '.join(DEFAULT_COLUMNS)}")
        mapping[field] = column
    check_identifier(name, "gallery.table")
    for field in REQUIRED:
        if not mapping[field]:
            raise ValueError(f"gallery.columns.{field}: cannot be left out")
    mapping = {field: column for field, column in mapping.items() if column}
    for field, column in mapping.items():
        check_identifier(column, f"gallery.columns.{field}")
    if len({column.lower() for column in mapping.values()}) != len(mapping):
        raise ValueError("gallery.columns: two fields map to the same column")
    types = _types()
    table_columns: list[sa.Column[Any]] = [
        sa.Column(mapping["id"], sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(mapping["file_name"], types["file_name"], nullable=False, unique=True),
        sa.Column(mapping["sha256"], types["sha256"], nullable=False),
    ]
    for field, column in mapping.items():
        if field not in REQUIRED:
            table_columns.append(sa.Column(column, types[field]))
    table = sa.Table(name, sa.MetaData(), *table_columns, mysql_charset="utf8mb4", mysql_engine="InnoDB")
    return table, mapping


def _wall_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=None)


class _Retry(Exception):
    pass


class SqlGallery(Gallery):
    """The gallery in a SQL database; nothing connects until first use."""

    def __init__(
        self,
        url: str,
        table: str = "gallery",
        columns: Mapping[str, str] | None = None,
        password: str | None = None,
        timeout_s: float = 30.0,
        retries: int = 3,
        backoff_s: float = 0.5,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        password_hint: str = "",
    ) -> None:
        """`password_hint`: where the password comes from (e.g. the environment variable to set),
        said when the server refuses a login made without one."""
        self.password_hint = password_hint
        parsed = sa.engine.make_url(url)
        if password:
            parsed = parsed.set(password=password)
        self.url = parsed
        self.table, self.columns = gallery_table(table, columns)
        self.timeout_s = timeout_s
        self.retries = max(1, retries)
        self.backoff_s = backoff_s
        self.now = now
        self._engine: Engine | None = None
        self._mutex = threading.Lock()

    @property
    def backend(self) -> str:
        return self.url.get_backend_name()

    @property
    def description(self) -> str:
        return f"gallery table {self.table.name} in {self.url.render_as_string(hide_password=True)}"

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def engine(self) -> Engine:
        with self._mutex:
            if self._engine is None:
                if self.backend == "sqlite":
                    self._engine = make_engine(self.url.render_as_string(hide_password=False))
                else:
                    timeout = max(1, int(self.timeout_s))
                    self._engine = sa.create_engine(
                        self.url, pool_pre_ping=True, pool_recycle=3600,
                        connect_args={"connect_timeout": timeout, "read_timeout": timeout, "write_timeout": timeout},
                    )
            return self._engine

    def close(self) -> None:
        with self._mutex:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None

    def _sqlite_file_missing(self) -> bool:
        database = self.url.database
        return self.backend == "sqlite" and bool(database) and database != ":memory:" and not os.path.exists(database)

    # ---- running statements

    def _run(self, what: str, work: Callable[[Connection], T]) -> T:
        def attempt() -> T:
            try:
                with self.engine.begin() as connection:
                    return work(connection)
            except OperationalError as exc:
                if _is_connection_error(exc):
                    raise _Retry(_message(exc)) from exc
                if _is_access_denied(exc) and not self.url.password:
                    hint = f" ({self.password_hint})" if self.password_hint else ""
                    raise ServiceUnavailable(
                        f"{self.description}: {what} failed: {_message(exc)}; no password was given{hint}"
                    ) from None
                raise GalleryError(f"{self.description}: {what} failed: {_message(exc)}") from None
            except DBAPIError as exc:
                if exc.connection_invalidated:
                    raise _Retry(_message(exc)) from exc
                raise GalleryError(f"{self.description}: {what} failed: {_message(exc)}") from None
            except SQLAlchemyError as exc:
                raise GalleryError(f"{self.description}: {what} failed: {_message(exc)}") from None

        try:
            for retry in retrying(self.retries, self.backoff_s, _Retry):
                with retry:
                    return attempt()
        except _Retry as exc:
            raise ServiceUnavailable(
                f"{self.description}: {what} failed after {self.retries} attempt(s): {exc}"
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _has_table(self, connection: Connection) -> bool:
        return sa.inspect(connection).has_table(self.table.name)

    # ---- Gallery

    def ensure_table(self) -> None:
        self._run(f"creating table {self.table.name}",
                  lambda connection: self.table.create(connection, checkfirst=True))

    def _values(self, entry: GalleryEntry) -> dict[str, Any]:
        values: dict[str, Any] = {
            **entry.model_dump(exclude={"keywords", "captured_at"}),
            "keywords": ", ".join(entry.keywords),
            "captured_at": _wall_time(entry.captured_at),
            "updated_at": self.now().astimezone(UTC).replace(tzinfo=None),
        }
        return {self.columns[field]: value for field, value in values.items() if field in self.columns}

    def upsert(self, entry: GalleryEntry) -> str:
        values = self._values(entry)
        key = self.columns["file_name"]
        updates = {column: value for column, value in values.items() if column != key}
        id_column = self.table.c[self.columns["id"]]

        def work(connection: Connection) -> str:
            statement: Any
            if connection.dialect.name in ("mysql", "mariadb"):
                statement = mysql.insert(self.table).values(**values)
                statement = statement.on_duplicate_key_update(
                    **{column: statement.inserted[column] for column in updates}
                )
            elif connection.dialect.name == "sqlite":
                statement = sqlite.insert(self.table).values(**values)
                statement = statement.on_conflict_do_update(
                    index_elements=[self.table.c[key]],
                    set_={column: statement.excluded[column] for column in updates},
                )
            else:  # pragma: no cover - the settings only allow mysql and sqlite URLs
                raise GalleryError(f"{self.description}: no upsert for dialect {connection.dialect.name}")
            connection.execute(statement)
            remote_id = connection.execute(
                sa.select(id_column).where(self.table.c[key] == entry.file_name)
            ).scalar_one()
            return str(remote_id)

        return self._run(f"upsert of File_Name {entry.file_name!r}", work)

    def move(self, remote_id: str, entry: GalleryEntry) -> str | None:
        values = self._values(entry)
        id_column = self.table.c[self.columns["id"]]
        key = self.table.c[self.columns["file_name"]]
        try:
            wanted = int(remote_id)
        except ValueError:
            return None

        def work(connection: Connection) -> str | None:
            if not self._has_table(connection):
                return None
            holder = connection.execute(sa.select(id_column).where(key == entry.file_name)).scalar_one_or_none()
            if holder is not None and holder != wanted:
                raise GalleryError(f"{self.description}: File_Name {entry.file_name!r} is held by id {holder}")
            updated = connection.execute(sa.update(self.table).where(id_column == wanted).values(**values))
            return str(wanted) if updated.rowcount else None

        return self._run(f"moving gallery id {remote_id} to File_Name {entry.file_name!r}", work)

    def delete(self, file_name: str) -> bool:
        if self._sqlite_file_missing():
            return False
        key = self.table.c[self.columns["file_name"]]

        def work(connection: Connection) -> bool:
            if not self._has_table(connection):
                return False
            return bool(connection.execute(sa.delete(self.table).where(key == file_name)).rowcount)

        return self._run(f"delete of File_Name {file_name!r}", work)

    def _record(self, row: sa.RowMapping) -> GalleryRecord:
        fields = {field: row[column] for field, column in self.columns.items()}
        keywords = fields.get("keywords") or ""
        captured = fields.get("captured_at")
        entry = GalleryEntry(
            **{name: fields.get(name) for name in GalleryEntry.model_fields if name not in ("keywords", "captured_at")},
            keywords=[keyword.strip() for keyword in keywords.split(",") if keyword.strip()],
            captured_at=captured.isoformat(timespec="seconds") if isinstance(captured, datetime) else captured,
        )
        return GalleryRecord(remote_id=str(fields["id"]), entry=entry)

    def lookup(self, file_name: str) -> GalleryRecord | None:
        if self._sqlite_file_missing():
            return None

        def work(connection: Connection) -> GalleryRecord | None:
            if not self._has_table(connection):
                return None
            row = connection.execute(
                sa.select(self.table).where(self.table.c[self.columns["file_name"]] == file_name)
            ).mappings().first()
            return self._record(row) if row is not None else None

        return self._run(f"lookup of File_Name {file_name!r}", work)

    def file_names(self) -> list[str]:
        if self._sqlite_file_missing():
            return []
        column = self.table.c[self.columns["file_name"]]

        def work(connection: Connection) -> list[str]:
            if not self._has_table(connection):
                return []
            return sorted(connection.execute(sa.select(column)).scalars())

        return self._run("listing File_Names", work)

    def records(self) -> list[GalleryRecord]:
        """Every row, ordered by id (for reports and tests)."""
        if self._sqlite_file_missing():
            return []

        def work(connection: Connection) -> list[GalleryRecord]:
            if not self._has_table(connection):
                return []
            query = sa.select(self.table).order_by(self.table.c[self.columns["id"]])
            return [self._record(row) for row in connection.execute(query).mappings()]

        return self._run("listing the gallery", work)


# MySQL client errors that mean "no usable connection" (2003 can't connect, 2006 gone away,
# 2013 lost connection, 2055 lost at handshake, 1040 too many connections).
_CONNECTION_CODES = {1040, 2002, 2003, 2005, 2006, 2013, 2055}


def _is_connection_error(exc: OperationalError) -> bool:
    if exc.connection_invalidated:
        return True
    args = getattr(exc.orig, "args", ())
    if args and isinstance(args[0], int):
        return args[0] in _CONNECTION_CODES
    text = str(exc.orig).lower()
    return "unable to open database" in text or "database is locked" in text


def _is_access_denied(exc: OperationalError) -> bool:
    args = getattr(exc.orig, "args", ())
    return bool(args) and args[0] == 1045  # ER_ACCESS_DENIED_ERROR


def _message(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    return f"{exc.__class__.__name__}: {orig if orig is not None else exc}"

"""Review queue on SQLAlchemy 2.x Core: SQLite (default, a file database) and MySQL/MariaDB.

The schema is created, or brought up to date, on first use by the Alembic migrations shipped in
`migrations/` (ADR 0012; `migrate.py`); the tables, the engine factory and the row codecs are in
`schema.py` (its `metadata` is what the newest revision builds). A unit of work is one database
transaction.
"""

from __future__ import annotations

import threading
import typing
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from proofdesk.adapters.clock import SystemClock
from proofdesk.adapters.storage.lock import SqlQueueLock
from proofdesk.adapters.storage.schema import (
    from_db_time,
    journal_table,
    make_engine,
    place_allowances_table,
    review_queue,
    row_from_db,
    row_to_db,
    sessions_table,
    sets_table,
    storage_error,
    to_db_time,
)

# Names the migrations' env.py and the migration tests read here; they are schema.py's.
from proofdesk.adapters.storage.schema import lock_table as lock_table
from proofdesk.adapters.storage.schema import metadata as metadata
from proofdesk.core.domain.errors import RowChanged
from proofdesk.core.domain.models import JournalEntry, PhotoSet, Row, RowStatus, Session, SessionStatus
from proofdesk.core.domain.place_names import PlaceAllowance
from proofdesk.core.ports.storage import (
    JournalRepository,
    PlaceAllowanceRepository,
    QueueLock,
    QueueStore,
    RowConflict,
    RowRepository,
    SessionRepository,
    SetRepository,
    StorageError,
    UnitOfWork,
)
from proofdesk.core.ports.system import Clock
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

if typing.TYPE_CHECKING:
    from proofdesk.adapters.storage.migrate import SchemaUpgrade

_row_to_db = row_to_db  # the migration tests' name for schema.row_to_db

_KEYS_PER_STATEMENT = 400  # keys in one IN (…): well under SQLite's bound-parameter limit


class _SqlRows(RowRepository):
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def _select(self) -> sa.Select[Any]:
        return sa.select(review_queue)

    def get(self, set_name: str, original_name: str) -> Row | None:
        query = self._select().where(
            review_queue.c.set_name == set_name, review_queue.c.original_name == original_name
        )
        record = self._uow.execute(query, "reading a row").mappings().first()
        return row_from_db(record) if record else None

    def get_by_id(self, row_id: int) -> Row | None:
        query = self._select().where(review_queue.c.id == row_id)
        record = self._uow.execute(query, "reading a row").mappings().first()
        return row_from_db(record) if record else None

    def list(self, status: RowStatus | None = None, set_name: str | None = None) -> list[Row]:
        query = self._select().order_by(review_queue.c.set_name, review_queue.c.original_name)
        if status is not None:
            query = query.where(review_queue.c.status == status.value)
        if set_name is not None:
            query = query.where(review_queue.c.set_name == set_name)
        return [row_from_db(r) for r in self._uow.execute(query, "listing rows").mappings()]

    def add(self, row: Row) -> Row:
        now = self._uow.clock.now()
        stored = row.changed(created_at=now, updated_at=now)
        try:
            result = self._uow.connection.execute(review_queue.insert().values(**row_to_db(stored)))
        except IntegrityError:
            raise RowConflict(f"row {row.key_text} already exists") from None
        except SQLAlchemyError as exc:
            raise storage_error(exc, f"inserting row {row.key_text}") from exc
        return stored.changed(id=int(result.inserted_primary_key[0]))

    def update(self, row: Row, expected_updated_at: datetime | None = None) -> Row:
        existing = self.get(*row.key)
        if existing is None:
            raise StorageError(f"row {row.key_text} does not exist; add it first")
        if expected_updated_at is not None and existing.updated_at != expected_updated_at:
            raise RowChanged(row.key_text)
        stored = row.changed(id=existing.id, created_at=existing.created_at, updated_at=self._uow.clock.now())
        statement = review_queue.update().where(review_queue.c.id == existing.id)
        if expected_updated_at is not None:  # the same check in the write itself: a writer between the two loses nothing
            statement = statement.where(review_queue.c.updated_at == to_db_time(expected_updated_at))
        result = self._uow.execute(statement.values(**row_to_db(stored)), f"updating row {row.key_text}")
        if expected_updated_at is not None and result.rowcount == 0:
            raise RowChanged(row.key_text)
        return stored

    def delete(self, set_name: str, original_name: str) -> bool:
        statement = review_queue.delete().where(
            review_queue.c.set_name == set_name, review_queue.c.original_name == original_name
        )
        return self._uow.execute(statement, f"deleting row {set_name}/{original_name}").rowcount > 0

    def find_by_sha256(self, sha256: str) -> list[Row]:
        query = self._select().where(review_queue.c.sha256 == sha256).order_by(
            review_queue.c.set_name, review_queue.c.original_name
        )
        return [row_from_db(r) for r in self._uow.execute(query, "finding rows").mappings()]

    def get_many(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Row]:
        wanted = list(dict.fromkeys(keys))
        found: dict[tuple[str, str], Row] = {}
        key_columns = sa.tuple_(review_queue.c.set_name, review_queue.c.original_name)
        for start in range(0, len(wanted), _KEYS_PER_STATEMENT):
            query = self._select().where(key_columns.in_(wanted[start : start + _KEYS_PER_STATEMENT]))
            for record in self._uow.execute(query, "reading rows").mappings():
                row = row_from_db(record)
                found[row.key] = row
        return {key: found[key] for key in wanted if key in found}

    def add_many(self, rows: Sequence[Row]) -> None:
        if not rows:
            return
        now = self._uow.clock.now()
        values = [row_to_db(row.changed(created_at=now, updated_at=now)) for row in rows]
        try:
            self._uow.connection.execute(review_queue.insert(), values)  # one executemany
        except IntegrityError:
            raise RowConflict(f"one of the rows {rows[0].key_text} … {rows[-1].key_text} already exists") from None
        except SQLAlchemyError as exc:
            raise storage_error(exc, f"inserting {len(rows)} rows") from exc

    def update_many(self, rows: Sequence[Row]) -> None:
        if not rows:
            return
        now = to_db_time(self._uow.clock.now())
        values = []
        for row in rows:
            record = row_to_db(row)
            del record["created_at"]  # kept as stored
            record["updated_at"] = now
            record["key_set_name"], record["key_original_name"] = row.key
            values.append(record)
        statement = review_queue.update().where(
            review_queue.c.set_name == sa.bindparam("key_set_name"),
            review_queue.c.original_name == sa.bindparam("key_original_name"),
        )
        result = self._uow.execute_many(statement, values, f"updating {len(rows)} rows")
        if self._uow.connection.dialect.supports_sane_multi_rowcount and result.rowcount != len(rows):
            raise StorageError(f"{len(rows) - result.rowcount} of {len(rows)} rows do not exist; add them first")

    def find_by_sha256s(self, sha256s: Iterable[str]) -> list[Row]:
        wanted = list(dict.fromkeys(sha256s))
        rows: list[Row] = []
        for start in range(0, len(wanted), _KEYS_PER_STATEMENT):
            query = self._select().where(review_queue.c.sha256.in_(wanted[start : start + _KEYS_PER_STATEMENT]))
            rows.extend(row_from_db(r) for r in self._uow.execute(query, "finding rows").mappings())
        return sorted(rows, key=lambda row: row.key)

    def find_by_name(self, name: str, set_name: str | None = None) -> list[Row]:
        query = self._select().where(
            sa.or_(review_queue.c.original_name == name, review_queue.c.file_name == name)
        ).order_by(review_queue.c.set_name, review_queue.c.original_name)
        if set_name is not None:
            query = query.where(review_queue.c.set_name == set_name)
        return [row_from_db(r) for r in self._uow.execute(query, "finding rows").mappings()]

    def versions(self) -> dict[tuple[str, str], datetime | None]:
        columns = (review_queue.c.set_name, review_queue.c.original_name, review_queue.c.updated_at)
        query = sa.select(*columns).order_by(review_queue.c.set_name, review_queue.c.original_name)
        return {(set_name, name): from_db_time(at) for set_name, name, at in self._uow.execute(query, "reading row versions")}

    def counts(self) -> dict[str, int]:
        counts = {status.value: 0 for status in RowStatus}
        query = sa.select(review_queue.c.status, sa.func.count()).group_by(review_queue.c.status)
        for status, count in self._uow.execute(query, "counting rows"):
            counts[status] = int(count)
        return counts


def _session_to_db(session: Session) -> dict[str, Any]:
    values = session.model_dump(mode="python")
    values["status"] = session.status.value
    values["started_at"] = to_db_time(session.started_at)
    values["ended_at"] = to_db_time(session.ended_at)
    return values


def _session_from_db(record: sa.RowMapping) -> Session:
    values = dict(record)
    values["started_at"] = from_db_time(values["started_at"])
    values["ended_at"] = from_db_time(values["ended_at"])
    values["sets"] = values["sets"] or []
    return Session.model_validate(values)


class _SqlSets(SetRepository):
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def get(self, name: str) -> PhotoSet | None:
        query = sa.select(sets_table).where(sets_table.c.name == name)
        record = self._uow.execute(query, f"reading set {name!r}").mappings().first()
        return PhotoSet(name=record["name"], path=record["path"]) if record else None

    def list(self) -> list[PhotoSet]:
        query = sa.select(sets_table).order_by(sets_table.c.name)
        return [PhotoSet(name=record["name"], path=record["path"])
                for record in self._uow.execute(query, "listing sets").mappings()]

    def add(self, photo_set: PhotoSet) -> None:
        try:
            self._uow.connection.execute(sets_table.insert().values(name=photo_set.name, path=photo_set.path))
        except IntegrityError:
            raise RowConflict(f"set {photo_set.name!r} is already recorded") from None
        except SQLAlchemyError as exc:
            raise storage_error(exc, f"recording set {photo_set.name!r}") from exc

    def delete(self, name: str) -> bool:
        statement = sets_table.delete().where(sets_table.c.name == name)
        return bool(self._uow.execute(statement, f"removing set {name!r}").rowcount)


class _SqlPlaceAllowances(PlaceAllowanceRepository):
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def list(self) -> list[PlaceAllowance]:
        table = place_allowances_table
        query = sa.select(table).order_by(table.c.name_key, table.c.set_name, table.c.original_name)
        return [
            PlaceAllowance(name=r["name"], set_name=r["set_name"] or None, original_name=r["original_name"] or None,
                           created_at=from_db_time(r["created_at"]))
            for r in self._uow.execute(query, "listing allowed place names").mappings()
        ]

    def add(self, allowance: PlaceAllowance) -> bool:
        name_key, set_name, original_name = allowance.key
        values = {"name_key": name_key, "set_name": set_name, "original_name": original_name, "name": allowance.name,
                  "created_at": to_db_time(self._uow.clock.now())}
        try:  # a duplicate key fails only its statement on SQLite and MySQL: the transaction goes on
            self._uow.connection.execute(place_allowances_table.insert().values(**values))
        except IntegrityError:
            return False
        except SQLAlchemyError as exc:
            raise storage_error(exc, f"allowing the place name {allowance.name!r}") from exc
        return True

    def remove(self, name: str, set_name: str | None = None, original_name: str | None = None) -> bool:
        name_key, set_key, original_key = PlaceAllowance(name=name, set_name=set_name, original_name=original_name).key
        table = place_allowances_table
        statement = table.delete().where(table.c.name_key == name_key, table.c.set_name == set_key,
                                         table.c.original_name == original_key)
        return bool(self._uow.execute(statement, f"removing the allowed place name {name!r}").rowcount)


class _SqlSessions(SessionRepository):
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def add(self, session: Session) -> None:
        try:
            self._uow.connection.execute(sessions_table.insert().values(**_session_to_db(session)))
        except IntegrityError:
            raise StorageError(f"session {session.id} already exists") from None
        except SQLAlchemyError as exc:
            raise storage_error(exc, f"opening session {session.id}") from exc

    def get(self, session_id: str) -> Session | None:
        query = sa.select(sessions_table).where(sessions_table.c.id == session_id)
        record = self._uow.execute(query, "reading a session").mappings().first()
        return _session_from_db(record) if record else None

    def update(self, session: Session) -> None:
        values = _session_to_db(session)
        statement = sessions_table.update().where(sessions_table.c.id == session.id).values(**values)
        if self._uow.execute(statement, f"updating session {session.id}").rowcount == 0:
            raise StorageError(f"session {session.id} does not exist")

    def list(self, status: SessionStatus | None = None) -> list[Session]:
        query = sa.select(sessions_table).order_by(sessions_table.c.started_at, sessions_table.c.id)
        if status is not None:
            query = query.where(sessions_table.c.status == status.value)
        return [_session_from_db(r) for r in self._uow.execute(query, "listing sessions").mappings()]


class _SqlJournal(JournalRepository):
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def append(self, entry: JournalEntry) -> JournalEntry:
        query = sa.select(sa.func.max(journal_table.c.seq)).where(
            journal_table.c.session_id == entry.session_id
        )
        last = self._uow.execute(query, "reading the journal").scalar()
        stored = entry.changed(seq=int(last or 0) + 1)
        self._uow.execute(
            journal_table.insert().values(**stored.model_dump(mode="json")),
            f"journalling {entry.kind} {entry.target}",
        )
        return stored

    def append_many(self, entries: Sequence[JournalEntry]) -> None:
        """One read of the last `seq` per session and one executemany insert."""
        if not entries:
            return
        last: dict[str, int] = {}
        values = []
        for entry in entries:
            if entry.session_id not in last:
                query = sa.select(sa.func.max(journal_table.c.seq)).where(journal_table.c.session_id == entry.session_id)
                last[entry.session_id] = int(self._uow.execute(query, "reading the journal").scalar() or 0)
            last[entry.session_id] += 1
            values.append(entry.changed(seq=last[entry.session_id]).model_dump(mode="json"))
        self._uow.execute_many(journal_table.insert(), values, f"journalling {len(values)} entries")

    def entries(self, session_id: str) -> list[JournalEntry]:
        query = (
            sa.select(journal_table.c.session_id, journal_table.c.seq, journal_table.c.kind,
                      journal_table.c.target, journal_table.c.before)
            .where(journal_table.c.session_id == session_id)
            .order_by(journal_table.c.seq)
        )
        return [JournalEntry.model_validate(dict(r)) for r in self._uow.execute(query, "reading the journal").mappings()]

    def clear(self, session_id: str) -> None:
        self._uow.execute(
            journal_table.delete().where(journal_table.c.session_id == session_id),
            f"clearing the journal of {session_id}",
        )


class SqlUnitOfWork(UnitOfWork):
    """One connection; a transaction begins at the first statement (SQLAlchemy's autobegin) and ends
    at commit(), rollback() or the end of the block. Leaving the block rolls back an open
    transaction once (the pool then skips its own reset); after a commit nothing is sent."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.clock = clock
        try:
            self.connection: Connection = engine.connect()
        except SQLAlchemyError as exc:
            raise storage_error(exc, f"connecting to {engine.url.render_as_string(hide_password=True)}") from exc
        self.rows = _SqlRows(self)
        self.sessions = _SqlSessions(self)
        self.journal = _SqlJournal(self)
        self.sets = _SqlSets(self)
        self.place_allowances = _SqlPlaceAllowances(self)

    def execute(self, statement: Any, what: str) -> sa.CursorResult[Any]:
        try:
            return self.connection.execute(statement)
        except SQLAlchemyError as exc:
            raise storage_error(exc, what) from exc

    def execute_many(self, statement: Any, values: list[dict[str, Any]], what: str) -> sa.CursorResult[Any]:
        try:
            return self.connection.execute(statement, values)
        except SQLAlchemyError as exc:
            raise storage_error(exc, what) from exc

    def __exit__(self, *exc_info: Any) -> None:
        self.connection.close()

    def commit(self) -> None:
        try:
            self.connection.commit()
        except SQLAlchemyError as exc:
            raise storage_error(exc, "committing") from exc

    def rollback(self) -> None:
        try:
            self.connection.rollback()
        except SQLAlchemyError as exc:
            raise storage_error(exc, "rolling back") from exc


class SqlQueueStore(QueueStore):
    """The review queue in a SQL database.

    Nothing touches the database until first use: then the SQLite folder is created and pending
    schema migrations are applied (the tables are created on a fresh database). (Stage 1 must
    write nothing, and building the pipeline must not count as a write.)
    """

    def __init__(self, url: str, clock: Clock | None = None) -> None:
        self.url = url
        self.clock = clock or SystemClock()
        self._engine: Engine | None = None
        self._lock: SqlQueueLock | None = None
        self._ready = threading.Lock()

    @property
    def engine(self) -> Engine:
        with self._ready:
            if self._engine is None:
                self._open()
            assert self._engine is not None
        return self._engine

    def upgrade_schema(self) -> SchemaUpgrade:
        """Apply pending schema migrations now (under the migration lock); returns the revisions
        before and after. First use does the same implicitly."""
        with self._ready:
            if self._engine is None:
                return self._open()
            return self._migrate(self._engine)

    def _open(self) -> SchemaUpgrade:
        engine = make_engine(self.url)
        try:
            upgrade = self._migrate(engine)
        except BaseException:
            engine.dispose()
            raise
        self._engine = engine
        self._lock = SqlQueueLock(engine)
        return upgrade

    def _migrate(self, engine: Engine) -> SchemaUpgrade:
        from proofdesk.adapters.storage.migrate import upgrade_to_head

        try:
            return upgrade_to_head(engine)
        except StorageError as exc:
            raise StorageError(f"{exc} (queue {self.description})") from exc

    def unit_of_work(self) -> UnitOfWork:
        return SqlUnitOfWork(self.engine, self.clock)

    @property
    def lock(self) -> QueueLock:
        _ = self.engine
        assert self._lock is not None
        return self._lock

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def description(self) -> str:
        return sa.engine.make_url(self.url).render_as_string(hide_password=True)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

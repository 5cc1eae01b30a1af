"""The queue store in memory: rows, sets, sessions, journal, place allowances, the lock; the
store behind `storage.backend = "memory"` and the fake library users test against."""

from __future__ import annotations

import copy
import dataclasses
import threading
from collections.abc import Iterable, Sequence
from datetime import datetime

from proofdesk.adapters.clock import SystemClock
from proofdesk.core.domain.errors import RowChanged
from proofdesk.core.domain.models import (
    JournalEntry,
    PhotoSet,
    Row,
    RowStatus,
    Session,
    SessionStatus,
)
from proofdesk.core.domain.place_names import PlaceAllowance
from proofdesk.core.ports.storage import (
    JournalRepository,
    LockHolder,
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

# ---------------------------------------------------------------- queue store


class _MemoryState:
    """The committed state of an in-memory queue."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], Row] = {}
        self.sessions: dict[str, Session] = {}
        self.journal: dict[str, list[JournalEntry]] = {}
        self.sets: dict[str, PhotoSet] = {}
        self.place_allowances: dict[tuple[str, str, str], PlaceAllowance] = {}
        self.next_row_id = 1


class _MemorySets(SetRepository):
    def __init__(self, state: _MemoryState) -> None:
        self._state = state

    def get(self, name: str) -> PhotoSet | None:
        return self._state.sets.get(name)

    def list(self) -> list[PhotoSet]:
        return [self._state.sets[name] for name in sorted(self._state.sets)]

    def add(self, photo_set: PhotoSet) -> None:
        if photo_set.name in self._state.sets:
            raise RowConflict(f"set {photo_set.name!r} is already recorded")
        self._state.sets[photo_set.name] = photo_set

    def delete(self, name: str) -> bool:
        return self._state.sets.pop(name, None) is not None


class _MemoryPlaceAllowances(PlaceAllowanceRepository):
    def __init__(self, state: _MemoryState, clock: Clock) -> None:
        self._state = state
        self._clock = clock

    def list(self) -> list[PlaceAllowance]:
        return [self._state.place_allowances[key] for key in sorted(self._state.place_allowances)]

    def add(self, allowance: PlaceAllowance) -> bool:
        if allowance.key in self._state.place_allowances:
            return False
        self._state.place_allowances[allowance.key] = allowance.changed(created_at=self._clock.now())
        return True

    def remove(self, name: str, set_name: str | None = None, original_name: str | None = None) -> bool:
        key = PlaceAllowance(name=name, set_name=set_name, original_name=original_name).key
        return self._state.place_allowances.pop(key, None) is not None


class _MemoryRows(RowRepository):
    def __init__(self, state: _MemoryState, clock: Clock) -> None:
        self._state = state
        self._clock = clock

    def get(self, set_name: str, original_name: str) -> Row | None:
        row = self._state.rows.get((set_name, original_name))
        return row.model_copy(deep=True) if row else None

    def get_by_id(self, row_id: int) -> Row | None:
        for row in self._state.rows.values():
            if row.id == row_id:
                return row.model_copy(deep=True)
        return None

    def list(self, status: RowStatus | None = None, set_name: str | None = None) -> list[Row]:
        return [
            row.model_copy(deep=True)
            for key, row in sorted(self._state.rows.items())
            if (status is None or row.status == status)
            and (set_name is None or row.set_name == set_name)
        ]

    def add(self, row: Row) -> Row:
        if row.key in self._state.rows:
            raise RowConflict(f"row {row.key_text} already exists")
        now = self._clock.now()
        stored = row.changed(id=self._state.next_row_id, created_at=now, updated_at=now).model_copy(deep=True)
        self._state.next_row_id += 1
        self._state.rows[row.key] = stored
        return stored.model_copy(deep=True)

    def update(self, row: Row, expected_updated_at: datetime | None = None) -> Row:
        existing = self._state.rows.get(row.key)
        if existing is None:
            raise StorageError(f"row {row.key_text} does not exist; add it first")
        if expected_updated_at is not None and existing.updated_at != expected_updated_at:
            raise RowChanged(row.key_text)
        stored = row.changed(id=existing.id, created_at=existing.created_at, updated_at=self._clock.now())
        stored = stored.model_copy(deep=True)
        self._state.rows[row.key] = stored
        return stored.model_copy(deep=True)

    def delete(self, set_name: str, original_name: str) -> bool:
        return self._state.rows.pop((set_name, original_name), None) is not None

    def find_by_sha256(self, sha256: str) -> list[Row]:
        return [row for row in self.list() if row.sha256 == sha256]

    def get_many(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Row]:
        rows = self._state.rows
        return {key: rows[key].model_copy(deep=True) for key in dict.fromkeys(keys) if key in rows}

    def add_many(self, rows: Sequence[Row]) -> None:
        keys = [row.key for row in rows]
        taken = [key for key in keys if key in self._state.rows]
        if taken or len(set(keys)) != len(keys):
            raise RowConflict(f"row {'/'.join(taken[0]) if taken else 'key given twice'} already exists")
        for row in rows:
            self.add(row)

    def update_many(self, rows: Sequence[Row]) -> None:
        missing = [row.key_text for row in rows if row.key not in self._state.rows]
        if missing:
            raise StorageError(f"row {missing[0]} does not exist; add it first")
        for row in rows:
            self.update(row)

    def find_by_sha256s(self, sha256s: Iterable[str]) -> list[Row]:
        wanted = set(sha256s)
        return [row for row in self.list() if row.sha256 in wanted]


class _MemorySessions(SessionRepository):
    def __init__(self, state: _MemoryState) -> None:
        self._state = state

    def add(self, session: Session) -> None:
        if session.id in self._state.sessions:
            raise StorageError(f"session {session.id} already exists")
        self._state.sessions[session.id] = session.model_copy(deep=True)

    def get(self, session_id: str) -> Session | None:
        session = self._state.sessions.get(session_id)
        return session.model_copy(deep=True) if session else None

    def update(self, session: Session) -> None:
        if session.id not in self._state.sessions:
            raise StorageError(f"session {session.id} does not exist")
        self._state.sessions[session.id] = session.model_copy(deep=True)

    def list(self, status: SessionStatus | None = None) -> list[Session]:
        sessions = sorted(self._state.sessions.values(), key=lambda s: (s.started_at, s.id))
        return [s.model_copy(deep=True) for s in sessions if status is None or s.status == status]


class _MemoryJournal(JournalRepository):
    def __init__(self, state: _MemoryState) -> None:
        self._state = state

    def append(self, entry: JournalEntry) -> JournalEntry:
        entries = self._state.journal.setdefault(entry.session_id, [])
        stored = entry.changed(seq=len(entries) + 1).model_copy(deep=True)
        entries.append(stored)
        return stored.model_copy(deep=True)

    def append_many(self, entries: Sequence[JournalEntry]) -> None:
        for entry in entries:
            self.append(entry)

    def entries(self, session_id: str) -> list[JournalEntry]:
        return [e.model_copy(deep=True) for e in self._state.journal.get(session_id, [])]

    def clear(self, session_id: str) -> None:
        self._state.journal.pop(session_id, None)


class InMemoryUnitOfWork(UnitOfWork):
    """Works on a private copy of the committed state; commit() publishes it atomically."""

    def __init__(self, store: InMemoryQueueStore) -> None:
        self._store = store
        self._begin()

    def _begin(self) -> None:
        with self._store._mutex:
            self._state = copy.deepcopy(self._store._state)
            self._base_version = self._store._version
        self.rows = _MemoryRows(self._state, self._store.clock)
        self.sessions = _MemorySessions(self._state)
        self.journal = _MemoryJournal(self._state)
        self.sets = _MemorySets(self._state)
        self.place_allowances = _MemoryPlaceAllowances(self._state, self._store.clock)

    def commit(self) -> None:
        with self._store._mutex:
            if self._store._version != self._base_version:
                # Another unit of work committed meanwhile: like a serialisable database, refuse
                # rather than silently overwrite its writes.
                raise StorageError("concurrent update of the in-memory queue; retry the operation")
            self._store._state = self._state
            self._store._version += 1
        self._begin()

    def rollback(self) -> None:
        self._begin()


class InMemoryQueueLock(QueueLock):
    def __init__(self) -> None:
        self._holder: LockHolder | None = None
        self._mutex = threading.Lock()

    def acquire(self, holder: LockHolder) -> LockHolder | None:
        with self._mutex:
            if self._holder is not None and self._holder.session_id != holder.session_id:
                return self._holder
            self._holder = holder
            return None

    def release(self, session_id: str) -> None:
        with self._mutex:
            if self._holder is not None and self._holder.session_id == session_id:
                self._holder = None

    def holder(self) -> LockHolder | None:
        return self._holder

    def renew(self, session_id: str, expires_at: datetime) -> bool:
        with self._mutex:
            if self._holder is None or self._holder.session_id != session_id:
                return False
            self._holder = dataclasses.replace(self._holder, expires_at=expires_at)
            return True


class InMemoryQueueStore(QueueStore):
    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()
        self._state = _MemoryState()
        self._version = 0
        self._mutex = threading.Lock()
        self._lock = InMemoryQueueLock()

    def unit_of_work(self) -> UnitOfWork:
        return InMemoryUnitOfWork(self)

    @property
    def lock(self) -> QueueLock:
        return self._lock

    @property
    def description(self) -> str:
        return "in-memory queue"

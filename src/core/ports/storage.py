"""Ports: what the core needs from the outside world, named for the need, not the technology.

Ports are abstract base classes (ADR 0002): dependency-injector's
`providers.Dependency(instance_of=...)` checks them directly, a missing method fails at
construction rather than at first call, and the contract suites in `tests/contract/` state
the behaviour every implementation (fake or real) must show.
"""

from __future__ import annotations

import builtins
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType

from proofdesk.core.domain.errors import ExternalFailure
from proofdesk.core.domain.models import (
    JournalEntry,
    PhotoSet,
    Row,
    RowStatus,
    Session,
    SessionStatus,
)
from proofdesk.core.domain.place_names import PlaceAllowance


class StorageError(ExternalFailure):
    """The queue store failed (database down, disk full): CLI exit code 4."""


class RowConflict(StorageError):
    """A row with the same (set_name, original_name) already exists."""


# ---------------------------------------------------------------- queue storage + unit of work


class RowRepository(ABC):
    @abstractmethod
    def get(self, set_name: str, original_name: str) -> Row | None: ...

    @abstractmethod
    def get_by_id(self, row_id: int) -> Row | None: ...

    @abstractmethod
    def list(self, status: RowStatus | None = None, set_name: str | None = None) -> list[Row]:
        """Rows ordered by (set_name, original_name)."""

    @abstractmethod
    def add(self, row: Row) -> Row:
        """Insert; returns the row with its `id`. Raises RowConflict if the key exists."""

    @abstractmethod
    def update(self, row: Row, expected_updated_at: datetime | None = None) -> Row:
        """Replace the stored row with the same key. Raises StorageError if there is none. With
        `expected_updated_at` (the `updated_at` of the row as it was read), the write happens only
        if nobody wrote the row since: else RowChanged, and nothing is written (no lost update)."""

    @abstractmethod
    def delete(self, set_name: str, original_name: str) -> bool: ...

    @abstractmethod
    def find_by_sha256(self, sha256: str) -> builtins.list[Row]: ...

    # ---- set operations: one statement for many rows (the stages work on batches)

    @abstractmethod
    def get_many(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Row]:
        """The stored rows among `keys` (missing keys are left out), in one read."""

    @abstractmethod
    def add_many(self, rows: Sequence[Row]) -> None:
        """Insert all; raises RowConflict (and writes none of them) if a key exists. Read the
        rows back with `get_many` when their ids are needed."""

    @abstractmethod
    def update_many(self, rows: Sequence[Row]) -> None:
        """Replace each stored row with the same key (id and created_at kept, updated_at set).
        Raises StorageError if one of them does not exist."""

    @abstractmethod
    def find_by_sha256s(self, sha256s: Iterable[str]) -> builtins.list[Row]:
        """Rows whose sha256 is any of `sha256s`, ordered by (set_name, original_name)."""

    def find_by_name(self, name: str, set_name: str | None = None) -> builtins.list[Row]:
        """Rows whose original name or current `file_name` is `name`."""
        return [
            row
            for row in self.list(set_name=set_name)
            if name in (row.original_name, row.file_name)
        ]

    def versions(self) -> dict[tuple[str, str], datetime | None]:
        """Every row's key with its `updated_at` (a front end re-reads only the rows that changed),
        ordered by (set_name, original_name)."""
        return {row.key: row.updated_at for row in self.list()}

    def counts(self) -> dict[str, int]:
        counts = {status.value: 0 for status in RowStatus}
        for row in self.list():
            counts[row.status.value] += 1
        return counts


class SessionRepository(ABC):
    @abstractmethod
    def add(self, session: Session) -> None: ...

    @abstractmethod
    def get(self, session_id: str) -> Session | None: ...

    @abstractmethod
    def update(self, session: Session) -> None: ...

    @abstractmethod
    def list(self, status: SessionStatus | None = None) -> list[Session]:
        """Sessions ordered by start time, oldest first."""

    def last_open(self) -> Session | None:
        open_sessions = self.list(SessionStatus.OPEN)
        return open_sessions[-1] if open_sessions else None


class JournalRepository(ABC):
    """What each session wrote, in order, so rollback can undo it."""

    @abstractmethod
    def append(self, entry: JournalEntry) -> JournalEntry:
        """Store the entry with the next `seq` of its session; returns it with `seq` set."""

    def append_many(self, entries: Sequence[JournalEntry]) -> None:
        """Append the entries in order (one write for all of them where the store allows)."""
        for entry in entries:
            self.append(entry)

    @abstractmethod
    def entries(self, session_id: str) -> list[JournalEntry]:
        """The session's entries in the order they were written."""

    @abstractmethod
    def clear(self, session_id: str) -> None: ...


class SetRepository(ABC):
    """Which folder each set name belongs to: a set name is owned by the source it was first
    taken in from, so a second card's `DCIM/100CANON` cannot take over the first one's rows."""

    @abstractmethod
    def get(self, name: str) -> PhotoSet | None: ...

    @abstractmethod
    def list(self) -> list[PhotoSet]:
        """Every recorded set, sorted by name."""

    @abstractmethod
    def add(self, photo_set: PhotoSet) -> None:
        """Record a set's source. Raises RowConflict if the name is already recorded."""

    @abstractmethod
    def delete(self, name: str) -> bool: ...


class PlaceAllowanceRepository(ABC):
    """Place names a person vouched for (`proofdesk places allow`), kept in the queue database apart
    from `proof.place_ordinary_words` and the dictionary. One allowance per `PlaceAllowance.key`."""

    @abstractmethod
    def list(self) -> list[PlaceAllowance]:
        """Every allowance, ordered by (folded name, set, original name)."""

    @abstractmethod
    def add(self, allowance: PlaceAllowance) -> bool:
        """Store it (`created_at` set by the store); False when an equal key is already stored."""

    @abstractmethod
    def remove(self, name: str, set_name: str | None = None, original_name: str | None = None) -> bool:
        """Remove the allowance with this key (names compare folded); False when there was none."""


@dataclass(frozen=True)
class LockHolder:
    session_id: str
    pid: int
    host: str
    since: datetime
    # the holder renews this while it works; once it has passed, the holder counts as dead even
    # from another machine (None: a holder that keeps no lease, checked by its pid on its host)
    expires_at: datetime | None = None


class QueueLock(ABC):
    """One session at a time per queue."""

    @abstractmethod
    def acquire(self, holder: LockHolder) -> LockHolder | None:
        """Take the lock; returns None on success or the current holder if someone else has it."""

    @abstractmethod
    def release(self, session_id: str) -> None:
        """Release the lock if `session_id` holds it (no-op otherwise)."""

    @abstractmethod
    def holder(self) -> LockHolder | None: ...

    @abstractmethod
    def renew(self, session_id: str, expires_at: datetime) -> bool:
        """Extend the lease of the lock `session_id` holds; False when it no longer holds it."""


class UnitOfWork(ABC):
    """A transaction over the queue: `with uow: ...; uow.commit()`. Leaving the block without
    commit() rolls back everything written inside it (cosmicpython's unit of work)."""

    rows: RowRepository
    sessions: SessionRepository
    journal: JournalRepository
    sets: SetRepository
    place_allowances: PlaceAllowanceRepository

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    @abstractmethod
    def commit(self) -> None: ...

    @abstractmethod
    def rollback(self) -> None: ...


class QueueStore(ABC):
    """The review queue: hands out units of work and the queue lock."""

    @abstractmethod
    def unit_of_work(self) -> UnitOfWork: ...

    @property
    @abstractmethod
    def lock(self) -> QueueLock: ...

    @property
    def description(self) -> str:
        return type(self).__name__

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; the default has nothing to release."""


# ---------------------------------------------------------------- EXIF


# ---------------------------------------------------------------- files


# ---------------------------------------------------------------- clock


# ---------------------------------------------------------------- progress and logs



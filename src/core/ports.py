"""Ports: what the core needs from the outside world, named for the need, not the technology.

Ports are abstract base classes (ADR 0002): dependency-injector's
`providers.Dependency(instance_of=...)` checks them directly, a missing method fails at
construction rather than at first call, and the contract suites in `tests/contract/` state
the behaviour every implementation (fake or real) must show.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any

from proofdesk.core.errors import ExternalFailure
from proofdesk.core.models import ExifFacts, JournalEntry, Row, RowStatus, Session, SessionStatus


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
    def update(self, row: Row) -> Row:
        """Replace the stored row with the same key. Raises StorageError if there is none."""

    @abstractmethod
    def delete(self, set_name: str, original_name: str) -> bool: ...

    @abstractmethod
    def find_by_sha256(self, sha256: str) -> list[Row]: ...

    def find_by_name(self, name: str, set_name: str | None = None) -> list[Row]:
        """Rows whose original name or current `file_name` is `name`."""
        return [
            row
            for row in self.list(set_name=set_name)
            if name in (row.original_name, row.file_name)
        ]

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

    @abstractmethod
    def entries(self, session_id: str) -> list[JournalEntry]:
        """The session's entries in the order they were written."""

    @abstractmethod
    def clear(self, session_id: str) -> None: ...


@dataclass(frozen=True)
class LockHolder:
    session_id: str
    pid: int
    host: str
    since: datetime


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


class UnitOfWork(ABC):
    """A transaction over the queue: `with uow: ...; uow.commit()`. Leaving the block without
    commit() rolls back everything written inside it (cosmicpython's unit of work)."""

    rows: RowRepository
    sessions: SessionRepository
    journal: JournalRepository

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


class ExifReader(ABC):
    @abstractmethod
    def read(self, path: str) -> ExifFacts:
        """Facts of the image at `path`. Missing or broken metadata gives empty or partial facts,
        never an exception and never invented values. A missing file raises FileNotFoundError."""


# ---------------------------------------------------------------- files


class FileStoreError(StorageError):
    """A file could not be stored (disk full, read-only, hash mismatch)."""


@dataclass(frozen=True)
class StoredFile:
    path: str
    sha256: str
    size_bytes: int
    created: bool  # False when an identical file was already there (nothing written)


class FileStore(ABC):
    """The incoming and work areas. Writes are atomic (temp name + fsync + rename) and verified
    by sha256; `area` is one of `INCOMING`, `WORK`; `relpath` uses "/" separators."""

    INCOMING = "incoming"
    WORK = "work"

    @staticmethod
    def check_relpath(relpath: str) -> None:
        """Refuse a relative path that could leave its area."""
        parts = relpath.split("/")
        if (
            not relpath
            or relpath.startswith("/")
            or "\\" in relpath
            or any(part in ("", ".", "..") or not part.isprintable() for part in parts)
        ):
            raise FileStoreError(
                f"unsafe relative path {relpath!r}: no '..', '.', empty, absolute or control-character parts"
            )

    @abstractmethod
    def import_file(self, source_path: str, area: str, relpath: str, sha256: str) -> StoredFile:
        """Copy `source_path` to (area, relpath) atomically, verify it hashes to `sha256`.
        If an identical file is already there, write nothing (`created=False`).
        A different file already there is replaced atomically."""

    @abstractmethod
    def write_bytes(self, area: str, relpath: str, data: bytes) -> StoredFile: ...

    @abstractmethod
    def read_bytes(self, area: str, relpath: str) -> bytes: ...

    @abstractmethod
    def read_path(self, path: str) -> bytes:
        """Bytes of a stored file by the path `locate` gave (FileNotFoundError if missing)."""

    @abstractmethod
    def exists(self, area: str, relpath: str) -> bool: ...

    @abstractmethod
    def locate(self, area: str, relpath: str) -> str:
        """The path string stored in rows (`incoming_path`, `ollama_path`)."""

    @abstractmethod
    def remove_path(self, path: str) -> bool:
        """Remove a file by the path `locate` gave; False if it was not there."""

    @abstractmethod
    def sha256_of(self, path: str) -> str | None:
        """sha256 of the stored file at `path`, None if missing."""

    @abstractmethod
    def list_area(self, area: str) -> list[str]:
        """Every stored file path in the area (sorted)."""

    @abstractmethod
    def remove_stale_temp_files(self) -> list[str]:
        """Remove temp files a killed writer left behind (never visible under a real name); only
        safe while no session writes, i.e. during a rollback. Returns what was removed."""


# ---------------------------------------------------------------- clock


class Clock(ABC):
    @abstractmethod
    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""


# ---------------------------------------------------------------- progress and logs


class Reporter(ABC):
    """Where the pipeline says what it does: progress per stage and a log line per event.
    The CLI draws progress bars and writes the session's stage log; tests record."""

    @abstractmethod
    def start_stage(self, stage: str, total: int) -> None: ...

    @abstractmethod
    def advance(self, detail: str = "") -> None: ...

    @abstractmethod
    def end_stage(self, stage: str, summary: str) -> None: ...

    @abstractmethod
    def info(self, message: str) -> None: ...

    @abstractmethod
    def warn(self, message: str) -> None: ...

    def session_opened(self, session_id: str) -> None:  # noqa: B027 - optional hook
        """Called once the session exists (the CLI opens the session's stage log here)."""

    @abstractmethod
    def write_artifact(self, name: str, data: Any) -> None:
        """Store a JSON run artifact (e.g. `qc_summary.json`) with the session's logs."""

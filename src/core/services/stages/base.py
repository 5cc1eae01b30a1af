"""The row-stage protocol: what a stage after stage 4 gets, and the shape every such stage has."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from proofdesk.core.domain.intake import Problem, ValidationReport
from proofdesk.core.domain.models import Row
from proofdesk.core.ports.storage import QueueStore
from proofdesk.core.ports.system import Reporter
from proofdesk.core.services.failpoints import failpoint
from proofdesk.core.services.session import SessionJournal


@runtime_checkable
class RowContext(Protocol):
    """What a row stage gets, whoever runs it: the pipeline's `StageContext` (a session's rows,
    journalled) and the worker's context (a claim's rows, written while the claim holds them).

    A stage reads its rows through `rows()` and the queue it judges them against (scenes,
    duplicates) through `queue_rows(context)`; it hands every change to `save_row` and never writes
    the queue itself. `store` is there for that read only.
    """

    @property
    def reporter(self) -> Reporter: ...

    @property
    def store(self) -> QueueStore: ...

    def rows(self) -> list[Row]: ...

    def save_row(self, row: Row, failpoint_name: str | None = None) -> None: ...

    def flush(self) -> None: ...

    def discard(self) -> None: ...

    def journal_files(self, paths: list[str]) -> None: ...


def queue_rows(context: RowContext, set_names: Iterable[str] | None = None) -> list[Row]:
    """Every row of the queue (or of these sets), in one unit of work: what a stage judges its own
    rows against. Read-only; changes go through `context.save_row`."""
    with context.store.unit_of_work() as uow:
        if set_names is None:
            return uow.rows.list()
        return [row for name in set_names for row in uow.rows.list(set_name=name)]


@runtime_checkable
class RowStage(Protocol):
    """A stage over the run's rows (score, resize, scene, caption): reads them once through the
    context and hands each change to `context.save_row`, which writes them in batches.

    `preflight(reporter)` runs before the session opens (to find a missing service, e.g. the model
    server, before anything is copied); `artifacts(context)` gives the run artifacts the stage's
    last call produced (name -> JSON data), which the pipeline writes with the session's logs."""

    def __call__(self, context: RowContext) -> None: ...

    def preflight(self, reporter: Reporter) -> None: ...

    def artifacts(self, context: RowContext) -> Mapping[str, object]: ...


@dataclass(frozen=True)
class PlainStage:
    """A row stage that is just a callable (score, resize): no preflight, no artifacts."""

    run: Callable[[RowContext], None]

    def __call__(self, context: RowContext) -> None:
        self.run(context)

    def preflight(self, reporter: Reporter) -> None:
        """Nothing to check before the session opens."""

    def artifacts(self, context: RowContext) -> Mapping[str, object]:
        return {}


def as_row_stage(stage: RowStage | Callable[[RowContext], None]) -> RowStage:
    """`stage` as a full `RowStage` (a plain callable gets no preflight and no artifacts)."""
    return stage if isinstance(stage, RowStage) else PlainStage(stage)


DEFAULT_BATCH_SIZE = 100


@dataclass
class StageContext:
    """What a row stage gets: the session, the rows of this run, and a journalled, batched row writer.

    `save_row` collects changed rows; every `batch_size` of them (and at `flush()`, which the
    pipeline calls after each stage) are written in one transaction together with the journal
    entries holding their prior state. A failpoint given to `save_row` fires once the row is
    committed. Thread-safe: the caption stage's workers save concurrently.
    """

    store: QueueStore
    reporter: Reporter
    sessions: SessionJournal
    session_id: str
    keys: list[tuple[str, str]]
    batch_size: int = DEFAULT_BATCH_SIZE
    _pending: list[tuple[Row, str | None]] = field(default_factory=list, init=False, repr=False)
    _mutex: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def rows(self) -> list[Row]:
        """The session's rows that exist, in one read."""
        with self.store.unit_of_work() as uow:
            return list(uow.rows.get_many(self.keys).values())

    def save_row(self, row: Row, failpoint_name: str | None = None) -> None:
        """Queue a row changed by a stage for the next batch (written, journalled, at `flush`)."""
        with self._mutex:
            self._pending.append((row, failpoint_name))
            full = len(self._pending) >= self.batch_size
        if full:
            self.flush()

    def flush(self) -> None:
        """Write the pending rows in one transaction, journalling the prior state of each row this
        session has not changed before (write-ahead, same transaction)."""
        with self._mutex:
            batch, self._pending = self._pending, []
            if not batch:
                return
            with self.store.unit_of_work() as uow:
                self.sessions.journal_row_updates(uow, self.session_id, [row.key for row, _ in batch])
                uow.rows.update_many([row.changed(session_id=self.session_id) for row, _ in batch])
                uow.commit()
        for _, name in batch:
            if name is not None:
                failpoint(name)

    def discard(self) -> None:
        with self._mutex:
            self._pending = []

    def journal_files(self, paths: list[str]) -> None:
        """Journal files about to be written (one transaction; write-ahead: rollback removes them)."""
        self.sessions.journal_many(self.session_id, "file", paths)


@dataclass
class RunResult:
    session_id: str | None
    report: ValidationReport
    inserted: list[str] = field(default_factory=list)
    refreshed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[Problem] = field(default_factory=list)
    rolled_back_before: list[str] = field(default_factory=list)
    stages_run: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.inserted)} new, {len(self.refreshed)} refreshed, {len(self.unchanged)} unchanged"
            + (f", {len(self.duplicates)} duplicate(s) of already-queued images" if self.duplicates else "")
        )

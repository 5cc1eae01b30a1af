"""The row-stage protocol: what a stage after stage 4 gets, and the shape every such stage has."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from proofdesk.core.domain.intake import Problem, ValidationReport
from proofdesk.core.domain.models import Row
from proofdesk.core.ports.storage import QueueStore
from proofdesk.core.ports.system import Reporter
from proofdesk.core.services.session import SessionJournal


class RowStage(Protocol):
    """A stage over the session's rows (score, resize, caption): reads them through the context and
    writes each change back through `context.save_row`, which journals it for rollback. A stage may
    also have `preflight(reporter)`, which the pipeline calls before the session opens (to find a
    missing service before anything is copied)."""

    def __call__(self, context: StageContext) -> None: ...


@dataclass
class StageContext:
    """What a row stage gets: the session, the rows of this run, and a journalled row writer."""

    store: QueueStore
    reporter: Reporter
    sessions: SessionJournal
    session_id: str
    keys: list[tuple[str, str]]

    def rows(self) -> list[Row]:
        with self.store.unit_of_work() as uow:
            found = [uow.rows.get(*key) for key in self.keys]
        return [row for row in found if row is not None]

    def save_row(self, row: Row) -> Row:
        """Write a row changed by a stage, journalling its prior state for rollback first."""
        with self.store.unit_of_work() as uow:
            self.sessions.journal_row_update(uow, self.session_id, row.key)
            saved = uow.rows.update(row.changed(session_id=self.session_id))
            uow.commit()
        return saved

    def journal_file(self, path: str) -> None:
        self.sessions.journal(self.session_id, "file", path)


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

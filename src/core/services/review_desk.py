"""What a culling desk adds to the review actions (ADR 0024): the row's version (no lost update),
ratings, undo of the last decision, and one key for a whole scene (approve its keeper, cull its
frames). `ReviewActions` takes these as a mixin, so every front end gets them from the same place.

A row's version is its `updated_at` as stored (microseconds in SQLite and MySQL/MariaDB): every write
of the row changes it. A front end sends back the version it showed; an older one is refused with
the row as it is now (`ActionResult.conflict`), so nothing another desk, tab or the CLI wrote is
overwritten without being seen.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from proofdesk.core.domain.errors import ProofdeskError
from proofdesk.core.domain.models import ProofReason, Row, RowStatus
from proofdesk.core.domain.queue import row_version as row_version
from proofdesk.core.ports.storage import QueueStore

if TYPE_CHECKING:
    from proofdesk.core.services.review import ReviewService

UNDO_DEPTH = 50  # decisions remembered per desk


@dataclass(frozen=True)
class ActionResult:
    """What a front end shows after an action."""

    message: str
    row: Row | None = None  # the acted-on row as stored now (None when the action failed or has none)
    error: bool = False
    scene: tuple[Row, ...] = ()  # keeper: every frame of the scene, as stored now
    done: tuple[str, ...] = ()  # batch: the rows that moved
    refused: tuple[tuple[str, str], ...] = ()  # batch: (row, why) for those that did not
    conflict: bool = False  # refused: the row changed since the version the front end sent (`row` is the newer one)

    @property
    def findings(self) -> list[ProofReason]:
        """The proof's violations on the row (fixes left out)."""
        return [reason for reason in self.row.proof_reasons if not reason.is_fix] if self.row is not None else []

    @property
    def key(self) -> str | None:
        return self.row.key_text if self.row is not None else None


class QueueSnapshot:
    """The queue's rows kept between listings: each listing reads every row's version (one light
    query) and re-reads only the rows that changed, so a desk over thousands of rows lists fast."""

    def __init__(self, store: QueueStore) -> None:
        self.store = store
        self._rows: dict[tuple[str, str], Row] = {}
        self._lock = threading.Lock()

    def rows(self) -> list[Row]:
        with self._lock, self.store.unit_of_work() as uow:
            versions = uow.rows.versions()
            stale = [key for key, at in versions.items() if key not in self._rows or self._rows[key].updated_at != at]
            self._rows.update(uow.rows.get_many(stale) if stale else {})
            for gone in set(self._rows) - set(versions):
                del self._rows[gone]
            return [self._rows[key] for key in versions if key in self._rows]


@dataclass(frozen=True)
class UndoStep:
    """How to put one row back: its status, rating or its scene's keeper as they were."""

    key: str
    kind: Literal["status", "rating", "keeper"]
    before: str | int | None  # status value, stars, or the key of the keeper before
    version_after: str  # the row's version right after the decision (changed since: no undo)
    version_before: str = ""  # ... and right before it (an earlier decision's undo expects this one)


@dataclass(frozen=True)
class Undo:
    label: str
    steps: tuple[UndoStep, ...]


class DeskActions:
    """Mixed into `ReviewActions` (which provides `review`, `history` and `decide`)."""

    review: ReviewService
    history: list[Undo]
    snapshot: QueueSnapshot | None

    def listing(self) -> list[Row]:
        """Every row, as stored now (rows unchanged since the last listing are not read again)."""
        if self.snapshot is None:
            self.snapshot = QueueSnapshot(self.review.store)
        return self.snapshot.rows()

    def _result(self, message: str, row: Row | None = None, error: bool = False, **extra: object) -> ActionResult:
        return ActionResult(message, row, error, **extra)  # type: ignore[arg-type]

    def stale(self, key: str, version: str | None) -> ActionResult | None:
        """None when `version` is the row's version now (or no version was sent by a script that
        does not care); otherwise a refusal carrying the row as it is now."""
        try:
            row = self.review.get(key)
        except ProofdeskError as exc:
            return self._result(str(exc), error=True)
        if version is None or version == row_version(row):
            return None
        return self._result(f"{key} was changed elsewhere since you loaded it (by the CLI, the terminal desk or "
                            "another tab); nothing was written: compare with the newer text and save again",
                            row, True, conflict=True)

    def guarded(self, key: str, version: str | None, action: Callable[[], ActionResult]) -> ActionResult:
        """`action` on `key` only while the row is at `version` (the one the front end showed): checked
        before, when the action reads the row and again in its write, so a writer in between (the
        CLI, another desk or tab, a worker) is never overwritten; a refusal carries the newer row."""
        stale = self.stale(key, version)
        if stale is not None:
            return stale
        with self.review.expecting(key, version):
            result = action()
        if result.conflict:
            return self.stale(key, version) or result
        return result

    def remember(self, label: str, steps: list[UndoStep]) -> None:
        if steps:
            self.history.append(Undo(label, tuple(steps)))
            del self.history[:-UNDO_DEPTH]

    def status_step(self, before: Row, after: Row) -> UndoStep:
        return UndoStep(before.key_text, "status", before.status.value, row_version(after), row_version(before))

    def back_to_pending(self, key: str) -> ActionResult:
        """U: a rejected row reopened, an approved one taken back (not yet published) to pending."""
        try:
            before = self.review.get(key)
            if before.status == RowStatus.APPROVED:
                self.review.reject(key)  # the state machine reopens rejected rows only: approved -> rejected -> pending
            row = self.review.reopen(key)
        except ProofdeskError as exc:
            return self._result(str(exc), error=True)
        self.remember(f"back to pending {key}", [self.status_step(before, row)])
        return self._result(f"back to pending {key}: now {row.status.value}", row)

    def row_by_id(self, row_id: int) -> Row | None:
        """The row a front end names by its id (pictures are served by id, never by a path)."""
        with self.review.store.unit_of_work() as uow:
            return uow.rows.get_by_id(row_id)

    def draft(self, key: str, changes: dict[str, object]) -> tuple[Row, str, list[ProofReason], dict[str, list[str]]]:
        """The live proof of an editor's draft, nothing stored: (row, verdict, findings, the words the
        spellchecker (with the project dictionary) does not know, per text field)."""
        row = self.review.get(key)
        result = self.review.preview(row, dict(changes))
        unknown: dict[str, list[str]] = {name: self.review.unknown_words(str(changes.get(name) or ""))
                                         for name in ("caption", "alt_text") if name in changes}
        return row, result.verdict.value, list(result.violations), unknown

    # ------------------------------------------------------------- ratings

    def rate(self, key: str, stars: int | None) -> ActionResult:
        """A person's stars, 1-5 (None or 0 clears them)."""
        if stars is not None and not 0 <= stars <= 5:
            return self._result(f"rate {key}: a rating is 1-5 stars (0 clears it), not {stars}", error=True)
        try:
            before = self.review.get(key)
            row = self._rated(key, stars or None)
        except ProofdeskError as exc:
            return self._result(str(exc), error=True)
        self.remember(f"rating of {key}", [UndoStep(key, "rating", before.rating, row_version(row), row_version(before))])
        return self._result(f"rated {key}: {row.rating or 0} star(s)", row)

    def _rated(self, key: str, stars: int | None) -> Row:
        """Stars need no proof and change no status; a row of an open session stays read-only."""
        return self.review._store(self.review._changeable(key).changed(rating=stars))

    # ------------------------------------------------------------- one key for a scene

    def approve_scene(self, key: str) -> ActionResult:
        """Approve the keeper of `key`'s scene and reject (cull) its other frames that are still
        pending or approved; a keeper that may not be approved stops everything (nothing written)."""
        try:
            row = self.review.get(key)
            frames = [r for r in self.review.rows() if row.scene_id and r.scene_id == row.scene_id] or [row]
        except ProofdeskError as exc:
            return self._result(str(exc), error=True)
        keeper = next((r for r in frames if r.keeper), row)
        try:
            approved = keeper if keeper.status == RowStatus.APPROVED else self.review.approve(keeper.key_text)
        except ProofdeskError as exc:
            return self._result(f"scene of {key}: the keeper {keeper.key_text} was not approved, nothing culled: {exc}",
                                keeper, True)
        steps = [self.status_step(keeper, approved)] if approved is not keeper else []
        cull = [r for r in frames if r.key_text != keeper.key_text and r.status in (RowStatus.PENDING, RowStatus.APPROVED)]
        batch = self.review.batch("reject", [r.key_text for r in cull], all_or_nothing=False)
        for frame in cull:
            if frame.key_text in batch.done:
                steps.append(self.status_step(frame, self.review.get(frame.key_text)))
        self.remember(f"scene of {keeper.key_text}", steps)
        text = f"scene of {keeper.key_text}: keeper approved, {len(batch.done)} frame(s) culled"
        if batch.refused:
            text += f", {len(batch.refused)} refused: " + "; ".join(m for _, m in batch.refused[:3])
        return self._result(text, approved, bool(batch.refused), done=(keeper.key_text, *batch.done),
                            refused=tuple(batch.refused))

    # ------------------------------------------------------------- undo

    def undo(self) -> ActionResult:
        """Put back the last decision (status, rating, keeper) of this desk, unless one of its rows
        was changed since (then nothing is put back and the undo is dropped)."""
        if not self.history:
            return self._result("nothing to undo", error=True)
        last = self.history.pop()
        try:
            rows = {step.key: self.review.get(step.key) for step in last.steps}
        except ProofdeskError as exc:
            return self._result(f"cannot undo {last.label}: {exc}", error=True)
        moved = [key for key, row in rows.items() if row_version(row) not in {s.version_after for s in last.steps if s.key == key}]
        if moved:
            return self._result(f"cannot undo {last.label}: {', '.join(moved)} changed since", rows[moved[0]], True,
                                conflict=True)
        row: Row | None = None
        try:
            for step in reversed(last.steps):
                row = self._put_back(step)
                self._rebase(step, row_version(row))
        except ProofdeskError as exc:
            return self._result(f"undo of {last.label} stopped: {exc}", row, True)
        return self._result(f"undone: {last.label}", row, done=tuple(s.key for s in last.steps))

    def _rebase(self, undone: UndoStep, version_now: str) -> None:
        """The row is back where it was before `undone`: earlier decisions on it may be undone next."""
        for index, entry in enumerate(self.history):
            steps = tuple(replace(step, version_after=version_now)
                          if step.key == undone.key and step.version_after == undone.version_before else step
                          for step in entry.steps)
            self.history[index] = Undo(entry.label, steps)

    def _put_back(self, step: UndoStep) -> Row:
        if step.kind == "rating":
            return self._rated(step.key, step.before if isinstance(step.before, int) else None)
        if step.kind == "keeper":
            keeper = str(step.before)
            scene = self.review.choose_keeper(keeper)
            return next(r for r in scene if r.key_text == step.key)
        if step.before == "pending":
            result = self.back_to_pending(step.key)
            self.history.pop()  # putting back is not a decision of its own
            if result.error or result.row is None:
                raise ProofdeskError(result.message)
            return result.row
        back: dict[str, Callable[[str], Row]] = {"approved": self.review.approve, "rejected": self.review.reject}
        if step.before not in back:
            raise ProofdeskError(f"{step.key}: cannot go back to {step.before}")
        return back[str(step.before)](step.key)

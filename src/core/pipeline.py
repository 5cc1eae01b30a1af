"""The staged pipeline over sets, with a session journal that makes a session roll back as a unit.

Stages are plain steps over the batch of validated files, each idempotent: a rerun after success
changes nothing; a rerun after rollback redoes everything. Everything a session writes is
journalled *before* it is written (write-ahead), so a process killed at any point leaves a journal
from which the next `run` (or `proofdesk rollback`) undoes exactly that session's writes:

- `file`       a file the session created; undo = delete it
- `row_insert` a queue row the session inserted; undo = delete it
- `row_update` a row the session refreshed; `before` holds the row as it was; undo = restore it

Incoming copies live at `incoming/<set>/<sha256[:12]>/<original name>`: a changed photo gets a
new path, so a rollback never has to restore overwritten bytes; copies no longer referenced by
any row are removed after the session closes.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from proofdesk.core import queue
from proofdesk.core.errors import InputError, SessionLocked
from proofdesk.core.failpoints import failpoint
from proofdesk.core.intake import (
    ImageInspector,
    IntakeRules,
    Problem,
    SetScanner,
    ValidationFailed,
    ValidationReport,
    ValidFile,
    validate_sets,
)
from proofdesk.core.models import (
    ExifFacts,
    JournalEntry,
    Row,
    Session,
    SessionStatus,
    Stage,
)
from proofdesk.core.ports import (
    Clock,
    ExifReader,
    FileStore,
    LockHolder,
    QueueStore,
    Reporter,
    UnitOfWork,
)

# A stage that works over the session's rows after stage 4 (scoring, resize, caption plug in here).
RowStage = Callable[["StageContext"], None]


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


@dataclass
class StageContext:
    """What a row stage gets: the session, the rows of this run, and a journalled row writer."""

    pipeline: Pipeline
    session_id: str
    keys: list[tuple[str, str]]

    def rows(self) -> list[Row]:
        with self.pipeline.store.unit_of_work() as uow:
            found = [uow.rows.get(*key) for key in self.keys]
        return [row for row in found if row is not None]

    def save_row(self, row: Row) -> Row:
        """Write a row changed by a stage, journalling its prior state for rollback first."""
        with self.pipeline.store.unit_of_work() as uow:
            self.pipeline._journal_row_update(uow, self.session_id, row.key)
            saved = uow.rows.update(row.model_copy(update={"session_id": self.session_id}))
            uow.commit()
        return saved

    def journal_file(self, path: str) -> None:
        self.pipeline._journal(self.session_id, "file", path)


def is_same_process(holder: LockHolder, pid: int, host: str) -> bool:
    return holder.pid == pid and holder.host == host


class Pipeline:
    def __init__(
        self,
        *,
        store: QueueStore,
        files: FileStore,
        exif: ExifReader,
        scanner: SetScanner,
        inspector: ImageInspector,
        clock: Clock,
        reporter: Reporter,
        rules: IntakeRules,
        pid: int,
        host: str,
        is_alive: Callable[[LockHolder], bool],
        config_digest: str = "",
        row_stages: Sequence[tuple[Stage, RowStage]] = (),
    ) -> None:
        self.store = store
        self.files = files
        self.exif = exif
        self.scanner = scanner
        self.inspector = inspector
        self.clock = clock
        self.reporter = reporter
        self.rules = rules
        self.pid = pid
        self.host = host
        self.is_alive = is_alive
        self.config_digest = config_digest
        self.row_stages = list(row_stages)
        self._journalled_rows: set[tuple[str, str]] = set()  # rows this process's session has journalled

    # ------------------------------------------------------------------ stage 1

    def validate(self, set_dirs: Sequence[str]) -> ValidationReport:
        self.reporter.start_stage(Stage.VALIDATE.value, len(set_dirs))
        report = validate_sets(list(set_dirs), self.scanner, self.inspector, self.rules)
        self.reporter.end_stage(
            Stage.VALIDATE.value, f"{len(report.files)} valid, {len(report.problems)} problem(s)"
        )
        return report

    # ------------------------------------------------------------------ run

    def run(self, set_dirs: Sequence[str], until: Stage = Stage.CAPTION, skip_invalid: bool = False) -> RunResult:
        if not set_dirs:
            raise InputError("give at least one set folder")
        report = self.validate(set_dirs)
        if not report.ok and not skip_invalid:
            raise ValidationFailed(report)
        result = RunResult(session_id=None, report=report)
        result.stages_run.append(Stage.VALIDATE.value)
        if until == Stage.VALIDATE:
            return result
        if not report.files:
            raise InputError("no valid photos to take in:\n" + report.render(skipped=True))

        session = self._open_session(report, result)
        result.session_id = session.id
        try:
            self.reporter.session_opened(session.id)
            self.reporter.info(f"session {session.id} opened for {', '.join(session.sets)}")
            files = self._stage_incoming(session.id, report.files, result)
            result.stages_run.append(Stage.INCOMING.value)
            if until.position >= Stage.EXIF.position:
                facts = self._stage_exif(session.id, files)
                result.stages_run.append(Stage.EXIF.value)
                if until.position >= Stage.QUEUE.position:
                    self._stage_queue(session.id, files, facts, result)
                    result.stages_run.append(Stage.QUEUE.value)
                    context = StageContext(self, session.id, [(f.set_name, f.name) for f in files])
                    for stage, run_stage in self.row_stages:
                        if stage.position > until.position:
                            break
                        run_stage(context)
                        result.stages_run.append(stage.value)
            failpoint("session.before_close")
        except BaseException as exc:
            self.reporter.warn(f"session {session.id} failed ({exc.__class__.__name__}: {exc}); rolling back")
            self.rollback(session.id, reason=f"{exc.__class__.__name__}: {exc}")
            raise
        self._close_session(session.id)
        return result

    # ------------------------------------------------------------------ sessions

    def _new_session_id(self) -> str:
        return self.clock.now().strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)

    def _open_session(self, report: ValidationReport, result: RunResult) -> Session:
        session = Session(
            id=self._new_session_id(),
            started_at=self.clock.now(),
            sets=[s.name for s in report.sets],
            config_digest=self.config_digest,
            pid=self.pid,
        )
        me = LockHolder(session.id, self.pid, self.host, session.started_at)
        holder = self.store.lock.acquire(me)
        if holder is not None:
            if self.is_alive(holder):
                raise SessionLocked(
                    f"session {holder.session_id} (pid {holder.pid} on {holder.host}, since "
                    f"{holder.since:%Y-%m-%d %H:%M:%S} UTC) holds the queue; wait for it to finish"
                )
            self._recover_dead_session(holder.session_id, f"pid {holder.pid} on {holder.host}", result)
            self.store.lock.release(holder.session_id)
            holder = self.store.lock.acquire(me)
            if holder is not None:
                raise SessionLocked(f"session {holder.session_id} took the queue meanwhile; run again")
        try:
            with self.store.unit_of_work() as uow:
                stale = uow.sessions.list(SessionStatus.OPEN)
            for old in stale:  # open but not holding the lock: its process died
                self._recover_dead_session(old.id, f"pid {old.pid}", result)
            with self.store.unit_of_work() as uow:
                uow.sessions.add(session)
                uow.commit()
        except BaseException:
            self.store.lock.release(session.id)
            raise
        return session

    def _recover_dead_session(self, session_id: str, who: str, result: RunResult) -> None:
        with self.store.unit_of_work() as uow:
            dead = uow.sessions.get(session_id)
        if dead is None or dead.status != SessionStatus.OPEN:
            return  # it had finished; only its lock was left behind
        self.reporter.warn(f"session {session_id} was left open by a process that died ({who}); rolling it back first")
        self.rollback(session_id, reason="its process died", release_lock=False)
        result.rolled_back_before.append(session_id)

    def _close_session(self, session_id: str) -> None:
        with self.store.unit_of_work() as uow:
            session = uow.sessions.get(session_id)
            assert session is not None
            uow.sessions.update(
                session.model_copy(update={"status": SessionStatus.CLOSED, "ended_at": self.clock.now()})
            )
            uow.journal.clear(session_id)
            uow.commit()
        self.store.lock.release(session_id)
        removed = self.remove_unreferenced_incoming()
        if removed:
            self.reporter.info(f"removed {len(removed)} superseded incoming copies")
        self.reporter.info(f"session {session_id} closed")

    def remove_unreferenced_incoming(self) -> list[str]:
        """Remove incoming copies superseded by a newer version of the same (set, name) photo."""
        with self.store.unit_of_work() as uow:
            if uow.sessions.list(SessionStatus.OPEN):
                return []  # an open session's journal may still own files
            current = {row.key: row.incoming_path for row in uow.rows.list()}
        removed = []
        for path in self.files.list_area(FileStore.INCOMING):
            parts = path.replace("\\", "/").split("/")
            key = (parts[-3], parts[-1]) if len(parts) >= 3 else None
            if key in current and current[key] != path and self.files.remove_path(path):
                removed.append(path)
        return removed

    def _journal(self, session_id: str, kind: str, target: str, before: dict[str, Any] | None = None) -> None:
        with self.store.unit_of_work() as uow:
            uow.journal.append(JournalEntry(session_id=session_id, kind=kind, target=target, before=before))
            uow.commit()

    def _journal_row_update(self, uow: UnitOfWork, session_id: str, key: tuple[str, str]) -> None:
        """Journal a row's prior state the first time this session changes it (same transaction)."""
        target = f"{key[0]}/{key[1]}"
        if (session_id, target) in self._journalled_rows:
            return
        existing = uow.rows.get(*key)
        if existing is not None:
            uow.journal.append(
                JournalEntry(session_id=session_id, kind="row_update", target=target,
                             before=existing.model_dump(mode="json"))
            )
        self._journalled_rows.add((session_id, target))

    def rollback(self, session_id: str | None = None, reason: str = "requested", release_lock: bool = True) -> Session:
        """Undo everything the session wrote; refuses a closed session."""
        with self.store.unit_of_work() as uow:
            if session_id is None:
                last = uow.sessions.last_open()
                if last is None:
                    raise InputError("no open session to roll back")
                session_id = last.id
            session = uow.sessions.get(session_id)
            if session is None:
                raise InputError(f"no session {session_id!r} (see `proofdesk sessions`)")
            if session.status != SessionStatus.OPEN:
                raise InputError(f"session {session_id} is {session.status.value}; only an open session can be rolled back")
            entries = uow.journal.entries(session_id)
        holder = self.store.lock.holder()
        if (
            holder is not None
            and holder.session_id == session_id
            and not is_same_process(holder, self.pid, self.host)
            and self.is_alive(holder)
        ):
            raise SessionLocked(f"session {session_id} is still running (pid {holder.pid} on {holder.host})")

        # Files first: removing them is idempotent, so a crash here is repaired by rolling back again.
        files_removed = 0
        for entry in reversed(entries):
            if entry.kind == "file" and self.files.remove_path(entry.target):
                files_removed += 1
        files_removed += len(self.files.remove_stale_temp_files())  # a copy killed half-way
        failpoint("rollback.after_files")
        rows_deleted = rows_restored = 0
        with self.store.unit_of_work() as uow:
            for entry in reversed(entries):
                if entry.kind == "row_insert":
                    set_name, _, original_name = entry.target.partition("/")
                    rows_deleted += int(uow.rows.delete(set_name, original_name))
                elif entry.kind == "row_update" and entry.before is not None:
                    before = Row.model_validate(entry.before)
                    if uow.rows.get(*before.key) is None:
                        uow.rows.add(before)
                    else:
                        uow.rows.update(before)
                    rows_restored += 1
            uow.sessions.update(
                session.model_copy(update={"status": SessionStatus.ROLLED_BACK, "ended_at": self.clock.now(),
                                           "note": f"rolled back: {reason}"})
            )
            uow.journal.clear(session_id)
            uow.commit()
        if release_lock:
            self.store.lock.release(session_id)
        self.reporter.warn(
            f"session {session_id} rolled back ({reason}): {files_removed} file(s) removed, "
            f"{rows_deleted} row(s) deleted, {rows_restored} row(s) restored"
        )
        with self.store.unit_of_work() as uow:
            rolled = uow.sessions.get(session_id)
        assert rolled is not None
        return rolled

    # ------------------------------------------------------------------ stage 2

    @staticmethod
    def incoming_relpath(file: ValidFile) -> str:
        return f"{file.set_name}/{file.sha256[:12]}/{file.name}"

    def _stage_incoming(self, session_id: str, files: list[ValidFile], result: RunResult) -> list[ValidFile]:
        self.reporter.start_stage(Stage.INCOMING.value, len(files))
        kept: list[ValidFile] = []
        copied = 0
        first_seen: dict[str, ValidFile] = {}
        for file in files:
            duplicate_of = self._queued_elsewhere(file, first_seen)
            if duplicate_of is not None:
                problem = Problem(file.set_name, file.name, file.path,
                                  f"same image (sha256) as {duplicate_of}, already queued; not queued twice")
                result.duplicates.append(problem)
                self.reporter.warn(problem.render())
                self.reporter.advance(file.key_text)
                continue
            first_seen.setdefault(file.sha256, file)
            relpath = self.incoming_relpath(file)
            if not self.files.exists(FileStore.INCOMING, relpath):
                self._journal(session_id, "file", self.files.locate(FileStore.INCOMING, relpath))
                failpoint("stage2.before_copy")
            stored = self.files.import_file(file.path, FileStore.INCOMING, relpath, file.sha256)
            if stored.created:
                copied += 1
                failpoint("stage2.after_copy")
            kept.append(file)
            self.reporter.advance(file.key_text)
        self.reporter.end_stage(Stage.INCOMING.value, f"{copied} copied, {len(kept) - copied} already there")
        return kept

    def _queued_elsewhere(self, file: ValidFile, first_seen: dict[str, ValidFile]) -> str | None:
        earlier = first_seen.get(file.sha256)
        if earlier is not None and earlier.set_name != file.set_name:
            return earlier.key_text
        with self.store.unit_of_work() as uow:
            for row in uow.rows.find_by_sha256(file.sha256):
                if row.key != (file.set_name, file.name):
                    if row.set_name != file.set_name:
                        return row.key_text
        return None

    # ------------------------------------------------------------------ stage 3

    def _stage_exif(self, session_id: str, files: list[ValidFile]) -> dict[tuple[str, str], ExifFacts | None]:
        self.reporter.start_stage(Stage.EXIF.value, len(files))
        facts: dict[tuple[str, str], ExifFacts | None] = {}
        read = 0
        for file in files:
            key = (file.set_name, file.name)
            with self.store.unit_of_work() as uow:
                existing = uow.rows.get(*key)
            if existing is not None and existing.sha256 == file.sha256 and Stage.EXIF.value in existing.stages_done:
                facts[key] = None  # unchanged: keep what the row has
            else:
                incoming = self.files.locate(FileStore.INCOMING, self.incoming_relpath(file))
                facts[key] = self.exif.read(incoming)
                read += 1
                failpoint("stage3.after_read")
            self.reporter.advance(file.key_text)
        self.reporter.end_stage(Stage.EXIF.value, f"{read} read, {len(files) - read} unchanged")
        return facts

    # ------------------------------------------------------------------ stage 4

    def _stage_queue(
        self,
        session_id: str,
        files: list[ValidFile],
        facts: dict[tuple[str, str], ExifFacts | None],
        result: RunResult,
    ) -> None:
        self.reporter.start_stage(Stage.QUEUE.value, len(files))
        for file in files:
            key = (file.set_name, file.name)
            incoming = self.files.locate(FileStore.INCOMING, self.incoming_relpath(file))
            with self.store.unit_of_work() as uow:
                existing = uow.rows.get(*key)
                if existing is None:
                    row = Row(
                        set_name=file.set_name, original_name=file.name, source_path=file.path,
                        incoming_path=incoming, sha256=file.sha256, size_bytes=file.size_bytes,
                        session_id=session_id,
                        **(facts[key] or ExifFacts()).model_dump(),
                    )
                    row = queue.mark_stage_done(row, Stage.EXIF)
                    uow.journal.append(JournalEntry(session_id=session_id, kind="row_insert", target=row.key_text))
                    uow.rows.add(row)
                    uow.commit()
                    self._journalled_rows.add((session_id, row.key_text))
                    result.inserted.append(row.key_text)
                    failpoint("stage4.after_insert")
                elif existing.sha256 != file.sha256 or existing.incoming_path != incoming:
                    self._journal_row_update(uow, session_id, key)
                    row = existing
                    if existing.sha256 != file.sha256:
                        row = queue.refresh_changed_file(existing, file.sha256, file.size_bytes)
                    update: dict[str, Any] = {"incoming_path": incoming, "source_path": file.path,
                                              "session_id": session_id}
                    if facts[key] is not None:
                        update.update(facts[key].model_dump())  # type: ignore[union-attr]
                    row = queue.mark_stage_done(row.model_copy(update=update), Stage.EXIF)
                    uow.rows.update(row)
                    uow.commit()
                    result.refreshed.append(row.key_text)
                    failpoint("stage4.after_update")
                else:
                    result.unchanged.append(existing.key_text)
            self.reporter.advance(file.key_text)
        self.reporter.end_stage(Stage.QUEUE.value, result.summary())

"""The staged pipeline over sets: validate, then a session (stages 2-4 and the row stages) that
rolls back as a unit when anything fails (see `proofdesk.core.services.session`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from proofdesk.core.domain.errors import InputError
from proofdesk.core.domain.intake import (
    IntakeRules,
    ValidationFailed,
    ValidationReport,
)
from proofdesk.core.domain.models import (
    Session,
    Stage,
)
from proofdesk.core.domain.proof.timeofday import normal_clock_offset
from proofdesk.core.ports.files import ExifReader, FileStore, ImageInspector, SetScanner
from proofdesk.core.ports.storage import LockHolder, QueueStore
from proofdesk.core.ports.system import Clock, Reporter
from proofdesk.core.services.failpoints import failpoint
from proofdesk.core.services.places import PlaceFacts
from proofdesk.core.services.session import SessionJournal
from proofdesk.core.services.sets import SetPaths
from proofdesk.core.services.stages.base import (
    DEFAULT_BATCH_SIZE,
    RowContext,
    RowStage,
    RunResult,
    StageContext,
    as_row_stage,
)
from proofdesk.core.services.stages.intake import IntakeStages
from proofdesk.core.services.validate import validate_sets


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
        row_stages: Sequence[tuple[Stage, RowStage | Callable[[RowContext], None]]] = (),
        places: PlaceFacts | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        lease_s: float | None = None,
        set_paths: SetPaths | None = None,
    ) -> None:
        self.batch_size = batch_size
        # set folders as the queue stores them: relative to the project folder, so it can move
        self.set_paths = set_paths or SetPaths()
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
        self.row_stages = [(stage, as_row_stage(run)) for stage, run in row_stages]
        self.sessions = SessionJournal(store=store, files=files, clock=clock, reporter=reporter, pid=pid,
                                       host=host, is_alive=is_alive, config_digest=config_digest, lease_s=lease_s)
        self.intake = IntakeStages(store=store, files=files, exif=exif, reporter=reporter, sessions=self.sessions,
                                   places=places, batch_size=batch_size,
                                   inspector=inspector, rules=rules, clock=clock)

    # ------------------------------------------------------------------ stage 1

    def validate(self, set_dirs: Sequence[str], set_name: str | None = None) -> ValidationReport:
        self.reporter.start_stage(Stage.VALIDATE.value, len(set_dirs))
        names = {set_dirs[0]: set_name} if set_name else None
        report = validate_sets(list(set_dirs), self.scanner, self.inspector, self.rules, names)
        for skipped in report.ignored:
            if skipped.message.startswith(("raw file", "JPEG of a pair")):  # RAW + JPEG pairs
                self.reporter.info(skipped.render())  # listed: the photographer sees what was left out
        self.reporter.end_stage(
            Stage.VALIDATE.value, f"{len(report.files)} valid, {len(report.problems)} problem(s)"
        )
        return report

    # ------------------------------------------------------------------ run

    def run(
        self,
        set_dirs: Sequence[str],
        until: Stage = Stage.CAPTION,
        skip_invalid: bool = False,
        clock_offset: str | None = None,
        set_name: str | None = None,
    ) -> RunResult:
        if not set_dirs:
            raise InputError("give at least one set folder")
        if clock_offset is not None:
            normal = normal_clock_offset(clock_offset)
            if normal is None:
                raise InputError(f"--clock-offset {clock_offset!r}: give the camera clock's UTC offset as +HH:MM or "
                                 "-HH:MM (e.g. -07:00, +5), or `none` to clear one given before")
            clock_offset = normal
        if set_name is not None and len(set_dirs) != 1:
            raise InputError("--set-name names one set: give exactly one set folder with it")
        report = self.validate(set_dirs, set_name)
        if not report.ok and not skip_invalid:
            raise ValidationFailed(report)
        result = RunResult(session_id=None, report=report)
        result.stages_run.append(Stage.VALIDATE.value)
        if until == Stage.VALIDATE:
            return result
        if not report.files:
            raise InputError("no valid photos to take in:\n" + report.render(skipped=True))

        for stage, run_stage in self.row_stages:
            if stage.position <= until.position:
                run_stage.preflight(self.reporter)  # e.g. the model server's runtime check, before any write
        session = self.sessions.open(report, result.rolled_back_before)
        result.session_id = session.id
        try:
            self.reporter.session_opened(session.id)
            self.reporter.info(f"session {session.id} opened for {', '.join(session.sets)}")
            # Under the queue lock (a read before it would contend with a running session on SQLite);
            # nothing is written before it, so a refusal rolls back an empty session.
            self._check_set_owners(report)
            self.intake.record_sets(session.id, [s.changed(path=self.set_paths.stored(s.path)) for s in report.sets])
            files = self.intake.copy_incoming(session.id, report.files, result)
            result.stages_run.append(Stage.INCOMING.value)
            if until.position >= Stage.EXIF.position:
                facts = self.intake.read_exif(session.id, files)
                result.stages_run.append(Stage.EXIF.value)
                if until.position >= Stage.QUEUE.position:
                    self.intake.queue_rows(session.id, files, facts, result, clock_offset)
                    result.stages_run.append(Stage.QUEUE.value)
                    context = StageContext(self.store, self.reporter, self.sessions, session.id,
                                           [(f.set_name, f.name) for f in files], self.batch_size)
                    for stage, run_stage in self.row_stages:
                        if stage.position > until.position:
                            break
                        run_stage(context)
                        context.flush()
                        for name, data in run_stage.artifacts(context).items():
                            self.reporter.write_artifact(name, data)
                        result.stages_run.append(stage.value)
            failpoint("session.before_close")
        except BaseException as exc:
            self.reporter.stage_failed(f"{exc.__class__.__name__}: {exc}")
            self.reporter.warn(f"session {session.id} failed ({exc.__class__.__name__}: {exc}); rolling back")
            self.sessions.rollback(session.id, reason=f"{exc.__class__.__name__}: {exc}")
            raise
        self.sessions.close(session.id)
        return result


    def _check_set_owners(self, report: ValidationReport) -> None:
        """A set name belongs to the folder it was first taken in from: a second card whose
        `DCIM/100CANON` has the same name must get its own (`run --set-name`), or its photos would
        replace the first card's rows under the same file names."""
        clashes: list[str] = []
        with self.store.unit_of_work() as uow:
            for photo_set in report.sets:
                owner = uow.sets.get(photo_set.name)
                owner_path: str | None
                if owner is not None:
                    if self.set_paths.same_folder(owner.path, photo_set.path):
                        continue
                    owner_path = self.set_paths.local(owner.path)
                else:  # a queue from before set records: the folder its rows came from
                    rows = uow.rows.list(set_name=photo_set.name)
                    owner_path = str(Path(rows[0].source_path).parent) if rows and rows[0].source_path else None
                if owner_path is not None and not _same_folder(owner_path, photo_set.path):
                    clashes.append(
                        f"set name {photo_set.name!r} belongs to {owner_path}, not {photo_set.path}; "
                        f"take this folder in under its own name: proofdesk run {photo_set.path} --set-name NAME; "
                        f"or, if it holds the same photos (the card mounted elsewhere, the folder moved), point "
                        f"the set at it: proofdesk sets move {photo_set.name} {photo_set.path}"
                    )
        if clashes:
            raise InputError("\n".join(clashes))

    # ------------------------------------------------------------------ session operations front ends call

    def rollback(self, session_id: str | None = None, reason: str = "requested", release_lock: bool = True) -> Session:
        """Undo everything the session wrote; refuses a closed session."""
        return self.sessions.rollback(session_id, reason=reason, release_lock=release_lock)

    def remove_unreferenced_incoming(self) -> list[str]:
        return self.sessions.remove_unreferenced_incoming()


def _same_folder(first: str, second: str) -> bool:
    return Path(first).resolve() == Path(second).resolve()

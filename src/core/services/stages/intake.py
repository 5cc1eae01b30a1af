"""Stages 2-4: copy the originals into the incoming area, read their EXIF, queue one row per photo.

Incoming copies live at `incoming/<set>/<sha256[:12]>/<original name>`: a changed photo gets a
new path, so a rollback never has to restore overwritten bytes; copies no longer referenced by
any row are removed after the session closes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from proofdesk.core.domain import queue
from proofdesk.core.domain.intake import IntakeRules, Problem, ValidFile
from proofdesk.core.domain.models import ExifFacts, JournalEntry, PhotoSet, Row, Stage
from proofdesk.core.domain.proof.timeofday import CLEAR_CLOCK_OFFSET
from proofdesk.core.domain.scoring import incoming_layout
from proofdesk.core.ports.files import ExifReader, FileStore, ImageInspector
from proofdesk.core.ports.storage import QueueStore
from proofdesk.core.ports.system import Clock, Reporter
from proofdesk.core.services.failpoints import failpoint
from proofdesk.core.services.places import PlaceFacts
from proofdesk.core.services.session import SessionJournal
from proofdesk.core.services.stages.base import DEFAULT_BATCH_SIZE, RunResult

T = TypeVar("T")


def _batches(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), max(1, size)):
        yield items[start : start + size]


class IntakeStages:
    """Stages 2 (`copy_incoming`), 3 (`read_exif`) and 4 (`queue_rows`), journalled by the session."""

    def __init__(self, *, store: QueueStore, files: FileStore, exif: ExifReader, reporter: Reporter,
                 sessions: SessionJournal, clock: Clock, places: PlaceFacts | None = None,
                 inspector: ImageInspector | None = None, rules: IntakeRules | None = None,
                 batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        self.batch_size = batch_size
        self.store = store
        self.files = files
        self.exif = exif
        self.reporter = reporter
        self.sessions = sessions
        self.places = places or PlaceFacts()
        self.inspector = inspector
        self.rules = rules or IntakeRules()
        self.clock = clock

    @staticmethod
    def incoming_relpath(file: ValidFile) -> str:
        return incoming_layout(file.set_name, file.sha256, file.name)

    def record_sets(self, session_id: str, sets: list[PhotoSet]) -> None:
        """Record the source folder of each set seen for the first time (journalled: a rollback
        forgets it again)."""
        with self.store.unit_of_work() as uow:
            for photo_set in sets:
                if uow.sets.get(photo_set.name) is None:
                    uow.journal.append(JournalEntry(session_id=session_id, kind="set_insert", target=photo_set.name))
                    uow.sets.add(photo_set)
            uow.commit()

    def copy_incoming(self, session_id: str, files: list[ValidFile], result: RunResult) -> list[ValidFile]:
        self.reporter.start_stage(Stage.INCOMING.value, len(files))
        with self.store.unit_of_work() as uow:  # one read: the queued rows with any of these images
            queued: dict[str, list[Row]] = {}
            for row in uow.rows.find_by_sha256s(file.sha256 for file in files):
                queued.setdefault(row.sha256, []).append(row)
        kept: list[ValidFile] = []
        first_seen: dict[str, ValidFile] = {}
        for file in files:
            duplicate_of = self._queued_elsewhere(file, first_seen, queued)
            if duplicate_of is not None:
                problem = Problem(file.set_name, file.name, file.path,
                                  f"same image (sha256) as {duplicate_of}, already queued; not queued twice")
                result.duplicates.append(problem)
                self.reporter.warn(problem.render())
                self.reporter.advance(file.key_text)
                continue
            first_seen.setdefault(file.sha256, file)
            kept.append(file)
        copied = 0
        for batch in _batches(kept, self.batch_size):
            new = [file for file in batch if not self.files.exists(FileStore.INCOMING, self.incoming_relpath(file))]
            # write-ahead, one transaction per batch: rollback removes whatever of these was copied
            self.sessions.journal_many(session_id, "file",
                                       [self.files.locate(FileStore.INCOMING, self.incoming_relpath(f)) for f in new])
            fresh = {file.key_text for file in new}
            for file in batch:
                if file.key_text in fresh:
                    failpoint("stage2.before_copy")
                stored = self.files.import_file(file.path, FileStore.INCOMING, self.incoming_relpath(file), file.sha256)
                if stored.created:
                    copied += 1
                    failpoint("stage2.after_copy")
                self.reporter.advance(file.key_text)
        self.reporter.end_stage(Stage.INCOMING.value, f"{copied} copied, {len(kept) - copied} already there")
        return kept

    @staticmethod
    def _queued_elsewhere(file: ValidFile, first_seen: dict[str, ValidFile], queued: dict[str, list[Row]]) -> str | None:
        earlier = first_seen.get(file.sha256)
        if earlier is not None and earlier.set_name != file.set_name:
            return earlier.key_text
        for row in queued.get(file.sha256, []):
            if row.key != (file.set_name, file.name) and row.set_name != file.set_name:
                return row.key_text
        return None

    # ------------------------------------------------------------------ stage 3

    def read_exif(self, session_id: str, files: list[ValidFile]) -> dict[tuple[str, str], ExifFacts | None]:
        self.reporter.start_stage(Stage.EXIF.value, len(files))
        facts: dict[tuple[str, str], ExifFacts | None] = {}
        read = 0
        with self.store.unit_of_work() as uow:
            existing_rows = uow.rows.get_many((file.set_name, file.name) for file in files)
        for file in files:
            key = (file.set_name, file.name)
            existing = existing_rows.get(key)
            if existing is not None and existing.sha256 == file.sha256 and Stage.EXIF.value in existing.stages_done:
                facts[key] = None  # unchanged: keep what the row has
            else:
                incoming = self.files.locate(FileStore.INCOMING, self.incoming_relpath(file))
                # sidecars beside the original (Lightroom, darktable) are evidence too
                facts[key] = self.exif.read(self.files.resolve(incoming)).with_sidecar(self.exif.read_sidecars(file.path))
                read += 1
                failpoint("stage3.after_read")
            self.reporter.advance(file.key_text)
        self.reporter.end_stage(Stage.EXIF.value, f"{read} read, {len(files) - read} unchanged")
        return facts

    # ------------------------------------------------------------------ stage 4

    def _perceptual_hash(self, path: str | None, sha256: str | None = None) -> str | None:
        if self.inspector is None or not path:
            return None
        return self.inspector.perceptual_hash(self.files.resolve(path), sha256)

    def _changed_picture(self, existing: Row, file: ValidFile, incoming: str) -> Row:
        """A new file under a queued name: the same picture re-exported keeps its human edits (its
        approval and proof verdict are dropped until the proof and a person pass it again); a
        different picture moves the old text to the row's history and starts anew."""
        new_hash = self._perceptual_hash(incoming, file.sha256)
        old_hash = existing.perceptual_hash or self._perceptual_hash(existing.incoming_path)
        if queue.same_picture(old_hash, new_hash, self.rules.same_picture_max_distance):
            return queue.refresh_changed_file(existing, file.sha256, file.size_bytes).changed(perceptual_hash=new_hash)
        self.reporter.warn(
            f"{existing.key_text}: a different picture now has this name; the earlier one's caption, "
            "alt text, keywords and file name are kept in the row's history and it is captioned anew"
        )
        return queue.replace_picture(existing, file.sha256, file.size_bytes, new_hash, self.clock.now().isoformat())

    def _position_facts(self, exif: ExifFacts, clock_offset: str | None) -> dict[str, Any]:
        return self.places.facts_for(exif, clock_offset)

    @staticmethod
    def _clock(clock_offset: str | None, existing: Row | None) -> str | None:
        """The camera clock's zone for a row: the one given now, none when cleared (`none`), else the
        one given on an earlier run."""
        if clock_offset == CLEAR_CLOCK_OFFSET:
            return None
        return clock_offset or (existing.clock_offset if existing is not None else None)

    def _position_facts_stale(self, row: Row, clock_offset: str | None) -> bool:
        if clock_offset is not None and self._clock(clock_offset, row) != row.clock_offset:
            return True
        if any((row.place_city, row.place_region, row.place_country)) and \
                self.places.private_place(row.gps_latitude, row.gps_longitude) is not None:
            return True  # a private place configured since: its names go
        return row.utc_offset_source is None  # never derived (a queue made before place facts)

    def queue_rows(
        self,
        session_id: str,
        files: list[ValidFile],
        facts: dict[tuple[str, str], ExifFacts | None],
        result: RunResult,
        clock_offset: str | None = None,
    ) -> None:
        """`clock_offset`: the zone the camera clock ran on (`run --clock-offset`); it is kept on the
        set's rows until another is given. One transaction per batch: one read, the journal
        entries, the inserts and the updates, one commit."""
        self.reporter.start_stage(Stage.QUEUE.value, len(files))
        for batch in _batches(files, self.batch_size):
            with self.store.unit_of_work() as uow:
                existing_rows = uow.rows.get_many((file.set_name, file.name) for file in batch)
                inserts: list[Row] = []
                updates: list[Row] = []
                changed_files: list[str] = []  # refreshed because the file changed (stage4.after_update)
                for file in batch:
                    key = (file.set_name, file.name)
                    existing = existing_rows.get(key)
                    row = self._queued_row(session_id, file, existing, facts[key], clock_offset)
                    if row is None:
                        result.unchanged.append(file.key_text)
                    elif existing is None:
                        inserts.append(row)
                    else:
                        updates.append(row)
                        if existing.sha256 != file.sha256 or not self._same_path(existing.incoming_path, row.incoming_path):
                            changed_files.append(row.key_text)
                journal = [JournalEntry(session_id=session_id, kind="row_insert", target=row.key_text) for row in inserts]
                journal += self.sessions.before_images(session_id, (existing_rows[row.key] for row in updates))
                uow.journal.append_many(journal)
                uow.rows.add_many(inserts)
                uow.rows.update_many(updates)
                uow.commit()
            for row in inserts:
                self.sessions.journalled_rows.add((session_id, row.key_text))
                result.inserted.append(row.key_text)
                failpoint("stage4.after_insert")
            for row in updates:
                result.refreshed.append(row.key_text)
                if row.key_text in changed_files:
                    failpoint("stage4.after_update")
            for file in batch:
                self.reporter.advance(file.key_text)
        self.reporter.end_stage(Stage.QUEUE.value, result.summary())

    def _same_path(self, stored: str | None, located: str | None) -> bool:
        """The same stored file (a row may hold an absolute path from before rows stored them
        relative to the workdir, or from where the project was before it moved)."""
        if stored is None or located is None:
            return stored == located
        return stored == located or self.files.resolve(stored) == self.files.resolve(located)

    def _queued_row(self, session_id: str, file: ValidFile, existing: Row | None, facts: ExifFacts | None,
                    clock_offset: str | None) -> Row | None:
        """The row to insert or store for `file`, or None when the queued row stays as it is."""
        incoming = self.files.locate(FileStore.INCOMING, self.incoming_relpath(file))
        if existing is None:
            row = Row(
                set_name=file.set_name, original_name=file.name, source_path=file.path,
                incoming_path=incoming, sha256=file.sha256, size_bytes=file.size_bytes,
                session_id=session_id, perceptual_hash=self._perceptual_hash(incoming, file.sha256),
                raw_original_name=file.raw_original_name, jpeg_original_name=file.jpeg_original_name,
                exif=facts or ExifFacts(),
                **self._position_facts(facts or ExifFacts(), self._clock(clock_offset, None)),
            )
            return queue.mark_stage_done(row, Stage.EXIF)
        if existing.sha256 != file.sha256 or not self._same_path(existing.incoming_path, incoming):
            row = existing
            if existing.sha256 != file.sha256:
                row = self._changed_picture(existing, file, incoming)
            update: dict[str, Any] = {"incoming_path": incoming, "source_path": file.path, "session_id": session_id,
                                      **_pair_names(file)}
            exif = facts or existing.exif
            if facts is not None:
                update["exif"] = facts
            update.update(self._position_facts(exif, self._clock(clock_offset, existing)))
            return queue.mark_stage_done(row.changed(**update), Stage.EXIF)
        if (existing.raw_original_name, existing.jpeg_original_name) != (file.raw_original_name, file.jpeg_original_name):
            return existing.changed(**_pair_names(file), session_id=session_id)  # its pair's other file came or went
        if self._position_facts_stale(existing, clock_offset):
            # same file, but a new --clock-offset, a private place, or a queue from before place facts
            refreshed = self._position_facts(existing.exif, self._clock(clock_offset, existing))
            row = existing.changed(**refreshed, session_id=session_id)
            if row.clock_offset != existing.clock_offset:
                row = queue.retimed(row)  # its times were written from the old clock: write and prove again
            return row
        return None


def _pair_names(file: ValidFile) -> dict[str, str | None]:
    """The other file of the picture's RAW + JPEG pair, as the row keeps it."""
    return {"raw_original_name": file.raw_original_name, "jpeg_original_name": file.jpeg_original_name}

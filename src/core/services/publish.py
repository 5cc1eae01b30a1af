"""Publishing approved rows: the ports (`Uploader`, `Gallery`, `MetadataWriter`) and the use case.

Only approved rows ever leave the machine (approved -> published is the only way out of the
queue; a refused row goes back to pending). For each one, before anything of it is written:

1. the row is read again: it must still be approved (an edit meanwhile sent it back to review);
2. the gallery is asked who owns the row's `File_Name`; a name held by another image (another
   sha256, not this row's remote id) is never overwritten: the row is refused and goes back to
   review with a blocked proof reason, so a new file name must be chosen;
3. the row is proven again (the review's proof: evidence, dictionary, and the duplicate index of
   the queue as it is now plus the gallery), so a caption or file name another row took after the
   approval is caught: a row whose proof now blocks it, or would change its approved text, is
   refused and goes back to review carrying that proof; the other rows go on.

Then:

4. the published full image is built from the approved original (`incoming_path`, re-encoded to
   JPEG only when it is not one) with the approved metadata embedded in the copy, never in the
   original; the thumbnail is a JPEG from the `ImageProcessor`;
5. full image and thumbnail are uploaded (temp name, then rename) -> failpoint
   `publish.after_upload` -> gallery upsert keyed on `File_Name` -> failpoint
   `publish.after_upsert` -> only then the remote id is stored and the row marked `published`.

A failure leaves the row `approved` with `publish_error` recorded and the next row goes on. When a
service is down (connection refused or lost after the adapter's retries) publishing stops: the
remaining rows are listed as not attempted, since every one of them would fail the same way.
Everything is idempotent: file names and the gallery key are fixed by the row, so a rerun after
any crash overwrites the same files and upserts the same gallery row, never duplicating either.

Publish is not part of a pipeline session and is never rolled back. It holds the queue lock (as a
`publish-<timestamp>` holder) so a pipeline run or another publish cannot interleave.
"""

from __future__ import annotations

import hashlib
import posixpath
import secrets
from collections.abc import Callable, Collection, Sequence
from typing import Protocol

from proofdesk.core.domain import queue
from proofdesk.core.domain.errors import ExternalFailure, SessionLocked
from proofdesk.core.domain.models import ProofReason, Row, RowStatus
from proofdesk.core.domain.publishing import (
    NOT_APPROVED_RULE,
    GalleryRecord,
    PublishOptions,
    PublishReport,
    RowResult,
    gallery_conflict,
    gallery_entry,
    is_jpeg,
    jpeg_size,
    no_file_name,
    published_metadata,
    remote_paths,
)
from proofdesk.core.domain.xmp import sidecar_names
from proofdesk.core.ports.files import FileStore
from proofdesk.core.ports.media import ImageDecodeError, ImageProcessor
from proofdesk.core.ports.publishing import (
    Gallery,
    MetadataWriter,
    PublishFailure,
    ServiceUnavailable,
    Uploader,
    UploadError,
)
from proofdesk.core.ports.storage import LockHolder, QueueStore
from proofdesk.core.ports.system import Clock, Reporter
from proofdesk.core.services.failpoints import failpoint
from proofdesk.core.services.publish_plan import take_down_files

PUBLISH_STAGE = "publish"
REPORT_NAME = "publish_report.json"
# "decode at full size": the processor never upscales, so any edge beyond the image's is its own.
_FULL_SIZE = 1 << 30


# ---------------------------------------------------------------- the use case


class RowProver(Protocol):
    """Proves a row again without storing it (`ReviewService.proven`): the row with its fresh
    verdict, against the queue as it is now and `gallery_names` (None: the gallery's own list)."""

    def __call__(self, row: Row, *, gallery_names: Sequence[str] | None = None) -> Row: ...


class Publisher:
    """Publishes the queue's approved rows. Front ends call `publish()` (or `publish_approved`)."""

    def __init__(
        self,
        *,
        store: QueueStore,
        uploader: Uploader,
        gallery: Gallery,
        processor: ImageProcessor,
        writer: MetadataWriter,
        files: FileStore,
        clock: Clock,
        reporter: Reporter,
        prover: RowProver,
        options: PublishOptions | None = None,
        pid: int = 0,
        host: str = "",
        is_alive: Callable[[LockHolder], bool] = lambda holder: True,
    ) -> None:
        self.store = store
        self.uploader = uploader
        self.gallery = gallery
        self.processor = processor
        self.writer = writer
        self.files = files
        self.clock = clock
        self.reporter = reporter
        self.prover = prover
        self.options = options or PublishOptions()
        self.pid = pid
        self.host = host
        self.is_alive = is_alive

    # ---- entry points

    def approved_rows(self) -> list[Row]:
        with self.store.unit_of_work() as uow:
            return uow.rows.list(status=RowStatus.APPROVED)

    def publish(self, *, dry_run: bool = False) -> PublishReport:
        started = self.clock.now()
        report = PublishReport(
            id="publish-" + started.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3),
            dry_run=dry_run,
            started_at=started,
            uploader=self.uploader.description,
            gallery=self.gallery.description,
        )
        if dry_run:
            from proofdesk.core.services.publish_plan import plan_publish

            plan_publish(self, report)  # the same checks, nothing written
            report.finished_at = self.clock.now()
            return report
        self._take_lock(report.id)
        try:
            self.reporter.session_opened(report.id)
            self._publish_all(report)
        finally:
            self.store.lock.release(report.id)
            report.finished_at = self.clock.now()
            report.report_path = f"{report.id}/{REPORT_NAME}"
            try:
                self.reporter.write_artifact(REPORT_NAME, report.to_dict())
            except ExternalFailure as exc:
                report.report_path = None
                self.reporter.warn(f"publish report not written: {exc}")
        return report

    # ---- lock

    def _take_lock(self, publish_id: str) -> None:
        me = LockHolder(publish_id, self.pid, self.host, self.clock.now())
        holder = self.store.lock.acquire(me)
        if holder is None:
            return
        if holder.session_id.startswith("publish-") and not self.is_alive(holder):
            self.reporter.warn(f"{holder.session_id} (pid {holder.pid}) died while publishing; taking over")
            self.store.lock.release(holder.session_id)
            holder = self.store.lock.acquire(me)
            if holder is None:
                return
        what = "a publish" if holder.session_id.startswith("publish-") else "session"
        hint = "wait for it to finish" if self.is_alive(holder) else "its process died: run `proofdesk rollback` first"
        raise SessionLocked(
            f"{what} {holder.session_id} (pid {holder.pid} on {holder.host}) holds the queue; {hint}"
        )

    # ---- publish

    def _publish_all(self, report: PublishReport) -> None:
        rows = self.approved_rows()
        self.reporter.start_stage(PUBLISH_STAGE, len(rows))
        self.reporter.info(f"publishing {len(rows)} approved row(s) to {self.uploader.description} "
                           f"and {self.gallery.description}")
        gallery_names: set[str] = set()
        try:
            if rows:
                self.gallery.ensure_table()
                gallery_names.update(self.gallery.file_names())  # kept current below: only we write it
                for folder in dict.fromkeys((self.options.full_dir, self.options.thumb_dir)):
                    report.stale_temp_removed.extend(
                        posixpath.join(folder, name) for name in self.uploader.remove_stale_temp(folder)
                    )
        except ServiceUnavailable as exc:
            report.blocking_error = str(exc)
            report.results.extend(
                RowResult(row=row.key_text, file_name=row.file_name, outcome="not_attempted", error=str(exc))
                for row in rows
            )
            self.reporter.warn(f"publish stopped before any row: {exc}")
            self.reporter.end_stage(PUBLISH_STAGE, report.summary())
            return
        for index, row in enumerate(rows):
            try:
                result = self._publish_row(row, gallery_names)
            except ServiceUnavailable as exc:
                result = self._fail(row, RowResult(row=row.key_text, file_name=row.file_name), str(exc))
                report.blocking_error = str(exc)
            report.results.append(result)
            self.reporter.advance(f"{row.key_text}: {result.outcome}"
                                  + (f" (id {result.remote_id})" if result.remote_id else "")
                                  + (f": {result.error}" if result.error else ""))
            if report.blocking_error is not None:
                report.results.extend(
                    RowResult(row=rest.key_text, file_name=rest.file_name, outcome="not_attempted",
                              error="publish stopped: " + report.blocking_error)
                    for rest in rows[index + 1:]
                )
                self.reporter.warn(f"publish stopped: {report.blocking_error}")
                break
        if report.blocking_error is None and self.options.clean_model_files:
            report.model_files_removed = self._clean_model_files()
        self.reporter.end_stage(PUBLISH_STAGE, report.summary())

    def _publish_row(self, listed: Row, gallery_names: set[str]) -> RowResult:
        result = RowResult(row=listed.key_text, file_name=listed.file_name, republish=listed.remote_id is not None)
        row = self._reread(listed)
        if row is None or row.status != RowStatus.APPROVED:
            # changed since the run listed it (rejected, edited, removed): nothing to send back
            status = "removed from the queue" if row is None else row.status.value
            return result.refuse([ProofReason(rule=NOT_APPROVED_RULE, field="status",
                                              message=f"it is no longer approved ({status})")])
        result.file_name = row.file_name
        if not row.file_name:
            return self._refuse(row, result, no_file_name())
        full_path, thumb_path = remote_paths(row, self.options)
        result.full_path, result.thumb_path = full_path, thumb_path
        # renamed since it was published, or a replaced picture under a new name: its files under
        # the old name are taken down and its gallery row moves to the new name (same id)
        held = queue.held_file_name(row)
        moving_from = held if held is not None and held != row.file_name else None
        result.moved_from = moving_from
        try:
            record = self.gallery.lookup(row.file_name)
            conflict = gallery_conflict(row, record)
            if conflict:
                return self._refuse(row, result, conflict)
            # proven again before the first byte of it is written anywhere
            refusal, proven = self.reprove(row, record, gallery_names)
            if refusal:
                return self._send_back(row, proven, result, refusal)
            full, thumbnail = self._build_files(row)
            self.uploader.put(full_path, full)
            self.uploader.put(thumb_path, thumbnail)
            if self.options.sidecars:  # beside the published image, named like it (sidecars.naming)
                sidecar = self.writer.sidecar(None, published_metadata(row, xmp=self.options.xmp, private=self.options.private_places))
                for name in sidecar_names(full_path, self.options.xmp.naming):
                    self.uploader.put(name, sidecar)
            failpoint("publish.after_upload")
            entry = gallery_entry(row, self.options, size=jpeg_size(full))
            moved = self.gallery.move(row.remote_id, entry) if moving_from and row.remote_id else None
            remote_id = moved if moved is not None else self.gallery.upsert(entry)
            gallery_names.add(row.file_name)
            failpoint("publish.after_upsert")
            if moving_from is not None:
                gallery_names.discard(moving_from)
                take_down_files(self.uploader, self.options, moving_from)
                failpoint("publish.after_takedown")
        except ServiceUnavailable:
            raise  # the caller records it on this row and stops
        except (PublishFailure, ImageDecodeError, OSError) as exc:
            return self._fail(row, result, _describe(exc))
        with self.store.unit_of_work() as uow:
            current = uow.rows.get(*row.key)
            if current is None or current.status != RowStatus.APPROVED or current.sha256 != row.sha256 \
                    or current.metadata_digest() != row.metadata_digest() or not current.has_current_accepted_proof():
                # Changed while we uploaded: the gallery holds what was approved; the row's new
                # state stands and a later approval republishes the same File_Name.
                result.outcome = "failed"
                result.error = "the row changed while it was being published; approve it again to republish"
                result.remote_id = remote_id
                if current is not None:  # it holds what was written, so nothing is left without an owner
                    uow.rows.update(queue.now_holds(current, row.file_name, row.sha256, remote_id))
                    uow.commit()
                return result
            if current.remote_id != remote_id:  # its gallery row had gone: a new one was made
                current = current.changed(remote_id=remote_id)
            uow.rows.update(queue.mark_published(current, remote_id))
            uow.commit()
        result.outcome = "published"
        result.remote_id = remote_id
        return result

    def _reread(self, row: Row) -> Row | None:
        with self.store.unit_of_work() as uow:
            return uow.rows.get(*row.key)

    def reprove(self, row: Row, record: GalleryRecord | None, gallery_names: Collection[str]) -> tuple[list[ProofReason], Row]:
        """The row proven again and why it may not be published ([] when it may). The gallery's
        entry under its File_Name, when there is one, is its own (`conflict_reason` said so)."""
        own = {row.file_name} if record is not None else set()
        held = queue.held_file_name(row)
        if held is not None:
            own.add(held)  # the row's own published name, when it is being renamed
        proven = self.prover(row, gallery_names=sorted(set(gallery_names) - own))
        return queue.publish_refusal(row, proven), proven

    def _build_files(self, row: Row) -> tuple[bytes, bytes]:
        if not row.incoming_path:
            raise UploadError(f"{row.key_text}: the row has no incoming copy of its original")
        try:
            original = self.files.read_path(row.incoming_path)
        except FileNotFoundError:
            raise UploadError(f"{row.key_text}: its incoming copy {row.incoming_path} is missing; "
                              "run the set again to restore it") from None
        if hashlib.sha256(original).hexdigest() != row.sha256:
            raise UploadError(f"{row.key_text}: its incoming copy {row.incoming_path} does not match the "
                              "approved image (sha256 differs); run the set again")
        # a camera RAW becomes its preview or a development (publish.raw_render, publish.max_edge)
        jpeg = original if is_jpeg(original) else self.processor.publish_jpeg(
            original, self.options.jpeg_quality, self.options.raw_render, self.options.max_edge
        )
        full = self.writer.embed(jpeg, published_metadata(row, keep_gps=self.options.keep_gps, xmp=self.options.xmp,
                                                    private=self.options.private_places),
                                 source=None if jpeg is original else original)
        thumbnail = self.processor.thumbnail(original, self.options.thumbnail_size, self.options.thumbnail_quality)
        return full, thumbnail

    def _fail(self, row: Row, result: RowResult, error: str) -> RowResult:
        result.outcome = "failed"
        result.error = error
        with self.store.unit_of_work() as uow:
            current = uow.rows.get(*row.key)
            if current is not None and current.status == RowStatus.APPROVED:
                uow.rows.update(queue.record_publish_error(current, error))
                uow.commit()
        return result

    def _refuse(self, row: Row, result: RowResult, reason: ProofReason) -> RowResult:
        """Refused for a reason the proof does not know (the gallery holds the name for another
        image, no file name): back to review with that reason blocking it."""
        result.refuse([reason])
        with self.store.unit_of_work() as uow:
            current = uow.rows.get(*row.key)
            if current is not None and current.status == RowStatus.APPROVED:
                uow.rows.update(queue.refuse_publish(current, reason))
                uow.commit()
        return result

    def _send_back(self, row: Row, proven: Row, result: RowResult, reasons: list[ProofReason]) -> RowResult:
        """Refused by its fresh proof: back to review carrying that proof (a person fixes the text,
        or approves the text the proof changed)."""
        result.refuse(reasons)
        with self.store.unit_of_work() as uow:
            current = uow.rows.get(*row.key)
            if current is not None and current.status == RowStatus.APPROVED \
                    and current.metadata_digest() == row.metadata_digest():
                uow.rows.update(queue.send_back(current, proven, result.error or ""))
                uow.commit()
        return result

    def _clean_model_files(self) -> list[str]:
        """Model-ready files are only needed for Generate; published rows give theirs up."""
        removed = []
        with self.store.unit_of_work() as uow:
            for row in uow.rows.list(status=RowStatus.PUBLISHED):
                if not row.ollama_path:
                    continue
                if self.files.remove_path(row.ollama_path):
                    removed.append(row.ollama_path)
                uow.rows.update(row.changed(ollama_path=None))
            uow.commit()
        return removed


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and not isinstance(exc, ExternalFailure):
        return f"{exc.__class__.__name__}: {exc.strerror or exc}"
    return str(exc)


def publish_approved(publisher: Publisher, *, dry_run: bool = False) -> PublishReport:
    """Publish every approved row (the review desk's publish key and `proofdesk publish` call this).

    Build the publisher with `container.publisher(reporter=...)`. Returns the report; rows that
    failed stay approved with `publish_error` set, refused rows (their proof blocks them now, or
    the gallery holds their name for another image) are back in review, with nothing of them
    written, and are listed with their reasons (`report.refusals`).
    """
    return publisher.publish(dry_run=dry_run)



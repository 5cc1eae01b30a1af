"""Publishing approved rows: the ports (`Uploader`, `Gallery`, `MetadataWriter`) and the use case.

Only approved rows ever leave the machine. For each one (DESIGN.md "Queue state machine"):

1. the gallery is asked who owns the row's `File_Name`; a name held by another image (another
   sha256, not this row's remote id) is never overwritten: the row is refused and goes back to
   review with a blocked proof reason, so a new file name must be chosen;
2. the published full image is built from the approved original (`incoming_path`, re-encoded to
   JPEG only when it is not one) with the approved metadata embedded in the copy, never in the
   original; the thumbnail is a JPEG from the `ImageProcessor`;
3. full image and thumbnail are uploaded (temp name, then rename) -> failpoint
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
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from proofdesk.core import queue
from proofdesk.core.errors import ExternalFailure, SessionLocked
from proofdesk.core.failpoints import failpoint
from proofdesk.core.models import ProofReason, Row, RowStatus
from proofdesk.core.ports import Clock, FileStore, LockHolder, QueueStore, Reporter
from proofdesk.core.scoring import ImageDecodeError, ImageProcessor

PUBLISH_STAGE = "publish"
REPORT_NAME = "publish_report.json"
# Upload temp files start with this prefix (a dot: hidden from ordinary listings); a sweep at the
# start of each publish removes any an interrupted upload left behind.
TEMP_PREFIX = ".proofdesk-part-"
GALLERY_CONFLICT_RULE = "file_name.gallery_conflict"
# "decode at full size": the processor never upscales, so any edge beyond the image's is its own.
_FULL_SIZE = 1 << 30
_JPEG_MAGIC = b"\xff\xd8\xff"


# ---------------------------------------------------------------- errors


class PublishFailure(ExternalFailure):
    """One row could not be published; it stays approved with the error recorded (exit 4)."""


class UploadError(PublishFailure):
    """The uploader refused or lost a file (bad path, permission, size mismatch)."""


class GalleryError(PublishFailure):
    """The gallery database refused a statement for one row."""


class ServiceUnavailable(PublishFailure):
    """The FTP server or gallery database cannot be reached after retries: publishing stops."""


# ---------------------------------------------------------------- ports


def split_remote_path(remote_path: str) -> list[str]:
    """The parts of a "/"-separated remote path; refuses `..`, `.`, empty or control-character parts."""
    parts = [part for part in remote_path.strip("/").split("/")]
    if not remote_path.strip("/") or any(
        part in ("", ".", "..") or not part.isprintable() or "\\" in part for part in parts
    ):
        raise UploadError(f"unsafe remote path {remote_path!r}: no '..', '.', empty or control-character parts")
    return parts


def temp_name_for(remote_path: str) -> str:
    """The temp path an upload to `remote_path` is written under before its rename."""
    folder, name = posixpath.split(remote_path)
    return posixpath.join(folder, f"{TEMP_PREFIX}{secrets.token_hex(4)}-{name}")


class Uploader(ABC):
    """Where published files go (an FTP server, a local folder). Paths are "/"-separated.

    `put` is atomic: the bytes go to a temp name in the same folder, the size is verified, then
    the temp file is renamed over the final name (missing folders are created first). A reader
    never sees a partial file under the final name, and a failed put leaves no temp file behind
    where it can help it. Refused paths and permission errors raise UploadError; a server that
    cannot be reached (after the adapter's retries) raises ServiceUnavailable.
    """

    @abstractmethod
    def put(self, remote_path: str, data: bytes) -> int:
        """Store `data` at `remote_path` (replacing a file there); returns the verified size."""

    @abstractmethod
    def remove(self, remote_path: str) -> bool:
        """Delete the file; False if it was not there."""

    @abstractmethod
    def size(self, remote_path: str) -> int | None:
        """Size of the file in bytes, None if there is none."""

    def exists(self, remote_path: str) -> bool:
        return self.size(remote_path) is not None

    @abstractmethod
    def list_dir(self, remote_dir: str) -> list[str]:
        """Names of the plain files in the folder (temp files included), sorted; [] if it is missing."""

    def remove_stale_temp(self, remote_dir: str) -> list[str]:
        """Delete temp files an interrupted upload left in the folder; returns their names."""
        removed = []
        for name in self.list_dir(remote_dir):
            if name.startswith(TEMP_PREFIX) and self.remove(posixpath.join(remote_dir, name)):
                removed.append(name)
        return removed

    @property
    def description(self) -> str:
        return type(self).__name__

    def close(self) -> None:  # noqa: B027 - optional hook
        """Close connections; the default holds none."""


class GalleryEntry(BaseModel):
    """One published photo as the gallery stores it (the adapter maps fields to columns)."""

    model_config = ConfigDict(frozen=True)

    file_name: str
    sha256: str
    title: str | None = None
    caption: str | None = None
    alt_text: str | None = None
    keywords: list[str] = Field(default_factory=list)
    set_name: str | None = None
    width: int | None = None
    height: int | None = None
    captured_at: str | None = None  # ISO 8601 wall time as DateTimeOriginal records it
    camera: str | None = None
    lens: str | None = None
    image_url: str | None = None
    thumb_url: str | None = None
    brisque_score: float | None = None
    aesthetic_score: float | None = None


class GalleryRecord(BaseModel):
    """A gallery row as read back: its remote id and its entry."""

    model_config = ConfigDict(frozen=True)

    remote_id: str
    entry: GalleryEntry

    @property
    def file_name(self) -> str:
        return self.entry.file_name

    @property
    def sha256(self) -> str:
        return self.entry.sha256


class Gallery(ABC):
    """The published gallery's table, keyed on `File_Name`.

    Reads (`lookup`, `file_names`) never create anything: before `ensure_table` they find nothing.
    Statement errors for one entry raise GalleryError; an unreachable database (after retries)
    raises ServiceUnavailable.
    """

    @abstractmethod
    def ensure_table(self) -> None:
        """Create the table (and its unique key on File_Name) if it is missing."""

    @abstractmethod
    def upsert(self, entry: GalleryEntry) -> str:
        """Insert the entry or update the row with the same File_Name; returns the row's id
        (the same id on every upsert of the same File_Name)."""

    @abstractmethod
    def lookup(self, file_name: str) -> GalleryRecord | None:
        """The row holding `file_name`, with the sha256 of the image it holds; None if none."""

    @abstractmethod
    def file_names(self) -> list[str]:
        """Every File_Name in the gallery, sorted ([] when the table does not exist yet)."""

    @property
    def description(self) -> str:
        return type(self).__name__

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; the default holds none."""


class PublishedMetadata(BaseModel):
    """The approved metadata embedded into the published copy."""

    model_config = ConfigDict(frozen=True)

    title: str
    caption: str
    alt_text: str
    keywords: list[str] = Field(default_factory=list)


class MetadataWriter(ABC):
    """Embeds approved metadata into a copy of a JPEG (IPTC + XMP); the input bytes are not changed."""

    @abstractmethod
    def embed(self, jpeg: bytes, metadata: PublishedMetadata) -> bytes:
        """The JPEG with `metadata` written; raises PublishFailure when the bytes cannot be written."""


# ---------------------------------------------------------------- options and report


class PublishOptions(BaseModel):
    """What the use case needs from the settings."""

    model_config = ConfigDict(frozen=True)

    full_dir: str = "/gallery"
    thumb_dir: str = "/gallery/thumbs"
    image_base_url: str = ""  # "" -> the remote path is stored as the URL
    thumb_base_url: str = ""
    thumbnail_size: int = Field(default=400, ge=16, le=4096)
    thumbnail_quality: int = Field(default=90, ge=1, le=100)
    jpeg_quality: int = Field(default=92, ge=1, le=100)  # full images re-encoded from non-JPEG originals
    clean_model_files: bool = True


class RowResult(BaseModel):
    """What happened to one approved row."""

    row: str  # "<set>/<original name>"
    file_name: str | None
    outcome: str = "failed"  # published | failed | refused | not_attempted | would_publish | would_refuse
    remote_id: str | None = None
    full_path: str | None = None
    thumb_path: str | None = None
    republish: bool = False
    error: str | None = None


class PublishReport(BaseModel):
    """The result of one publish (also written as `runs/publish-<timestamp>/publish_report.json`)."""

    id: str
    dry_run: bool = False
    started_at: datetime
    finished_at: datetime | None = None
    uploader: str = ""
    gallery: str = ""
    results: list[RowResult] = Field(default_factory=list)
    blocking_error: str | None = None
    stale_temp_removed: list[str] = Field(default_factory=list)
    model_files_removed: list[str] = Field(default_factory=list)
    report_path: str | None = None

    def _count(self, outcome: str) -> int:
        return sum(1 for result in self.results if result.outcome == outcome)

    @property
    def published(self) -> int:
        return self._count("published")

    @property
    def failed(self) -> int:
        return self._count("failed") + self._count("not_attempted")

    @property
    def refused(self) -> int:
        return self._count("refused")

    @property
    def ok(self) -> bool:
        """True when every approved row was published (or would be, in a dry run)."""
        return self.blocking_error is None and self.failed == 0 and self.refused == 0 and self._count("would_refuse") == 0

    def summary(self) -> str:
        if self.dry_run:
            return (f"dry run: {self._count('would_publish')} row(s) would be published, "
                    f"{self._count('would_refuse')} refused")
        text = f"{self.published} published, {self.failed} failed, {self.refused} refused"
        if self.blocking_error:
            text += f"; stopped: {self.blocking_error}"
        return text

    def render(self, limit: int = 10) -> str:
        """A short paragraph for people: the summary, then each row that did not publish."""
        lines = [self.summary()]
        trouble = [r for r in self.results if r.outcome not in ("published", "would_publish")]
        for result in trouble[:limit]:
            lines.append(f"  {result.outcome}: {result.row}" + (f": {result.error}" if result.error else ""))
        if len(trouble) > limit:
            lines.append(f"  … and {len(trouble) - limit} more (see the publish report)")
        if self.report_path:
            lines.append(f"report: runs/{self.report_path}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        data.update(published=self.published, failed=self.failed, refused=self.refused, ok=self.ok)
        return data


# ---------------------------------------------------------------- pure helpers


def is_jpeg(data: bytes) -> bool:
    return data.startswith(_JPEG_MAGIC)


def published_title(row: Row) -> str:
    """A short human title from the approved file name: "arezzo-bell-tower.jpg" -> "Arezzo bell tower"
    (IPTC Object Name allows 64 bytes)."""
    name = row.file_name or row.original_name
    stem = name.rsplit(".", 1)[0] if "." in name else name
    words = " ".join(stem.replace("_", " ").replace("-", " ").split())
    title = (words[:1].upper() + words[1:]) if words else stem
    return title.encode("utf-8")[:64].decode("utf-8", "ignore").strip()


def published_metadata(row: Row) -> PublishedMetadata:
    return PublishedMetadata(
        title=published_title(row),
        caption=row.caption or "",
        alt_text=row.alt_text or "",
        keywords=list(row.keywords),
    )


def _camera(row: Row) -> str | None:
    make, model = (row.camera_make or "").strip(), (row.camera_model or "").strip()
    if make and model.lower().startswith(make.lower().split()[0]):
        return model
    return " ".join(part for part in (make, model) if part) or None


def _url(base: str, name: str, fallback: str) -> str:
    return f"{base.rstrip('/')}/{name}" if base else fallback


def remote_paths(row: Row, options: PublishOptions) -> tuple[str, str]:
    """Where the row's full image and thumbnail go (fixed by its file name: reruns overwrite)."""
    assert row.file_name
    return (posixpath.join(options.full_dir or "/", row.file_name),
            posixpath.join(options.thumb_dir or "/", row.file_name))


def gallery_entry(row: Row, options: PublishOptions) -> GalleryEntry:
    full_path, thumb_path = remote_paths(row, options)
    assert row.file_name
    thumb_base = options.thumb_base_url or (
        f"{options.image_base_url.rstrip('/')}/thumbs" if options.image_base_url else ""
    )
    return GalleryEntry(
        file_name=row.file_name,
        sha256=row.sha256,
        title=published_title(row),
        caption=row.caption,
        alt_text=row.alt_text,
        keywords=list(row.keywords),
        set_name=row.set_name,
        width=row.width,
        height=row.height,
        captured_at=row.captured_at,
        camera=_camera(row),
        lens=row.lens,
        image_url=_url(options.image_base_url, row.file_name, full_path),
        thumb_url=_url(thumb_base, row.file_name, thumb_path),
        brisque_score=row.brisque_score,
        aesthetic_score=row.clip_aesthetic_score,
    )


def conflict_reason(row: Row, record: GalleryRecord | None) -> str | None:
    """Why the gallery's row under this File_Name belongs to another image (None: it is ours or free)."""
    if record is None or record.sha256 == row.sha256:
        return None
    if row.remote_id is not None and record.remote_id == row.remote_id:
        return None  # our own entry; the photo behind the row changed and is republished
    return (
        f"the gallery already holds File_Name {row.file_name!r} for another image "
        f"(gallery id {record.remote_id}, sha256 {record.sha256[:12]}…); choose a new file name"
    )


# ---------------------------------------------------------------- the use case


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
            self._plan(report)
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

    # ---- dry run

    def _plan(self, report: PublishReport) -> None:
        for row in self.approved_rows():
            if not row.file_name:
                report.results.append(RowResult(row=row.key_text, file_name=None, outcome="would_refuse",
                                                error="the row has no file name"))
                continue
            full_path, thumb_path = remote_paths(row, self.options)
            reason = None
            if report.blocking_error is None:  # once the gallery is unreachable, stop asking it
                try:
                    reason = conflict_reason(row, self.gallery.lookup(row.file_name))
                except PublishFailure as exc:
                    report.blocking_error = f"gallery not readable, name conflicts not checked: {exc}"
            report.results.append(RowResult(
                row=row.key_text, file_name=row.file_name, full_path=full_path, thumb_path=thumb_path,
                outcome="would_refuse" if reason else "would_publish", error=reason,
                republish=row.remote_id is not None,
            ))

    # ---- publish

    def _publish_all(self, report: PublishReport) -> None:
        rows = self.approved_rows()
        self.reporter.start_stage(PUBLISH_STAGE, len(rows))
        self.reporter.info(f"publishing {len(rows)} approved row(s) to {self.uploader.description} "
                           f"and {self.gallery.description}")
        try:
            if rows:
                self.gallery.ensure_table()
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
                result = self._publish_row(row)
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

    def _publish_row(self, row: Row) -> RowResult:
        result = RowResult(row=row.key_text, file_name=row.file_name, republish=row.remote_id is not None)
        if not row.file_name:
            return self._refuse(row, result, "the row has no file name; set one in review")
        full_path, thumb_path = remote_paths(row, self.options)
        result.full_path, result.thumb_path = full_path, thumb_path
        try:
            reason = conflict_reason(row, self.gallery.lookup(row.file_name))
            if reason:
                return self._refuse(row, result, reason)
            full, thumbnail = self._build_files(row)
            self.uploader.put(full_path, full)
            self.uploader.put(thumb_path, thumbnail)
            failpoint("publish.after_upload")
            remote_id = self.gallery.upsert(gallery_entry(row, self.options))
            failpoint("publish.after_upsert")
        except ServiceUnavailable:
            raise  # the caller records it on this row and stops
        except (PublishFailure, ImageDecodeError, OSError) as exc:
            return self._fail(row, result, _describe(exc))
        with self.store.unit_of_work() as uow:
            current = uow.rows.get(*row.key)
            if current is None or current.status != RowStatus.APPROVED or current.sha256 != row.sha256 \
                    or current.metadata_digest() != row.metadata_digest():
                # Changed while we uploaded: the gallery holds what was approved; the row's new
                # state stands and a later approval republishes the same File_Name.
                result.outcome = "failed"
                result.error = "the row changed while it was being published; approve it again to republish"
                result.remote_id = remote_id
                return result
            uow.rows.update(queue.mark_published(current, remote_id))
            uow.commit()
        result.outcome = "published"
        result.remote_id = remote_id
        return result

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
        jpeg = original if is_jpeg(original) else self.processor.encode_jpeg(
            self.processor.decode(original, _FULL_SIZE), self.options.jpeg_quality
        )
        full = self.writer.embed(jpeg, published_metadata(row))
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

    def _refuse(self, row: Row, result: RowResult, reason: str) -> RowResult:
        result.outcome = "refused"
        result.error = reason
        with self.store.unit_of_work() as uow:
            current = uow.rows.get(*row.key)
            if current is not None and current.status == RowStatus.APPROVED:
                uow.rows.update(queue.refuse_publish(
                    current, ProofReason(rule=GALLERY_CONFLICT_RULE, field="file_name", message=reason)
                ))
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
                uow.rows.update(row.model_copy(update={"ollama_path": None}))
            uow.commit()
        return removed


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and not isinstance(exc, ExternalFailure):
        return f"{exc.__class__.__name__}: {exc.strerror or exc}"
    return str(exc)


def publish_approved(publisher: Publisher, *, dry_run: bool = False) -> PublishReport:
    """Publish every approved row (the review desk's publish key and `proofdesk publish` call this).

    Build the publisher with `container.publisher(reporter=...)`. Returns the report; rows that
    failed stay approved with `publish_error` set, refused rows are back in review.
    """
    return publisher.publish(dry_run=dry_run)


__all__ = [
    "GALLERY_CONFLICT_RULE",
    "Gallery",
    "GalleryEntry",
    "GalleryError",
    "GalleryRecord",
    "MetadataWriter",
    "PublishFailure",
    "PublishOptions",
    "PublishReport",
    "PublishedMetadata",
    "Publisher",
    "RowResult",
    "ServiceUnavailable",
    "TEMP_PREFIX",
    "UploadError",
    "Uploader",
    "conflict_reason",
    "gallery_entry",
    "is_jpeg",
    "publish_approved",
    "published_metadata",
    "published_title",
    "remote_paths",
    "split_remote_path",
    "temp_name_for",
]

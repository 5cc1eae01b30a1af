"""What publishing means for a row: the gallery entry, the embedded metadata, the remote names, the report."""

from __future__ import annotations

import posixpath
from datetime import datetime
from typing import Any

from proofdesk.core.domain.models import ProofReason, Row
from proofdesk.core.domain.private_places import PrivatePlace, names_private_place, private_place_at
from proofdesk.core.domain.raw import RawRender
from proofdesk.core.domain.xmp import XmpMetadata, XmpOptions, xmp_metadata
from pydantic import BaseModel, ConfigDict, Field

GALLERY_CONFLICT_RULE = "file_name.gallery_conflict"
FILE_NAME_MISSING_RULE = "file_name.missing"
NOT_APPROVED_RULE = "publish.not_approved"
# refusals whose message says it all (the wording people and scripts already know)
_PLAIN_RULES = (GALLERY_CONFLICT_RULE, FILE_NAME_MISSING_RULE, NOT_APPROVED_RULE)


_JPEG_MAGIC = b"\xff\xd8\xff"


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


class PublishedMetadata(XmpMetadata):
    """The approved metadata embedded into the published copy (the sidecar's fields, and more;
    `keep_gps` False, the default: the copy loses its position, as galleries and stock sites expect)."""


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
    keep_gps: bool = False  # keep the GPS position in the published copy's metadata
    # `places.private`: a photo inside one is published without position and without their names
    private_places: list[PrivatePlace] = Field(default_factory=list)
    sidecars: bool = False  # upload an XMP sidecar beside each published image
    raw_render: RawRender = "preview"  # a RAW original's published JPEG: its preview, or a development
    max_edge: int | None = Field(default=None, ge=16)  # that JPEG's long edge; None: the RAW's full size
    xmp: XmpOptions = Field(default_factory=XmpOptions)


class RowResult(BaseModel):
    """What happened to one approved row."""

    row: str  # "<set>/<original name>"
    file_name: str | None
    outcome: str = "failed"  # published | failed | refused | not_attempted | would_publish | would_refuse
    remote_id: str | None = None
    full_path: str | None = None
    thumb_path: str | None = None
    republish: bool = False
    # a renamed row (or a replaced picture under a new name): the File_Name whose files were taken
    # down and whose gallery row was moved to the new name (same id)
    moved_from: str | None = None
    error: str | None = None
    # refused rows: the rules that refused them (their proof's violations, the gallery conflict)
    reasons: list[ProofReason] = Field(default_factory=list)

    def refuse(self, reasons: list[ProofReason], outcome: str = "refused") -> RowResult:
        """Not published (in a dry run: would not be) for `reasons`; `error` says why on one line."""
        self.outcome = outcome
        self.reasons = list(reasons)
        changes_text = bool(reasons) and all(reason.is_fix for reason in reasons)
        self.error = ("its proof would change the approved text; approve the new text: " if changes_text else "") \
            + "; ".join(reason.message if reason.rule in _PLAIN_RULES else f"{reason.rule}: {reason.message}"
                        for reason in reasons)
        return self


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
        """Rows sent back to review (in a dry run: that would be); they never reach the gallery."""
        return self._count("refused") + self._count("would_refuse")

    @property
    def refusals(self) -> list[RowResult]:
        return [result for result in self.results if result.outcome in ("refused", "would_refuse")]

    @property
    def ok(self) -> bool:
        """True when every approved row was published (or would be, in a dry run)."""
        return self.blocking_error is None and self.failed == 0 and self.refused == 0

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
        data.update(published=self.published, failed=self.failed, refused=self.refused, ok=self.ok,
                    refusals=[{"row": r.row, "file_name": r.file_name, "error": r.error,
                               "reasons": [reason.model_dump(mode="json") for reason in r.reasons]}
                              for r in self.refusals])
        return data


def is_jpeg(data: bytes) -> bool:
    return data.startswith(_JPEG_MAGIC)


# Start-of-frame markers (baseline, extended, progressive, lossless, arithmetic); not DHT, JPG, DAC
_SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a JPEG from its start-of-frame header: the pixel size viewers show (a copy
    proofdesk publishes is upright, so no orientation applies); None when no frame header is found."""
    if not is_jpeg(data):
        return None
    position = 2
    while position + 9 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:
            position += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            position += 2
            continue
        length = int.from_bytes(data[position + 2:position + 4], "big")
        if marker in _SOF_MARKERS:
            height = int.from_bytes(data[position + 5:position + 7], "big")
            width = int.from_bytes(data[position + 7:position + 9], "big")
            return (width, height) if width and height else None
        if marker in (0xDA, 0xD9) or length < 2:
            return None
        position += 2 + length
    return None


def published_title(row: Row) -> str:
    """A short human title from the approved file name: "arezzo-bell-tower.jpg" -> "Arezzo bell tower"
    (IPTC Object Name allows 64 bytes)."""
    name = row.file_name or row.original_name
    stem = name.rsplit(".", 1)[0] if "." in name else name
    words = " ".join(stem.replace("_", " ").replace("-", " ").split())
    title = (words[:1].upper() + words[1:]) if words else stem
    return title.encode("utf-8")[:64].decode("utf-8", "ignore").strip()


def published_metadata(row: Row, keep_gps: bool = False, xmp: XmpOptions | None = None,
                       private: list[PrivatePlace] | None = None) -> PublishedMetadata:
    """The metadata of the row's published copy. A row inside one of the `private` places
    (`places.private`) is published without any position (even with `keep_gps`) and without the
    file's own keywords that name the place."""
    fields = xmp_metadata(row, published_title(row), xmp or XmpOptions())
    inside = private_place_at(private or (), row.gps_latitude, row.gps_longitude)
    if inside is None:
        return PublishedMetadata(**{**fields.model_dump(), "keep_gps": keep_gps})
    keywords = [keyword for keyword in fields.keywords if not names_private_place(keyword, inside.label)]
    return PublishedMetadata(**{**fields.model_dump(), "keep_gps": False, "keywords": keywords,
                                "keep_existing_keywords": False, "city": None, "state": None, "country": None})


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


def gallery_entry(row: Row, options: PublishOptions, size: tuple[int, int] | None = None) -> GalleryEntry:
    """The gallery row of a published copy; `size`: the copy's pixel size (what the gallery shows),
    else the original's upright size."""
    full_path, thumb_path = remote_paths(row, options)
    if size is None and row.width and row.height:
        size = (row.height, row.width) if row.orientation in (5, 6, 7, 8) else (row.width, row.height)
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
        width=size[0] if size else None,
        height=size[1] if size else None,
        captured_at=row.captured_at,
        camera=_camera(row),
        lens=row.lens,
        image_url=_url(options.image_base_url, row.file_name, full_path),
        thumb_url=_url(thumb_base, row.file_name, thumb_path),
        # A fallback value is a formula over pixel statistics, not a model's score: the gallery
        # gets NULL rather than a number it would show as a quality or aesthetic score.
        brisque_score=None if row.brisque_fallback else row.brisque_score,
        aesthetic_score=None if row.clip_aesthetic_fallback else row.clip_aesthetic_score,
    )


def no_file_name() -> ProofReason:
    return ProofReason(rule=FILE_NAME_MISSING_RULE, field="file_name",
                       message="the row has no file name; set one in review")


def gallery_conflict(row: Row, record: GalleryRecord | None) -> ProofReason | None:
    """`conflict_reason` as the reason that refuses the row and blocks it until its name changes."""
    reason = conflict_reason(row, record)
    return ProofReason(rule=GALLERY_CONFLICT_RULE, field="file_name", message=reason) if reason else None


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


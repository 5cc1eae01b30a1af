"""The gallery's lifecycle, pure: what a row holds in the published target and the gallery, how
that moves (a rename, a replaced picture) and is let go (`unpublish`), which remote files belong
to a File_Name, the `publish --verify` comparison and the redirect map of renamed photos.

A row holds a publication from its first publish until `unpublish` takes it down:
`published_file_name` (the File_Name its image, thumbnail, sidecars and gallery row are under),
`published_sha256` (the picture there) and `remote_id` (the gallery row's id). Edits, a rename
and a replaced picture leave the holding where it is; only publishing moves it (to the row's new
name, the gallery row updated in place by id) and only `unpublish` lets it go, each after the
remote side was changed, so nothing published is ever left without the row that owns it.
"""

from __future__ import annotations

import posixpath
from datetime import datetime
from typing import Any

from proofdesk.core.domain.models import Row, RowStatus
from proofdesk.core.domain.publishing import GalleryRecord, PublishOptions, _url
from proofdesk.core.domain.xmp import sidecar_names
from pydantic import BaseModel, Field


def _changed(row: Row, **update: Any) -> Row:
    return row.changed(**update)


def now_holds(row: Row, file_name: str, sha256: str, remote_id: str) -> Row:
    """The row after publishing wrote its files and gallery row under `file_name` (the picture
    `sha256`, gallery id `remote_id`), whatever its status: a name it held before for the same
    picture becomes a former name (a redirect); a replaced picture's old name does not."""
    former = [name for name in row.former_file_names if name != file_name]
    previous = held_file_name(row)
    if previous and previous != file_name and not replaced_while_published(row) and previous not in former:
        former.append(previous)
    return _changed(row, remote_id=remote_id, published_file_name=file_name, published_sha256=sha256,
                    former_file_names=former)


def holds_publication(row: Row) -> bool:
    """The row holds files in the published target and an entry in the gallery (it was published
    and nothing took them down yet), whatever its status now."""
    return row.published_file_name is not None or row.remote_id is not None


def held_file_name(row: Row) -> str | None:
    """The File_Name the row's published files and gallery entry are under now."""
    if row.published_file_name is not None:
        return row.published_file_name
    return row.file_name if row.remote_id is not None else None


def replaced_while_published(row: Row) -> bool:
    """A different picture now has the row's name while the old one is still published: it is taken
    down when the new picture is published (or by `unpublish`)."""
    return holds_publication(row) and row.published_sha256 is not None and row.published_sha256 != row.sha256 \
        and any(entry.get("sha256") == row.published_sha256 for entry in row.history)


def renamed_while_published(row: Row) -> bool:
    """The row's file name changed after it was published: still online under the old name until
    the rename is approved and published."""
    held = held_file_name(row)
    return held is not None and row.file_name is not None and held != row.file_name


def unpublish(row: Row, reject: bool = False) -> Row:
    """Its published files and gallery entry were taken down: it holds nothing remote any more and
    goes back to review (`pending`, so the next publish does not put it back) or, with `reject`,
    to `rejected`. A row that had not finished its prefill (a replaced picture) stays `ingested`
    unless rejected. A row that holds nothing is returned unchanged."""
    if not holds_publication(row):
        return row
    if reject:
        status = RowStatus.REJECTED
    elif row.status in (RowStatus.PUBLISHED, RowStatus.APPROVED):
        status = RowStatus.PENDING
    else:
        status = row.status
    return _changed(row, status=status, remote_id=None, published_file_name=None, published_sha256=None,
                    publish_error=None)


def published_files(file_name: str, options: PublishOptions) -> list[str]:
    """Every remote file publishing puts under `file_name`: the full image, the thumbnail and the
    sidecars beside the image (under either naming, so none is missed after `sidecars.naming`
    changed). Taking a name down removes all of them."""
    full = posixpath.join(options.full_dir or "/", file_name)
    thumb = posixpath.join(options.thumb_dir or "/", file_name)
    return list(dict.fromkeys([full, thumb, *sidecar_names(full, "both")]))


class UnpublishResult(BaseModel):
    """What happened to one row named to `unpublish`."""

    row: str  # "<set>/<original name>"
    file_name: str | None = None  # the File_Name taken down
    # unpublished | not_published | failed | not_attempted | would_unpublish
    outcome: str = "failed"
    status: str | None = None  # where the row went (pending, rejected)
    files_removed: list[str] = Field(default_factory=list)
    gallery_removed: bool = False
    error: str | None = None


class UnpublishReport(BaseModel):
    """The result of one `unpublish` (also written as `runs/unpublish-<timestamp>/unpublish_report.json`)."""

    id: str
    dry_run: bool = False
    started_at: datetime
    finished_at: datetime | None = None
    uploader: str = ""
    gallery: str = ""
    results: list[UnpublishResult] = Field(default_factory=list)
    blocking_error: str | None = None

    def _count(self, *outcomes: str) -> int:
        return sum(1 for result in self.results if result.outcome in outcomes)

    @property
    def unpublished(self) -> int:
        return self._count("unpublished", "would_unpublish")

    @property
    def failed(self) -> int:
        return self._count("failed", "not_attempted")

    @property
    def ok(self) -> bool:
        return self.blocking_error is None and self.failed == 0

    def summary(self) -> str:
        if self.dry_run:
            return (f"dry run: {self._count('would_unpublish')} row(s) would be unpublished, "
                    f"{self._count('not_published')} not published")
        text = f"{self.unpublished} unpublished, {self._count('not_published')} not published, {self.failed} failed"
        if self.blocking_error:
            text += f"; stopped: {self.blocking_error}"
        return text

    def render(self) -> str:
        lines = []
        for result in self.results:
            if result.outcome in ("unpublished", "would_unpublish"):
                verb = "unpublished" if result.outcome == "unpublished" else "would unpublish"
                lines.append(f"{verb} {result.row} ({result.file_name})"
                             + (f" -> {result.status}" if result.status else ""))
            elif result.outcome == "not_published":
                lines.append(f"not published: {result.row}")
            else:
                lines.append(f"{result.outcome}: {result.row}" + (f": {result.error}" if result.error else ""))
        lines.append(self.summary())
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        data.update(unpublished=self.unpublished, failed=self.failed, ok=self.ok)
        return data


class VerifyReport(BaseModel):
    """`publish --verify`: what the published target and the gallery hold that no row owns (a
    stray), and what a row holds that is missing there."""

    stray_files: list[str] = Field(default_factory=list)
    stray_gallery: list[str] = Field(default_factory=list)  # File_Names
    missing_files: list[str] = Field(default_factory=list)
    missing_gallery: list[str] = Field(default_factory=list)
    held: int = 0  # rows holding a publication

    @property
    def ok(self) -> bool:
        return not self.stray_files and not self.stray_gallery

    def render(self) -> str:
        lines = [f"stray file: {path}" for path in self.stray_files]
        lines += [f"stray gallery File_Name: {name}" for name in self.stray_gallery]
        lines += [f"missing file: {path}" for path in self.missing_files]
        lines += [f"missing gallery File_Name: {name}" for name in self.missing_gallery]
        if self.ok:
            lines.append(f"no orphans: every published file and gallery row is owned by one of {self.held} "
                         "published row(s)")
        else:
            lines.append(f"{len(self.stray_files)} stray file(s), {len(self.stray_gallery)} stray gallery row(s): "
                         "unpublish or publish the rows they belong to, or remove them by hand")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {**self.model_dump(mode="json"), "ok": self.ok}


def find_orphans(holdings: list[tuple[str, str | None]], records: list[GalleryRecord],
                 listed: dict[str, list[str]], options: PublishOptions) -> VerifyReport:
    """Compare what rows hold (`holdings`: each holding row's File_Name and gallery id) with the
    gallery's `records` and the files `listed` per remote folder: a file or gallery row that no
    row holds, or that two rows claim, is a stray."""
    report = VerifyReport(held=len(holdings))
    owners: dict[str, int] = {}
    for file_name, _ in holdings:
        owners[file_name] = owners.get(file_name, 0) + 1
    owned_files: dict[str, int] = {}
    for file_name, count in owners.items():
        for path in published_files(file_name, options):
            owned_files[path] = owned_files.get(path, 0) + count
    for folder, names in sorted(listed.items()):
        for name in sorted(names):
            path = posixpath.join(folder or "/", name)
            if owned_files.get(path, 0) != 1:
                report.stray_files.append(path)
    ids = {file_name: remote_id for file_name, remote_id in holdings}
    in_gallery = {record.file_name: record.remote_id for record in records}
    for name, remote_id in sorted(in_gallery.items()):
        if owners.get(name, 0) != 1 or (ids.get(name) is not None and ids[name] != remote_id):
            report.stray_gallery.append(name)
    present = {posixpath.join(folder or "/", name) for folder, names in listed.items() for name in names}
    for file_name in sorted(owners):
        full = posixpath.join(options.full_dir or "/", file_name)
        thumb = posixpath.join(options.thumb_dir or "/", file_name)
        report.missing_files.extend(path for path in (full, thumb) if path not in present)
        if file_name not in in_gallery:
            report.missing_gallery.append(file_name)
    return report


REDIRECT_FORMATS = ("nginx", "apache", "csv")


def redirect_map(rows: list[Row], options: PublishOptions) -> list[tuple[str, str]]:
    """(old URL, new URL) for every name a published row had before a rename, image and thumbnail,
    so links and search rankings follow the photo to its new name. Rows that hold nothing any more
    (unpublished) have nothing to redirect to."""
    thumb_base = options.thumb_base_url or (
        f"{options.image_base_url.rstrip('/')}/thumbs" if options.image_base_url else ""
    )
    pairs: list[tuple[str, str]] = []
    for row in rows:
        current = row.published_file_name
        if not current:
            continue
        for old in row.former_file_names:
            if old == current:
                continue
            pairs.append((_url(options.image_base_url, old, posixpath.join(options.full_dir or "/", old)),
                          _url(options.image_base_url, current, posixpath.join(options.full_dir or "/", current))))
            pairs.append((_url(thumb_base, old, posixpath.join(options.thumb_dir or "/", old)),
                          _url(thumb_base, current, posixpath.join(options.thumb_dir or "/", current))))
    return pairs


def render_redirects(pairs: list[tuple[str, str]], format_name: str) -> str:
    """The map as an nginx or Apache config snippet (301, permanent: search engines move the
    ranking) or as CSV (`old_url,new_url`)."""
    from urllib.parse import urlsplit

    if format_name == "csv":
        def quoted(value: str) -> str:
            return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value
        return "\n".join(["old_url,new_url", *(f"{quoted(old)},{quoted(new)}" for old, new in pairs)])
    lines = []
    for old, new in pairs:
        path = urlsplit(old).path or old
        if format_name == "nginx":
            lines.append(f"location = {path} {{ return 301 {new}; }}")
        elif format_name == "apache":
            lines.append(f"Redirect 301 {path} {new}")
        else:
            raise ValueError(f"unknown redirect format {format_name!r}; choose one of {', '.join(REDIRECT_FORMATS)}")
    return "\n".join(lines)

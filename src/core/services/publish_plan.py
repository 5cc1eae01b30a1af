"""What `publish --dry-run` reports (the same checks as publishing, nothing written), and the
remote files of a File_Name taken down (a renamed row's old name, `unpublish`)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from proofdesk.core.domain import queue
from proofdesk.core.domain.lifecycle import published_files
from proofdesk.core.domain.models import ProofReason, Row
from proofdesk.core.domain.publishing import (
    GalleryRecord,
    PublishOptions,
    PublishReport,
    RowResult,
    gallery_conflict,
    no_file_name,
    remote_paths,
)
from proofdesk.core.ports.publishing import Gallery, PublishFailure, Uploader


class PublishChecks(Protocol):
    """What a dry run needs of the publisher (`publish.Publisher`): its options and gallery, the
    approved rows, and the proof it runs on each before writing."""

    @property
    def options(self) -> PublishOptions: ...

    @property
    def gallery(self) -> Gallery: ...

    def approved_rows(self) -> list[Row]: ...

    def reprove(self, row: Row, record: GalleryRecord | None,
                gallery_names: Collection[str]) -> tuple[list[ProofReason], Row]: ...


def take_down_files(uploader: Uploader, options: PublishOptions, file_name: str) -> list[str]:
    """Remove every file published under `file_name` (image, thumbnail, sidecars); returns the
    paths that were there. A file already gone is no error: a rerun finishes the job."""
    return [path for path in published_files(file_name, options) if uploader.remove(path)]


def plan_publish(publisher: PublishChecks, report: PublishReport) -> None:
    """What `publish` would do, row by row, with the same checks; nothing is written."""
    gallery_names: set[str] | None = None
    for row in publisher.approved_rows():
        result = RowResult(row=row.key_text, file_name=row.file_name, outcome="would_publish",
                           republish=row.remote_id is not None)
        report.results.append(result)
        if not row.file_name:
            result.refuse([no_file_name()], "would_refuse")
            continue
        result.full_path, result.thumb_path = remote_paths(row, publisher.options)
        held = queue.held_file_name(row)
        result.moved_from = held if held is not None and held != row.file_name else None
        record = None
        if report.blocking_error is None:  # once the gallery is unreachable, stop asking it
            try:
                record = publisher.gallery.lookup(row.file_name)
                if gallery_names is None:
                    gallery_names = set(publisher.gallery.file_names())
            except PublishFailure as exc:
                report.blocking_error = f"gallery not readable, name conflicts not checked: {exc}"
        conflict = gallery_conflict(row, record)
        refusal = [conflict] if conflict else publisher.reprove(row, record, gallery_names or set())[0]
        if refusal:
            result.refuse(refusal, "would_refuse")

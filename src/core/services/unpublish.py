"""Taking photos down, and checking that the published side holds nothing without an owner.

`unpublish` (for each named row that holds a publication, whatever its status):

1. every file published under the File_Name it holds is removed (image, thumbnail, sidecars)
   -> failpoint `unpublish.after_files`;
2. its gallery row is deleted (only when it is the row's own: its id, or no id recorded)
   -> failpoint `unpublish.after_gallery`;
3. only then the row lets go of it (`remote_id`, `published_file_name` cleared) and goes back to
   review (`pending`, so the next publish does not put it back) or to `rejected`.

Each step is idempotent (a file or gallery row already gone is no error), and the row keeps what
it holds until the last step, so a crash, a dropped FTP connection or a gallery error between the
steps is finished by running the same `unpublish` again: nothing is left without an owner and
nothing is removed twice. It holds the queue lock as publish does.

`verify_publication` compares the published target and the gallery with the rows that hold them:
a file or gallery row no row holds (or two rows claim) is a stray.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from proofdesk.core.domain import queue
from proofdesk.core.domain.errors import ExternalFailure
from proofdesk.core.domain.lifecycle import (
    UnpublishReport,
    UnpublishResult,
    VerifyReport,
    find_orphans,
)
from proofdesk.core.domain.models import Row
from proofdesk.core.ports.publishing import PublishFailure, ServiceUnavailable
from proofdesk.core.services.failpoints import failpoint
from proofdesk.core.services.publish import Publisher
from proofdesk.core.services.publish_plan import take_down_files
from proofdesk.core.services.status import find_row

UNPUBLISH_STAGE = "unpublish"
UNPUBLISH_REPORT_NAME = "unpublish_report.json"


@contextmanager
def _holding_lock(publisher: Publisher, holder_id: str) -> Iterator[None]:
    """The queue lock as publish takes it: unpublish writes the same remote side (a live publish or
    pipeline session is refused, exit 5; a dead publisher's lock is taken over)."""
    publisher._take_lock(holder_id)
    try:
        yield
    finally:
        publisher.store.lock.release(holder_id)


def rows_named(publisher: Publisher, names: Sequence[str], set_name: str | None = None) -> list[Row]:
    """The rows `names` stand for (original or current file name; InputError for an unknown one)."""
    with publisher.store.unit_of_work() as uow:
        rows = [find_row(uow, name, set_name) for name in names]
    return list({row.key: row for row in rows}.values())


def unpublish_rows(publisher: Publisher, names: Sequence[str], *, set_name: str | None = None,
                   reject: bool = False, dry_run: bool = False) -> UnpublishReport:
    """Take the named rows down from the target and the gallery; see the module's docstring."""
    rows = rows_named(publisher, names, set_name)
    started = publisher.clock.now()
    report = UnpublishReport(
        id="unpublish-" + started.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3),
        dry_run=dry_run, started_at=started,
        uploader=publisher.uploader.description, gallery=publisher.gallery.description,
    )
    if dry_run:
        for row in rows:
            held = queue.held_file_name(row)
            report.results.append(UnpublishResult(
                row=row.key_text, file_name=held,
                outcome="would_unpublish" if queue.holds_publication(row) else "not_published",
                status=("rejected" if reject else queue.unpublish(row).status.value) if held else None,
            ))
        report.finished_at = publisher.clock.now()
        return report
    reporter = publisher.reporter
    with _holding_lock(publisher, "publish-" + report.id):
        reporter.session_opened(report.id)
        reporter.start_stage(UNPUBLISH_STAGE, len(rows))
        for index, listed in enumerate(rows):
            try:
                result = _unpublish_row(publisher, listed, reject)
            except ServiceUnavailable as exc:
                result = UnpublishResult(row=listed.key_text, file_name=queue.held_file_name(listed), error=str(exc))
                report.blocking_error = str(exc)
            report.results.append(result)
            reporter.advance(f"{listed.key_text}: {result.outcome}" + (f": {result.error}" if result.error else ""))
            if report.blocking_error is not None:
                report.results.extend(
                    UnpublishResult(row=rest.key_text, file_name=queue.held_file_name(rest), outcome="not_attempted",
                                    error="unpublish stopped: " + report.blocking_error)
                    for rest in rows[index + 1:])
                break
        reporter.end_stage(UNPUBLISH_STAGE, report.summary())
    report.finished_at = publisher.clock.now()
    try:
        reporter.write_artifact(UNPUBLISH_REPORT_NAME, report.to_dict())
    except ExternalFailure as exc:
        reporter.warn(f"unpublish report not written: {exc}")
    return report


def _unpublish_row(publisher: Publisher, listed: Row, reject: bool) -> UnpublishResult:
    with publisher.store.unit_of_work() as uow:
        row = uow.rows.get(*listed.key)
    held = queue.held_file_name(row) if row is not None else None
    result = UnpublishResult(row=listed.key_text, file_name=held)
    if row is None or held is None:
        result.outcome = "not_published"  # nothing of it is out there: nothing changes
        return result
    try:
        result.files_removed = take_down_files(publisher.uploader, publisher.options, held)
        failpoint("unpublish.after_files")
        record = publisher.gallery.lookup(held)
        if record is not None and (row.remote_id is None or record.remote_id == row.remote_id):
            result.gallery_removed = publisher.gallery.delete(held)
        failpoint("unpublish.after_gallery")
    except ServiceUnavailable:
        raise
    except PublishFailure as exc:
        result.error = str(exc)
        return result
    with publisher.store.unit_of_work() as uow:
        current = uow.rows.get(*row.key)
        if current is not None and queue.held_file_name(current) == held:
            current = queue.unpublish(current, reject=reject)
            uow.rows.update(current)
            uow.commit()
            result.status = current.status.value
    result.outcome = "unpublished"
    return result


def verify_publication(publisher: Publisher) -> VerifyReport:
    """Every file in the published target and every gallery row against the rows that hold them."""
    with publisher.store.unit_of_work() as uow:
        holdings = [(name, row.remote_id) for row in uow.rows.list()
                    if (name := queue.held_file_name(row)) is not None]
    options = publisher.options
    listed = {folder: publisher.uploader.list_dir(folder)
              for folder in dict.fromkeys((options.full_dir or "/", options.thumb_dir or "/"))}
    return find_orphans(holdings, publisher.gallery.records(), listed, options)

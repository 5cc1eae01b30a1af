"""The review actions without any front end (no urwid): each returns what a desk shows — the row as
stored now, the proof's findings, one line to read — and a refusal is a result, not an exception."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from proofdesk.core.domain import queue
from proofdesk.core.domain.models import RowStatus
from proofdesk.core.services.review_actions import ReviewActions

from tests.support.review_rows import build_review_service

BRIDGE, TOWER, PIAZZA = (f"2008-10-22_arezzo/{name}" for name in ("DSCN0010.jpg", "DSCN0012.jpg", "DSCN0021.jpg"))


def test_approve_reject_reopen_return_the_new_row_and_a_line() -> None:
    actions = ReviewActions(build_review_service())
    approved = actions.approve(BRIDGE)
    assert not approved.error and approved.row is not None and approved.row.status == RowStatus.APPROVED
    assert approved.message == f"approve {BRIDGE}: now approved"
    rejected = actions.reject(TOWER)
    assert rejected.row is not None and rejected.row.status == RowStatus.REJECTED
    reopened = actions.reopen(TOWER)
    assert reopened.row is not None and reopened.row.status == RowStatus.PENDING


def test_a_blocked_row_is_refused_with_its_findings_and_an_edit_proves_it_again() -> None:
    actions = ReviewActions(build_review_service())
    refused = actions.approve(PIAZZA)
    assert refused.error and refused.row is None and "caption.length" in refused.message
    edited = actions.edit(PIAZZA, {"caption": "The Piazza Grande market square of Arezzo in afternoon light."})
    assert not edited.error and edited.findings == [] and edited.message == f"saved {PIAZZA}: accepted"
    short = actions.edit(PIAZZA, {"caption": "Short."})
    assert short.message == f"saved {PIAZZA}: blocked" and [r.rule for r in short.findings] == ["caption.length"]


def test_generate_then_undo_and_accept_a_suggestion() -> None:
    service = build_review_service()
    actions = ReviewActions(service)
    actions.edit(TOWER, {"caption": "The bell tower of Arezzo above the red roofs in the afternoon."})
    generated = actions.generate(TOWER)
    assert not generated.error and generated.row is not None and "caption" in generated.row.pending_suggestion
    accepted = actions.accept_suggestion(TOWER)
    assert accepted.row is not None and accepted.row.caption.startswith("A golden afternoon view")
    restored = actions.undo_suggestion(TOWER)
    assert not restored.error and restored.message == f"restored the previous suggestion of {TOWER}"
    assert actions.accept_suggestion(TOWER).error  # nothing left to accept


def test_batch_moves_the_rows_it_may_and_reports_the_others() -> None:
    actions = ReviewActions(build_review_service())
    result = actions.batch("approve", [BRIDGE, PIAZZA])
    assert result.done == (BRIDGE,) and [key for key, _ in result.refused] == [PIAZZA] and result.error
    assert actions.batch("approve", []).message == "no rows marked (space marks a row)"


def test_publish_and_unpublish_say_when_they_are_not_configured_and_report_what_they_did() -> None:
    service = build_review_service()
    assert ReviewActions(service).publish().message.startswith("publishing is not configured")
    actions = ReviewActions(service, publish_approved=lambda: "1 published", take_down=lambda key, reject: f"took {key} down")
    assert actions.publish().message == "no approved rows to publish"
    actions.approve(BRIDGE)
    assert actions.publish().message == "1 published"
    assert actions.unpublish(TOWER).message == f"{TOWER} is not published: nothing to take down"
    with service.store.unit_of_work() as uow:
        row = uow.rows.get("2008-10-22_arezzo", "DSCN0010.jpg")
        assert row is not None
        uow.rows.update(queue.mark_published(row, "5"))
        uow.commit()
    assert actions.unpublish(BRIDGE).message == f"took {BRIDGE} down"
    renamed = actions.rename(BRIDGE, "arno-old-bridge.jpg")
    assert renamed.row is not None and renamed.row.file_name == "arno-old-bridge.jpg"


def test_the_actions_run_without_the_terminal_toolkit() -> None:
    code = ("import sys; from proofdesk.core.services.review_actions import ReviewActions; "
            "from tests.support.review_rows import build_review_service; "
            f"result = ReviewActions(build_review_service()).approve({BRIDGE!r}); "
            "assert not result.error, result; print('urwid' in sys.modules)")
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert ran.stdout.strip() == "False"

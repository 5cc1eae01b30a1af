"""The urwid review desk, driven headless: render to text, send keys, check the queue."""

from __future__ import annotations

import pytest
import urwid
from proofdesk.apps.review.desk import DeskWidget, ReviewDesk
from proofdesk.apps.review.keys import BINDINGS, action_for
from proofdesk.core.domain.models import RowStatus
from proofdesk.core.services.review import ReviewService
from urwid.testing import render_text

from tests.support.review_rows import build_review_service

SIZE = (140, 40)


@pytest.fixture
def service() -> ReviewService:
    return build_review_service()


def screen(desk: ReviewDesk) -> str:
    return "\n".join(render_text(DeskWidget(desk), SIZE))


def press(desk: ReviewDesk, *keys: str) -> None:
    for key in keys:
        desk.keypress(SIZE, key)


def type_into(desk: ReviewDesk, field: str, text: str) -> None:
    edit = desk.edits[field]
    edit.set_edit_text("")
    for char in text:
        edit.keypress((80,), char)


def test_list_shows_rows_with_status_verdict_and_marker(service: ReviewService) -> None:
    desk = ReviewDesk(service)
    text = screen(desk)
    assert "filter: all (3 rows)" in text
    assert "pending   accepted" in text and "pending   blocked" in text
    assert "arno-bridge.jpg" in text and "DSCN0021.jpg" in text  # the list names each row (set/original name)
    assert "Caption: The old stone bridge" in text and "Proof: ACCEPTED" in text
    assert "captured 2008-10-22T16:28:39" in text and "GPS 43.46740, 11.88510" in text


def test_fix_a_blocked_row_live_then_approve_it(service: ReviewService) -> None:
    desk = ReviewDesk(service)
    press(desk, "down", "down")
    assert desk.current is not None and desk.current.original_name == "DSCN0021.jpg"
    assert "Proof: BLOCKED" in screen(desk) and "caption.length" in screen(desk)
    press(desk, "a")  # refused: blocked
    assert "not accepted (caption.length)" in screen(desk)
    press(desk, "tab")
    type_into(desk, "caption", "The Piazza Grande market square of Arezzo in afternoon light.")
    assert "Proof (live, unsaved): ACCEPTED" in screen(desk)
    press(desk, "f2", "tab", "a")
    row = service.get("2008-10-22_arezzo/DSCN0021.jpg")
    assert row.status == RowStatus.APPROVED and row.edited_fields == ["caption"]
    assert row.caption == "The Piazza Grande market square of Arezzo in afternoon light."


def test_reject_and_reopen_and_filters(service: ReviewService) -> None:
    desk = ReviewDesk(service)
    press(desk, "down", "r")
    assert service.get("2008-10-22_arezzo/DSCN0012.jpg").status == RowStatus.REJECTED
    press(desk, "f", "f")  # all → blocked → pending
    assert desk.filter == "pending" and "(2 rows)" in screen(desk)
    press(desk, "f", "f")  # approved → rejected
    assert desk.filter == "rejected" and "(1 rows)" in screen(desk)
    press(desk, "o")
    assert service.get("2008-10-22_arezzo/DSCN0012.jpg").status == RowStatus.PENDING


def test_mark_and_approve_marked_reports_refusals(service: ReviewService) -> None:
    desk = ReviewDesk(service)
    press(desk, " ", " ", " ", "A")
    statuses = {row.original_name: row.status for row in service.rows()}
    assert statuses == {"DSCN0010.jpg": RowStatus.APPROVED, "DSCN0012.jpg": RowStatus.APPROVED,
                        "DSCN0021.jpg": RowStatus.PENDING}
    assert "1 refused" in screen(desk)


def test_spellcheck_marks_and_add_word_to_dictionary(service: ReviewService) -> None:
    desk = ReviewDesk(service)
    press(desk, "tab")
    type_into(desk, "caption", "The old stone brigde over the river Arno in afternoon light.")
    assert "Spelling? Caption: brigde" in screen(desk)
    runs = urwid.testing.render_runs(desk.edits["caption"], (80,))
    assert ("misspelled", "brigde") in [run for line in runs for run in line]
    press(desk, "f6")
    assert service.spellchecker is not None and "brigde" in service.spellchecker.project_words()
    assert "Spelling?" not in screen(desk)


def test_generate_keeps_the_previous_suggestion_and_undo_restores_it(service: ReviewService) -> None:
    desk = ReviewDesk(service)
    before = service.get("2008-10-22_arezzo/DSCN0010.jpg")
    press(desk, "g")
    after = service.get("2008-10-22_arezzo/DSCN0010.jpg")
    assert after.caption and after.caption.startswith("A golden afternoon view")
    assert after.suggestion_history[-1]["caption"] == before.caption
    assert "generated 2008-10-22_arezzo/DSCN0010.jpg: accepted" in screen(desk)
    press(desk, "u")
    assert service.get("2008-10-22_arezzo/DSCN0010.jpg").caption == before.caption


def test_publish_without_publisher_says_so_and_with_one_shows_a_final_dialog(service: ReviewService) -> None:
    desk = ReviewDesk(service)
    press(desk, "a", "p")
    assert "publishing is not configured" in screen(desk)
    published: list[str] = []
    desk = ReviewDesk(service, publisher=lambda: published.append("x") or "1 row published")
    press(desk, "p")
    assert "Publish 1 approved row(s) now?" in screen(desk)
    press(desk, "y")
    assert published == ["x"] and "1 row published" in screen(desk)
    press(desk, "esc")  # the final confirmation only closes with OK
    assert "1 row published" in screen(desk)
    with pytest.raises(urwid.ExitMainLoop):
        press(desk, "enter")
    assert desk.closed


def test_qc_dialog_opens_first(service: ReviewService) -> None:
    desk = ReviewDesk(service, qc_summary={"rows": 3, "blocked": 1, "duplicates": [], "suspicious_metadata": [
        {"row": "2008-10-22_arezzo/DSCN0021.jpg", "message": "caption too short"}]})
    assert "QC summary" in screen(desk) and "suspicious metadata: 1" in screen(desk)
    press(desk, "enter")
    assert "QC summary" not in screen(desk)


def test_key_bindings_are_unique_per_scope() -> None:
    seen = set()
    for binding in BINDINGS:
        assert (binding.key, binding.scope) not in seen
        seen.add((binding.key, binding.scope))
    assert action_for("a", "edit") is None and action_for("a", "list") == "approve"
    assert action_for("f4", "edit") == "approve"


def test_scripted_main_loop_runs_the_desk(service: ReviewService) -> None:
    from proofdesk.apps.review.desk import run_desk
    from urwid.testing import ScriptedScreen

    desk = ReviewDesk(service)
    screen_ = ScriptedScreen(size=SIZE, inputs=[["down"], ["r"], ["q"]])
    run_desk(desk, screen=screen_)
    assert desk.closed
    assert service.get("2008-10-22_arezzo/DSCN0012.jpg").status == RowStatus.REJECTED

"""The terminal desk as a new user meets it at 80×24: names in the row list, a key that clears a
field, V opens the original (not the model's copy), and the help says where the cursor goes after a
decision. Rendered to text and driven by keys, headless."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from PIL import Image
from proofdesk.apps.review.desk import DeskWidget, ReviewDesk
from proofdesk.apps.review.keys import action_for, help_lines
from proofdesk.apps.review.view import row_line, row_name, shortened
from proofdesk.core.domain.models import Row, RowStatus
from proofdesk.core.services.review import ReviewService
from urwid.testing import render_text

from tests.support.review_rows import build_review_service

TERMINAL = (80, 24)
KEYS = ("2008-10-22_arezzo/DSCN0010.jpg", "2008-10-22_arezzo/DSCN0012.jpg", "2008-10-22_arezzo/DSCN0021.jpg")


@pytest.fixture
def service() -> ReviewService:
    return build_review_service()


def screen(desk: ReviewDesk, size: tuple[int, int] = TERMINAL) -> list[str]:
    return [line.decode() if isinstance(line, bytes) else line for line in render_text(DeskWidget(desk), size)]


def press(desk: ReviewDesk, *keys: str) -> None:
    for key in keys:
        desk.keypress(TERMINAL, key)


def list_lines(desk: ReviewDesk) -> list[str]:
    """The row list's lines: the left box's inside, between its borders, at 80×24."""
    lines = screen(desk)
    top = next(i for i, line in enumerate(lines) if "rows" in line and line.startswith("┌"))
    inside = []
    for line in lines[top + 1:]:
        if line.startswith("└"):
            break
        inside.append(line[1:line.index("│", 1)])
    return [line for line in inside if line.strip()]


def dialog_text(desk: ReviewDesk) -> str:
    """The words inside the open dialog's box at 80×24, its wrapped lines joined."""
    lines = screen(desk)
    title = next(line for line in lines if "┌" in line and "Keys" in line)
    left, right = title.index("┌"), title.index("┐")
    return " ".join(" ".join(line[left + 1:right] for line in lines[1:]).split())


# ---------------------------------------------------------------------------------------- names

def test_the_row_list_at_80x24_shows_each_rows_status_and_original_name(service: ReviewService) -> None:
    desk = ReviewDesk(service, preview=True)
    lines = list_lines(desk)
    assert len(lines) == 3
    for line, key in zip(lines, KEYS, strict=True):
        original = key.split("/")[1]
        assert "pending" in line and original in line, line
    assert lines[0].startswith(" + pending") and lines[2].startswith(" ! pending")  # accepted, blocked
    assert all(len(line) <= 34 for line in lines)


def test_long_names_are_shortened_in_the_middle_keeping_the_extension() -> None:
    short = shortened("a-very-long-file-name-of-a-wedding-2024.jpg", 16)
    assert len(short) == 16 and short.startswith("a-very-") and "…" in short and short.endswith("024.jpg")
    assert len(shortened("x" * 100, 20)) == 20 and shortened("short.jpg", 20) == "short.jpg"
    row = Row(set_name="2024-06-01_the-wedding-of-anna-and-ben", original_name="IMG_20240601_183012.jpg",
              sha256="0" * 64, status=RowStatus.PENDING, file_name="first-dance.jpg")
    assert row_name(row, 200) == "2024-06-01_the-wedding-of-anna-and-ben/IMG_20240601_183012.jpg → first-dance.jpg"
    assert row_name(row, 40).endswith("/IMG_20240601_183012.jpg") and len(row_name(row, 40)) == 40
    assert row_name(row, 18) == "IMG_20240…3012.jpg"  # no room for the set: the original name alone, shortened
    for width in (34, 40, 60, 80):
        line = row_line(row, marked=True, width=width)
        assert len(line) <= width and line.startswith("*") and "pending" in line and ".jpg" in line, (width, line)


def test_a_wide_list_keeps_the_scores_beside_the_name(service: ReviewService) -> None:
    row = service.get(KEYS[0])
    line = row_line(row, marked=False, width=120)
    assert "pending   accepted B" in line and line.endswith("2008-10-22_arezzo/DSCN0010.jpg → arno-bridge.jpg")


# ---------------------------------------------------------------------------------------- clear a field

def test_ctrl_u_clears_the_field_with_the_cursor_and_the_live_proof_follows(service: ReviewService) -> None:
    desk = ReviewDesk(service, preview=False)
    assert action_for("ctrl u", "edit") == "clear_field" and action_for("ctrl u", "list") is None
    press(desk, "tab", "down")  # into the editor, to the alt text
    press(desk, "ctrl u")
    assert desk.edits["alt_text"].edit_text == "" and desk.edits["caption"].edit_text.startswith("The old stone")
    text = "\n".join(screen(desk))
    assert "Alt text cleared" in text and "Proof (live, unsaved)" in text
    press(desk, "f2")
    assert not service.get(KEYS[0]).alt_text and service.get(KEYS[0]).edited_fields == ["alt_text"]


def test_the_help_names_the_clear_key(service: ReviewService) -> None:
    assert any(line.strip().startswith("ctrl u  clear the field") and "(in a field)" in line for line in help_lines())


# ---------------------------------------------------------------------------------------- V: the original

@pytest.fixture
def desk_with_pictures(service: ReviewService, tmp_path: Path) -> ReviewDesk:
    """The first row has a 1024-px model copy and an incoming original of a different size."""
    model_copy, original = tmp_path / "model-ready.jpg", tmp_path / "incoming-original.jpg"
    Image.new("RGB", (1024, 683), (0, 255, 0)).save(model_copy)
    Image.new("RGB", (3000, 2000), (0, 255, 0)).save(original)
    with service.store.unit_of_work() as uow:
        uow.rows.update(service.get(KEYS[0]).changed(ollama_path=str(model_copy), incoming_path=str(original)))
        uow.rows.update(service.get(KEYS[1]).changed(ollama_path=str(model_copy), incoming_path=str(tmp_path / "gone.jpg")))
        uow.commit()
    return ReviewDesk(service, preview=False)


@pytest.fixture
def opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where a stand-in viewer (PROOFDESK_VIEWER) writes the path it was asked to open."""
    opened = tmp_path / "opened.txt"
    viewer = tmp_path / "viewer.py"
    viewer.write_text(f"import sys, pathlib\npathlib.Path({str(opened)!r}).write_text(sys.argv[1])\n")
    monkeypatch.setenv("PROOFDESK_VIEWER", f"{sys.executable} {viewer}")
    return opened


def test_capital_v_opens_the_original_not_the_model_copy(desk_with_pictures: ReviewDesk, tmp_path: Path,
                                                         opened: Path) -> None:
    press(desk_with_pictures, "V")
    deadline = time.monotonic() + 10
    while not opened.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert opened.read_text() == str(tmp_path / "incoming-original.jpg")
    assert "opened the original" in "\n".join(screen(desk_with_pictures))


def test_capital_v_says_the_original_is_missing_rather_than_open_the_model_copy(
        desk_with_pictures: ReviewDesk, opened: Path) -> None:
    press(desk_with_pictures, "down", "V")  # the second row's original is gone; its model copy is there
    text = "\n".join(screen(desk_with_pictures, (160, 24)))
    assert f"the original of {KEYS[1]} is missing" in text and "gone.jpg" in text
    time.sleep(0.3)
    assert not opened.exists()


# ---------------------------------------------------------------------------------------- the cursor

def test_help_at_80x24_says_first_where_the_cursor_goes_after_a_decision(service: ReviewService) -> None:
    desk = ReviewDesk(service, preview=True)
    press(desk, "?")
    text = dialog_text(desk)  # the first screen of the help, before any scrolling
    assert "After a decision the cursor moves to the next row: a / F4 (approve), r / F5 (reject)" in text
    assert "(on the last row it stays). A refused decision (a blocked row) leaves it where it is" in text
    assert "esc close dialog" in text  # and the first keys below it
    assert "PROOFDESK_VIEWER" not in text
    press(desk, "page down", "page down")  # the help is taller than 24 rows: it scrolls
    assert "V opens the original image" in dialog_text(desk) and "PROOFDESK_VIEWER" in dialog_text(desk)
    press(desk, "esc")
    assert "Keys" not in "\n".join(screen(desk))


def test_approve_and_reject_move_to_the_next_row_and_say_so(service: ReviewService) -> None:
    desk = ReviewDesk(service, preview=True)
    press(desk, "a")
    assert service.get(KEYS[0]).status == RowStatus.APPROVED
    assert desk.current is not None and desk.current.key_text == KEYS[1]
    assert f"approve {KEYS[0]}: now approved — next row: DSCN0012.jpg" in "\n".join(screen(desk, (160, 24)))
    press(desk, "r")
    assert service.get(KEYS[1]).status == RowStatus.REJECTED and desk.current.key_text == KEYS[2]
    press(desk, "a")  # refused: the last row is blocked; the cursor stays
    assert desk.current.key_text == KEYS[2] and "next row" not in "\n".join(screen(desk, (160, 24)))
    press(desk, "r")
    assert desk.current.key_text == KEYS[2] and "last row: the cursor stays" in "\n".join(screen(desk, (160, 24)))

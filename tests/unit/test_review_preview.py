"""The desk's picture: half-block markup with 24-bit colours, sizing, the file it draws, the pane
in the desk (v toggles, follows the selection, decodes in the background), and V's viewer."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest
import urwid
from PIL import Image
from proofdesk.apps.review.desk import DeskWidget, ReviewDesk, preview_enabled
from proofdesk.apps.review.keys import help_lines
from proofdesk.apps.review.preview import (
    HALF_BLOCK,
    Pixels,
    PreviewPane,
    decode,
    fit,
    half_block_markup,
    preview_source,
    viewer_command,
)
from proofdesk.core.domain.models import Row
from proofdesk.core.services.review import ReviewService

from tests.support.review_rows import build_review_service

SIZE = (140, 40)


def red_blue(path: Path, size: tuple[int, int] = (200, 100)) -> Path:
    image = Image.new("RGB", size, (255, 0, 0))
    image.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    image.save(path)
    return path


def cells(canvas: urwid.Canvas) -> list[list[tuple[Any, str]]]:
    """(attribute, character) per cell of a rendered canvas."""
    grid = []
    for line in canvas.content():
        row: list[tuple[Any, str]] = []
        for attr, _, text in line:
            row.extend((attr, char) for char in text.decode("utf-8"))
        grid.append(row)
    return grid


def block_colours(canvas: urwid.Canvas) -> list[list[tuple[int, ...]]]:
    return [[attr.get_rgb_values()[:3] for attr, char in row if char == HALF_BLOCK] for row in cells(canvas)]


def test_markup_is_one_half_block_per_two_pixels_with_true_colours() -> None:
    top, bottom = bytes([255, 0, 0]), bytes([0, 0, 255])
    markup = half_block_markup(Pixels(3, 2, top * 3 + bottom * 3))
    assert len(markup) == 1
    spec, text = markup[0]
    assert text == HALF_BLOCK * 3  # equal cells merge into one run
    assert spec.get_rgb_values() == (255, 0, 0, 0, 0, 255) and spec.colors == 2**24


def test_odd_height_repeats_the_last_row_and_lines_are_separated() -> None:
    pixels = Pixels(1, 3, bytes([10, 20, 30]) + bytes([40, 50, 60]) + bytes([70, 80, 90]))
    markup = half_block_markup(pixels)
    assert markup[1] == "\n" and markup[2][0].get_rgb_values() == (70, 80, 90, 70, 80, 90)


@pytest.mark.parametrize(("image", "pane", "expected"), [
    ((6000, 4000), (80, 20), (60, 40)),   # limited by height: 2 pixels per cell row
    ((6000, 4000), (30, 20), (30, 20)),   # limited by width
    ((4000, 6000), (80, 10), (13, 20)),   # portrait
    ((0, 10), (80, 10), (0, 0)),
])
def test_fit_keeps_the_proportion_inside_the_pane(image: tuple[int, int], pane: tuple[int, int],
                                                  expected: tuple[int, int]) -> None:
    assert fit(*image, *pane) == expected


def test_decode_shrinks_and_keeps_left_and_right(tmp_path: Path) -> None:
    pixels = decode(str(red_blue(tmp_path / "rb.png", (600, 300))), 40, 10)
    assert (pixels.width, pixels.height) == (40, 20)
    first, last = pixels.rgb[:3], pixels.rgb[(pixels.width - 1) * 3:pixels.width * 3]
    assert first[0] > 200 and first[2] < 50 and last[2] > 200 and last[0] < 50


def test_source_is_model_ready_then_incoming_then_none(tmp_path: Path) -> None:
    ready, original = tmp_path / "ready.jpg", tmp_path / "original.jpg"
    row = Row(set_name="s", original_name="a.jpg", sha256="0" * 64, ollama_path=str(ready), incoming_path=str(original))
    assert preview_source(row) is None
    original.write_bytes(b"x")
    assert preview_source(row) == str(original)
    ready.write_bytes(b"x")
    assert preview_source(row) == str(ready)


def with_images(service: ReviewService, tmp_path: Path) -> list[Row]:
    rows = service.rows()
    red_blue(tmp_path / "first.png")
    Image.new("RGB", (200, 100), (0, 255, 0)).save(tmp_path / "second.png")
    for row, name in zip(rows, ["first.png", "second.png", "missing.png"], strict=True):
        with service.store.unit_of_work() as uow:
            uow.rows.update(row.changed(ollama_path=str(tmp_path / name)))
            uow.commit()
    return service.rows()


@pytest.fixture
def desk(tmp_path: Path) -> ReviewDesk:
    service = build_review_service()
    with_images(service, tmp_path)
    return ReviewDesk(service, preview=True)


def render(desk: ReviewDesk) -> urwid.Canvas:
    return DeskWidget(desk).render(SIZE, focus=True)


def test_desk_draws_the_selected_row_and_follows_the_selection(desk: ReviewDesk) -> None:
    colours = [row for row in block_colours(render(desk)) if row]
    assert colours, "no half-block cells drawn"
    middle = colours[len(colours) // 2]
    half = len(middle) // 2
    assert all(fg[0] > 200 and fg[2] < 60 for fg in middle[: half - 1])
    assert all(fg[2] > 200 and fg[0] < 60 for fg in middle[half + 1:])
    desk.keypress(SIZE, "down")
    colours = [c for row in block_colours(render(desk)) for c in row]
    assert colours and all(g > 200 and r < 60 and b < 60 for r, g, b in colours)
    desk.keypress(SIZE, "down")
    text = "\n".join(line.decode() for line in render(desk).text)
    assert "no image file for DSCN0021.jpg" in text and HALF_BLOCK not in text


def test_v_hides_and_shows_the_picture(desk: ReviewDesk) -> None:
    assert any(block_colours(render(desk)))
    desk.keypress(SIZE, "v")
    text = "\n".join(line.decode() for line in render(desk).text)
    assert HALF_BLOCK not in text and "picture hidden (v shows it)" in text
    desk.keypress(SIZE, "v")
    assert any(block_colours(render(desk)))


def test_preview_can_start_off() -> None:
    assert preview_enabled({}) and preview_enabled({"PROOFDESK_PREVIEW": "on"})
    assert not preview_enabled({"PROOFDESK_PREVIEW": "off"}) and not preview_enabled({"PROOFDESK_PREVIEW": "0"})
    desk = ReviewDesk(build_review_service(), preview=False)
    assert "picture (v hides" not in "\n".join(line.decode() for line in render(desk).text)


def test_help_screen_says_how_the_preview_works() -> None:
    text = "\n".join(help_lines())
    assert "v  show / hide the picture" in text and "PROOFDESK_PREVIEW=off" in text and "PROOFDESK_VIEWER" in text


def test_pane_decodes_in_the_background_and_caches_per_row(tmp_path: Path) -> None:
    queued: list[tuple[Any, Any]] = []
    pane = PreviewPane(lambda work, done: queued.append((work, done)))
    row = Row(set_name="s", original_name="rb.png", sha256="0" * 64, ollama_path=str(red_blue(tmp_path / "rb.png")))
    pane.show(row)
    assert pane.body(20, 5) == "decoding rb.png …"
    pane.body(20, 5)
    assert len(queued) == 1  # one request per row and size, however often it renders
    work, done = queued.pop()
    done(work())
    assert isinstance(pane.body(20, 5), list) and not queued


def test_a_request_the_selection_left_is_skipped(tmp_path: Path) -> None:
    queued: list[tuple[Any, Any]] = []
    pane = PreviewPane(lambda work, done: queued.append((work, done)))
    first = Row(set_name="s", original_name="a.png", sha256="0" * 64, ollama_path=str(red_blue(tmp_path / "a.png")))
    second = Row(set_name="s", original_name="b.png", sha256="1" * 64, ollama_path=str(red_blue(tmp_path / "b.png")))
    pane.show(first)
    pane.body(20, 5)
    pane.show(second)
    pane.body(20, 5)
    (work_a, done_a), (work_b, done_b) = queued
    assert work_a() is None  # stale: not decoded
    done_a(None)
    done_b(work_b())
    assert isinstance(pane.body(20, 5), list)


def test_viewer_command_uses_proofdesk_viewer_else_the_system_opener() -> None:
    assert viewer_command("/p/a.jpg", {"PROOFDESK_VIEWER": "feh --scale-down"}) == ["feh", "--scale-down", "/p/a.jpg"]
    assert viewer_command("/p/a.jpg", {})[-1] == "/p/a.jpg"
    assert viewer_command("/p/a.jpg", {})[0] in ("xdg-open", "open")


def test_capital_v_opens_the_original_in_the_viewer_without_waiting(desk: ReviewDesk, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    assert desk.current is not None
    original = red_blue(tmp_path / "first-original.png", (1200, 600))  # the model's copy is first.png
    with desk.service.store.unit_of_work() as uow:
        uow.rows.update(desk.current.changed(incoming_path=str(original)))
        uow.commit()
    desk.reload()
    out = tmp_path / "opened.txt"
    viewer = tmp_path / "viewer.py"
    viewer.write_text(f"import sys, time, pathlib\npathlib.Path({str(out)!r}).write_text(sys.argv[1])\ntime.sleep(5)\n")
    monkeypatch.setenv("PROOFDESK_VIEWER", f"{sys.executable} {viewer}")
    started = time.monotonic()
    desk.keypress(SIZE, "V")
    assert time.monotonic() - started < 2  # the viewer sleeps 5 s; the desk does not wait
    deadline = time.monotonic() + 10
    while not out.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert out.read_text() == str(original)

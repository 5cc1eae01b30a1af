"""The review desk and the scenes: the selected frame's scene line (rank, keeper or the cull
suggestion with its reason, quality flags) and the `k` key that makes a frame its scene's keeper."""

from __future__ import annotations

from datetime import datetime

import pytest
from proofdesk.apps.review.desk import DeskWidget, ReviewDesk, scene_markup
from proofdesk.apps.review.keys import action_for, footer_text, help_lines
from proofdesk.apps.review.preview import scene_line
from proofdesk.core.domain.models import Row, Session
from proofdesk.core.domain.scenes import KEEPER_BY_PERSON, KEEPER_BY_SCORES, QualityMeasures, decide_scene
from proofdesk.core.services.review import ReviewService
from proofdesk.core.services.stages.scene import apply_decision, frame_of
from urwid.testing import render_text

from tests.support.review_rows import build_review_service

SIZE = (240, 40)  # wide enough that the edit pane shows a scene line unwrapped
SET = "2008-10-22_arezzo"
SHARP = f"{SET}/DSCN0010.jpg"
SOFT = f"{SET}/DSCN0012.jpg"
ALONE = f"{SET}/DSCN0021.jpg"
SCENE = f"{SET}:DSCN0010.jpg"


def measures(focus: float, **changes: float) -> dict[str, float]:
    values = dict(focus=focus, noise=2.0, brightness=120.0, contrast=50.0, shadows_clipped=0.0, highlights_clipped=0.0)
    return QualityMeasures(**{**values, **changes}).model_dump()


@pytest.fixture
def service() -> ReviewService:
    """The three review rows; DSCN0010 (focus 412) and DSCN0012 (focus 96) are one scene, decided
    by the scene rules as the scene stage decides; DSCN0021 has no scene."""
    review = build_review_service()
    with review.store.unit_of_work() as uow:
        rows = [uow.rows.get(SET, name) for name in ("DSCN0010.jpg", "DSCN0012.jpg")]
        measured = [row.changed(quality_measures=measures(focus)) for row, focus in zip(rows, (412.0, 96.0), strict=True)
                    if row is not None]
        decisions = {d.key: d for d in decide_scene([frame_of(row) for row in measured])}
        uow.rows.update_many([apply_decision(row, decisions[row.key]) for row in measured])
        uow.commit()
    return review


def screen(desk: ReviewDesk) -> str:
    return "\n".join(render_text(DeskWidget(desk), SIZE))


def press(desk: ReviewDesk, *keys: str) -> None:
    for key in keys:
        desk.keypress(SIZE, key)


def test_the_keeper_shows_its_scene_rank_and_keeper(service: ReviewService) -> None:
    desk = ReviewDesk(service, preview=False)
    assert desk.current is not None and desk.current.key_text == SHARP
    assert f"scene {SCENE} · rank 1 of 2 · keeper" in screen(desk)
    assert "cull suggested" not in screen(desk)


def test_a_non_keeper_shows_its_cull_suggestion_with_the_reason(service: ReviewService) -> None:
    desk = ReviewDesk(service, preview=False)
    press(desk, "down")
    assert desk.current is not None and desk.current.key_text == SOFT
    assert f"scene {SCENE} · rank 2 of 2 · cull suggested: DSCN0010 is sharper (focus 412 vs 96)" in screen(desk)


def test_a_row_without_a_scene_shows_no_scene_line(service: ReviewService) -> None:
    desk = ReviewDesk(service, preview=False)
    press(desk, "down", "down")
    assert desk.current is not None and desk.current.key_text == ALONE
    text = screen(desk)
    assert "scene " not in text and "cull suggested" not in text and "EXIF and status" in text


def test_the_scene_line_names_quality_flags_and_colours_keeper_cull_and_flags() -> None:
    row = Row(set_name="s", original_name="b.jpg", sha256="0" * 64, scene_id="s:a.jpg", scene_size=3, scene_rank=3,
              keeper=False, cull_suggested=True, cull_reason="b is an all-black frame; a is not", quality_flags=["black"])
    assert scene_line(row) == "scene s:a.jpg · rank 3 of 3 · cull suggested: b is an all-black frame; a is not · flagged: black"
    attrs = {attr for attr, _ in scene_markup(row)}
    assert {"message", "blocked"} <= attrs
    keeper = row.changed(keeper=True, keeper_chosen_by=KEEPER_BY_PERSON, cull_suggested=False, cull_reason=None,
                         quality_flags=[], scene_rank=2)
    assert scene_line(keeper) == "scene s:a.jpg · rank 2 of 3 · keeper (chosen by a person)"
    assert ("accepted", "keeper (chosen by a person)") in scene_markup(keeper)
    assert scene_line(row.changed(scene_id=None)) is None and scene_markup(row.changed(scene_id=None)) == []


def test_k_makes_the_selected_frame_the_keeper_and_the_view_shows_the_new_scene(service: ReviewService) -> None:
    desk = ReviewDesk(service, preview=False)
    calls: list[str] = []
    choose = service.choose_keeper
    service.choose_keeper = lambda key: calls.append(key) or choose(key)  # type: ignore[method-assign]
    press(desk, "down", "k")
    assert calls == [SOFT]
    soft, sharp = service.get(SOFT), service.get(SHARP)
    assert soft.keeper is True and soft.keeper_chosen_by == KEEPER_BY_PERSON and soft.cull_suggested is False
    assert sharp.keeper is False and sharp.cull_reason == "DSCN0012 was chosen as the keeper by a person"
    assert desk.current is not None and desk.current.key_text == SOFT  # the cursor stays on the frame
    text = screen(desk)
    assert f"scene {SCENE} · rank 2 of 2 · keeper (chosen by a person)" in text
    assert f"now the keeper of scene {SCENE} (2 frame(s))" in text
    press(desk, "up")  # the scene's other frame was re-read too
    assert f"scene {SCENE} · rank 1 of 2 · cull suggested: DSCN0012 was chosen as the keeper by a person" in screen(desk)
    assert desk.current is not None and desk.current.keeper is False


def test_k_on_a_row_without_a_scene_shows_the_refusal_in_the_status_line(service: ReviewService) -> None:
    desk = ReviewDesk(service, preview=False)
    press(desk, "down", "down", "k")
    assert "has no scene yet: run the pipeline through the scene stage first" in screen(desk)
    assert service.get(ALONE).keeper is None and service.get(SHARP).keeper_chosen_by == KEEPER_BY_SCORES


def test_k_on_a_row_of_an_open_session_shows_the_session_lock_and_changes_nothing(service: ReviewService) -> None:
    with service.store.unit_of_work() as uow:
        uow.sessions.add(Session(id="s-open", started_at=datetime(2026, 6, 12, 10, 0)))
        row = uow.rows.get(SET, "DSCN0012.jpg")
        assert row is not None
        uow.rows.update(row.changed(session_id="s-open"))
        uow.commit()
    desk = ReviewDesk(service, preview=False)
    press(desk, "down", "k")
    assert "belongs to session s-open, which is still open" in screen(desk)
    assert service.get(SOFT).keeper is False and service.get(SHARP).keeper is True


def test_k_is_a_list_key_with_help_text_in_the_footer_and_help() -> None:
    assert action_for("k", "list") == "keeper" and action_for("k", "edit") is None
    assert "k make this frame its scene's keeper" in footer_text()
    assert any("make this frame its scene's keeper (in the list)" in line for line in help_lines())

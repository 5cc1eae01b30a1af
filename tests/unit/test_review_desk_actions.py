"""What the culling desk adds to the review actions (review_desk.py), without a front end: stars,
undo of the last decision, one key for a whole scene, and the version check that refuses a stale
write with the newer row."""

from __future__ import annotations

from proofdesk.core.domain.models import RowStatus
from proofdesk.core.domain.scenes import QualityMeasures, decide_scene
from proofdesk.core.domain.xmp import XmpOptions, rating
from proofdesk.core.services.review import ReviewService
from proofdesk.core.services.review_actions import ReviewActions
from proofdesk.core.services.review_desk import row_version
from proofdesk.core.services.stages.scene import apply_decision, frame_of

from tests.support.review_rows import build_review_service

SET = "2008-10-22_arezzo"
SHARP, SOFT, ALONE = (f"{SET}/{name}" for name in ("DSCN0010.jpg", "DSCN0012.jpg", "DSCN0021.jpg"))


def scene_service() -> ReviewService:
    """DSCN0010 (sharp, the keeper) and DSCN0012 (soft, suggested for culling) are one scene."""
    review = build_review_service()
    values = dict(noise=2.0, brightness=120.0, contrast=50.0, shadows_clipped=0.0, highlights_clipped=0.0)
    with review.store.unit_of_work() as uow:
        rows = [uow.rows.get(SET, name) for name in ("DSCN0010.jpg", "DSCN0012.jpg")]
        measured = [row.changed(quality_measures=QualityMeasures(focus=focus, **values).model_dump())
                    for row, focus in zip(rows, (412.0, 96.0), strict=True) if row is not None]
        decisions = {d.key: d for d in decide_scene([frame_of(row) for row in measured])}
        uow.rows.update_many([apply_decision(row, decisions[row.key]) for row in measured])
        uow.commit()
    return review


def test_stars_are_stored_written_as_the_xmp_rating_and_out_of_range_is_refused() -> None:
    actions = ReviewActions(build_review_service())
    rated = actions.rate(SHARP, 4)
    assert not rated.error and rated.row is not None and rated.row.rating == 4
    assert rating(rated.row, XmpOptions()) == 4  # a person's stars win over the (off) score mapping
    assert actions.rate(SHARP, 7).error and actions.review.get(SHARP).rating == 4
    assert actions.rate(SHARP, 0).row.rating is None  # type: ignore[union-attr]


def test_undo_puts_back_the_last_decision_then_the_one_before() -> None:
    actions = ReviewActions(build_review_service())
    actions.rate(SHARP, 3)
    actions.approve(SHARP)
    assert actions.review.get(SHARP).status == RowStatus.APPROVED
    undone = actions.undo()
    assert not undone.error and undone.message == f"undone: approve {SHARP}"
    assert actions.review.get(SHARP).status == RowStatus.PENDING and actions.review.get(SHARP).rating == 3
    assert actions.undo().message == f"undone: rating of {SHARP}" and actions.review.get(SHARP).rating is None
    assert actions.undo().message == "nothing to undo"


def test_undo_of_a_row_changed_since_is_refused_and_changes_nothing() -> None:
    actions = ReviewActions(build_review_service())
    actions.reject(ALONE)
    actions.review.reopen(ALONE)  # someone else (the CLI) reopened it
    actions.review.reject(ALONE)
    refused = actions.undo()
    assert refused.error and refused.conflict and "changed since" in refused.message
    assert actions.review.get(ALONE).status == RowStatus.REJECTED


def test_one_key_approves_the_scene_keeper_and_culls_its_frames_and_undo_takes_it_back() -> None:
    actions = ReviewActions(scene_service())
    result = actions.approve_scene(SOFT)  # from any frame of the scene
    assert not result.error and result.done == (SHARP, SOFT), result.message
    assert actions.review.get(SHARP).status == RowStatus.APPROVED
    assert actions.review.get(SOFT).status == RowStatus.REJECTED
    assert actions.review.get(ALONE).status == RowStatus.PENDING  # another scene: untouched
    assert not actions.undo().error
    assert {actions.review.get(k).status for k in (SHARP, SOFT)} == {RowStatus.PENDING}


def test_a_blocked_keeper_stops_the_scene_key_before_anything_is_written() -> None:
    actions = ReviewActions(scene_service())
    actions.edit(SHARP, {"caption": "Short."})  # the proof blocks it
    refused = actions.approve_scene(SOFT)
    assert refused.error and "nothing culled" in refused.message
    assert actions.review.get(SOFT).status == RowStatus.PENDING


def test_a_write_with_the_shown_version_passes_and_an_older_version_gets_the_newer_row() -> None:
    actions = ReviewActions(build_review_service())
    shown = actions.review.get(SHARP)
    assert actions.stale(SHARP, row_version(shown)) is None and actions.stale(SHARP, None) is None
    refused = actions.stale(SHARP, "2001-01-01T00:00:00+00:00")
    assert refused is not None and refused.conflict and refused.row is not None and refused.row.key_text == SHARP
    assert "changed elsewhere" in refused.message


def test_the_listing_keeps_unchanged_rows_and_reads_changed_ones_again() -> None:
    actions = ReviewActions(build_review_service())
    first = {row.key_text: row for row in actions.listing()}
    actions.reject(ALONE)
    again = {row.key_text: row for row in actions.listing()}
    assert list(again) == list(first) and again[ALONE].status == RowStatus.REJECTED
    with actions.review.store.unit_of_work() as uow:
        uow.rows.delete(*again[SOFT].key)
        uow.commit()
    assert SOFT not in {row.key_text for row in actions.listing()}


def test_an_edit_saved_elsewhere_during_generate_is_kept_and_generate_is_refused_with_the_newer_row() -> None:
    review = build_review_service()
    actions = ReviewActions(review)
    model = review.suggester
    assert model is not None

    def slow_model(row, index, keeper=None):  # type: ignore[no-untyped-def]
        review.edit(SHARP, {"caption": "Saved by the terminal desk while the model thought."})
        return model(row, index, keeper)

    review.suggester = slow_model
    shown = row_version(review.get(SHARP))
    result = actions.guarded(SHARP, shown, lambda: actions.generate(SHARP))
    assert result.error and result.conflict and "changed elsewhere" in result.message
    assert result.row is not None and result.row.caption == "Saved by the terminal desk while the model thought."
    assert review.get(SHARP).caption == "Saved by the terminal desk while the model thought."


def test_a_write_between_the_version_check_and_the_action_s_read_is_refused_too() -> None:
    review = build_review_service()
    actions = ReviewActions(review)
    shown = row_version(review.get(SHARP))
    review.reject(SHARP)  # the CLI, after the page showed the row
    with review.expecting(SHARP, shown):
        refused = actions.approve(SHARP)
    assert refused.error and refused.conflict and review.get(SHARP).status == RowStatus.REJECTED
    with review.expecting(SHARP, row_version(review.get(SHARP))):
        assert not actions.reopen(SHARP).error

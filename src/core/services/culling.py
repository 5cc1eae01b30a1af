"""Culling use cases: the scene stage's suggestions as a list, a person's keeper choice, and the
keeper a frame's proof is held to. Suggestions never decide: `proofdesk cull --apply` rejects
through the review service (all or nothing), and only frames nobody approved."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from proofdesk.core.domain.errors import InputError
from proofdesk.core.domain.models import Row, RowStatus
from proofdesk.core.domain.scenes import decide_scene, hand_over_text
from proofdesk.core.ports.storage import QueueStore
from proofdesk.core.services.stages.scene import apply_decision, frame_of


def scene_rows(store: QueueStore, row: Row) -> list[Row]:
    """The frames of `row`'s scene (itself included), in scene-rank order."""
    if row.scene_id is None:
        return [row]
    with store.unit_of_work() as uow:
        rows = [other for other in uow.rows.list(set_name=row.set_name) if other.scene_id == row.scene_id]
    return sorted(rows, key=lambda other: (other.scene_rank or 0, other.original_name))


def scene_keeper(store: QueueStore, row: Row) -> Row | None:
    """The keeper of `row`'s scene when `row` is another frame of it (None for a keeper or a row
    without a scene)."""
    if row.keeper is not False or row.scene_id is None:
        return None
    return next((other for other in scene_rows(store, row) if other.keeper), None)


def suggestions(rows: Sequence[Row], set_name: str | None = None) -> list[Row]:
    """Frames the scene stage suggests culling that a person has not decided on yet (pending or
    not yet prefilled: never an approved, published or already rejected frame)."""
    return sorted((row for row in rows if row.cull_suggested and row.status in (RowStatus.PENDING, RowStatus.INGESTED)
                   and (set_name is None or row.set_name == set_name)), key=lambda row: (row.set_name, row.scene_id or "",
                                                                                     row.scene_rank or 0))


def choose_keeper(store: QueueStore, row: Row) -> list[Row]:
    """Make `row` its scene's keeper (a person's choice, kept by every rerun); the scene's other
    frames get a cull suggestion naming it, and the old keeper's text goes to the new keeper as a
    suggestion (`hand_over_text`). Returns the scene's rows as stored."""
    if row.scene_id is None:
        raise InputError(f"{row.key_text} has no scene yet: run the pipeline through the scene stage first")
    if row.status == RowStatus.REJECTED:
        raise InputError(f"{row.key_text} is rejected: reopen it before making it the keeper")
    scene = scene_rows(store, row)
    frames = [replace(frame_of(other), chosen_by_person=other.key == row.key) for other in scene]
    decisions = {decision.key: decision for decision in decide_scene(frames)}
    changed = {other.key: apply_decision(other, decisions[other.key]) for other in scene}
    for old in (other for other in scene if other.keeper and other.key != row.key):
        changed[old.key], changed[row.key] = hand_over_text(changed[old.key], changed[row.key])
    with store.unit_of_work() as uow:
        uow.rows.update_many(list(changed.values()))
        uow.commit()
    return list(changed.values())

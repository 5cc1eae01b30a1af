"""The `scene` stage (after resize): group the frames of each set into scenes, rank them, choose
the keeper and write cull suggestions (rules in `proofdesk.core.domain.scenes`).

It works over every row of the sets in the run (a frame taken in by an earlier run is still part
of its scene), is cheap (no image is decoded when stage 5 measured the frame) and deterministic,
so a rerun gives the same scenes; a keeper a person chose stays the keeper.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from proofdesk.core.domain import queue
from proofdesk.core.domain.models import Row, RowStatus, Stage
from proofdesk.core.domain.scenes import (
    KEEPER_BY_PERSON,
    QualityMeasures,
    SceneDecision,
    SceneFrame,
    SceneSettings,
    decide_scene,
    group_scenes,
    parse_signature,
    quality_flags,
)
from proofdesk.core.ports.files import FileStore
from proofdesk.core.ports.media import FrameAnalyzer, ImageDecodeError, ImageProcessor
from proofdesk.core.services.stages.base import RowContext, queue_rows

SCENE_FIELDS = ("scene_id", "scene_size", "scene_rank", "keeper", "keeper_chosen_by", "cull_suggested", "cull_reason",
                "quality_flags")


def _captured(row: Row) -> datetime | None:
    if not row.captured_at:
        return None
    try:
        return datetime.fromisoformat(row.captured_at).replace(tzinfo=None)
    except ValueError:
        return None


def _measures(row: Row) -> QualityMeasures | None:
    if not row.quality_measures:
        return None
    try:
        return QualityMeasures.model_validate(row.quality_measures)
    except (TypeError, ValueError):
        return None


def frame_of(row: Row) -> SceneFrame:
    return SceneFrame(
        set_name=row.set_name, name=row.original_name, captured_at=_captured(row),
        hashes=parse_signature(row.scene_signature, row.perceptual_hash), measures=_measures(row),
        brisque=row.brisque_score, brisque_is_model=row.brisque_fallback is False,
        aesthetic=row.clip_aesthetic_score, aesthetic_is_model=row.clip_aesthetic_fallback is False,
        rejected=row.status == RowStatus.REJECTED,
        chosen_by_person=bool(row.keeper) and row.keeper_chosen_by == KEEPER_BY_PERSON,
    )


def apply_decision(row: Row, decision: SceneDecision) -> Row:
    return row.changed(scene_id=decision.scene_id, scene_size=decision.scene_size, scene_rank=decision.scene_rank,
                       keeper=decision.keeper, keeper_chosen_by=decision.keeper_chosen_by,
                       cull_suggested=decision.cull_suggested, cull_reason=decision.cull_reason,
                       quality_flags=decision.quality_flags)


def decide(rows: list[Row], settings: SceneSettings) -> tuple[dict[tuple[str, str], SceneDecision], int]:
    """Scene decisions for `rows` (all rows of their sets) and the number of scenes."""
    scenes = group_scenes([frame_of(row) for row in rows], settings)
    return {d.key: d for scene in scenes for d in decide_scene(scene)}, len(scenes)


class SceneStage:
    """A `RowStage`. Rows stage 5 did not measure (scored before measures existed) are measured
    from their model-ready image once, when an analyzer is given."""

    def __init__(self, settings: SceneSettings, files: FileStore | None = None, processor: ImageProcessor | None = None,
                 analyzer: FrameAnalyzer | None = None, long_edge: int = 1024) -> None:
        self.settings = settings
        self.files = files
        self.processor = processor
        self.analyzer = analyzer
        self.long_edge = long_edge

    def _measured(self, row: Row) -> Row:
        if row.quality_measures and row.scene_signature:
            return row
        if self.files is None or self.processor is None or self.analyzer is None or not row.ollama_path:
            return row
        try:
            decoded = self.processor.decode(self.files.read_path(row.ollama_path), self.long_edge)
        except (FileNotFoundError, ImageDecodeError):
            return row  # grouped by its perceptual hash alone, ranked without measures
        try:
            analysis = self.analyzer.analyze(decoded)
        except Exception:  # a picture the analyzer cannot take is ranked without measures, never ends the run
            return row
        return row.changed(quality_measures=analysis.measures.model_dump(), scene_signature=analysis.signature,
                           quality_flags=quality_flags(analysis.measures))

    def __call__(self, context: RowContext) -> None:
        reporter = context.reporter
        sets = sorted({row.set_name for row in context.rows()})
        rows = queue_rows(context, sets)
        reporter.start_stage(Stage.SCENE.value, len(rows))
        rows = [self._measured(row) for row in rows]
        decisions, scene_count = decide(rows, self.settings)
        changed = 0
        for row in rows:
            updated = queue.mark_stage_done(apply_decision(row, decisions[row.key]), Stage.SCENE)
            if _differs(row, updated) or not row.quality_measures and updated.quality_measures:
                context.save_row(updated)
                changed += 1
            reporter.advance(_line(updated))
        context.flush()
        several = sum(1 for d in decisions.values() if d.keeper and d.scene_size > 1)
        suggested = sum(1 for d in decisions.values() if d.cull_suggested)
        flagged = sum(1 for d in decisions.values() if d.quality_flags)
        reporter.end_stage(
            Stage.SCENE.value,
            f"{len(rows)} frame(s) in {scene_count} scene(s) ({several} of several frames), {suggested} cull "
            f"suggestion(s), {flagged} flagged frame(s); {changed} row(s) updated",
        )


def _differs(before: Row, after: Row) -> bool:
    names: tuple[Any, ...] = (*SCENE_FIELDS, "stages_done", "scene_signature")
    return any(getattr(before, name) != getattr(after, name) for name in names)


def _line(row: Row) -> str:
    where = f"scene {row.scene_id} ({row.scene_rank} of {row.scene_size})"
    if row.keeper:
        return f"{row.key_text}: keeper of {where}" + (" (chosen by a person)" if row.keeper_chosen_by == KEEPER_BY_PERSON else "")
    return f"{row.key_text}: {where}, cull suggested: {row.cull_reason}"

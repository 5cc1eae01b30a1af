"""A picture too small to judge is flagged `tiny` (pure rules), and a scorer or analyzer that fails
on one file gives a line naming that file, never a session rollback (stage 5 on fakes)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from proofdesk.adapters.clock import SystemClock
from proofdesk.adapters.files.scanner import LocalSetScanner
from proofdesk.adapters.images.pillow_inspector import PillowImageInspector
from proofdesk.adapters.memory import (
    FakeAestheticScorer,
    FakeExifReader,
    FakeFrameAnalyzer,
    FakeImageProcessor,
    FakeQualityScorer,
    InMemoryFileStore,
    InMemoryQueueStore,
    RecordingReporter,
)
from proofdesk.core.domain.intake import IntakeRules
from proofdesk.core.domain.models import Row, Stage
from proofdesk.core.domain.scenes import (
    TINY_SIDE,
    QualityMeasures,
    SceneFrame,
    decide_scene,
    quality_flags,
)
from proofdesk.core.domain.scoring import ScoringOptions
from proofdesk.core.ports.media import DecodedImage, FrameAnalysis, Score
from proofdesk.core.services.pipeline import Pipeline
from proofdesk.core.services.stages.scoring import ScoringStages

from tests.support.corpus import write_jpeg

NORMAL = QualityMeasures(focus=100, noise=2, brightness=120, contrast=50, shadows_clipped=0.0, highlights_clipped=0.0,
                         width=640, height=480)


# ---------------------------------------------------------------- the tiny flag


def test_a_picture_under_the_tiny_side_is_flagged_tiny_alone_and_one_at_it_is_not() -> None:
    assert quality_flags(NORMAL.changed(width=1, height=1, focus=0.0, contrast=0.0)) == ["tiny"]  # not also "flat"
    assert quality_flags(NORMAL.changed(width=TINY_SIDE - 1, height=4000)) == ["tiny"]
    assert quality_flags(NORMAL.changed(width=4000, height=TINY_SIDE - 1)) == ["tiny"]
    assert quality_flags(NORMAL.changed(width=TINY_SIDE, height=TINY_SIDE)) == []


def test_measures_stored_before_sizes_were_recorded_are_never_tiny() -> None:
    old = QualityMeasures.model_validate({"focus": 100, "noise": 2, "brightness": 120, "contrast": 50,
                                          "shadows_clipped": 0.0, "highlights_clipped": 0.0})
    assert old.width is None and not old.is_tiny and quality_flags(old) == []
    # as the row stores them (a dict of floats)
    stored = QualityMeasures.model_validate({**NORMAL.model_dump(), "width": 1.0, "height": 1.0})
    assert (stored.width, stored.height) == (1, 1) and quality_flags(stored) == ["tiny"]


def test_a_tiny_frame_is_never_the_keeper_while_a_normal_frame_exists_and_the_reason_says_tiny() -> None:
    at = datetime(2026, 6, 12, 10, 0, 0)
    tiny = SceneFrame("shoot", "icon.jpg", at, (0,), NORMAL.changed(width=1, height=1), brisque=0.0, brisque_is_model=True)
    soft = SceneFrame("shoot", "soft.jpg", at, (0,), NORMAL.changed(focus=5.0), brisque=80.0, brisque_is_model=True)
    decisions = {d.key[1]: d for d in decide_scene([tiny, soft])}
    assert decisions["soft.jpg"].keeper and not decisions["icon.jpg"].keeper
    assert decisions["icon.jpg"].quality_flags == ["tiny"]
    assert decisions["icon.jpg"].cull_reason == f"icon is a tiny picture (under {TINY_SIDE} pixels a side); soft is not"


# ---------------------------------------------------------------- per-file failures in stage 5


class FailsOnOnePicture(FakeQualityScorer):
    """Raises for the whole batch when it holds a picture of `bad_width` pixels (as OpenCV's BRISQUE did
    on a 1-pixel side)."""

    def __init__(self, bad_width: int) -> None:
        super().__init__()
        self.bad_width = bad_width

    def score_batch(self, images: Sequence[DecodedImage]) -> list[Score]:
        if any(image.width == self.bad_width for image in images):
            raise RuntimeError("OpenCV(4.14.0) resize.cpp:4017: error: (-215:Assertion failed)\n inv_scale_x > 0 in function 'resize'")
        return super().score_batch(images)


class AnalyzerFailsOnOnePicture(FakeFrameAnalyzer):
    def __init__(self, bad_width: int) -> None:
        super().__init__()
        self.bad_width = bad_width

    def analyze(self, image: DecodedImage) -> FrameAnalysis:
        if image.width == self.bad_width:
            raise ValueError("cannot measure this picture")
        return super().analyze(image)


class Desk:
    """Five photos of 160x120 and one of 97x120, scored on fakes in batches of 2."""

    def __init__(self, tmp_path: Path, quality: FakeQualityScorer | None = None, analyzer: FakeFrameAnalyzer | None = None) -> None:
        self.set_dir = tmp_path / "2026-06-12_lofoten"
        for i in range(5):
            write_jpeg(self.set_dir / f"p{i:02d}.jpg", seed=i, size=(160, 120))
        write_jpeg(self.set_dir / "odd.jpg", seed=9, size=(97, 120))
        self.store = InMemoryQueueStore()
        self.files = InMemoryFileStore()
        self.quality = quality or FakeQualityScorer()
        self.analyzer = analyzer
        self.reporter = RecordingReporter()

    def run(self) -> None:
        stages = ScoringStages(FakeImageProcessor(), self.quality, FakeAestheticScorer(), self.files,
                               ScoringOptions(long_edge=640, batch_size=2, workers=2), analyzer=self.analyzer)
        Pipeline(
            store=self.store, files=self.files, exif=FakeExifReader(), scanner=LocalSetScanner(),
            inspector=PillowImageInspector(), clock=SystemClock(), reporter=self.reporter, rules=IntakeRules(),
            pid=1, host="test", is_alive=lambda holder: False,
            row_stages=[(Stage.SCORE, stages.score_stage), (Stage.RESIZE, stages.resize_stage)],
        ).run([str(self.set_dir)], until=Stage.RESIZE)

    def rows(self) -> dict[str, Row]:
        with self.store.unit_of_work() as uow:
            return {row.original_name: row for row in uow.rows.list()}


def test_a_scorer_failing_on_one_file_names_it_and_scores_the_others_without_rolling_back(tmp_path: Path) -> None:
    desk = Desk(tmp_path, quality=FailsOnOnePicture(bad_width=97))
    desk.run()  # no exception: the session is closed, not rolled back
    rows = desk.rows()
    assert len(rows) == 6
    warnings = desk.reporter.messages("warn")
    assert [w for w in warnings if "odd.jpg" in w] == [
        "2026-06-12_lofoten/odd.jpg: the BRISQUE scorer could not score this picture (97x120 pixels; RuntimeError: "
        "OpenCV(4.14.0) resize.cpp:4017: error: (-215:Assertion failed) inv_scale_x > 0 in function 'resize'); "
        "it has no BRISQUE score and is scored again on the next run"
    ]
    assert not any("p0" in w for w in warnings)
    for name, row in rows.items():
        assert row.clip_aesthetic_score is not None and "resize" in row.stages_done
        if name == "odd.jpg":
            assert row.brisque_score is None and "score" not in row.stages_done
        else:
            assert row.brisque_score is not None and "score" in row.stages_done
    ends = desk.reporter.messages("end")
    assert any("6 scored (BRISQUE 5 model, 0 fallback, 1 failed; aesthetic 6 model, 0 fallback, 0 failed)" in e for e in ends)
    # the next run tries that file again (and only it)
    desk.quality.bad_width = -1  # type: ignore[attr-defined]
    desk.run()
    assert desk.rows()["odd.jpg"].brisque_score is not None and "score" in desk.rows()["odd.jpg"].stages_done


def test_an_analyzer_failing_on_one_file_names_it_and_the_frame_is_still_scored(tmp_path: Path) -> None:
    desk = Desk(tmp_path, analyzer=AnalyzerFailsOnOnePicture(bad_width=97))
    desk.run()
    rows = desk.rows()
    assert [w for w in desk.reporter.messages("warn") if "odd.jpg" in w] == [
        "2026-06-12_lofoten/odd.jpg: the culling measures could not be taken (ValueError: cannot measure this picture); "
        "the frame is grouped and ranked without them"
    ]
    assert rows["odd.jpg"].quality_measures == {} and rows["odd.jpg"].brisque_score is not None
    assert all(row.quality_measures and row.quality_measures["width"] == 160 for name, row in rows.items() if name != "odd.jpg")

"""Stages 5 and 6 on fakes only: one decode per image shared by both stages, batching, reruns,
write-ahead journalling of model-ready files, and the stage log."""

from __future__ import annotations

from pathlib import Path

import pytest
from proofdesk.adapters.clock import SystemClock
from proofdesk.adapters.files.scanner import LocalSetScanner
from proofdesk.adapters.images.pillow_inspector import PillowImageInspector
from proofdesk.adapters.memory import (
    FakeAestheticScorer,
    FakeExifReader,
    FakeImageProcessor,
    FakeQualityScorer,
    InMemoryFileStore,
    InMemoryQueueStore,
    RecordingReporter,
)
from proofdesk.core.domain.intake import IntakeRules
from proofdesk.core.domain.models import Row, Stage
from proofdesk.core.domain.scoring import ScoringOptions, model_relpath
from proofdesk.core.ports.files import FileStore
from proofdesk.core.services import failpoints
from proofdesk.core.services.failpoints import FaultInjected
from proofdesk.core.services.pipeline import Pipeline
from proofdesk.core.services.stages.scoring import ScoringStages

from tests.support.corpus import write_jpeg


class Desk:
    def __init__(self, tmp_path: Path, count: int = 5, **options: int) -> None:
        self.set_dir = tmp_path / "2026-06-12_lofoten"
        for i in range(count):
            write_jpeg(self.set_dir / f"p{i:02d}.jpg", seed=i, size=(160, 120))
        self.store = InMemoryQueueStore()
        self.files = InMemoryFileStore()
        self.processor = FakeImageProcessor()
        self.quality = FakeQualityScorer()
        self.aesthetic = FakeAestheticScorer(fallback=True, engine="fake-fallback")
        self.options = ScoringOptions(**{"long_edge": 64, "batch_size": 2, "workers": 2, **options})
        self.reporter = RecordingReporter()

    def run(self, until: Stage = Stage.RESIZE) -> Pipeline:
        stages = ScoringStages(self.processor, self.quality, self.aesthetic, self.files, self.options)
        pipeline = Pipeline(
            store=self.store, files=self.files, exif=FakeExifReader(), scanner=LocalSetScanner(),
            inspector=PillowImageInspector(), clock=SystemClock(), reporter=self.reporter, rules=IntakeRules(),
            pid=1, host="test", is_alive=lambda holder: False,
            row_stages=[(Stage.SCORE, stages.score_stage), (Stage.RESIZE, stages.resize_stage)],
        )
        pipeline.run([str(self.set_dir)], until=until)
        return pipeline

    def rows(self) -> list[Row]:
        with self.store.unit_of_work() as uow:
            return uow.rows.list()


def test_each_image_is_decoded_once_for_both_stages(tmp_path: Path) -> None:
    desk = Desk(tmp_path)
    desk.run()
    assert desk.processor.decodes == 5 and desk.processor.encodes == 5
    assert desk.quality.batches == [2, 2, 1] and desk.aesthetic.batches == [2, 2, 1]
    rows = desk.rows()
    for row in rows:
        assert row.stages_done == ["exif", "score", "resize"]
        assert row.brisque_fallback is False and row.clip_aesthetic_fallback is True
        assert row.brisque_score is not None and row.clip_aesthetic_score is not None
        assert row.ollama_path == desk.files.locate(FileStore.WORK, model_relpath(row))
        assert model_relpath(row) == f"model/2026-06-12_lofoten/{row.sha256[:12]}/{row.original_name[:-4]}.jpg"
        assert desk.files.read_bytes(FileStore.WORK, model_relpath(row))[:2] == b"\xff\xd8"


def test_a_rerun_decodes_and_writes_nothing(tmp_path: Path) -> None:
    desk = Desk(tmp_path)
    desk.run()
    before = [row.model_dump(exclude={"updated_at", "session_id"}) for row in desk.rows()]
    desk.processor.decodes = desk.processor.encodes = 0
    desk.run()
    assert (desk.processor.decodes, desk.processor.encodes) == (0, 0)
    assert [row.model_dump(exclude={"updated_at", "session_id"}) for row in desk.rows()] == before
    assert "score: 0 scored (BRISQUE 0 model, 0 fallback; aesthetic 0 model, 0 fallback), 5 unchanged" in desk.reporter.messages("end")


def test_without_room_for_the_hand_over_resize_decodes_again(tmp_path: Path) -> None:
    desk = Desk(tmp_path, handover_bytes=0)
    desk.run()
    assert desk.processor.decodes == 10  # still correct, only slower
    assert all(row.ollama_path for row in desk.rows())


def test_the_stage_log_says_model_or_fallback_per_row(tmp_path: Path) -> None:
    desk = Desk(tmp_path, count=2)
    desk.run()
    details = [d for d in desk.reporter.messages("advance") if ": brisque " in d]
    assert len(details) == 2
    assert all("(model, fake-quality)" in d and "(fallback, fake-fallback)" in d for d in details)
    assert any(m.startswith("BRISQUE: fake-quality; aesthetic: fake-fallback") for m in desk.reporter.messages("info"))


def test_model_ready_files_are_journalled_before_they_are_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    desk = Desk(tmp_path, count=4)
    journalled: list[str] = []
    real_write = desk.files.write_bytes

    def checked_write(area: str, relpath: str, data: bytes):  # type: ignore[no-untyped-def]
        with desk.store.unit_of_work() as uow:
            session = uow.sessions.last_open()
            assert session is not None
            targets = [entry.target for entry in uow.journal.entries(session.id) if entry.kind == "file"]
        path = desk.files.locate(area, relpath)
        assert path in targets, "written before it was journalled"
        journalled.append(path)
        return real_write(area, relpath, data)

    monkeypatch.setattr(desk.files, "write_bytes", checked_write)
    monkeypatch.setenv(failpoints.ENV, "stage6.after_resize:3:raise")
    failpoints.reset()
    with pytest.raises(FaultInjected):
        desk.run()
    failpoints.reset()
    assert len(journalled) == 4  # the failpoint fires once the rows' batch is committed: all 4 written
    assert desk.files.list_area(FileStore.WORK) == []  # rollback removed them
    assert desk.rows() == []


def test_a_changed_file_is_scored_and_resized_again(tmp_path: Path) -> None:
    desk = Desk(tmp_path, count=2)
    desk.run()
    old = {row.original_name: row for row in desk.rows()}
    write_jpeg(desk.set_dir / "p00.jpg", seed=99, size=(160, 120))
    desk.processor.decodes = 0
    desk.run()
    new = {row.original_name: row for row in desk.rows()}
    assert desk.processor.decodes == 1
    assert new["p00.jpg"].sha256 != old["p00.jpg"].sha256
    assert new["p00.jpg"].ollama_path != old["p00.jpg"].ollama_path
    assert new["p00.jpg"].stages_done == ["exif", "score", "resize"]
    assert new["p01.jpg"].brisque_score == old["p01.jpg"].brisque_score


def test_until_score_leaves_resize_for_later(tmp_path: Path) -> None:
    desk = Desk(tmp_path, count=3)
    desk.run(until=Stage.SCORE)
    assert all(row.ollama_path is None and "resize" not in row.stages_done for row in desk.rows())
    assert desk.files.list_area(FileStore.WORK) == []
    desk.processor.decodes = 0
    desk.run()
    assert desk.processor.decodes == 3 and all(row.ollama_path for row in desk.rows())

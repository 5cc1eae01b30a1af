"""Stages 5 (score) and 6 (resize) end to end through the CLI on the real sample photos."""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from .conftest import Proofdesk

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def model_files(desk: Proofdesk) -> dict[str, float]:
    base = desk.workdir / "work" / "model"
    return {str(p.relative_to(base)): p.stat().st_mtime_ns for p in base.rglob("*") if p.is_file()} if base.exists() else {}


def stage_log(desk: Proofdesk) -> str:
    logs = sorted((desk.workdir / "runs").glob("*/stage.log"), key=lambda p: p.stat().st_mtime_ns)
    return logs[-1].read_text()


def test_gps_set_until_resize_scores_every_row_and_writes_model_ready_images(
    proofdesk: Proofdesk, gps_set: Path, snapshot: Callable[[Proofdesk], dict[str, Any]]
) -> None:
    result = proofdesk("run", str(gps_set), "--until", "resize")
    assert result.exit_code == 0, result.output
    rows = proofdesk.rows()
    assert len(rows) == 9
    for row in rows:
        assert isinstance(row["brisque_score"], float) and isinstance(row["brisque_fallback"], bool)
        assert isinstance(row["clip_aesthetic_score"], float) and isinstance(row["clip_aesthetic_fallback"], bool)
        if IN_CI:
            assert row["brisque_fallback"] is False, "CI must score with the real LIVE BRISQUE model"
        if row["clip_aesthetic_fallback"]:
            assert 1.0 <= row["clip_aesthetic_score"] <= 10.0
        assert row["stages_done"] == ["exif", "score", "resize"]
        model_ready = Path(row["ollama_path"])
        stem = row["original_name"].rsplit(".", 1)[0]
        assert model_ready == proofdesk.workdir / "work" / "model" / "gps" / row["sha256"][:12] / f"{stem}.jpg"
        with Image.open(model_ready) as image:
            assert image.format == "JPEG" and image.mode == "RGB"
            assert image.size == (640, 480)  # the samples are 640x480: never upscaled
    log = stage_log(proofdesk)
    for row in rows:
        line = next(line for line in log.splitlines() if f"gps/{row['original_name']}: brisque" in line)
        assert ("(fallback," if row["brisque_fallback"] else "(model,") in line.split("aesthetic")[0]
        assert ("(fallback," if row["clip_aesthetic_fallback"] else "(model,") in line.split("aesthetic")[1]
    assert "score done: 9 scored" in log and "resize done: 9 model-ready image(s) written (9 from the scoring decode)" in log
    first, files = snapshot(proofdesk), model_files(proofdesk)
    updated = {row["original_name"]: row["updated_at"] for row in rows}

    again = proofdesk("run", str(gps_set), "--until", "resize")
    assert again.exit_code == 0, again.output
    log = stage_log(proofdesk)
    assert "score done: 0 scored" in log and "9 unchanged" in log
    assert "resize done: 0 model-ready image(s) written" in log
    assert snapshot(proofdesk) == first
    assert model_files(proofdesk) == files
    assert {row["original_name"]: row["updated_at"] for row in proofdesk.rows()} == updated


def test_orientation_samples_give_upright_model_ready_images(proofdesk: Proofdesk, samples: Path, tmp_path: Path) -> None:
    set_dir = tmp_path / "cards" / "orientation"
    shutil.copytree(samples / "jpg" / "orientation", set_dir)
    result = proofdesk("run", str(set_dir), "--until", "resize")
    assert result.exit_code == 0, result.output
    rows = proofdesk.rows()
    assert len(rows) == 16
    for row in rows:
        with Image.open(row["ollama_path"]) as image:
            expected = (600, 450) if row["original_name"].startswith("landscape") else (450, 600)
            assert image.size == expected, row["original_name"]
            assert image.getexif().get(0x0112, 1) == 1


def test_until_score_then_resize_decodes_for_the_missing_stage_only(proofdesk: Proofdesk, gps_set: Path) -> None:
    assert proofdesk("run", str(gps_set), "--until", "score").exit_code == 0
    rows = proofdesk.rows()
    assert all(row["ollama_path"] is None and row["brisque_score"] is not None for row in rows)
    assert model_files(proofdesk) == {}
    assert proofdesk("run", str(gps_set), "--until", "resize").exit_code == 0
    log = stage_log(proofdesk)
    assert "score done: 0 scored" in log
    assert "resize done: 9 model-ready image(s) written (0 from the scoring decode)" in log
    assert [row["brisque_score"] for row in proofdesk.rows()] == [row["brisque_score"] for row in rows]


def test_fallback_engines_are_flagged(proofdesk: Proofdesk, gps_set: Path) -> None:
    env = {"PROOFDESK_SCORING__BRISQUE_ENGINE": "fallback", "PROOFDESK_SCORING__AESTHETIC_ENGINE": "fallback"}
    assert proofdesk("run", str(gps_set), "--until", "score", env=env).exit_code == 0
    rows = proofdesk.rows()
    assert all(row["brisque_fallback"] is True and row["clip_aesthetic_fallback"] is True for row in rows)
    assert all(0 < row["brisque_score"] <= 100 and 1 <= row["clip_aesthetic_score"] <= 10 for row in rows)
    assert "BRISQUE 0 model, 9 fallback" in stage_log(proofdesk)


@pytest.mark.parametrize("fault", ["stage5.after_score:4", "stage6.after_resize:5"])
def test_sigkill_during_scoring_or_resize_is_rolled_back_by_the_next_run(
    proofdesk: Proofdesk, gps_set: Path, fault: str
) -> None:
    # batches of 2 rows: the kill lands after a batch commit, with written files of the next one
    killed = proofdesk.subprocess("run", str(gps_set), "--until", "resize",
                                  env={"PROOFDESK_FAULT": fault, "PROOFDESK_STORAGE__BATCH_SIZE": "2"})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    if fault.startswith("stage6"):
        assert len(model_files(proofdesk)) == 6  # the 5th row's batch (rows 5-6) was written before the kill
    rolled = proofdesk("rollback")
    assert rolled.exit_code == 0, rolled.output
    assert proofdesk.rows() == [] and model_files(proofdesk) == {}
    rerun = proofdesk("run", str(gps_set), "--until", "resize")
    assert rerun.exit_code == 0, rerun.output
    assert len(model_files(proofdesk)) == 9
    assert all(row["stages_done"] == ["exif", "score", "resize"] for row in proofdesk.rows())


def test_failure_in_resize_rolls_back_scores_and_model_files(proofdesk: Proofdesk, gps_set: Path) -> None:
    assert proofdesk("run", str(gps_set), "--until", "queue").exit_code == 0
    before = proofdesk.rows()
    failed = proofdesk.subprocess("run", str(gps_set), "--until", "resize",
                                  env={"PROOFDESK_FAULT": "stage6.after_resize:3:raise"})
    assert failed.returncode == 1 and "rolled back" in failed.stderr
    assert model_files(proofdesk) == {}
    after = proofdesk.rows()
    assert [(r["brisque_score"], r["ollama_path"], r["stages_done"]) for r in after] == [
        (None, None, ["exif"]) for _ in before
    ]


def test_configured_clip_model_scores_for_real(proofdesk: Proofdesk, gps_set: Path) -> None:
    """A (tiny) CLIP model and head named in the config file, by paths relative to it, give model
    scores (`clip_aesthetic_fallback = false`) through the container's wiring."""
    from tests.support.tiny_clip import TinyClip

    TinyClip(proofdesk.cwd / "models")
    config = proofdesk.cwd / "proofdesk.toml"
    config.write_text(
        "workdir = '.proofdesk'\n[scoring]\nclip_model = 'models/proofdesk-tiny-clip.json'\n"
        "clip_weights = 'models/tiny-clip.pt'\naesthetic_head = 'models/head-mlp.pth'\nbatch_size = 4\n"
    )
    result = proofdesk("--config", str(config), "run", str(gps_set), "--until", "score")
    assert result.exit_code == 0, result.output
    rows = proofdesk.rows()
    assert len(rows) == 9 and all(row["clip_aesthetic_fallback"] is False for row in rows)
    assert len({row["clip_aesthetic_score"] for row in rows}) > 1
    assert "aesthetic 9 model, 0 fallback" in stage_log(proofdesk)
    assert "open_clip:proofdesk-tiny-clip" in stage_log(proofdesk)


def test_scores_survive_a_rollback_in_the_score_cache(proofdesk: Proofdesk, gps_set: Path) -> None:
    """DESIGN "Rollback": scores are cached outside the session journal, so the rerun after a
    rollback does not pay for them again."""
    env = {"PROOFDESK_SCORING__AESTHETIC_ENGINE": "fallback", "PROOFDESK_FAULT": "stage6.after_resize:3:raise"}
    failed = proofdesk.subprocess("run", str(gps_set), "--until", "resize", env=env)
    assert failed.returncode == 1 and "rolled back" in failed.stderr
    assert proofdesk.rows() == []
    rerun = proofdesk.subprocess("run", str(gps_set), "--until", "resize",
                                 env={"PROOFDESK_SCORING__AESTHETIC_ENGINE": "fallback"})
    assert rerun.returncode == 0, rerun.stderr
    assert "9 scored" in rerun.stderr and "9 from the score cache" in rerun.stderr
    assert all(row["brisque_score"] is not None for row in proofdesk.rows())


def test_a_heif_photo_goes_through_to_a_model_ready_jpeg(proofdesk: Proofdesk, samples: Path, tmp_path: Path) -> None:
    from PIL import Image

    set_dir = tmp_path / "phone"
    set_dir.mkdir()
    (set_dir / "sample.heif").write_bytes((samples / "heic" / "samplefilehub.heif").read_bytes())
    result = proofdesk("run", str(set_dir), "--until", "resize",
                       env={"PROOFDESK_SCORING__AESTHETIC_ENGINE": "fallback"})
    assert result.exit_code == 0, result.output
    [row] = proofdesk.rows()
    assert row["stages_done"] == ["exif", "score", "resize"] and row["brisque_score"] is not None
    with Image.open(row["ollama_path"]) as model_ready:
        assert model_ready.format == "JPEG" and model_ready.size == (640, 426)

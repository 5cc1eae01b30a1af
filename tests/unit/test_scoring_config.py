"""Scoring settings: every key documented, defaults wired to the adapters the container builds."""

from __future__ import annotations

from pathlib import Path

from proofdesk.adapters.images.pillow_processor import PillowImageProcessor
from proofdesk.adapters.scoring.clip_aesthetic import OpenClipAestheticScorer
from proofdesk.adapters.scoring.opencv_brisque import OpenCvBrisqueScorer
from proofdesk.apps.config import ScoringSettings, load_settings
from proofdesk.apps.container import build_container, check_ports

ROOT = Path(__file__).resolve().parents[2]


def test_every_scoring_key_is_documented() -> None:
    reference = (ROOT / "docs" / "configuration.md").read_text()
    for key in ScoringSettings.model_fields:
        assert f"`scoring.{key}`" in reference, f"scoring.{key} is missing from docs/configuration.md"


def test_relative_model_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "conf" / "proofdesk.toml"
    config.parent.mkdir()
    config.write_text(
        "[scoring]\nbrisque_model = 'models/m.yml'\nbrisque_range = '/abs/r.yml'\n"
        "clip_model = 'models/tiny.json'\nclip_weights = 'models/w.pt'\naesthetic_head = 'h.pth'\n"
        "batch_size = 4\nresize_long_edge = 512\njpeg_quality = 80\nworkers = 3\n"
    )
    container = build_container(load_settings(config))
    check_ports(container)
    brisque = container.quality_scorer()
    assert isinstance(brisque, OpenCvBrisqueScorer)
    assert brisque.model_path == str(tmp_path / "conf" / "models" / "m.yml") and brisque.range_path == "/abs/r.yml"
    clip = container.aesthetic_scorer()
    assert isinstance(clip, OpenClipAestheticScorer)
    assert clip.model_name == str(tmp_path / "conf" / "models" / "tiny.json")
    assert clip.weights == str(tmp_path / "conf" / "models" / "w.pt")
    assert clip.head_path == str(tmp_path / "conf" / "h.pth") and clip.batch_size == 4
    assert isinstance(container.image_processor(), PillowImageProcessor)
    stages = container.scoring_stages()
    assert (stages.options.long_edge, stages.options.jpeg_quality, stages.options.workers) == (512, 80, 3)


def test_the_pipeline_runs_score_and_resize_after_the_queue(tmp_path: Path) -> None:
    settings = load_settings(None).model_copy(update={"workdir": str(tmp_path)})
    pipeline = build_container(settings).pipeline(reporter=None)
    names = [stage.value for stage, _ in pipeline.row_stages]
    assert names[:2] == ["score", "resize"]

"""Degenerate pictures never stop a run: every size from 1x1 up is scored (by the model or the marked
fallback) and a picture under `TINY_SIDE` pixels a side is flagged `tiny`, with the real scorers
(BRISQUE with the LIVE model, open_clip through the same code path as real weights), the frame
analyzer and the image processor, on generated tiny JPEGs and on real files (a 1x1 iPhone JPEG,
exiftool's 8x8 test images); and a set holding the 1x1 file runs to the end."""

from __future__ import annotations

import io
import json
import os
import random
import shutil
from pathlib import Path

import pytest
from PIL import Image
from proofdesk.adapters.images.frame_analyzer import NumpyFrameAnalyzer
from proofdesk.adapters.images.pillow_processor import PillowImageProcessor
from proofdesk.adapters.scoring.fallback import FallbackAestheticScorer, FallbackQualityScorer
from proofdesk.adapters.scoring.opencv_brisque import DEFAULT_MODEL, DEFAULT_RANGE, ENGINE, MIN_SIDE, OpenCvBrisqueScorer
from proofdesk.core.domain.scenes import TINY_SIDE, quality_flags
from proofdesk.core.domain.scoring import BRISQUE_FALLBACK_ENGINE
from proofdesk.core.ports.media import DecodedImage

from tests.support.tiny_clip import TinyClip

from .conftest import Proofdesk

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
OFFLINE = {"PROOFDESK_CAPTIONER__BACKEND": "offline"}

# width x height: a single pixel, one-pixel rows and columns, the sizes around BRISQUE's minimum,
# exiftool's 8x8 test images, just under and at the tiny limit
SIZES = [(1, 1), (1, 7), (7, 1), (1, 1024), (1024, 1), (2, 2), (3, 40), (5, 5), (6, 6), (8, 8), (31, 200), (32, 32), (64, 48)]


def tiny_jpeg(width: int, height: int, seed: int = 0) -> bytes:
    """A JPEG of random colour blocks (so a picture of every size has something in it)."""
    rng = random.Random(seed * 7919 + width * 31 + height)
    picture = Image.frombytes("RGB", (width, height), bytes(rng.randrange(256) for _ in range(width * height * 3)))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def decoded_jpeg(data: bytes) -> DecodedImage:
    return PillowImageProcessor().decode(data, 1024)


def live_brisque() -> OpenCvBrisqueScorer:
    missing = [path for path in (DEFAULT_MODEL, DEFAULT_RANGE) if not Path(path).is_file()]
    if missing:
        message = f"BRISQUE LIVE model files missing: {', '.join(missing)} (apt-get install opencv-data)"
        if IN_CI:
            pytest.fail("CI=true: " + message, pytrace=False)
        pytest.skip(message)
    scorer = OpenCvBrisqueScorer(DEFAULT_MODEL, DEFAULT_RANGE, threads=2)
    assert scorer.engine == ENGINE, scorer.describe()
    return scorer


@pytest.fixture(scope="module")
def brisque() -> OpenCvBrisqueScorer:
    return live_brisque()


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory: pytest.TempPathFactory) -> TinyClip:
    return TinyClip(tmp_path_factory.mktemp("tiny-clip"))


# ---------------------------------------------------------------- the measured minimum


def test_the_live_brisque_model_raises_on_a_1_pixel_side_and_answers_0_whatever_a_picture_under_6x6_shows(
    brisque: OpenCvBrisqueScorer,
) -> None:
    """What `MIN_SIDE` rests on, measured on the model itself (not through the scorer's guard)."""
    import cv2
    import numpy as np

    model = cv2.quality.QualityBRISQUE_create(DEFAULT_MODEL, DEFAULT_RANGE)
    rng = np.random.default_rng(508)
    for height, width in ((1, 1), (1, 64), (64, 1), (2, 1)):
        with pytest.raises(cv2.error, match="inv_scale_x > 0"):
            model.compute(rng.integers(0, 256, (height, width), dtype=np.uint8))
    for height, width in ((2, 2), (2, 64), (3, 3), (64, 3), (4, 4), (5, 5)):
        values = {float(model.compute(rng.integers(0, 256, (height, width), dtype=np.uint8))[0]) for _ in range(20)}
        values |= {float(model.compute(np.full((height, width), level, np.uint8))[0]) for level in (0, 128, 255)}
        assert values == {0.0}, (height, width, values)
    at_minimum = {round(float(model.compute(rng.integers(0, 256, (MIN_SIDE, MIN_SIDE), dtype=np.uint8))[0]), 3)
                  for _ in range(20)}
    assert len(at_minimum) > 1  # from 6x6 the value depends on the picture
    assert MIN_SIDE == 6


# ---------------------------------------------------------------- each component on each size


@pytest.mark.parametrize("width, height", SIZES)
def test_real_brisque_scores_every_size_with_the_model_or_the_marked_fallback(
    brisque: OpenCvBrisqueScorer, width: int, height: int
) -> None:
    image = decoded_jpeg(tiny_jpeg(width, height))
    assert (image.width, image.height) == (width, height)
    score = brisque.score(image)
    if min(width, height) < MIN_SIDE:
        assert score.fallback is True and score.engine == BRISQUE_FALLBACK_ENGINE
        assert score.value == FallbackQualityScorer().score(image).value
    else:
        assert score.fallback is False and score.engine == ENGINE
    assert 0.0 <= score.value <= 100.0
    # in a batch with a normal photo, each picture gets its own score
    normal = decoded_jpeg(tiny_jpeg(320, 240))
    batch = brisque.score_batch([image, normal, image])
    assert [s.fallback for s in batch] == [score.fallback, False, score.fallback]
    assert batch[0] == batch[2] == score


@pytest.mark.parametrize("width, height", SIZES)
def test_the_clip_aesthetic_scorer_and_the_fallbacks_score_every_size(tiny_clip: TinyClip, width: int, height: int) -> None:
    image = decoded_jpeg(tiny_jpeg(width, height))
    clip = tiny_clip.scorer(batch_size=2)
    scores = clip.score_batch([image, decoded_jpeg(tiny_jpeg(64, 48)), image])
    assert all(score.fallback is False for score in scores), clip.describe()
    assert scores[0].value == pytest.approx(scores[2].value, rel=1e-5)
    assert 1.0 <= FallbackAestheticScorer().score(image).value <= 10.0
    assert 0.0 < FallbackQualityScorer().score(image).value <= 100.0


@pytest.mark.parametrize("width, height", SIZES)
def test_the_frame_analyzer_measures_every_size_and_flags_the_tiny_ones(width: int, height: int) -> None:
    analysis = NumpyFrameAnalyzer().analyze(decoded_jpeg(tiny_jpeg(width, height)))
    measures = analysis.measures
    assert (measures.width, measures.height) == (width, height)
    assert len(analysis.signature.split(".")) == 25
    if min(width, height) < TINY_SIDE:
        assert measures.is_tiny and quality_flags(measures) == ["tiny"]
    else:
        assert not measures.is_tiny and "tiny" not in quality_flags(measures)


@pytest.mark.parametrize("width, height", SIZES)
def test_resize_and_thumbnails_work_at_every_size(width: int, height: int) -> None:
    processor = PillowImageProcessor()
    data = tiny_jpeg(width, height)
    for made in (processor.model_ready(data, 1024, 90), processor.thumbnail(data, 400, 90),
                 processor.encode_jpeg(processor.decode(data, 64), 90)):
        with Image.open(io.BytesIO(made)) as image:
            assert image.format == "JPEG" and image.width >= 1 and image.height >= 1
            assert max(image.size) <= max(width, height)  # never upscaled


# ---------------------------------------------------------------- real tiny files


def test_the_1x1_iphone_jpeg_scores_with_the_marked_fallback_and_is_flagged_tiny(
    brisque: OpenCvBrisqueScorer, tiny_clip: TinyClip, realworld_samples: Path
) -> None:
    image = decoded_jpeg((realworld_samples / "Issue 508.jpg").read_bytes())
    assert (image.width, image.height) == (1, 1)
    score = brisque.score(image)
    assert score.fallback is True and score.engine == BRISQUE_FALLBACK_ENGINE
    assert tiny_clip.scorer().score(image).fallback is False
    measures = NumpyFrameAnalyzer().analyze(image).measures
    assert quality_flags(measures) == ["tiny"]


@pytest.mark.parametrize("name", ["MWG.jpg", "XMP.jpg", "PhotoMechanic.jpg", "Google.jpg"])
def test_exiftools_8x8_test_images_score_with_the_model_and_are_flagged_tiny(
    brisque: OpenCvBrisqueScorer, realworld_samples: Path, name: str
) -> None:
    image = decoded_jpeg((realworld_samples / name).read_bytes())
    assert (image.width, image.height) == (8, 8)
    assert brisque.score(image).fallback is False
    assert quality_flags(NumpyFrameAnalyzer().analyze(image).measures) == ["tiny"]


# ---------------------------------------------------------------- the whole pipeline


def test_a_set_with_the_1x1_file_and_a_normal_photo_runs_to_the_end(
    proofdesk: Proofdesk, realworld_samples: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "tiny_and_normal"
    folder.mkdir()
    for name in ("Issue 508.jpg", "Canon EOS 7D.jpg"):
        shutil.copy2(realworld_samples / name, folder / name)
    result = proofdesk.subprocess("run", str(folder), "--no-review", env=OFFLINE, timeout=300)
    assert result.returncode in (0, 3), result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "rolled back" not in result.stderr
    assert "tiny_and_normal/Issue 508.jpg: 1x1 pixels, a tiny picture" in result.stderr + result.stdout
    rows = {row["original_name"]: row for row in json.loads(proofdesk.subprocess("rows", "--json").stdout)}
    assert sorted(rows) == ["Canon EOS 7D.jpg", "Issue 508.jpg"]
    for row in rows.values():
        assert "score" in row["stages_done"] and "resize" in row["stages_done"] and "scene" in row["stages_done"]
        assert isinstance(row["brisque_score"], float) and isinstance(row["clip_aesthetic_score"], float)
        assert Path(row["ollama_path"]).is_file()
    tiny, normal = rows["Issue 508.jpg"], rows["Canon EOS 7D.jpg"]
    assert tiny["quality_flags"] == ["tiny"] and tiny["brisque_fallback"] is True
    assert normal["quality_flags"] == []
    if IN_CI or Path(DEFAULT_MODEL).is_file():
        assert normal["brisque_fallback"] is False

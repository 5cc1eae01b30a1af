from __future__ import annotations

import importlib.metadata
import os
from pathlib import Path

import pytest
from PIL import Image
from proofdesk.adapters.memory import FakeQualityScorer
from proofdesk.adapters.scoring.fallback import FallbackQualityScorer
from proofdesk.adapters.scoring.opencv_brisque import (
    DEFAULT_MODEL,
    DEFAULT_RANGE,
    ENGINE,
    OpenCvBrisqueScorer,
)
from proofdesk.apps.config import load_settings
from proofdesk.apps.container import build_container
from proofdesk.core.domain.scoring import BRISQUE_FALLBACK_ENGINE, brisque_fallback
from proofdesk.core.ports.media import QualityScorer

from tests.support.images import blurred, decoded, load_sample, noised

from .contract import QualityScorerContract

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def live_model_or_skip() -> tuple[str, str]:
    """The LIVE-trained BRISQUE files from Debian's opencv-data. Under CI=true, missing is a failure."""
    missing = [path for path in (DEFAULT_MODEL, DEFAULT_RANGE) if not Path(path).is_file()]
    if missing:
        message = f"BRISQUE LIVE model files missing: {', '.join(missing)} (apt-get install opencv-data)"
        if IN_CI:
            pytest.fail("CI=true: " + message, pytrace=False)
        pytest.skip(message)
    try:
        import cv2
    except ImportError:
        if IN_CI:
            pytest.fail("CI=true: OpenCV is not installed (pip install -e '.[ml]')", pytrace=False)
        pytest.skip("OpenCV is not installed")
    if not hasattr(cv2, "quality"):
        pytest.fail("cv2 has no contrib quality module: opencv-contrib-python-headless must provide cv2", pytrace=False)
    return DEFAULT_MODEL, DEFAULT_RANGE


class TestFakeQualityScorer(QualityScorerContract):
    @pytest.fixture
    def scorer(self) -> QualityScorer:
        return FakeQualityScorer()


class TestFallbackQualityScorer(QualityScorerContract):
    @pytest.fixture
    def scorer(self) -> QualityScorer:
        return FallbackQualityScorer()

    def test_fallback_formula_is_the_documented_one(self) -> None:
        flat = decoded(Image.new("RGB", (32, 32), (90, 90, 90)))
        score = FallbackQualityScorer().score(flat)
        assert score.fallback is True and score.engine == BRISQUE_FALLBACK_ENGINE
        assert score.value == brisque_fallback(0.0) == 100.0
        assert brisque_fallback(10.0) == 50.0


class TestOpenCvBrisqueLive(QualityScorerContract):
    @pytest.fixture
    def scorer(self) -> QualityScorer:
        model, ranges = live_model_or_skip()
        return OpenCvBrisqueScorer(model, ranges, threads=2)

    def test_the_real_model_scores(self, scorer: OpenCvBrisqueScorer, quality_images: list) -> None:
        assert scorer.engine == ENGINE
        assert all(score.fallback is False for score in scorer.score_batch(quality_images))

    def test_sharp_photos_rank_better_than_their_blurred_and_noised_copies(
        self, scorer: QualityScorer, gps_set: Path
    ) -> None:
        for path in sorted(gps_set.glob("*.jpg"))[:4]:
            sharp = load_sample(path, 512)
            values = [s.value for s in scorer.score_batch(
                [decoded(sharp), decoded(blurred(sharp, 2.0)), decoded(blurred(sharp, 4.0)), decoded(noised(sharp, 30.0))]
            )]
            sharp_value, blur2, blur4, noisy = values
            assert sharp_value < blur2 < blur4, (path.name, values)  # lower = better
            assert sharp_value < noisy, (path.name, values)


def test_missing_model_file_falls_back_and_says_why(tmp_path: Path) -> None:
    scorer = OpenCvBrisqueScorer(str(tmp_path / "nope.yml"), DEFAULT_RANGE)
    image = decoded(Image.linear_gradient("L").resize((64, 48)))
    score = scorer.score(image)
    assert score.fallback is True and score.engine == BRISQUE_FALLBACK_ENGINE
    assert scorer.engine == BRISQUE_FALLBACK_ENGINE
    assert "nope.yml" in scorer.describe() and "scoring.brisque_model" in scorer.describe()
    assert score.value == FallbackQualityScorer().score(image).value


def test_configured_engine_is_the_one_that_runs(tmp_path: Path) -> None:
    """The default config picks OpenCV's BRISQUE with the LIVE model, and that engine scores
    (in CI: never the fallback); cv2 comes from the contrib wheel, not a plain OpenCV wheel."""
    live_model_or_skip()
    settings = load_settings(None).model_copy(update={"workdir": str(tmp_path / "wd")})
    assert settings.scoring.brisque_engine == "opencv"
    scorer = build_container(settings).quality_scorer()
    assert isinstance(scorer, OpenCvBrisqueScorer)
    assert scorer.model_path.endswith("brisque_model_live.yml")
    score = scorer.score(decoded(Image.linear_gradient("L").resize((96, 64))))
    assert scorer.engine == ENGINE and score.fallback is False, scorer.describe()
    importlib.metadata.version("opencv-contrib-python-headless")
    for plain in ("opencv-python-headless", "opencv-python"):
        with pytest.raises(importlib.metadata.PackageNotFoundError):
            importlib.metadata.version(plain)  # it would overwrite contrib's cv2 (no cv2.quality)


def test_brisque_disabled_or_fallback_engine_uses_the_flagged_formula(tmp_path: Path) -> None:
    base = load_settings(None)
    for scoring in (
        base.scoring.model_copy(update={"brisque": False}),
        base.scoring.model_copy(update={"brisque_engine": "fallback"}),
    ):
        settings = base.model_copy(update={"scoring": scoring, "workdir": str(tmp_path)})
        scorer = build_container(settings).quality_scorer()
        assert isinstance(scorer, FallbackQualityScorer)
        assert scorer.score(decoded(Image.new("RGB", (8, 8)))).fallback is True

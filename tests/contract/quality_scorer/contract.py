"""Quality-scorer (BRISQUE) behaviour, bound to the fake, the fallback and OpenCV's LIVE model."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from proofdesk.core.ports.media import DecodedImage, QualityScorer

from tests.support.images import decoded, degenerate_images, load_sample, synthetic_images


class QualityScorerContract:
    @pytest.fixture(scope="class")
    @classmethod
    def quality_images(cls, gps_set: Path) -> list[DecodedImage]:
        photos = [decoded(load_sample(path, 480)) for path in sorted(gps_set.glob("*.jpg"))[:3]]
        return photos + synthetic_images()

    @pytest.fixture
    def scorer(self) -> QualityScorer:  # pragma: no cover - bound by subclasses
        raise NotImplementedError

    def test_one_score_per_image_in_order(self, scorer: QualityScorer, quality_images: list[DecodedImage]) -> None:
        scores = scorer.score_batch(quality_images)
        assert len(scores) == len(quality_images)
        assert [s.value for s in scores] == [scorer.score(image).value for image in quality_images]

    def test_empty_batch_gives_no_scores(self, scorer: QualityScorer) -> None:
        assert scorer.score_batch([]) == []

    def test_same_image_same_value(self, scorer: QualityScorer, quality_images: list[DecodedImage]) -> None:
        first = [s.value for s in scorer.score_batch(quality_images)]
        copies = [DecodedImage(i.width, i.height, bytes(i.rgb)) for i in quality_images]
        assert [s.value for s in scorer.score_batch(copies)] == first

    def test_a_batch_equals_one_by_one(self, scorer: QualityScorer, quality_images: list[DecodedImage]) -> None:
        batch = [s.value for s in scorer.score_batch(quality_images)]
        singles = [scorer.score_batch([image])[0].value for image in quality_images]
        assert batch == pytest.approx(singles, rel=1e-6, abs=1e-6)

    def test_values_are_finite_and_say_where_they_came_from(
        self, scorer: QualityScorer, quality_images: list[DecodedImage]
    ) -> None:
        for score in scorer.score_batch(quality_images):
            assert math.isfinite(score.value)
            assert -20.0 <= score.value <= 120.0  # BRISQUE: about 0 (best) .. 100 (worst)
            assert isinstance(score.fallback, bool)
            assert score.engine == scorer.engine
            assert score.source == ("fallback" if score.fallback else "model")
        assert scorer.engine in scorer.describe()

    def test_pictures_from_1x1_up_get_a_finite_score_each(self, scorer: QualityScorer) -> None:
        images = degenerate_images()
        scores = scorer.score_batch(images)
        assert len(scores) == len(images) and all(math.isfinite(s.value) for s in scores)
        assert [s.value for s in scores] == [scorer.score(image).value for image in images]

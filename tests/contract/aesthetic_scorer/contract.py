"""Aesthetic-scorer behaviour, bound to the fake, the fallback and open_clip with a tiny model."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from proofdesk.core.ports.media import AestheticScorer, DecodedImage

from tests.support.images import decoded, degenerate_images, load_sample, synthetic_images


class AestheticScorerContract:
    @pytest.fixture
    def scorer(self) -> AestheticScorer:  # pragma: no cover - bound by subclasses
        raise NotImplementedError

    @pytest.fixture(scope="class")
    @classmethod
    def aesthetic_images(cls, gps_set: Path) -> list[DecodedImage]:
        photos = [decoded(load_sample(path, 320)) for path in sorted(gps_set.glob("*.jpg"))[:3]]
        return photos + synthetic_images()  # 7 images: more than one batch of 3

    def test_one_score_per_image_in_order(self, scorer: AestheticScorer, aesthetic_images: list[DecodedImage]) -> None:
        scores = scorer.score_batch(aesthetic_images)
        assert len(scores) == len(aesthetic_images)
        assert [s.value for s in scores] == pytest.approx([scorer.score(i).value for i in aesthetic_images], abs=1e-5)

    def test_empty_batch_gives_no_scores(self, scorer: AestheticScorer) -> None:
        assert scorer.score_batch([]) == []

    def test_same_input_same_value(self, scorer: AestheticScorer, aesthetic_images: list[DecodedImage]) -> None:
        first = [s.value for s in scorer.score_batch(aesthetic_images)]
        assert [s.value for s in scorer.score_batch(aesthetic_images)] == first

    def test_a_batch_equals_one_by_one(self, scorer: AestheticScorer, aesthetic_images: list[DecodedImage]) -> None:
        batch = [s.value for s in scorer.score_batch(aesthetic_images)]
        singles = [scorer.score_batch([image])[0].value for image in aesthetic_images]
        assert batch == pytest.approx(singles, rel=1e-4, abs=1e-5)

    def test_values_are_finite_and_say_where_they_came_from(
        self, scorer: AestheticScorer, aesthetic_images: list[DecodedImage]
    ) -> None:
        for score in scorer.score_batch(aesthetic_images):
            assert math.isfinite(score.value)
            assert isinstance(score.fallback, bool)
            assert score.engine == scorer.engine
            if score.fallback:
                assert 1.0 <= score.value <= 10.0  # the documented fallback range
        assert scorer.engine in scorer.describe()

    def test_pictures_from_1x1_up_get_a_finite_score_each(self, scorer: AestheticScorer) -> None:
        images = degenerate_images()
        scores = scorer.score_batch(images)
        assert len(scores) == len(images) and all(math.isfinite(s.value) for s in scores)
        assert [s.value for s in scores] == pytest.approx([scorer.score(image).value for image in images], abs=1e-5)

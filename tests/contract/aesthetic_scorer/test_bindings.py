"""open_clip is tested with a tiny model built here (random weights, fixed seed), saved to files
and loaded through the same code path as real weights: a model-config JSON + checkpoint file +
head file, exactly what `scoring.clip_model`, `scoring.clip_weights`, `scoring.aesthetic_head` name."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from PIL import Image
from proofdesk.adapters.memory import FakeAestheticScorer
from proofdesk.adapters.scoring.clip_aesthetic import OpenClipAestheticScorer
from proofdesk.adapters.scoring.fallback import FallbackAestheticScorer
from proofdesk.core.domain.scoring import AESTHETIC_FALLBACK_ENGINE, aesthetic_fallback
from proofdesk.core.ports.media import AestheticScorer

from tests.support.images import decoded
from tests.support.tiny_clip import TINY_EMBED, TinyClip

from .contract import AestheticScorerContract


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory: pytest.TempPathFactory) -> TinyClip:
    return TinyClip(tmp_path_factory.mktemp("tiny-clip"))


class TestFakeAestheticScorer(AestheticScorerContract):
    @pytest.fixture
    def scorer(self) -> AestheticScorer:
        return FakeAestheticScorer()


class TestFallbackAestheticScorer(AestheticScorerContract):
    @pytest.fixture
    def scorer(self) -> AestheticScorer:
        return FallbackAestheticScorer()

    def test_fallback_formula_is_the_documented_one(self) -> None:
        grey = FallbackAestheticScorer().score(decoded(Image.new("RGB", (16, 16), (90, 90, 90))))
        assert grey.fallback is True and grey.engine == AESTHETIC_FALLBACK_ENGINE
        assert grey.value == aesthetic_fallback(0.0, 0.0) == 1.0
        assert aesthetic_fallback(128.0, 255.0, 1e12) == pytest.approx(10.0)
        assert aesthetic_fallback(64.0, 0.0) == pytest.approx(1 + 9 * 0.2)
        assert aesthetic_fallback(0.0, 0.0, 8.0) == pytest.approx(1 + 9 * 0.2)


class TestOpenClipTinyLinearHead(AestheticScorerContract):
    @pytest.fixture
    def scorer(self, tiny_clip: TinyClip) -> AestheticScorer:
        return tiny_clip.scorer()

    def test_the_model_scores_with_the_expected_shapes(self, scorer: OpenClipAestheticScorer, aesthetic_images: list) -> None:
        assert scorer.engine == "open_clip:proofdesk-tiny-clip"
        embeddings = scorer.embed(aesthetic_images)
        assert tuple(embeddings.shape) == (len(aesthetic_images), TINY_EMBED)
        assert torch.allclose(embeddings.norm(dim=-1), torch.ones(len(aesthetic_images)), atol=1e-5)
        assert all(score.fallback is False for score in scorer.score_batch(aesthetic_images))


class TestOpenClipTinyMlpHead(AestheticScorerContract):
    @pytest.fixture
    def scorer(self, tiny_clip: TinyClip) -> AestheticScorer:
        return tiny_clip.scorer(head=tiny_clip.mlp_head, batch_size=2)


def test_two_loads_of_the_same_files_give_the_same_scores(tiny_clip: TinyClip) -> None:
    images = [decoded(Image.new("RGB", (40 + i, 30), (50 * i, 255 - 40 * i, 90))) for i in range(5)]
    first = [s.value for s in tiny_clip.scorer(batch_size=5).score_batch(images)]
    second = [s.value for s in tiny_clip.scorer(batch_size=1).score_batch(images)]
    assert first == pytest.approx(second, rel=1e-4, abs=1e-6)
    assert len(set(first)) > 1  # the tiny model tells the images apart


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"weights": None}, "scoring.clip_weights is not set"),
        ({"weights": "openai"}, "scoring.clip_weights file openai does not exist"),  # a hub tag is never fetched
        ({"head": None}, "scoring.aesthetic_head is not set"),
        ({"head": "/nonexistent/head.pth"}, "does not exist"),
        ({"model": "hf-hub:laion/CLIP-ViT-B-32"}, "hub models are not downloaded"),
    ],
)
def test_missing_or_remote_model_files_fall_back(tiny_clip: TinyClip, change: dict, reason: str) -> None:
    arguments = {"model": str(tiny_clip.config), "weights": str(tiny_clip.weights), "head": str(tiny_clip.linear_head)}
    scorer = OpenClipAestheticScorer(**{**arguments, **change})
    image = decoded(Image.new("RGB", (20, 20), (200, 30, 30)))
    score = scorer.score(image)
    assert score.fallback is True and score.engine == AESTHETIC_FALLBACK_ENGINE
    assert reason in scorer.describe()
    assert score.value == FallbackAestheticScorer().score(image).value


def test_a_head_for_another_embedding_size_falls_back_and_says_so(tiny_clip: TinyClip) -> None:
    scorer = tiny_clip.scorer(head=tiny_clip.wrong_head)
    assert scorer.score(decoded(Image.new("RGB", (20, 20)))).fallback is True
    assert "25-d embeddings" in scorer.describe() and "24-d" in scorer.describe()


def test_building_the_container_and_scorers_imports_no_torch(tmp_path: Path) -> None:
    code = (
        "import sys; from proofdesk.apps.config import load_settings; "
        "from proofdesk.apps.container import build_container; "
        f"c = build_container(load_settings(None).model_copy(update={{'workdir': {str(tmp_path)!r}}})); "
        "c.aesthetic_scorer(); c.quality_scorer(); c.image_processor(); "
        "print(','.join(m for m in ('torch', 'open_clip', 'cv2', 'numpy') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""

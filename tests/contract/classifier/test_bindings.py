"""The classifier contract on the fake and on open_clip with a tiny model (random weights, fixed
seed, a real tokenizer vocabulary) loaded through the same code path as real weights."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from proofdesk.adapters.memory import FakeClassifier
from proofdesk.adapters.scoring.clip_classifier import OpenClipClassifier
from proofdesk.core.ports.media import Classifier

from tests.support.corpus import jpeg_bytes

from .contract import VOCABULARY, ClassifierContract

TINY_TEXT_CONFIG = {
    "embed_dim": 16,
    "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "head_width": 16, "patch_size": 8},
    "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 16, "heads": 2, "layers": 1},
}


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    import open_clip
    import torch

    root = tmp_path_factory.mktemp("tiny-clip-text")
    config = root / "proofdesk-tiny-clip-text.json"
    config.write_text(json.dumps(TINY_TEXT_CONFIG))
    open_clip.add_model_config(config)
    torch.manual_seed(99)
    model = open_clip.create_model("proofdesk-tiny-clip-text")
    weights = root / "tiny-clip-text.pt"
    torch.save(model.state_dict(), weights)
    return config, weights


class TestFakeClassifier(ClassifierContract):
    @pytest.fixture
    def classifier(self) -> Classifier:
        return FakeClassifier(default=["river", "bridge", "tower", "boat"])

    def test_no_image_no_labels(self, classifier: Classifier) -> None:
        assert FakeClassifier(default=["river"]).labels(b"", top_k=3) == ["river"]  # the fake ignores pixels


class TestOpenClipClassifier(ClassifierContract):
    @pytest.fixture
    def classifier(self, tiny_model: tuple[Path, Path]) -> Classifier:
        config, weights = tiny_model
        return OpenClipClassifier(str(config), str(weights), vocabulary=VOCABULARY, min_probability=0.0, threads=1)

    def test_probabilities_sum_to_one_and_differ_per_image(self, classifier: OpenClipClassifier) -> None:
        first = dict(classifier.scores(jpeg_bytes(3, size=(64, 48))))
        second = dict(classifier.scores(jpeg_bytes(4, size=(64, 48))))
        assert set(first) == set(VOCABULARY)
        assert sum(first.values()) == pytest.approx(1.0, abs=1e-4)
        assert first != second

    def test_missing_weights_give_no_hints_and_say_why(self, tmp_path: Path) -> None:
        classifier = OpenClipClassifier("ViT-B-32", str(tmp_path / "nope.pt"), vocabulary=VOCABULARY)
        assert classifier.labels(jpeg_bytes(1), top_k=3) == []
        assert "does not exist" in classifier.describe()

"""Classifier behaviour: labels come from the vocabulary, at most top_k, deterministic."""

from __future__ import annotations

import pytest
from proofdesk.core.ports.media import Classifier

from tests.support.corpus import jpeg_bytes

VOCABULARY = ["boat", "bridge", "church", "harbour", "mountain", "river", "street", "tower"]


class ClassifierContract:
    @pytest.fixture
    def classifier(self) -> Classifier:  # pragma: no cover - bound by subclasses
        raise NotImplementedError

    def test_labels_come_from_the_vocabulary(self, classifier: Classifier) -> None:
        labels = classifier.labels(jpeg_bytes(1, size=(64, 48)), top_k=3)
        assert 1 <= len(labels) <= 3 and set(labels) <= set(VOCABULARY)
        assert len(set(labels)) == len(labels)

    def test_deterministic(self, classifier: Classifier) -> None:
        image = jpeg_bytes(2, size=(64, 48))
        assert classifier.labels(image, top_k=4) == classifier.labels(image, top_k=4)

    def test_no_image_no_labels(self, classifier: Classifier) -> None:
        assert classifier.labels(b"", top_k=3) == []

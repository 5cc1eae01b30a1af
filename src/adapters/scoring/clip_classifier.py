"""Zero-shot classifier hints with open_clip: the photo's image embedding against text embeddings
of a configurable vocabulary ("a photo of a {label}"); the best labels become classifier hints in
the caption prompt and count as evidence for keywords. Loads from local files only."""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from typing import Any

from proofdesk.adapters.scoring.open_clip_loader import (
    ClipUnavailable,
    LoadedClip,
    load_open_clip,
)
from proofdesk.core.ports.media import Classifier

DEFAULT_VOCABULARY = (
    "beach", "boat", "bridge", "building", "car", "castle", "cat", "church", "city", "cliff", "cloud", "coast",
    "dog", "field", "flower", "forest", "harbour", "horse", "lake", "market", "mountain", "night sky", "people",
    "portrait", "river", "road", "ruins", "sea", "snow", "square", "street", "sunset", "tower", "tree", "village",
    "waterfall",
)


class OpenClipClassifier(Classifier):
    def __init__(self, model: str, weights: str | None, vocabulary: Sequence[str] = DEFAULT_VOCABULARY,
                 template: str = "a photo of a {}", min_probability: float = 0.05, device: str = "cpu",
                 threads: int = 0) -> None:
        if not vocabulary:
            raise ValueError("classifier.vocabulary is empty")
        self.model_name = model
        self.weights = weights
        self.vocabulary = [word.strip().lower() for word in vocabulary if word.strip()]
        self.template = template
        self.min_probability = min_probability
        self.device = device
        self.threads = threads
        self._mutex = threading.Lock()
        self._clip: LoadedClip | None = None
        self._text: Any = None
        self.unavailable: str | None = None

    def load(self) -> bool:
        with self._mutex:
            if self._clip is None and self.unavailable is None:
                try:
                    clip = load_open_clip(self.model_name, self.weights, self.device, self.threads)
                    tokenizer = clip.open_clip.get_tokenizer(clip.architecture)
                    with clip.torch.inference_mode():
                        tokens = tokenizer([self.template.format(word) for word in self.vocabulary]).to(clip.device)
                        text = clip.model.encode_text(tokens)
                        self._text = text / text.norm(dim=-1, keepdim=True)
                    self._clip = clip
                except ClipUnavailable as exc:
                    self.unavailable = str(exc)
                except (RuntimeError, IndexError, ValueError) as exc:
                    self.unavailable = f"cannot encode the classifier vocabulary with {self.model_name}: {exc}"
            return self._clip is not None

    def describe(self) -> str:
        if self.load():
            return f"open_clip zero-shot over {len(self.vocabulary)} labels ({self.model_name})"
        return f"no classifier hints: {self.unavailable}"

    def scores(self, image_jpeg: bytes) -> list[tuple[str, float]]:
        """Every label with its probability, best first (empty when the model cannot load)."""
        if not image_jpeg or not self.load():
            return []
        from PIL import Image

        clip = self._clip
        assert clip is not None
        with Image.open(io.BytesIO(image_jpeg)) as opened:
            pixels = clip.preprocess(opened.convert("RGB")).unsqueeze(0).to(clip.device)
        with clip.torch.inference_mode():
            image = clip.model.encode_image(pixels)
            image = image / image.norm(dim=-1, keepdim=True)
            logit_scale = clip.model.logit_scale.exp() if hasattr(clip.model, "logit_scale") else 100.0
            probabilities = (logit_scale * image @ self._text.T).softmax(dim=-1)[0].tolist()
        return sorted(zip(self.vocabulary, probabilities, strict=True), key=lambda pair: -pair[1])

    def labels(self, image_jpeg: bytes, top_k: int = 5) -> list[str]:
        return [label for label, p in self.scores(image_jpeg)[:top_k] if p >= self.min_probability]

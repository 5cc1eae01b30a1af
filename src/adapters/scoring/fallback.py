"""Deterministic fallback scorers: the documented formulas of `proofdesk.core.services.stages.scoring` over image
statistics computed with Pillow (no numpy, no models), flagged `fallback=True`.

Used when a scorer's engine is set to `fallback`, and by the model adapters when their model
files cannot be loaded.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageFilter, ImageStat
from proofdesk.core.domain.scoring import (
    AESTHETIC_FALLBACK_ENGINE,
    BRISQUE_FALLBACK_ENGINE,
    aesthetic_fallback,
    brisque_fallback,
)
from proofdesk.core.ports.media import (
    AestheticScorer,
    DecodedImage,
    QualityScorer,
    Score,
)

_LAPLACIAN = ImageFilter.Kernel((3, 3), [0, 1, 0, 1, -4, 1, 0, 1, 0], scale=1, offset=128)


@dataclass(frozen=True)
class ImageStatistics:
    laplacian_std: float
    luma_std: float
    mean_saturation: float


def image_statistics(image: DecodedImage) -> ImageStatistics:
    pixels = Image.frombuffer("RGB", (image.width, image.height), image.rgb, "raw", "RGB", 0, 1)
    luma = pixels.convert("L")
    laplacian = luma.filter(_LAPLACIAN)
    if laplacian.width > 2 and laplacian.height > 2:
        # Pillow's kernel filter copies the 1-pixel border unfiltered: leave it out.
        laplacian = laplacian.crop((1, 1, laplacian.width - 1, laplacian.height - 1))
    saturation = pixels.convert("HSV").getchannel("S")
    return ImageStatistics(
        laplacian_std=float(ImageStat.Stat(laplacian).stddev[0]),
        luma_std=float(ImageStat.Stat(luma).stddev[0]),
        mean_saturation=float(ImageStat.Stat(saturation).mean[0]),
    )


class FallbackQualityScorer(QualityScorer):
    def __init__(self, reason: str = "scoring.brisque_engine = fallback") -> None:
        self.reason = reason

    @property
    def engine(self) -> str:
        return BRISQUE_FALLBACK_ENGINE

    def score_batch(self, images: Sequence[DecodedImage]) -> list[Score]:
        return [
            Score(brisque_fallback(image_statistics(image).laplacian_std), True, BRISQUE_FALLBACK_ENGINE)
            for image in images
        ]

    def describe(self) -> str:
        return f"{self.engine} (fallback: {self.reason})"


class FallbackAestheticScorer(AestheticScorer):
    def __init__(self, reason: str = "scoring.aesthetic_engine = fallback") -> None:
        self.reason = reason

    @property
    def engine(self) -> str:
        return AESTHETIC_FALLBACK_ENGINE

    def score_batch(self, images: Sequence[DecodedImage]) -> list[Score]:
        scores = []
        for image in images:
            stats = image_statistics(image)
            value = aesthetic_fallback(stats.luma_std, stats.mean_saturation)
            scores.append(Score(value, True, AESTHETIC_FALLBACK_ENGINE))
        return scores

    def describe(self) -> str:
        return f"{self.engine} (fallback: {self.reason})"


class LoadOnceOrFallBack:
    """Shared by the model scorers: load the model once (thread-safe); when it cannot load, keep
    the reason and score with the documented fallback instead. Subclasses set `fallback_type`,
    call `_init_loading()` and implement `_try_load() -> reason | None`."""

    fallback_type: type

    def _init_loading(self) -> None:
        self._mutex = threading.Lock()
        self._loaded: bool | None = None
        self._fallback: Any = None

    def _try_load(self) -> str | None:  # pragma: no cover - implemented by subclasses
        raise NotImplementedError

    def load(self) -> bool:
        """Load the model once; False (with the reason in `describe()`) when it cannot load."""
        with self._mutex:
            if self._loaded is None:
                reason = self._try_load()
                self._loaded = reason is None
                if reason is not None:
                    self._fallback = self.fallback_type(reason)
            return self._loaded

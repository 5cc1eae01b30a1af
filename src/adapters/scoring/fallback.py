"""Deterministic fallback scorers: the documented formulas of `proofdesk.core.services.stages.scoring` over image
statistics computed with Pillow (no numpy, no models), flagged `fallback=True`.

Used when a scorer's engine is set to `fallback`, and by the model adapters when their model
files cannot be loaded.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageFilter, ImageStat
from proofdesk.core.domain.scoring import (
    AESTHETIC_FALLBACK_ENGINE,
    BRISQUE_FALLBACK_ENGINE,
    aesthetic_fallback,
    brisque_fallback,
    fallback_sharpness,
)
from proofdesk.core.ports.media import (
    AestheticScorer,
    DecodedImage,
    QualityScorer,
    Score,
)

# Pillow filters 8-bit images only: both kernels are scaled by 1/4 around 128, so their output
# (|value| up to 4*128 before clipping) keeps its spread; the statistics scale back by 4.
_LAPLACIAN = ImageFilter.Kernel((3, 3), [0, 1, 0, 1, -4, 1, 0, 1, 0], scale=4, offset=128)
_NOISE = ImageFilter.Kernel((3, 3), [1, -2, 1, -2, 4, -2, 1, -2, 1], scale=4, offset=128)  # Immerkaer (1996)


@dataclass(frozen=True)
class ImageStatistics:
    laplacian_var: float
    noise_sigma: float
    luma_std: float
    mean_saturation: float

    @property
    def sharpness(self) -> float:
        return fallback_sharpness(self.laplacian_var, self.noise_sigma)


def _interior(image: Image.Image) -> Image.Image:
    # Pillow's kernel filter copies the 1-pixel border unfiltered: leave it out.
    if image.width > 2 and image.height > 2:
        return image.crop((1, 1, image.width - 1, image.height - 1))
    return image


def image_statistics(image: DecodedImage) -> ImageStatistics:
    pixels = Image.frombuffer("RGB", (image.width, image.height), image.rgb, "raw", "RGB", 0, 1)
    luma = pixels.convert("L")
    laplacian = _interior(luma.filter(_LAPLACIAN))
    noise = _interior(luma.filter(_NOISE))
    noise_abs = ImageChops.difference(noise, Image.new("L", noise.size, 128))
    saturation = pixels.convert("HSV").getchannel("S")
    return ImageStatistics(
        laplacian_var=16.0 * float(ImageStat.Stat(laplacian).var[0]),
        noise_sigma=math.sqrt(math.pi / 2.0) * 4.0 * float(ImageStat.Stat(noise_abs).mean[0]) / 6.0,
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
            Score(brisque_fallback(image_statistics(image).sharpness), True, BRISQUE_FALLBACK_ENGINE)
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
            value = aesthetic_fallback(stats.luma_std, stats.mean_saturation, stats.sharpness)
            scores.append(Score(value, True, AESTHETIC_FALLBACK_ENGINE))
        return scores

    def describe(self) -> str:
        return f"{self.engine} (fallback: {self.reason})"


def digest_files(*paths: str | None) -> str:
    """sha256 over the contents of the given files, in order (None skipped)."""
    digest = hashlib.sha256()
    for path in paths:
        if not path:
            continue
        file = Path(path)
        if file.is_file():
            with file.open("rb") as stream:
                for chunk in iter(lambda: stream.read(1 << 20), b""):
                    digest.update(chunk)
        else:
            digest.update(f"missing:{path}".encode())
        digest.update(b"\0")
    return digest.hexdigest()


class LoadOnceOrFallBack:
    """Shared by the model scorers: load the model once (thread-safe); when it cannot load, keep
    the reason and score with the documented fallback instead. Subclasses set `fallback_type`,
    call `_init_loading()` and implement `_try_load() -> reason | None`."""

    fallback_type: type

    def _init_loading(self) -> None:
        self._mutex = threading.Lock()
        self._loaded: bool | None = None
        self._fallback: Any = None
        self._files_digest: str | None = None

    def _try_load(self) -> str | None:  # pragma: no cover - implemented by subclasses
        raise NotImplementedError

    def _model_files(self) -> tuple[str | None, ...]:  # pragma: no cover - implemented by subclasses
        return ()

    def files_digest(self) -> str:
        """The digest of the loaded model's files (computed once); "" on the fallback formula."""
        if not self.load():
            return ""
        with self._mutex:
            if self._files_digest is None:
                self._files_digest = digest_files(*self._model_files())
            return self._files_digest

    def load(self) -> bool:
        """Load the model once; False (with the reason in `describe()`) when it cannot load."""
        with self._mutex:
            if self._loaded is None:
                reason = self._try_load()
                self._loaded = reason is None
                if reason is not None:
                    self._fallback = self.fallback_type(reason)
            return self._loaded

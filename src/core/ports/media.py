"""Ports for pictures: decoding and encoding (image processor), scorers, classifier hints."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from proofdesk.core.domain.errors import ExternalFailure
from proofdesk.core.domain.raw import RawRender
from proofdesk.core.domain.scenes import QualityMeasures

_FULL_SIZE = 1 << 30  # a long edge no picture reaches: decode at full size


class ImageDecodeError(ExternalFailure):
    """An image that passed validation could not be decoded for scoring or resizing."""


@dataclass(frozen=True, eq=False)
class DecodedImage:
    """An image decoded once at reduced size: upright, 8-bit sRGB, `rgb` holds width*height*3
    bytes, row-major (the neutral hand-over between the image processor and the scorers).
    `source_width`/`source_height` are the upright size of the original."""

    width: int
    height: int
    rgb: bytes
    source_width: int = 0
    source_height: int = 0

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0 or len(self.rgb) != self.width * self.height * 3:
            raise ValueError(
                f"DecodedImage: {len(self.rgb)} bytes do not hold {self.width}x{self.height} RGB pixels"
            )

    @property
    def long_edge(self) -> int:
        return max(self.width, self.height)


class ImageProcessor(ABC):
    """Decodes photos for the models and encodes the model-ready JPEGs and thumbnails."""

    @abstractmethod
    def decode(self, data: bytes, long_edge: int) -> DecodedImage:
        """Decode the image in `data` once, at reduced size: its long edge becomes `long_edge`
        (never upscaled; aspect ratio kept), EXIF orientation applied (the result is upright),
        colours converted to sRGB. JPEGs use draft mode (DCT scaling) so a 24 MP photo is never
        decoded at full size. Raises ImageDecodeError when the bytes do not decode."""

    @abstractmethod
    def encode_jpeg(self, image: DecodedImage, quality: int) -> bytes:
        """A baseline sRGB JPEG of `image` without orientation metadata (pixels are upright)."""

    def model_ready(self, data: bytes, long_edge: int, quality: int) -> bytes:
        """The model-ready JPEG of an original (stage 6)."""
        return self.encode_jpeg(self.decode(data, long_edge), quality)

    def thumbnail(self, data: bytes, size: int, quality: int) -> bytes:
        """A thumbnail JPEG whose long edge is `size` (publish)."""
        return self.encode_jpeg(self.decode(data, size), quality)

    def publish_jpeg(self, data: bytes, quality: int, raw_render: RawRender = "preview",
                     max_edge: int | None = None) -> bytes:
        """The published full image of an original that is not a JPEG, upright, without
        orientation metadata. A camera RAW original is its embedded preview or a development
        (`proofdesk.core.domain.raw.publish_source`) capped at `max_edge`; any other original is
        re-encoded at its full size."""
        return self.encode_jpeg(self.decode(data, _FULL_SIZE), quality)


@dataclass(frozen=True)
class Score:
    """One image's score; `fallback` is True when it came from a documented formula, not a model."""

    value: float
    fallback: bool
    engine: str

    @property
    def source(self) -> str:
        return "fallback" if self.fallback else "model"


class _Scorer(ABC):
    @property
    @abstractmethod
    def engine(self) -> str:
        """The engine that actually scores (a fallback name when the configured model cannot load)."""

    @abstractmethod
    def score_batch(self, images: Sequence[DecodedImage]) -> list[Score]:
        """One score per image, in order. A batch gives the same values as scoring one by one."""

    def score(self, image: DecodedImage) -> Score:
        return self.score_batch([image])[0]

    def describe(self) -> str:
        """One line for the stage log: the engine and its model files, or why it fell back."""
        return self.engine

    def files_digest(self) -> str:
        """A digest of the model files the scores come from ("" for a formula): part of the
        score-cache key, so new weights under the same file name are not served old scores."""
        return ""


class QualityScorer(_Scorer):
    """No-reference technical quality (BRISQUE): roughly 0 (best) to 100 (worst); lower is better."""


class AestheticScorer(_Scorer):
    """Aesthetic appeal (CLIP embedding -> LAION-style head): roughly 1 (worst) to 10 (best)."""


class Classifier(ABC):
    """Zero-shot labels for a photo over a configurable vocabulary (classifier hints)."""

    @abstractmethod
    def labels(self, image_jpeg: bytes, top_k: int = 5) -> list[str]: ...


@dataclass(frozen=True)
class FrameAnalysis:
    """What culling needs of one picture: its quality measures and its shift-tolerant hash
    (`scene_signature`: 25 window hashes, see `proofdesk.core.domain.scenes`)."""

    measures: QualityMeasures
    signature: str


class FrameAnalyzer(ABC):
    """Measures a decoded picture for culling (stage 5, from the same decode as the scores)."""

    version: str = ""  # part of the score-cache key: new measures are never served old ones

    @abstractmethod
    def analyze(self, image: DecodedImage) -> FrameAnalysis:
        """Focus, noise, exposure and clipping of `image`, and its window hashes. Deterministic."""

"""Image work without models: classifier, image processor, scorers, frame analyzer."""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence

from proofdesk.core.domain.scenes import SIGNATURE_WINDOWS, QualityMeasures
from proofdesk.core.ports.media import (
    AestheticScorer,
    Classifier,
    DecodedImage,
    FrameAnalysis,
    FrameAnalyzer,
    ImageDecodeError,
    ImageProcessor,
    QualityScorer,
    Score,
)


class FakeClassifier(Classifier):
    """Returns the labels registered for an image's bytes (or `default`)."""

    def __init__(self, labels: dict[bytes, list[str]] | None = None, default: list[str] | None = None) -> None:
        self.by_image = dict(labels or {})
        self.default = list(default or [])

    def labels(self, image_jpeg: bytes, top_k: int = 5) -> list[str]:
        return list(self.by_image.get(image_jpeg, self.default))[:top_k]


# ---------------------------------------------------------------- scoring and resize (stages 5-6)


class FakeImageProcessor(ImageProcessor):
    """The plain way, observable: a full Pillow decode (no draft mode), upright, RGB, then a
    downscale; counts decodes and encodes so tests can check that a stage decodes each image once."""

    def __init__(self) -> None:
        self.decodes = 0
        self.encodes = 0
        self._mutex = threading.Lock()

    def decode(self, data: bytes, long_edge: int) -> DecodedImage:
        import io

        from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

        with self._mutex:
            self.decodes += 1
        try:
            with Image.open(io.BytesIO(data)) as opened:
                image = ImageOps.exif_transpose(opened)
                source_size = image.size
                icc = opened.info.get("icc_profile")
                if icc and image.mode in ("RGB", "CMYK", "L"):
                    try:  # to sRGB, as the contract asks
                        image = ImageCms.profileToProfile(
                            image, ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB"),
                            outputMode="RGB",
                        ) or image
                    except (ImageCms.PyCMSError, OSError, ValueError):
                        pass
                if image.mode != "RGB":
                    if "A" in image.getbands() or "transparency" in image.info:
                        rgba = image.convert("RGBA")
                        image = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
                    image = image.convert("RGB")
                scale = min(1.0, long_edge / max(image.size))
                target = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
                if image.size != target:
                    image = image.resize(target, Image.Resampling.LANCZOS)
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
            raise ImageDecodeError(f"does not decode: {exc.__class__.__name__}: {exc}") from exc
        return DecodedImage(image.width, image.height, image.tobytes(), source_size[0], source_size[1])

    def encode_jpeg(self, image: DecodedImage, quality: int) -> bytes:
        import io

        from PIL import Image

        with self._mutex:
            self.encodes += 1
        buffer = io.BytesIO()
        Image.frombytes("RGB", (image.width, image.height), image.rgb).save(buffer, "JPEG", quality=quality)
        return buffer.getvalue()


def _mean_byte(image: DecodedImage) -> float:
    return sum(image.rgb) / len(image.rgb)


class _FakeScorer:
    """Shared by the fake scorers: a formula over the mean pixel value; records batch sizes."""

    def __init__(self, fallback: bool = False, engine: str = "fake") -> None:
        self.fallback = fallback
        self._engine = engine
        self.batches: list[int] = []

    @property
    def engine(self) -> str:
        return self._engine

    def _formula(self, mean_byte: float) -> float:  # pragma: no cover - set by subclasses
        raise NotImplementedError

    def score_batch(self, images: Sequence[DecodedImage]) -> list[Score]:
        self.batches.append(len(images))
        return [Score(round(self._formula(_mean_byte(i)), 4), self.fallback, self._engine) for i in images]


class FakeQualityScorer(_FakeScorer, QualityScorer):
    """BRISQUE stand-in: 100 * (1 - mean pixel value / 255), lower = brighter. Records batch sizes."""

    def __init__(self, fallback: bool = False, engine: str = "fake-quality") -> None:
        super().__init__(fallback, engine)

    def _formula(self, mean_byte: float) -> float:
        return 100.0 * (1.0 - mean_byte / 255.0)


class FakeAestheticScorer(_FakeScorer, AestheticScorer):
    """CLIP-aesthetic stand-in: 1 + 9 * mean pixel value / 255. Records batch sizes."""

    def __init__(self, fallback: bool = False, engine: str = "fake-aesthetic") -> None:
        super().__init__(fallback, engine)

    def _formula(self, mean_byte: float) -> float:
        return 1.0 + 9.0 * mean_byte / 255.0


class FakeFrameAnalyzer(FrameAnalyzer):
    """Culling measures the plain way, with Pillow's ImageStat over the whole luma picture (ITU-R
    601): focus = the RMS of the 4-neighbour Laplacian, noise = Immerkaer's estimator (both 3x3
    kernels on 8-bit luma, so values beyond +-127 are clipped), brightness and contrast = the luma
    mean and standard deviation, the clipped shares from the histogram. The signature is one 64-bit
    average hash (8x8 box-downscaled luma, a bit per pixel above the mean) repeated for all 25
    windows: it parses like the real one but tolerates no shift. Counts analyses."""

    version = "fake-measures-v2+ahash-v1"

    def __init__(self) -> None:
        self.analyses = 0

    def analyze(self, image: DecodedImage) -> FrameAnalysis:
        from PIL import Image, ImageChops, ImageFilter, ImageStat

        self.analyses += 1
        luma = Image.frombytes("RGB", (image.width, image.height), image.rgb).convert("L")
        middle = Image.new("L", luma.size, 128)

        def mean_abs(kernel: list[int]) -> ImageStat.Stat:
            filtered = luma.filter(ImageFilter.Kernel((3, 3), kernel, scale=1, offset=128))
            return ImageStat.Stat(ImageChops.difference(filtered, middle))

        stat = ImageStat.Stat(luma)
        histogram = luma.histogram()
        total = max(1, image.width * image.height)
        measures = QualityMeasures(
            focus=round(mean_abs([0, 1, 0, 1, -4, 1, 0, 1, 0]).rms[0], 3),
            noise=round(math.sqrt(math.pi / 2.0) * mean_abs([1, -2, 1, -2, 4, -2, 1, -2, 1]).mean[0] / 6.0, 3),
            brightness=round(min(255.0, stat.mean[0]), 3),
            contrast=round(stat.stddev[0], 3),
            shadows_clipped=round(sum(histogram[:3]) / total, 5),
            highlights_clipped=round(sum(histogram[253:]) / total, 5),
            width=image.width,
            height=image.height,
        )
        small = luma.resize((8, 8), Image.Resampling.BOX).tobytes()
        average = sum(small) / len(small)
        bits = sum(1 << (63 - i) for i, value in enumerate(small) if value > average)
        return FrameAnalysis(measures=measures, signature=".".join([f"{bits:016x}"] * SIGNATURE_WINDOWS))

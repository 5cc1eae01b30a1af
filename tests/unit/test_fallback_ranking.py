"""The fallback formulas rank, on the sample photos, the sharp original above its blurred
(Gaussian sigma 2 and 6) and noisy (Gaussian sigma 30 per channel) copies, for both scores
(BRISQUE fallback: lower is better; aesthetic fallback: higher is better)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from PIL import Image, ImageFilter
from proofdesk.adapters.images.pillow_processor import PillowImageProcessor
from proofdesk.adapters.scoring.fallback import FallbackAestheticScorer, FallbackQualityScorer
from proofdesk.core.ports.media import DecodedImage

PHOTOS = ["Canon_40D.jpg", "Nikon_D70.jpg", "Pentax_K10D.jpg", "Reconyx_HC500_Hyperfire.jpg",
          "exif-org/canon-ixus.jpg", "exif-org/nikon-e950.jpg", "gps/DSCN0010.jpg", "gps/DSCN0012.jpg",
          "gps/DSCN0021.jpg", "gps/DSCN0040.jpg", "mobile/jolla.jpg", "orientation/landscape_1.jpg",
          "orientation/portrait_5.jpg", "long_description.jpg"]


def _noisy(image: Image.Image, sigma: float, seed: int = 30) -> Image.Image:
    rng = random.Random(seed)
    data = bytes(max(0, min(255, round(value + rng.gauss(0.0, sigma)))) for value in image.tobytes())
    return Image.frombytes("RGB", image.size, data)


def _decoded(image: Image.Image) -> DecodedImage:
    return DecodedImage(image.width, image.height, image.tobytes())


@pytest.mark.parametrize("name", PHOTOS)
def test_the_original_ranks_above_its_blurred_and_noisy_copies(samples: Path, name: str) -> None:
    decoded = PillowImageProcessor().decode((samples / "jpg" / name).read_bytes(), 320)
    original = Image.frombuffer("RGB", (decoded.width, decoded.height), decoded.rgb, "raw", "RGB", 0, 1).copy()
    copies = {"blur 2": original.filter(ImageFilter.GaussianBlur(2)),
              "blur 6": original.filter(ImageFilter.GaussianBlur(6)),
              "noise 30": _noisy(original, 30.0)}
    images = [_decoded(original), *(_decoded(copy) for copy in copies.values())]
    brisque = [s.value for s in FallbackQualityScorer().score_batch(images)]
    aesthetic = [s.value for s in FallbackAestheticScorer().score_batch(images)]
    for index, label in enumerate(copies, start=1):
        assert brisque[0] < brisque[index], f"{name}: BRISQUE fallback ranks the {label} copy as good {brisque}"
        assert aesthetic[0] > aesthetic[index], f"{name}: aesthetic fallback ranks the {label} copy as good {aesthetic}"

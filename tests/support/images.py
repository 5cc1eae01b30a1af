"""Decoded test images for the scorer contracts: real sample photos and their damaged copies."""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image, ImageChops, ImageFilter
from proofdesk.core.ports.media import DecodedImage


def decoded(image: Image.Image) -> DecodedImage:
    rgb = image.convert("RGB")
    return DecodedImage(rgb.width, rgb.height, rgb.tobytes(), rgb.width, rgb.height)


def load_sample(path: Path, long_edge: int = 640) -> Image.Image:
    with Image.open(path) as opened:
        image = opened.convert("RGB")
    image.thumbnail((long_edge, long_edge), Image.Resampling.LANCZOS)
    return image


def blurred(image: Image.Image, radius: float) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(radius))


def noised(image: Image.Image, sigma: float, seed: int = 0) -> Image.Image:
    """Additive Gaussian noise (the same on every channel), deterministic for a seed."""
    rng = random.Random(seed)
    values = bytes(min(255, max(0, round(128 + rng.gauss(0.0, sigma)))) for _ in range(image.width * image.height))
    noise = Image.frombytes("L", image.size, values)
    return ImageChops.add(image, Image.merge("RGB", (noise, noise, noise)), scale=1.0, offset=-128)


def synthetic_images() -> list[DecodedImage]:
    """Small images that exercise the edges: flat, gradient, checkerboard, colour noise, odd sizes."""
    gradient = Image.linear_gradient("L").resize((97, 61)).convert("RGB")
    checker = Image.new("RGB", (64, 48), "white")
    for x in range(0, 64, 8):
        for y in range(0, 48, 8):
            if (x // 8 + y // 8) % 2:
                checker.paste((20, 40, 200), (x, y, x + 8, y + 8))
    rng = random.Random(7)
    speckle = Image.frombytes("RGB", (50, 70), bytes(rng.randrange(256) for _ in range(50 * 70 * 3)))
    return [
        decoded(Image.new("RGB", (40, 30), (120, 130, 140))),
        decoded(gradient),
        decoded(checker),
        decoded(speckle),
    ]


# degenerate sizes a card can hold: a single pixel, one-pixel rows and columns, 2x2, exiftool's 8x8 test images
DEGENERATE_SIZES = ((1, 1), (1, 9), (9, 1), (2, 2), (8, 8))


def degenerate_images() -> list[DecodedImage]:
    """One picture of each of `DEGENERATE_SIZES`, each in its own colour."""
    return [decoded(Image.new("RGB", size, (40 * (i + 1), 90, 200 - 30 * i))) for i, size in enumerate(DEGENERATE_SIZES)]


def jpeg_bytes(image: Image.Image, quality: int = 92, **save: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, **save)
    return buffer.getvalue()

"""A burst-like shoot built from real photos: `make_burst_shoot(sources, dest, scenes)`.

Per scene, five frames of one real photo, in a shuffled order, a second apart (scenes start three
minutes apart): the original, a copy shifted by a few percent without resampling (both
undegraded), and three degraded copies: Gaussian blur, added noise, under-exposure. The frames
carry DateTimeOriginal and the camera's make/model, no GPS. `FRAME_KINDS` names the variants;
the returned `Shoot` says which file is which.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops, ImageFilter

UNDEGRADED = ("original", "shifted")
DEGRADED = ("blurred", "noisy", "dark")
FRAME_KINDS = UNDEGRADED + DEGRADED

_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 0x9003
_DATETIME_DIGITIZED = 0x9004
_DATETIME = 0x0132
_MAKE = 0x010F
_MODEL = 0x0110


def real_photos(samples: Path) -> list[Path]:
    """Distinct real photos of the samples (cameras, phones; at least 300 px), one per picture."""
    jpg = samples / "jpg"
    found = sorted((jpg / "gps").glob("*.jpg")) + [
        jpg / "exif-org" / "canon-ixus.jpg", jpg / "exif-org" / "nikon-e950.jpg", jpg / "Reconyx_HC500_Hyperfire.jpg",
        jpg / "mobile" / "jolla.jpg", jpg / "orientation" / "landscape_1.jpg",
    ]
    return [path for path in found if path.is_file()]


@dataclass
class Shoot:
    folder: Path
    kinds: dict[str, str] = field(default_factory=dict)  # file name -> frame kind
    scene_of: dict[str, int] = field(default_factory=dict)  # file name -> scene number (0-based)

    def frames(self, scene: int) -> list[str]:
        return sorted(name for name, number in self.scene_of.items() if number == scene)

    @property
    def scenes(self) -> int:
        return len(set(self.scene_of.values()))


def _variants(picture: Image.Image, rng: random.Random, noise: np.random.Generator) -> dict[str, Image.Image]:
    width, height = picture.size
    dx = max(1, round(width * rng.uniform(0.02, 0.05)))
    dy = max(1, round(height * rng.uniform(0.01, 0.04)))
    pixels = np.asarray(picture).astype(np.float32)
    return {
        "original": picture,
        "shifted": ImageChops.offset(picture, -dx, dy),  # whole pixels: nothing resampled
        "blurred": picture.filter(ImageFilter.GaussianBlur(rng.uniform(2.0, 3.5))),
        "noisy": Image.fromarray(np.clip(pixels + noise.normal(0, rng.uniform(18, 30), pixels.shape), 0, 255).astype(np.uint8)),
        "dark": Image.fromarray(np.clip(pixels * rng.uniform(0.3, 0.5), 0, 255).astype(np.uint8)),
    }


def make_burst_shoot(sources: list[Path], dest: Path, scenes: int, seed: int = 7,
                     start: datetime = datetime(2026, 6, 12, 10, 0, 0)) -> Shoot:
    """`scenes` scenes of five frames each, from `sources` (one photo per scene, cycled)."""
    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    dest.mkdir(parents=True, exist_ok=True)
    shoot = Shoot(dest)
    number = 100
    for scene in range(scenes):
        with Image.open(sources[scene % len(sources)]) as opened:
            picture = opened.convert("RGB")
        if scene >= len(sources):  # a second pass over the photos: mirror them, another picture
            picture = picture.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        variants = _variants(picture, rng, noise)
        order = list(FRAME_KINDS)
        rng.shuffle(order)
        first = start + timedelta(minutes=3 * scene)
        for offset, kind in enumerate(order):
            moment = (first + timedelta(seconds=offset)).strftime("%Y:%m:%d %H:%M:%S")
            exif = Image.Exif()
            exif[_MAKE] = "NIKON CORPORATION"
            exif[_MODEL] = "NIKON Z 6_2"
            exif[_DATETIME] = moment
            sub = exif.get_ifd(_EXIF_IFD)
            sub[_DATETIME_ORIGINAL] = moment
            sub[_DATETIME_DIGITIZED] = moment
            name = f"DSC_{number:04}.jpg"
            number += 1
            variants[kind].save(dest / name, quality=93, exif=exif)
            shoot.kinds[name] = kind
            shoot.scene_of[name] = scene
    return shoot

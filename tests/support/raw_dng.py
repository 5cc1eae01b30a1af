"""Camera RAW files for tests: Bayer-mosaic DNGs written with pidng from the sample photos.

A photo's pixels are turned back into what a sensor saw: linear light (the sRGB curve undone),
each pixel keeping one colour of an RGGB colour filter array, 12 bits. The DNG carries Make, Model,
DateTimeOriginal and an Orientation, like a camera's; LibRaw develops it back into the photo.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def bayer_mosaic(photo: Path, long_edge: int = 1600) -> np.ndarray:
    """The photo (sRGB, upright as stored) as a 12-bit RGGB mosaic of even width and height."""
    with Image.open(photo) as image:
        image = image.convert("RGB")
        scale = min(1.0, long_edge / max(image.size))
        size = (max(2, round(image.width * scale)) // 2 * 2, max(2, round(image.height * scale)) // 2 * 2)
        image = image.resize(size, Image.Resampling.LANCZOS)
        srgb = np.asarray(image, dtype=np.float64) / 255.0
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    mosaic = np.empty(linear.shape[:2], dtype=np.float64)
    mosaic[0::2, 0::2] = linear[0::2, 0::2, 0]  # R
    mosaic[0::2, 1::2] = linear[0::2, 1::2, 1]  # G
    mosaic[1::2, 0::2] = linear[1::2, 0::2, 1]  # G
    mosaic[1::2, 1::2] = linear[1::2, 1::2, 2]  # B
    return (mosaic * 4095).round().astype(np.uint16)


def write_dng(photo: Path, target: Path, *, orientation: int = 1, make: str = "Proofdesk",
              model: str = "Bayer Test Camera", captured_at: str = "2024:05:04 10:11:12",
              long_edge: int = 1600) -> Path:
    """A DNG of `photo` at `target` (pidng: uncompressed 12-bit CFA, identity colour matrix)."""
    from pidng.core import RAW2DNG, DNGTags, Tag
    from pidng.defs import CalibrationIlluminant, CFAPattern, DNGVersion, PhotometricInterpretation

    mosaic = bayer_mosaic(photo, long_edge)
    height, width = mosaic.shape
    tags = DNGTags()
    tags.set(Tag.ImageWidth, width)
    tags.set(Tag.ImageLength, height)
    tags.set(Tag.TileWidth, width)
    tags.set(Tag.TileLength, height)
    tags.set(Tag.Orientation, orientation)
    tags.set(Tag.PhotometricInterpretation, PhotometricInterpretation.Color_Filter_Array)
    tags.set(Tag.SamplesPerPixel, 1)
    tags.set(Tag.BitsPerSample, 12)
    tags.set(Tag.CFARepeatPatternDim, [2, 2])
    tags.set(Tag.CFAPattern, CFAPattern.RGGB)
    tags.set(Tag.BlackLevel, 0)
    tags.set(Tag.WhiteLevel, 4095)
    # XYZ -> camera: the sRGB primaries' inverse, so the camera's colours are sRGB's
    xyz_to_srgb = [[3.2406, -1.5372, -0.4986], [-0.9689, 1.8758, 0.0415], [0.0557, -0.2040, 1.0570]]
    tags.set(Tag.ColorMatrix1, [[round(value * 10000), 10000] for row in xyz_to_srgb for value in row])
    tags.set(Tag.CalibrationIlluminant1, CalibrationIlluminant.D65)
    tags.set(Tag.AsShotNeutral, [[1, 1], [1, 1], [1, 1]])
    tags.set(Tag.Make, make)
    tags.set(Tag.Model, model)
    tags.set(Tag.UniqueCameraModel, f"{make} {model}")
    tags.set(Tag.DateTimeOriginal, captured_at)
    tags.set(Tag.DNGVersion, DNGVersion.V1_4)
    tags.set(Tag.DNGBackwardVersion, DNGVersion.V1_2)
    converter = RAW2DNG()
    converter.options(tags, path="", compress=False)
    written = converter.convert(mosaic, filename=str(target.with_suffix("")))
    produced = Path(written) if written else target.with_suffix(".dng")
    if produced != target:
        produced.rename(target)
    return target

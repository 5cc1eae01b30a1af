"""Distinct photos made from the sample photos: `make_distinct_photos(samples_gps, dest, n)`.

Each copy has its own name, one changed pixel (so its sha256 differs) and its own capture time
(so the offline captioner's text differs per photo and no row is blocked as a near-duplicate).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image

_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 0x9003
_DATETIME_DIGITIZED = 0x9004


def make_distinct_photos(source_dir: Path, dest: Path, count: int) -> Path:
    sources = sorted(source_dir.glob("*.jpg"))
    dest.mkdir(parents=True, exist_ok=True)
    start = datetime(2008, 10, 22, 6, 0)
    for index in range(count):
        with Image.open(sources[index % len(sources)]) as image:
            exif = image.getexif()
            pixels = image.convert("RGB")
        moment = (start + timedelta(minutes=37 * index)).strftime("%Y:%m:%d %H:%M:%S")
        sub = exif.get_ifd(_EXIF_IFD)
        sub[_DATETIME_ORIGINAL] = moment
        sub[_DATETIME_DIGITIZED] = moment
        exif[0x0132] = moment
        pixels.putpixel((0, 0), (index % 256, (index // 256) % 256, 7))
        pixels.save(dest / f"P{index:04}.jpg", quality=92, exif=exif)
    return dest

"""The demo set, built from the photos scikit-image ships inside its wheel (`skimage/data/`), so no
photo from elsewhere lives in the repository:

    python -m proofdesk.apps.demo demo/sets/2019-10-12_lucca

Six frames of one afternoon walk through Lucca (Tuscany): each photo is converted to JPEG and gets,
with pyexiv2, what a GPS camera writes: DateTimeOriginal with its OffsetTimeOriginal (+02:00, CEST),
Make/Model (`proofdesk` / `demo builder`: these are not the cameras that took them), and a GPS
position with its UTC date and time stamp. The two motorcycle frames (a stereo pair) are two seconds
apart, so the `scene` stage groups them as one two-frame scene. The positions are listed in
`demo/SOURCE.md`. The same scikit-image and Pillow give the same bytes on every build, and a file
already holding those bytes is left alone (a rerun of the pipeline sees nothing new).

Needs the `demo` extra (`pip install -e '.[demo]'`); nothing is downloaded.
"""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from importlib import resources
from pathlib import Path

SET_NAME = "2019-10-12_lucca"
TOWN = "Lucca"
UTC_OFFSET = timedelta(hours=2)  # Europe/Rome in October 2019, before the change on the 27th
JPEG_QUALITY = 90


@dataclass(frozen=True)
class DemoFrame:
    name: str  # the file name in the set
    source: str  # the file in skimage/data/
    taken: str  # local wall time, "YYYY-MM-DD HH:MM:SS"
    latitude: float
    longitude: float
    spot: str  # where in the town (documented in demo/SOURCE.md)


FRAMES = (
    DemoFrame("DSC_0101.jpg", "coffee.png", "2019-10-12 15:02:41", 43.8432, 10.5024, "Piazza San Michele"),
    DemoFrame("DSC_0102.jpg", "chelsea.png", "2019-10-12 15:31:07", 43.8454, 10.5063, "Piazza dell'Anfiteatro"),
    DemoFrame("DSC_0103.jpg", "rocket.jpg", "2019-10-12 15:58:30", 43.8436, 10.5069, "Torre Guinigi"),
    DemoFrame("DSC_0104.jpg", "astronaut.png", "2019-10-12 16:27:12", 43.8406, 10.5058, "Duomo di San Martino"),
    DemoFrame("DSC_0105.jpg", "motorcycle_left.png", "2019-10-12 16:49:20", 43.8413, 10.5025, "Piazza Napoleone"),
    DemoFrame("DSC_0106.jpg", "motorcycle_right.png", "2019-10-12 16:49:22", 43.8413, 10.5025, "Piazza Napoleone"),
)


def _dms(value: float) -> str:
    """An EXIF GPS coordinate: degrees, minutes and hundredths of seconds as rationals."""
    hundredths = round(abs(value) * 360_000)
    degrees, rest = divmod(hundredths, 360_000)
    minutes, seconds = divmod(rest, 6_000)
    return f"{degrees}/1 {minutes}/1 {seconds}/100"


def exif_fields(frame: DemoFrame) -> dict[str, str]:
    """The EXIF tags the builder writes for `frame` (pyexiv2 `modify_exif` keys)."""
    wall = datetime.strptime(frame.taken, "%Y-%m-%d %H:%M:%S")
    utc = wall.replace(tzinfo=timezone(UTC_OFFSET)).astimezone(UTC)
    hours, minutes = divmod(int(UTC_OFFSET.total_seconds()) // 60, 60)
    return {
        "Exif.Image.Make": "proofdesk",
        "Exif.Image.Model": "demo builder",
        "Exif.Image.Software": "proofdesk.apps.demo",
        "Exif.Image.Orientation": "1",
        "Exif.Photo.DateTimeOriginal": f"{wall:%Y:%m:%d %H:%M:%S}",
        "Exif.Photo.OffsetTimeOriginal": f"+{hours:02d}:{minutes:02d}",
        "Exif.GPSInfo.GPSVersionID": "2 3 0 0",
        "Exif.GPSInfo.GPSLatitudeRef": "N" if frame.latitude >= 0 else "S",
        "Exif.GPSInfo.GPSLatitude": _dms(frame.latitude),
        "Exif.GPSInfo.GPSLongitudeRef": "E" if frame.longitude >= 0 else "W",
        "Exif.GPSInfo.GPSLongitude": _dms(frame.longitude),
        "Exif.GPSInfo.GPSMapDatum": "WGS-84",
        "Exif.GPSInfo.GPSDateStamp": f"{utc:%Y:%m:%d}",
        "Exif.GPSInfo.GPSTimeStamp": f"{utc.hour}/1 {utc.minute}/1 {utc.second}/1",
    }


def frame_bytes(frame: DemoFrame) -> bytes:
    """The JPEG of `frame`: the scikit-image photo re-encoded, with the frame's EXIF."""
    import pyexiv2
    from PIL import Image

    try:
        source = resources.files("skimage") / "data" / frame.source
    except ModuleNotFoundError as exc:
        raise SystemExit("the demo set is built from scikit-image's photos: pip install -e '.[demo]'") from exc
    with source.open("rb") as stream, Image.open(stream) as picture:
        encoded = io.BytesIO()
        picture.convert("RGB").save(encoded, "JPEG", quality=JPEG_QUALITY, optimize=True)
    pyexiv2.set_log_level(4)  # errors only: the frames are ours
    image = pyexiv2.ImageData(encoded.getvalue())
    try:
        image.modify_exif(exif_fields(frame))
        return bytes(image.get_bytes())
    finally:
        image.close()


def build_demo_set(set_dir: Path) -> list[Path]:
    """Writes the demo frames into `set_dir` (made when missing) and returns their paths; a frame
    whose file already holds the same bytes is not rewritten."""
    set_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for frame in FRAMES:
        path = set_dir / frame.name
        data = frame_bytes(frame)
        if not path.is_file() or path.read_bytes() != data:
            temporary = path.with_name(f".{frame.name}.tmp")
            temporary.write_bytes(data)
            temporary.replace(path)
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0].startswith("-"):
        print(f"usage: python -m proofdesk.apps.demo SET_DIR   (e.g. demo/sets/{SET_NAME})", file=sys.stderr)
        return 2
    set_dir = Path(argv[0])
    paths = build_demo_set(set_dir)
    print(f"demo set: {len(paths)} photo(s) of {TOWN} in {set_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

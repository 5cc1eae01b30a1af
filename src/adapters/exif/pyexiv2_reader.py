"""EXIF / IPTC / XMP facts with pyexiv2 (libexiv2).

Reads from bytes (`pyexiv2.ImageData`), so odd file names never reach the C++ side. Broken or
missing metadata yields empty or partial facts: every value is parsed defensively and dropped when
it does not parse, never invented. pyexiv2 raises RuntimeError for any file it cannot read.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from fractions import Fraction
from pathlib import Path
from typing import Any

from proofdesk.core.domain.models import ExifFacts
from proofdesk.core.domain.xmp import sidecar_candidates
from proofdesk.core.ports.files import ExifReader

log = logging.getLogger(__name__)

_DATETIME = re.compile(r"^\s*(\d{4})[:\-](\d{2})[:\-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET = re.compile(r"^\s*([+-])(\d{2}):?(\d{2})\s*$")
# Descriptions cameras write by default; they say nothing about the picture.
_CAMERA_BOILERPLATE = re.compile(
    r"^(olympus digital camera|sony dsc|digital camera|default|camera|image|picture|"
    r"sams?ung|kodak.*|minolta dsc|exif_jpeg_\d*|dcim.*|untitled|no description|"
    r"[a-z]+ \d+ digital camera)$",
    re.IGNORECASE,
)
_init_lock = threading.Lock()
_initialised = False


def _pyexiv2() -> Any:
    global _initialised
    import pyexiv2

    with _init_lock:
        if not _initialised:
            pyexiv2.set_log_level(4)  # mute libexiv2's warnings on broken files; we report ourselves
            _initialised = True
    return pyexiv2


def _text(value: Any) -> str | None:
    if isinstance(value, dict):  # XMP lang-alt: {'lang="x-default"': '...'}
        value = value.get('lang="x-default"') or next(iter(value.values()), None)
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str):
        return None
    cleaned = " ".join(value.replace("\x00", " ").split())
    return cleaned or None


def _rational(value: Any) -> float | None:
    text = _text(value)
    if text is None:
        return None
    try:
        number = float(Fraction(text.split()[0]))
    except (ValueError, ZeroDivisionError):
        return None
    return number if math.isfinite(number) else None


def _integer(value: Any) -> int | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return int(text.split()[0])
    except ValueError:
        return None


def _exposure(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    try:
        fraction = Fraction(text.split()[0])
    except (ValueError, ZeroDivisionError):
        return None
    if fraction <= 0:
        return None
    if fraction >= 1:
        return f"{float(fraction):g}"
    return f"1/{round(1 / fraction)}"


def _datetime(value: Any) -> str | None:
    text = _text(value)
    match = _DATETIME.match(text or "")
    if not match:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour <= 23 and minute <= 59 and second <= 60):
        return None
    if year < 1800:  # 0000:00:00 placeholders
        return None
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"


def _offset(value: Any) -> str | None:
    match = _OFFSET.match(_text(value) or "")
    if not match:
        return None
    sign, hours, minutes = match.groups()
    if int(hours) > 14 or int(minutes) > 59:
        return None
    return f"{sign}{hours}:{minutes}"


def _gps_coordinate(value: Any, ref: Any, negative_ref: str, limit: float) -> float | None:
    text = _text(value)
    if text is None:
        return None
    try:
        parts = [Fraction(part) for part in text.split()]
    except (ValueError, ZeroDivisionError):
        return None
    if not parts or len(parts) > 3:
        return None
    degrees = float(parts[0]) + (float(parts[1]) / 60 if len(parts) > 1 else 0) + (
        float(parts[2]) / 3600 if len(parts) > 2 else 0
    )
    if (_text(ref) or "").upper().startswith(negative_ref):
        degrees = -degrees
    if not math.isfinite(degrees) or abs(degrees) > limit:
        return None
    return round(degrees, 7)


def _gps_timestamp(date_value: Any, time_value: Any) -> str | None:
    date_text = _text(date_value)
    time_text = _text(time_value)
    if not date_text or not time_text:
        return None
    date_match = re.match(r"^\s*(\d{4})[:\-](\d{2})[:\-](\d{2})", date_text)
    try:
        hours, minutes, seconds = (Fraction(part) for part in time_text.split()[:3])
    except (ValueError, ZeroDivisionError):
        return None
    if not date_match or not (0 <= hours < 24 and 0 <= minutes < 60 and 0 <= seconds < 61):
        return None
    year, month, day = date_match.groups()
    whole_seconds = min(int(seconds), 59)
    return f"{year}-{month}-{day}T{int(hours):02d}:{int(minutes):02d}:{whole_seconds:02d}Z"


def _keywords(*values: Any) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        for item in value if isinstance(value, list) else [value]:
            text = _text(item)
            if text:
                seen.setdefault(text, None)
    return list(seen)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _first(*values: Any) -> str | None:
    for value in values:
        text = _text(value)
        if text:
            return text
    return None


def _description(*values: Any) -> str | None:
    for value in values:
        text = _text(value)
        if text and not _CAMERA_BOILERPLATE.match(text):
            return text
    return None


def facts_from_metadata(
    exif: dict[str, Any], iptc: dict[str, Any], xmp: dict[str, Any], width: int | None, height: int | None
) -> ExifFacts:
    """Pure mapping from pyexiv2's key/value dicts to ExifFacts (unit-testable without files)."""
    orientation = _integer(exif.get("Exif.Image.Orientation"))
    make = _first(exif.get("Exif.Image.Make"))
    model = _first(exif.get("Exif.Image.Model"))
    altitude = _rational(exif.get("Exif.GPSInfo.GPSAltitude"))
    if altitude is not None and _text(exif.get("Exif.GPSInfo.GPSAltitudeRef")) == "1":
        altitude = -altitude
    iso = _integer(exif.get("Exif.Photo.ISOSpeedRatings") or exif.get("Exif.Photo.PhotographicSensitivity"))
    return ExifFacts(
        captured_at=_datetime(exif.get("Exif.Photo.DateTimeOriginal"))
        or _datetime(xmp.get("Xmp.exif.DateTimeOriginal"))
        or _datetime(exif.get("Exif.Photo.DateTimeDigitized")),
        captured_offset=_offset(exif.get("Exif.Photo.OffsetTimeOriginal")),
        gps_timestamp_utc=_gps_timestamp(
            exif.get("Exif.GPSInfo.GPSDateStamp"), exif.get("Exif.GPSInfo.GPSTimeStamp")
        ),
        camera_make=make,
        camera_model=model,
        lens=_first(exif.get("Exif.Photo.LensModel"), xmp.get("Xmp.aux.Lens"), exif.get("Exif.Photo.LensMake")),
        focal_length_mm=_rational(exif.get("Exif.Photo.FocalLength")),
        f_number=_rational(exif.get("Exif.Photo.FNumber")),
        exposure_time=_exposure(exif.get("Exif.Photo.ExposureTime")),
        iso=iso if iso and iso > 0 else None,
        gps_latitude=_gps_coordinate(
            exif.get("Exif.GPSInfo.GPSLatitude"), exif.get("Exif.GPSInfo.GPSLatitudeRef"), "S", 90
        ),
        gps_longitude=_gps_coordinate(
            exif.get("Exif.GPSInfo.GPSLongitude"), exif.get("Exif.GPSInfo.GPSLongitudeRef"), "W", 180
        ),
        gps_altitude_m=round(altitude, 2) if altitude is not None else None,
        orientation=orientation if orientation in range(1, 9) else None,
        width=width if width and width > 0 else None,
        height=height if height and height > 0 else None,
        exif_caption=_description(
            iptc.get("Iptc.Application2.Caption"),
            xmp.get("Xmp.dc.description"),
            exif.get("Exif.Image.ImageDescription"),
        ),
        exif_title=_first(
            iptc.get("Iptc.Application2.ObjectName"),
            xmp.get("Xmp.dc.title"),
            xmp.get("Xmp.photoshop.Headline"),
            iptc.get("Iptc.Application2.Headline"),
        ),
        exif_keywords=_keywords(iptc.get("Iptc.Application2.Keywords"), xmp.get("Xmp.dc.subject")),
    )


class Pyexiv2ExifReader(ExifReader):
    def read(self, path: str) -> ExifFacts:
        data = Path(path).read_bytes()  # FileNotFoundError for a missing file, as the port says
        pyexiv2 = _pyexiv2()
        try:
            image = pyexiv2.ImageData(data)
        except RuntimeError as exc:
            log.warning("%s: no readable metadata (%s)", path, exc)
            return ExifFacts()
        try:
            exif = self._read(image.read_exif, path, "EXIF")
            iptc = self._read(image.read_iptc, path, "IPTC")
            xmp = self._read(image.read_xmp, path, "XMP")
            try:
                width, height = image.get_pixel_width(), image.get_pixel_height()
            except RuntimeError:
                width = height = None
        finally:
            image.close()
        return facts_from_metadata(exif, iptc, xmp, width, height)

    def read_sidecars(self, path: str) -> ExifFacts:
        """Keywords (dc:subject, the leaves of lr:hierarchicalSubject), caption and title of the XMP
        sidecars next to `path`: NAME.jpg.xmp (darktable, digiKam) and NAME.xmp (Lightroom)."""
        source = Path(path)
        facts = ExifFacts()
        seen: set[str] = set()
        for name in sidecar_candidates(source.name):
            candidate = source.with_name(name)
            if not candidate.is_file() or candidate.resolve().as_posix() in seen:
                continue
            seen.add(candidate.resolve().as_posix())
            try:
                image = _pyexiv2().ImageData(candidate.read_bytes())
            except (OSError, RuntimeError) as exc:
                log.warning("%s: unreadable XMP sidecar ignored (%s)", candidate, exc)
                continue
            try:
                xmp = self._read(image.read_xmp, str(candidate), "XMP")
            finally:
                image.close()
            leaves = [path_.split("|")[-1] for path_ in _as_list(xmp.get("Xmp.lr.hierarchicalSubject"))]
            found = ExifFacts(
                exif_caption=_description(None, xmp.get("Xmp.dc.description"), None),
                exif_title=_first(xmp.get("Xmp.dc.title"), xmp.get("Xmp.photoshop.Headline")),
                exif_keywords=_keywords(None, [*_as_list(xmp.get("Xmp.dc.subject")), *leaves]),
            )
            facts = facts.with_sidecar(found)
        return facts

    @staticmethod
    def _read(reader: Any, path: str, what: str) -> dict[str, Any]:
        for encoding in ("utf-8", "latin-1"):
            try:
                return dict(reader(encoding=encoding))
            except UnicodeDecodeError:
                continue
            except RuntimeError as exc:
                log.warning("%s: broken %s block ignored (%s)", path, what, exc)
                return {}
        return {}

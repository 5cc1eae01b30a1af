"""EXIF / IPTC / XMP facts with pyexiv2 (libexiv2), reconciled as MWG readers do.

Reads from bytes (`pyexiv2.ImageData`), so odd file names never reach the C++ side. Broken or
missing metadata yields empty or partial facts: every value is parsed defensively and dropped when
it does not parse, never invented. pyexiv2 raises RuntimeError for any file it cannot read.
"""

from __future__ import annotations

import io
import logging
import math
import re
import struct
import threading
from fractions import Fraction
from pathlib import Path
from typing import Any

from proofdesk.adapters.exif.jpeg_segments import IptcBlock, iptc_block, segments
from proofdesk.core.domain.models import ExifFacts
from proofdesk.core.domain.mwg import (
    BYLINE_IIM_LIMIT,
    CAPTION_IIM_LIMIT,
    COPYRIGHT_IIM_LIMIT,
    GPS_TIME_MAX_HOURS,
    KEYWORD_IIM_LIMIT,
    IptcState,
    clean_text,
    decode_iim,
    exif_time,
    exposure_text,
    gps_hours_from_capture,
    iim_time,
    pick_capture_time,
    pick_list,
    pick_text,
    real_list,
    real_text,
    xmp_time,
)
from proofdesk.core.domain.xmp import sidecar_candidates
from proofdesk.core.ports.files import ExifReader

log = logging.getLogger(__name__)

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
    return exposure_text(float(fraction))


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
    """GPSDateStamp + GPSTimeStamp as ISO 8601 UTC; None for a placeholder date (0000:00:00)."""
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
    year, month, day = (int(part) for part in date_match.groups())
    if year < 1900 or not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    whole_seconds = min(int(seconds), 59)
    return f"{year:04d}-{month:02d}-{day:02d}T{int(hours):02d}:{int(minutes):02d}:{whole_seconds:02d}Z"


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


def _raw_text(value: Any) -> str | None:
    """A value as one string without touching its characters (lang-alt and lists resolved)."""
    if isinstance(value, dict):
        value = value.get('lang="x-default"') or next(iter(value.values()), None)
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, str) else None



_HEAD = 1 << 18  # a JPEG's metadata segments nearly always fit in its first 256 KiB


def _metadata_bytes(path: str) -> bytes:
    """What the reader needs of the file: for a JPEG, its marker segments up to the start of the
    scan (every metadata block lives there, and libexiv2 stops reading at SOS), not the
    megabytes of picture data after it; any other file, or a JPEG whose segments run past the
    head, whole."""
    with open(path, "rb") as handle:
        head = handle.read(_HEAD)
        found = segments(head)
        end = found[-1].end if found else 2
        if head.startswith(b"\xff\xd8") and head[end:end + 2] == b"\xff\xda" and end + 4 <= len(head):
            (length,) = struct.unpack(">H", head[end + 2:end + 4])
            if end + 2 + length <= len(head):
                return head[:end + 2 + length]  # through the SOS header
        return head + handle.read()

class _Iptc:
    """The IPTC-IIM values of a file, decoded by MWG rules: from the raw datasets of a JPEG's APP13
    (each text decoded by the record's character set, or the code page its XMP twin confirms), else
    from what libexiv2 decoded (HEIC, TIFF)."""

    _DATASETS = {"caption": (2, 120), "keywords": (2, 25), "title": (2, 5), "byline": (2, 80),
                 "copyright": (2, 116), "date": (2, 55), "time": (2, 60)}
    _KEYS = {"caption": "Iptc.Application2.Caption", "keywords": "Iptc.Application2.Keywords",
             "title": "Iptc.Application2.ObjectName", "byline": "Iptc.Application2.Byline",
             "copyright": "Iptc.Application2.Copyright", "date": "Iptc.Application2.DateCreated",
             "time": "Iptc.Application2.TimeCreated"}

    def __init__(self, decoded: dict[str, Any], block: IptcBlock | None) -> None:
        self.decoded = decoded
        self.block = block if block is not None and block.present else None
        self.datasets = self.block.datasets() if self.block is not None else {}
        charset = self.datasets.get((1, 90), [None])[0]
        self.charset = charset
        self.encodings: set[str] = set()

    @property
    def state(self) -> IptcState:
        if self.block is not None:
            return IptcState(True, self.block.stored_digest, self.block.current_digest)
        return IptcState(present=bool(self.decoded))

    def values(self, field: str, references: list[str] | None = None) -> list[str]:
        if self.block is None:
            return [text for text in (_raw_text(v) for v in _as_list(self.decoded.get(self._KEYS[field]))) if text]
        values = []
        for index, raw in enumerate(self.datasets.get(self._DATASETS[field], [])):
            reference = references[index] if references and index < len(references) else None
            if reference is None and references and field == "keywords":
                reference = next((r for r in references if r.encode("utf-8", "ignore")[:4] == raw[:4]), None)
            text, encoding = decode_iim(raw, self.charset, reference)
            if encoding != "utf-8":
                self.encodings.add(encoding)
            values.append(text)
        return values

    def value(self, field: str, reference: str | None = None) -> str | None:
        found = self.values(field, [reference] if reference else None)
        return found[0] if found else None


_CODE_PAGE_NAMES = {"cp1252": "Windows-1252", "mac_roman": "Mac Roman", "latin-1": "ISO 8859-1"}


def facts_from_metadata(
    exif: dict[str, Any], iptc: dict[str, Any], xmp: dict[str, Any], width: int | None, height: int | None,
    *, iptc_block: IptcBlock | None = None, placeholder_text: tuple[str, ...] = (),
) -> ExifFacts:
    """Pure mapping from pyexiv2's key/value dicts to ExifFacts (unit-testable without files), with
    description, keywords, title, creator, copyright and capture time reconciled across EXIF, IPTC
    and XMP by the MWG rules (`proofdesk.core.domain.mwg`); `iptc_block` holds a JPEG's raw IPTC
    and digests (without it the IPTC values are libexiv2's and XMP is taken as in step)."""
    notes: list[str] = []
    orientation = _integer(exif.get("Exif.Image.Orientation"))
    make = _first(exif.get("Exif.Image.Make"))
    model = _first(exif.get("Exif.Image.Model"))
    camera = (make, model)
    iim = _Iptc(iptc, iptc_block)
    state = iim.state

    def real(value: Any, block: str, field: str, brands: bool = True) -> str | None:
        raw = _raw_text(value)
        text = real_text(raw, camera=camera, extra=placeholder_text, brands=brands)
        if text is None and clean_text(raw):
            notes.append(f"{block} {field} {clean_text(raw)!r} is a placeholder; ignored")
        return text

    def real_keywords(values: list[Any], block: str) -> list[str]:
        texts = [text for text in (_raw_text(v) for v in values) if text]
        kept = real_list(texts, camera=camera, extra=placeholder_text)
        dropped = [clean_text(t) for t in texts if clean_text(t) and (clean_text(t) or "").casefold()
                   not in {k.casefold() for k in kept}]
        if dropped:
            notes.append(f"{block} keyword(s) {', '.join(map(repr, dict.fromkeys(dropped)))} are placeholders; ignored")
        return kept

    xmp_description = _raw_text(xmp.get("Xmp.dc.description"))
    description = pick_text(
        real(exif.get("Exif.Image.ImageDescription"), "EXIF", "ImageDescription"),
        real(iim.value("caption", xmp_description), "IPTC", "Caption-Abstract"),
        real(xmp_description, "XMP", "dc:description"),
        state, CAPTION_IIM_LIMIT,
    )
    xmp_keywords = [text for text in (_raw_text(v) for v in _as_list(xmp.get("Xmp.dc.subject"))) if text]
    keywords = pick_list(
        real_keywords(list(iim.values("keywords", xmp_keywords)), "IPTC"),
        real_keywords(list(xmp_keywords), "XMP"), state, KEYWORD_IIM_LIMIT,
    )
    xmp_title = _raw_text(xmp.get("Xmp.dc.title"))
    title = pick_text(None, real(iim.value("title", xmp_title), "IPTC", "ObjectName"),
                      real(xmp_title, "XMP", "dc:title"), state, KEYWORD_IIM_LIMIT) or real(
        _first(xmp.get("Xmp.photoshop.Headline"), iptc.get("Iptc.Application2.Headline")), "XMP", "Headline")
    xmp_creators = [text for text in (_raw_text(v) for v in _as_list(xmp.get("Xmp.dc.creator"))) if text]
    creators = pick_list(real_list(iim.values("byline", xmp_creators), camera=camera, extra=placeholder_text),
                         real_list(xmp_creators, camera=camera, extra=placeholder_text), state, BYLINE_IIM_LIMIT)
    exif_artist = real(exif.get("Exif.Image.Artist"), "EXIF", "Artist")
    xmp_rights = _raw_text(xmp.get("Xmp.dc.rights"))
    copyright_notice = pick_text(real(exif.get("Exif.Image.Copyright"), "EXIF", "Copyright"),
                                 real(iim.value("copyright", xmp_rights), "IPTC", "CopyrightNotice"),
                                 real(xmp_rights, "XMP", "dc:rights"), state, COPYRIGHT_IIM_LIMIT)
    alt_text = real(xmp.get("Xmp.iptc.AltTextAccessibility"), "XMP", "AltTextAccessibility")
    for encoding in sorted(iim.encodings):
        notes.append(f"IPTC text has no character set and is not UTF-8; read as {_CODE_PAGE_NAMES.get(encoding, encoding)}")

    captured = pick_capture_time(
        # MWG: DateTimeOriginal is when the photo was taken; DateTimeDigitized (CreateDate) is when it
        # was digitized (a scan) and never stands in for it
        exif_time(_text(exif.get("Exif.Photo.DateTimeOriginal") or exif.get("Exif.Image.DateTimeOriginal")),  # TIFF/EP, DNG: IFD0
                  _text(exif.get("Exif.Photo.OffsetTimeOriginal"))),
        iim_time(iim.value("date"), iim.value("time")),
        xmp_time(_text(xmp.get("Xmp.photoshop.DateCreated"))) or xmp_time(_text(xmp.get("Xmp.exif.DateTimeOriginal"))),
        state,
    )
    captured_at = captured.wall if captured is not None and captured.has_time else None
    captured_offset = captured.offset if captured_at else None

    latitude = _gps_coordinate(exif.get("Exif.GPSInfo.GPSLatitude"), exif.get("Exif.GPSInfo.GPSLatitudeRef"), "S", 90)
    longitude = _gps_coordinate(exif.get("Exif.GPSInfo.GPSLongitude"), exif.get("Exif.GPSInfo.GPSLongitudeRef"), "W", 180)
    altitude = _rational(exif.get("Exif.GPSInfo.GPSAltitude"))
    if altitude is not None and _text(exif.get("Exif.GPSInfo.GPSAltitudeRef")) == "1":
        altitude = -altitude
    if latitude is None or longitude is None:
        latitude = longitude = altitude = None
    elif (_text(exif.get("Exif.GPSInfo.GPSStatus")) or "").upper().startswith("V"):
        notes.append("GPS status says the receiver had no fix (void); no position")
        latitude = longitude = altitude = None
    elif latitude == 0 and longitude == 0:
        notes.append("GPS position 0, 0 is a receiver without a fix; no position")
        latitude = longitude = altitude = None
    gps_utc = _gps_timestamp(exif.get("Exif.GPSInfo.GPSDateStamp"), exif.get("Exif.GPSInfo.GPSTimeStamp"))
    if gps_utc is None and _text(exif.get("Exif.GPSInfo.GPSDateStamp")) and _text(exif.get("Exif.GPSInfo.GPSTimeStamp")):
        notes.append(f"GPS date {_text(exif.get('Exif.GPSInfo.GPSDateStamp'))!r} is no date; GPS time stamp ignored")
    if gps_utc is not None and captured_at is not None:
        hours = gps_hours_from_capture(captured_at, gps_utc)
        if hours is not None and hours > GPS_TIME_MAX_HOURS:
            notes.append(f"GPS time stamp {gps_utc} is {hours:.0f} h from the capture time {captured_at} "
                         f"(more than {GPS_TIME_MAX_HOURS:.0f} h); ignored")
            gps_utc = None
    iso = _integer(exif.get("Exif.Photo.ISOSpeedRatings") or exif.get("Exif.Photo.PhotographicSensitivity"))
    return ExifFacts(
        captured_at=captured_at,
        captured_offset=captured_offset,
        gps_timestamp_utc=gps_utc,
        camera_make=make,
        camera_model=model,
        lens=_first(exif.get("Exif.Photo.LensModel"), xmp.get("Xmp.aux.Lens"), exif.get("Exif.Photo.LensMake")),
        focal_length_mm=_rational(exif.get("Exif.Photo.FocalLength")),
        f_number=_rational(exif.get("Exif.Photo.FNumber")),
        exposure_time=_exposure(exif.get("Exif.Photo.ExposureTime")),
        iso=iso if iso and iso > 0 else None,
        gps_latitude=latitude,
        gps_longitude=longitude,
        gps_altitude_m=round(altitude, 2) if altitude is not None else None,
        orientation=orientation if orientation in range(1, 9) else None,
        width=width if width and width > 0 else None,
        height=height if height and height > 0 else None,
        exif_caption=description,
        exif_title=title,
        exif_keywords=keywords,
        exif_alt_text=alt_text,
        exif_creator=exif_artist or ("; ".join(creators) if creators else None),
        exif_copyright=copyright_notice,
        metadata_notes=list(dict.fromkeys(notes)),
    )


def _container_size(data: bytes) -> tuple[int, int] | None:
    """The stored size of a non-JPEG picture (HEIC, PNG, TIFF) as its container records it, read
    with Pillow without decoding the pixels (exiftool's File:ImageWidth/ImageHeight)."""
    from PIL import Image, UnidentifiedImageError
    from proofdesk.adapters.images.heif import register_heif

    register_heif()
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            # libheif turns the picture by its `irot` box; the stored size is the unturned one
            turned = image.info.get("original_orientation") in (5, 6, 7, 8)
            return (height, width) if turned else (width, height)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        return None


def _is_raw(path: str, data: bytes) -> bool:
    from proofdesk.adapters.images import libraw
    from proofdesk.core.domain.intake import RAW_EXTENSIONS

    return Path(path).suffix.lower() in RAW_EXTENSIONS or libraw.is_raw(data)


def _raw_size(data: bytes) -> tuple[int | None, int | None]:
    """The sensor picture's size as LibRaw states it (when libexiv2 cannot read the file)."""
    from proofdesk.adapters.images import libraw

    raw = libraw.read_raw(data)
    return (raw.stated_width or None, raw.stated_height or None)


class Pyexiv2ExifReader(ExifReader):
    """`placeholder_text`: text that is no evidence beyond the documented defaults
    (`intake.placeholder_text`)."""

    def __init__(self, placeholder_text: tuple[str, ...] | list[str] = ()) -> None:
        self.placeholder_text = tuple(placeholder_text)

    def read(self, path: str) -> ExifFacts:
        data = _metadata_bytes(path)  # FileNotFoundError for a missing file, as the port says
        pyexiv2 = _pyexiv2()
        try:
            image = pyexiv2.ImageData(data)
        except RuntimeError as exc:
            log.warning("%s: no readable metadata (%s)", path, exc)
            if _is_raw(path, data):
                width, height = _raw_size(data)
                return ExifFacts(width=width, height=height)
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
        is_jpeg = data.startswith(b"\xff\xd8")
        if _is_raw(path, data):
            # a camera RAW: libexiv2's pixel size is the sensor picture's, as exiftool's ImageSize
            # (its first IFD is a small thumbnail, which is what a TIFF reader would measure)
            if not (width and height):
                width, height = _raw_size(data)
        elif not is_jpeg:  # HEIC: libexiv2 reports the EXIF's size; the stored picture is what readers show
            width, height = _container_size(data) or (width, height)
        block = iptc_block(data) if is_jpeg else None
        return facts_from_metadata(exif, iptc, xmp, width, height, iptc_block=block,
                                   placeholder_text=self.placeholder_text)

    def read_sidecars(self, path: str) -> ExifFacts:
        """Keywords (dc:subject, the leaves of lr:hierarchicalSubject), caption, title and alt text of
        the XMP sidecars next to `path`: NAME.jpg.xmp (darktable, digiKam) and NAME.xmp (Lightroom)."""
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
            extra = self.placeholder_text
            found = ExifFacts(
                exif_caption=real_text(_raw_text(xmp.get("Xmp.dc.description")), extra=extra),
                exif_title=real_text(_raw_text(xmp.get("Xmp.dc.title")), extra=extra)
                or real_text(_raw_text(xmp.get("Xmp.photoshop.Headline")), extra=extra),
                exif_keywords=real_list([_raw_text(v) for v in [*_as_list(xmp.get("Xmp.dc.subject")), *leaves]],
                                        extra=extra),
                exif_alt_text=real_text(_raw_text(xmp.get("Xmp.iptc.AltTextAccessibility")), extra=extra),
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

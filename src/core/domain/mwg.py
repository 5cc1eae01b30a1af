"""Reading a photo's own metadata the way other programs read it: the Metadata Working Group's
Guidelines for Handling Image Metadata 2.0, as exiftool's MWG composite tags implement them.

A description, keywords, creator, copyright or capture time can sit in three blocks at once: EXIF,
IPTC-IIM and XMP. Catalogs (Lightroom, Photo Mechanic, exiftool's `-use MWG`) reconcile them so:

1. EXIF first, where the field has an EXIF form (description, creator, copyright, capture time),
   when its value is not blank;
2. between IPTC and XMP: XMP when the file holds no IPTC, or when it holds XMP and the IPTC digest
   stored by the last MWG-aware writer (Photoshop resource 0x0425) is missing or matches the
   current IPTC (the XMP is in step with it); otherwise IPTC, since a program unaware of XMP
   edited the IPTC after the XMP was written. IPTC cut at its IIM limit is recovered from XMP.

proofdesk adds one step before precedence: placeholder text is not evidence. Cameras and editors
fill fields with defaults ("OLYMPUS DIGITAL CAMERA", "SAMSUNG", "DCIM", "null", "caption", the
camera's make or model alone, strings without a letter); such a value counts as absent, so the
next block's real value is read instead. `PLACEHOLDER_TEXTS` and `PLACEHOLDER_PATTERNS` are the
documented list; `intake.placeholder_text` extends it.

Legacy IPTC text is decoded by its CodedCharacterSet (ESC % G = UTF-8), else as UTF-8, else in the
legacy code page that gives the XMP value of the same field, else the most plausible of Windows-1252
and Mac Roman; control characters never survive.

Pure functions over values the adapter extracted (no I/O).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

# IIM's byte limits: a value exactly this long may be XMP's longer text cut short
CAPTION_IIM_LIMIT = 2000
KEYWORD_IIM_LIMIT = 64
BYLINE_IIM_LIMIT = 32
COPYRIGHT_IIM_LIMIT = 128

# Text that cameras and editors write when nobody wrote anything (compared case-insensitively,
# whitespace collapsed). A value equal to the camera's make or model, or without any letter, is a
# placeholder too.
PLACEHOLDER_TEXTS: tuple[str, ...] = (
    "null", "none", "nil", "n/a", "na", "undefined", "unknown", "-", "?",
    "caption", "description", "title", "untitled", "no title", "no description", "image description",
    "keyword", "keywords", "tag", "tags", "subject", "headline", "object name",
    "image", "picture", "photo", "photograph", "default", "camera", "digital camera",
    "dcim", "olympus digital camera", "sony dsc", "minolta dsc", "kodak digital still camera",
    "samsung digital camera", "lg digital camera", "exif_jpeg_picture", "jpeg", "jpg",
    "copyright", "author", "artist", "creator", "user comment", "comment", "comments",
    "created with the gimp", "created with gimp", "lead technologies inc. v1.01",
)
# a camera brand alone or with its default suffix ("SAMSUNG", "Nikon digital camera", "SONY DSC"):
# a placeholder as a description or title, but a brand can be a real keyword ("apple", "nokia")
BRAND_PATTERN = (
    r"(olympus|sony|nikon|canon|kodak|minolta|konica( minolta)?|pentax|ricoh|fuji(film)?|samsung|panasonic|"
    r"casio|sanyo|sharp|leica|sigma|hasselblad|huawei|xiaomi|oppo|vivo|htc|lg|motorola|nokia|apple|google|"
    r"zte|blackberry|gopro|dji)( digital)?( still)?( camera| dsc| imaging)?"
)
PLACEHOLDER_PATTERNS: tuple[str, ...] = (
    r"[a-z]+ \d+ digital camera",
    r"dcim[\\/ ].*", r"exif_jpeg_\d*", r"img_?\d+(\.jpe?g)?", r"dsc[a-z]?_?\d+(\.jpe?g)?",
    r"p\d{7}(\.jpe?g)?",
)
_PLACEHOLDER_RE = re.compile(r"^(?:" + "|".join(PLACEHOLDER_PATTERNS) + r")$", re.IGNORECASE)
_BRAND_RE = re.compile(r"^(?:" + BRAND_PATTERN + r")$", re.IGNORECASE)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_UTF8_MARKERS = (b"\x1b%G", b"\x1b%/G", b"\x1b%/H", b"\x1b%/I")
# Letters a Western European text uses beyond ASCII: the plausibility of a legacy decoding
_EUROPEAN_LETTERS = frozenset("àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßœÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝŒ")
LEGACY_CODE_PAGES: tuple[str, ...] = ("cp1252", "mac_roman", "latin-1")


def clean_text(value: str | None) -> str | None:
    """`value` with control characters removed and whitespace collapsed; None when nothing is left.
    Line breaks survive as single spaces (a caption is one paragraph)."""
    if value is None:
        return None
    text = _CONTROL.sub(" ", value.replace("\x00", " "))
    text = " ".join(text.split())
    return text or None


def is_placeholder(text: str | None, *, camera: Iterable[str | None] = (), extra: Iterable[str] = (),
                   brands: bool = True) -> bool:
    """True when `text` is no real description, keyword, title or name: empty, without a letter or
    digit, a known default (`PLACEHOLDER_TEXTS`, `PLACEHOLDER_PATTERNS`, `extra`), a camera brand
    alone (`BRAND_PATTERN`, unless `brands` is False: keywords), or the camera's make or model alone
    (`camera`)."""
    cleaned = clean_text(text)
    if cleaned is None:
        return True
    folded = cleaned.casefold()
    if not any(character.isalnum() for character in folded):
        return True
    if folded in PLACEHOLDER_TEXTS or _PLACEHOLDER_RE.match(folded) or (brands and _BRAND_RE.match(folded)):
        return True
    if any(folded == " ".join(item.split()).casefold() for item in extra if item):
        return True
    names = [" ".join(name.split()).casefold() for name in camera if name and name.strip()]
    return folded in names or (len(names) >= 2 and folded == f"{names[0]} {names[1]}")


def real_text(value: str | None, *, camera: Iterable[str | None] = (), extra: Iterable[str] = (),
              brands: bool = True) -> str | None:
    """`clean_text(value)` unless it is a placeholder (then None)."""
    cleaned = clean_text(value)
    if cleaned is None or is_placeholder(cleaned, camera=camera, extra=extra, brands=brands):
        return None
    return cleaned


def real_list(values: Iterable[str | None], *, camera: Iterable[str | None] = (), extra: Iterable[str] = ()) -> list[str]:
    """The real values of a list (keywords): cleaned, placeholders out, duplicates (case-insensitive)
    out, first spelling kept."""
    camera = tuple(camera)
    extra = tuple(extra)
    seen: dict[str, str] = {}
    for value in values:
        text = real_text(value, camera=camera, extra=extra, brands=False)
        if text is not None:
            seen.setdefault(text.casefold(), text)
    return list(seen.values())


# ---------------------------------------------------------------- legacy IPTC text


def is_utf8_coded(coded_character_set: bytes | None) -> bool:
    """IPTC Envelope 1:90 CodedCharacterSet says UTF-8 (ESC % G, or ISO 2022 ESC % / G|H|I)."""
    return coded_character_set is not None and any(coded_character_set.startswith(m) for m in _UTF8_MARKERS)


def _plausibility(text: str) -> int:
    return sum(1 for character in text if character in _EUROPEAN_LETTERS) - 3 * len(_CONTROL.findall(text)) - sum(
        1 for character in text if unicodedata.category(character) in ("So", "Sk", "Co", "Cn")
    )


def decode_iim(raw: bytes, coded_character_set: bytes | None = None, reference: str | None = None) -> tuple[str, str]:
    """(text, encoding) of one IPTC-IIM value. UTF-8 when the record says so or the bytes are valid
    UTF-8; otherwise the legacy code page whose text equals `reference` (the file's XMP value of the
    same field, when there is one), else the most plausible Western code page. The text never keeps
    a control character (`clean_text` is applied by the callers that need one line)."""
    if is_utf8_coded(coded_character_set):
        return _CONTROL.sub("", raw.decode("utf-8", "replace")), "utf-8"
    try:
        return _CONTROL.sub("", raw.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = [(raw.decode(page, "replace"), page) for page in LEGACY_CODE_PAGES]
    if reference:
        wanted = clean_text(reference)
        for text, page in candidates:
            if clean_text(text) == wanted:
                return text, page
    text, page = max(candidates, key=lambda candidate: _plausibility(candidate[0]))  # first wins a tie
    return _CONTROL.sub("", text), page


# ---------------------------------------------------------------- precedence


@dataclass(frozen=True)
class IptcState:
    """What decides between IPTC and XMP: whether the file holds IPTC-IIM at all, the digest the
    last MWG-aware writer stored (Photoshop 0x0425) and the digest of the IPTC as it is now."""

    present: bool = False
    stored_digest: str | None = None
    current_digest: str | None = None

    @property
    def xmp_in_step(self) -> bool:
        """XMP is current: no IPTC, or no stored digest, or the stored digest matches."""
        return not self.present or self.stored_digest is None or self.stored_digest == self.current_digest


def _recover_truncated(iptc: str, xmp: str | None, limit: int) -> str:
    if xmp is not None and len(iptc.encode("utf-8")) >= limit and len(xmp) > len(iptc) and xmp.startswith(iptc):
        return xmp
    return iptc


def pick_text(exif: str | None, iptc: str | None, xmp: str | None, state: IptcState, limit: int) -> str | None:
    """One field by the MWG reading rule; pass None for a block's value that is missing or a placeholder."""
    if exif is not None:
        return exif
    if iptc is None or (xmp is not None and state.xmp_in_step):
        return xmp if xmp is not None else iptc
    return _recover_truncated(iptc, xmp, limit)


def pick_list(iptc: Sequence[str], xmp: Sequence[str], state: IptcState, limit: int = KEYWORD_IIM_LIMIT) -> list[str]:
    """A list field (keywords, creators) by the MWG reading rule; an empty list counts as missing."""
    if not iptc or (xmp and state.xmp_in_step):
        return list(xmp) if xmp else list(iptc)
    return [_recover_truncated(value, xmp[index] if index < len(xmp) else None, limit) for index, value in enumerate(iptc)]


# ---------------------------------------------------------------- capture time

_EXIF_TIME = re.compile(r"^\s*(\d{4})[:\-](\d{2})[:\-](\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?")
_ISO_TIME = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?)?\s*$"
)
_IIM_DATE = re.compile(r"^\s*(\d{4})-?(\d{2})-?(\d{2})\s*$")
_IIM_TIME = re.compile(r"^\s*(\d{2}):?(\d{2}):?(\d{2})\s*(Z|[+-]\d{2}:?\d{2})?\s*$")


@dataclass(frozen=True)
class CaptureTime:
    """A capture time as the file records it: `wall` is ISO 8601 wall time to the second
    ("2006-10-29T06:27:51"), or a date alone ("2006-10-29") when no block holds the time;
    `offset` is "+HH:MM" when recorded; `source` names the block it came from."""

    wall: str
    offset: str | None = None
    source: str = "exif"

    @property
    def has_time(self) -> bool:
        return "T" in self.wall


def _valid(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> bool:
    return 1800 <= year <= 9999 and 1 <= month <= 12 and 1 <= day <= 31 and hour <= 23 and minute <= 59 and second <= 60


def normal_offset(text: str | None) -> str | None:
    """"+0200", "+02:00", "Z" -> "+02:00", "+00:00"; None when it does not parse or is beyond ±14 h."""
    if not text:
        return None
    text = text.strip()
    if text.upper() == "Z":
        return "+00:00"
    match = re.match(r"^([+-])(\d{2}):?(\d{2})$", text)
    if not match:
        return None
    sign, hours, minutes = match.groups()
    if int(hours) > 14 or int(minutes) > 59:
        return None
    return f"{sign}{hours}:{minutes}"


def exif_time(value: str | None, offset: str | None = None) -> CaptureTime | None:
    """EXIF "YYYY:MM:DD HH:MM:SS" (blank and 0000:00:00 placeholders give None)."""
    match = _EXIF_TIME.match(value or "")
    if not match:
        return None
    year, month, day, hour, minute = (int(part) for part in match.groups()[:5])
    second = int(match.group(6) or 0)
    if not _valid(year, month, day, hour, minute, second):
        return None
    return CaptureTime(f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{min(second, 59):02d}",
                       normal_offset(offset), "exif")


def xmp_time(value: str | None) -> CaptureTime | None:
    """XMP date ("2006-10-29", "2021-10-20T21:01:01+00:00", "2012-08-26T15:53:03.12")."""
    match = _ISO_TIME.match(value or "")
    if not match:
        return None
    year, month, day = (int(part) for part in match.groups()[:3])
    if match.group(4) is None:
        return CaptureTime(f"{year:04d}-{month:02d}-{day:02d}", None, "xmp") if _valid(year, month, day) else None
    hour, minute, second = int(match.group(4)), int(match.group(5)), int(match.group(6) or 0)
    if not _valid(year, month, day, hour, minute, second):
        return None
    return CaptureTime(f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{min(second, 59):02d}",
                       normal_offset(match.group(7)), "xmp")


def iim_time(date: str | None, time: str | None) -> CaptureTime | None:
    """IPTC DateCreated (2:55) + TimeCreated (2:60)."""
    date_match = _IIM_DATE.match(date or "")
    if not date_match:
        return None
    year, month, day = (int(part) for part in date_match.groups())
    if not _valid(year, month, day):
        return None
    time_match = _IIM_TIME.match(time or "")
    if not time_match:
        return CaptureTime(f"{year:04d}-{month:02d}-{day:02d}", None, "iptc")
    hour, minute, second = (int(part) for part in time_match.groups()[:3])
    if not _valid(year, month, day, hour, minute, second):
        return CaptureTime(f"{year:04d}-{month:02d}-{day:02d}", None, "iptc")
    return CaptureTime(f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{min(second, 59):02d}",
                       normal_offset(time_match.group(4)), "iptc")


def pick_capture_time(exif: CaptureTime | None, iptc: CaptureTime | None, xmp: CaptureTime | None,
                      state: IptcState) -> CaptureTime | None:
    """MWG DateTimeOriginal: EXIF, else XMP photoshop:DateCreated when in step, else IPTC. A picked
    date without a time takes the time of the other block when both name the same day (the same
    moment, recorded more precisely)."""
    if exif is not None:
        return exif
    if iptc is None or (xmp is not None and state.xmp_in_step):
        first, other = xmp, iptc
    else:
        first, other = iptc, xmp
    if first is None:
        return other
    if not first.has_time and other is not None and other.has_time and other.wall.startswith(first.wall):
        return other
    return first


# A GPS time stamp further than this from the capture's wall time cannot be the same moment
# (no time zone is more than 14 h from UTC): a receiver without a fix or a wrong GPS date.
GPS_TIME_MAX_HOURS = 14.0


def gps_hours_from_capture(captured_at: str, gps_utc: str) -> float | None:
    """Hours between the wall time ("2008-10-22T16:28:39") and the GPS UTC stamp
    ("2008-10-23T14:27:07Z"), read as if both were the same clock; None when either does not parse."""
    try:
        wall = datetime.fromisoformat(captured_at[:19])
        utc = datetime.fromisoformat(gps_utc.rstrip("Z")[:19])
    except ValueError:
        return None
    return abs((wall - utc).total_seconds()) / 3600


# ---------------------------------------------------------------- exposure time


def exposure_text(seconds: float) -> str:
    """An exposure time as photographers (and exiftool) write it: 1/250, 1/4, 0.4, 2, 2.5 (no unit).
    Below a quarter second a fraction 1/N, else seconds with one decimal (".0" dropped)."""
    if seconds <= 0:
        raise ValueError("an exposure time is positive")
    if seconds < 0.25001:
        return f"1/{int(0.5 + 1 / seconds)}"
    text = f"{seconds:.1f}"
    return text[:-2] if text.endswith(".0") else text

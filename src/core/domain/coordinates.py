"""Coordinates in text: one recogniser for the proof (`place.coordinates`) and the publish scrubber.

Published text never carries a position as numbers. `find_coordinates` finds every common way of
writing one, `remove_coordinates` cuts them out so that the sentence around them still reads:

- decimal degrees, paired with a comma, space, semicolon or slash, signed or with N/S/E/W before
  or after ("48.1374, 11.5755", "-33.8688 151.2093", "N 48.1374 E 11.5755", "48.1374N, 11.5755E");
- labelled ("lat 48.137 lon 11.576", "Latitude: 43.687 Longitude: -85.483", "GPS: 51.5, -0.12");
- degrees-minutes-seconds with °, ′, ″, ', ", "deg" or spaces ("48°08'14\"N", "43 deg 27' 48.24\" N",
  "48 08 14 N 11 34 32 E"), and degrees with decimal minutes ("48° 8.244' N", "N48 08.244 E011 34.530");
- a geo URI or a map link's position ("geo:48.1374,11.5755", "@48.1374,11.5755,15z");
- file-name forms ("munich-48-1374-11-5755", "48_1374_11_5755", "48.1374_11.5755",
  "48-08-14-n-11-34-32-e");
- one decimal degree with a hemisphere ("48.13743° N").

Times ("16:55"), dates ("2008-10-22", "22.10.2008"), versions, prices ("12.50"), exposure ("f/2.8",
"1/250 s", "50 mm", "ISO 200"), years and the numbers of camera file names ("img-0042",
"dscn0010") are not coordinates: a pair needs three or more decimals, a hemisphere letter, a degree
sign or a label before it counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class CoordinateMatch:
    """One coordinate (or pair) in a text: where it is, as written, and the position when it parses."""

    start: int
    end: int
    text: str
    latitude: float | None = None
    longitude: float | None = None

    @property
    def span(self) -> tuple[int, int]:
        return self.start, self.end


_START = r"(?<![^\W_])(?<!\.)"  # not inside a word or a longer number ("_" and "-" may join)
_STOP = r"(?![^\W_])"
_END = r"(?!\.?\d)"  # no more digits: "22.10.2008" is no decimal, "2008" no degree
_DEG_MARK = rf"(?:[°º˚]|\s?deg(?:rees?)?{_STOP}\.?)"
_MIN_MARK = rf"(?:[′'’´]|\s?min(?:utes?)?{_STOP}\.?)"
_SEC_MARK = rf"(?:''|′′|’’|[″\"”]|\s?sec(?:onds?)?{_STOP}\.?)"
_PART = r"\d{1,2}(?:\.\d+)?"
_NEEDS_LETTER = rf"(?(pre)|(?=\s?[NSEW]{_STOP}))"  # "48 08 14", "16:55" count only with a hemisphere

_VALUE = re.compile(
    rf"""
    (?:{_START}(?<!/)(?i:(?:gps\s?)?(?:(?P<lat>lat(?:itude)?)|(?P<lon>lon(?:g(?:itude)?)?|lng))){_STOP}\.?\s*[:=]?\s*)?
    (?:{_START}(?P<pre>[NSEW])\s?|{_START})
    (?P<sign>[-+−])?
    (?:
        (?P<marked>\d{{1,3}}(?:\.\d+)?{_END}\s?{_DEG_MARK}
            (?:\s?{_PART}{_END}\s?{_MIN_MARK}(?:\s?{_PART}{_END}\s?{_SEC_MARK})?|\s?\d{{1,2}}\.\d{{2,}}{_END})?)
      | (?P<primed>\d{{1,3}}\s{{1,2}}{_PART}{_END}\s?['′](?![a-z])(?:\s?{_PART}{_END}\s?(?:''|′′|[″"”]))?)
      | (?P<colon>\d{{1,3}}:\d{{1,2}}(?::{_PART}|\.\d+)?{_END}{_NEEDS_LETTER})
      | (?P<spaced>\d{{1,3}}\s{{1,2}}\d{{1,2}}(?:\s{{1,2}}{_PART}|\.\d+){_END}{_NEEDS_LETTER})
      | (?P<decimal>\d{{1,3}}\.\d+{_END})
      | (?P<integer>\d{{1,3}}{_END})
    )
    (?(pre)|(?:\s?(?P<post>[NSEWnsew]|(?i:north|south|east|west)){_STOP})?)
    {_STOP}
    """,
    re.VERBOSE,
)
_KINDS = ("marked", "primed", "colon", "spaced", "decimal", "integer")
_SEPARATOR = re.compile(r"\s{0,2}[,;/|&+]?\s{0,2}")  # "+48.1374+011.5755/" (ISO 6709)
_JOINER = re.compile(r"[-_]")  # "48.1374_11.5755" in a file name

# A label that says the numbers after it are a position ("GPS:", "coordinates", "geo:", "@").
_LABEL = (
    r"(?i:gps(?:\s+(?:position|coordinates|coords|location|data))?|geo(?:graphic(?:al)?)?\s+coordinates"
    r"|coordinates?|coords?|position|location|lat(?:itude)?\s*(?:/|,|&|and)\s*lon(?:g(?:itude)?)?)"
)
_CONTEXT = re.compile(rf"(?:{_START}(?P<label>{_LABEL})\s*[:=]?\s*[(\[]?\s*|(?P<uri>geo:|@|[?&](?:q|ll|sll|query|center|daddr|saddr)=))$")
_URI_TAIL = re.compile(r"(?:,\s?-?\d+(?:\.\d+)?[zma]?)?(?:;[\w=-]+(?:\.\d+)?)*")

# File names: "munich-48-1374-11-5755", "48_1374_11_5755", "n-48-1374-e-11-5755", "48-08-14-n-11-34-32-e".
_SLUG_VALUE = re.compile(
    rf"{_START}(?:(?P<label>lat(?:itude)?|lon(?:g(?:itude)?)?|lng)[-_])?(?:(?P<pre>[nsewNSEW])[-_]?)?(?P<sign>-)?"
    r"(?:(?P<decimal>\d{1,3}[-_.]\d{3,})(?:-?deg)?"
    r"|(?P<sexagesimal>\d{1,3}(?:[-_]?deg[-_]?|[-_])\d{1,2}(?!\d)(?:[-_]\d{1,2}(?!\d))?(?:[-_]\d+)?))(?!\d)"
    rf"(?(pre)|(?:[-_]?(?P<post>[nsewNSEW]))?){_STOP}"
)


@dataclass(frozen=True)
class _Value:
    """One number that may be half a position, with what the text says about it."""

    start: int
    end: int
    kind: str
    degrees: float | None  # signed; None when minutes or seconds are 60 or more
    axis: str | None  # "lat" or "lon", from a hemisphere letter or a label
    hemisphere: str | None
    capital: bool  # the hemisphere written "N" or "north", not "n" (a lone "0.125 s" is a time)
    fraction: int  # decimals of a plain decimal degree
    labelled: bool

    @property
    def sexagesimal(self) -> bool:
        return self.kind in ("primed", "colon", "spaced") or (self.kind == "marked" and self.fraction < 0)


def _value(match: re.Match[str]) -> _Value:
    kind = next(name for name in _KINDS if match.group(name) is not None)
    body = match.group(kind)
    parts = [float(number) for number in re.findall(r"\d+(?:\.\d+)?", body)]
    degrees: float | None = parts[0] + sum(part / 60**index for index, part in enumerate(parts[1:], start=1))
    if any(part >= 60 for part in parts[1:]):
        degrees = None
    letter = match.group("pre") or match.group("post")
    hemisphere = letter[0].upper() if letter else None
    if degrees is not None and (match.group("sign") in ("-", "−") or hemisphere in ("S", "W")):
        degrees = -degrees
    axis = "lat" if match.group("lat") or hemisphere in ("N", "S") else "lon" if match.group("lon") or hemisphere else None
    decimals = re.search(r"^\d+\.(\d+)", body)
    fraction = len(decimals.group(1)) if decimals and len(parts) == 1 else (-1 if len(parts) > 1 else 0)
    capital = letter is not None and (len(letter) > 1 or letter.isupper())
    labelled = bool(match.group("lat") or match.group("lon"))
    return _Value(match.start(), match.end(), kind, degrees, axis, hemisphere, capital, fraction, labelled)


def _in_range(latitude: float | None, longitude: float | None) -> bool:
    return latitude is not None and longitude is not None and abs(latitude) <= 90 and abs(longitude) <= 180


def _pair(first: _Value, second: _Value, between: str, context: re.Match[str] | None) -> tuple[float, float] | None:
    """(latitude, longitude) when two neighbouring numbers are a position, else None."""
    joined = _JOINER.fullmatch(between) is not None
    if not (_SEPARATOR.fullmatch(between) or joined):
        return None
    if first.axis and first.axis == second.axis:
        return None  # "1.250 s, 2.500 s" are two times, not a position
    both_lettered = first.hemisphere is not None and second.hemisphere is not None
    both_labelled = first.labelled and second.labelled
    integers = first.kind == "integer" or second.kind == "integer"
    plain = all(value.kind in ("decimal", "marked") and value.fraction >= 0 for value in (first, second))
    if joined:
        accepted = plain and min(first.fraction, second.fraction) >= 3
    elif both_lettered or both_labelled or (context is not None and context.group("uri")):
        accepted = True
    elif context is not None:
        accepted = not integers
    elif first.sexagesimal and second.sexagesimal:
        accepted = True
    else:
        accepted = plain and not integers and max(first.fraction, second.fraction) >= 3
    if not accepted:
        return None
    latitude, longitude = first.degrees, second.degrees
    if first.axis == "lon" or second.axis == "lat":
        latitude, longitude = longitude, latitude
    if not _in_range(latitude, longitude) and first.axis is None and second.axis is None:
        latitude, longitude = longitude, latitude  # "151.2093, -33.8688": longitude first
    return (latitude, longitude) if _in_range(latitude, longitude) else None  # type: ignore[return-value]


def _single(value: _Value) -> bool:
    """One number alone is a coordinate when it is written as one: minutes and seconds, a degree
    sign or a hemisphere letter with decimals, or a latitude/longitude label."""
    if value.degrees is None or abs(value.degrees) > (90 if value.axis == "lat" else 180):
        return False
    if value.sexagesimal:
        return value.kind != "colon"  # "16:55:02 S" alone is a time; "48:08:14N" counts in a pair
    if value.kind == "integer":
        return False
    if value.labelled:
        return True
    if value.kind == "marked":  # "48.1° N" and "48.1374°", not "turns 90 degrees west"
        return (value.capital and value.fraction > 0) or value.fraction >= 3
    return value.capital and value.fraction >= 3


def _slug_value(match: re.Match[str]) -> tuple[float | None, str | None]:
    """(signed degrees, hemisphere) of a file-name number; degrees None when it cannot be one."""
    parts = re.split(r"[-_.]+", re.sub("deg", "-", match["decimal"] or match["sexagesimal"]))
    if match["decimal"]:
        degrees, minutes, seconds = float(".".join(parts)), 0.0, 0.0
    else:  # 48-08-14, 48-08-14-4 (14.4 seconds), 48-8-244 (8.244 minutes)
        decimal_minutes = len(parts) == 3 and len(parts[2]) >= 3
        degrees = float(parts[0])
        minutes = float(".".join(parts[1:3])) if decimal_minutes else float(parts[1])
        seconds = 0.0 if decimal_minutes or len(parts) < 3 else float(".".join(parts[2:4]))
    letter = (match["pre"] or match["post"] or "").upper() or None
    if minutes >= 60 or seconds >= 60:
        return None, letter
    degrees += minutes / 60 + seconds / 3600
    return (-degrees if match["sign"] or letter in ("S", "W") else degrees), letter


def _slug_matches(text: str) -> list[CoordinateMatch]:
    """Pairs of file-name numbers that are a position: both with a hemisphere letter, or both
    decimal degrees with three or more decimals ("48-1374-11-5755"); dates and counters are not."""
    values = list(_SLUG_VALUE.finditer(text))
    found: list[CoordinateMatch] = []
    for first, second in zip(values, values[1:], strict=False):
        if found and found[-1].end > first.start() or text[first.end() : second.start()] not in ("-", "_"):
            continue
        (latitude, first_letter), (longitude, second_letter) = _slug_value(first), _slug_value(second)
        lettered = first_letter is not None and second_letter is not None
        if lettered and (first_letter in ("E", "W")) == (second_letter in ("E", "W")):
            continue
        decimals = first["decimal"] and second["decimal"] and first_letter is None and second_letter is None
        labelled = first["label"] and second["label"] and first["label"][:2] != second["label"][:2]
        if not (lettered or decimals or labelled):
            continue
        if first_letter in ("E", "W") or (first["label"] or "lat")[:2] != "la" or not (lettered or _in_range(latitude, longitude)):
            latitude, longitude = longitude, latitude
        if _in_range(latitude, longitude):
            found.append(CoordinateMatch(first.start(), second.end(), text[first.start() : second.end()], latitude, longitude))
    return found


def find_coordinates(text: str) -> list[CoordinateMatch]:
    """Every coordinate (a position pair, or one coordinate written as such) in `text`, in order."""
    values = [_value(match) for match in _VALUE.finditer(text)]
    found: list[CoordinateMatch] = []
    index = 0
    while index < len(values):
        first = values[index]
        context = _CONTEXT.search(text[max(0, first.start - 40) : first.start])
        start = first.start - len(context.group("uri")) if context and context.group("uri") else first.start
        if index + 1 < len(values):
            second = values[index + 1]
            position = _pair(first, second, text[first.end : second.start], context)
            if position is not None:
                end = second.end
                if context and context.group("uri"):
                    tail = _URI_TAIL.match(text, end)
                    end = tail.end() if tail else end
                elif text[first.end : second.start] in ("+", "-") and text.startswith("/", end):
                    end += 1  # ISO 6709 "+48.1374+011.5755/"
                found.append(CoordinateMatch(start, end, text[start:end], *position))
                index += 2
                continue
        if _single(first):
            latitude = first.degrees if first.axis == "lat" else None
            longitude = first.degrees if first.axis == "lon" else None
            found.append(CoordinateMatch(first.start, first.end, text[first.start : first.end], latitude, longitude))
        index += 1
    for slug in _slug_matches(text):
        overlapping = [m for m in found if m.start < slug.end and slug.start < m.end]
        if all(m.end - m.start < slug.end - slug.start for m in overlapping):
            found = [m for m in found if m not in overlapping] + [slug]
    return sorted(found, key=lambda m: m.start)


# ============================================================================ removal

_LEAD_IN = re.compile(rf"(?:{_START}(?i:at){_STOP}[\s_-]*)?(?:{_START}{_LABEL}[\s_-]*[:=]?[\s_-]*)?$")
_DANGLING = ",;:–—-|/_"
_CLOSERS = ".!?)]}\"”’…"


def _cut(text: str, start: int, end: int) -> str:
    """`text` without text[start:end], its label and a lone "at" before it, the brackets around it
    and the punctuation that would dangle."""
    left, right = text[:start].rstrip(), text[end:].lstrip()
    while True:
        before = left, right
        lead_in = _LEAD_IN.search(left)
        left = left[: lead_in.start()].rstrip() if lead_in else left
        if left.endswith(("(", "[")) and right.startswith((")", "]")):
            left, right = left[:-1].rstrip(), right[1:].lstrip()
        if (left, right) == before:
            break
    if not left.rstrip(_DANGLING + " "):
        return right.lstrip(_DANGLING + " ")
    if not right or right[0] in _CLOSERS:
        return left.rstrip(_DANGLING + " ") + right
    if right[0] in _DANGLING:
        rest = right[1:].lstrip()
        if left.endswith(("(", "[")) or (left[-1] in "-_" and left[-2:-1].isalnum()):
            return left + rest  # "(Munich)", "a-b" in a file name
        return f"{left} {rest}" if left[-1] in _DANGLING else left + right
    return left + right if left.endswith(("(", "[")) else f"{left} {right}"


def remove_coordinates(text: str) -> str:
    """`text` without any coordinates, their labels ("GPS:", "lat", "coordinates"), a lone "at"
    before them, empty brackets and dangling punctuation; spaces collapsed where cut."""
    found = find_coordinates(text)
    if not found:
        return text
    result = text
    for match in reversed(found):
        result = _cut(result, match.start, match.end)
    result = re.sub(r"[ \t]{2,}", " ", result).strip()
    if not _cut(text, found[0].start, len(text)).strip("([ ") and result[:1].islower():
        result = result[:1].upper() + result[1:]  # the text began with the coordinates
    return result

"""When was the photo taken, and does a time-of-day word ("sunset", "at night") agree with it?

Source order (ADR 0006), first that applies; the names are the row's `utc_offset_source`:
1. `gps_time`: GPS position + GPS UTC stamp -> sun elevation (astral) at that instant and place;
2. `clock_offset`: `captured_at` on a camera clock the photographer said ran on another zone
   (`run --clock-offset`), converted to UTC, with the GPS position -> sun elevation;
3. `exif_offset`: `captured_at` + `captured_offset` (OffsetTimeOriginal) converted to UTC, with the
   GPS position -> sun elevation;
4. `gps_zone`: `captured_at` + the UTC offset of the position's time zone on that date (looked up
   offline, DST-aware, before the proof runs), with the GPS position -> sun elevation;
5. `none`: the local wall time (`captured_at` as the camera clock recorded it) -> hour windows.
No capture time at all: nothing to check. The machine's own time zone is never consulted: every
conversion uses an explicit offset or UTC.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from astral import Observer
from astral.sun import elevation as sun_elevation
from astral.sun import noon as solar_noon
from proofdesk.core.domain.proof.text import phrase_pattern

CaptureSource = Literal["gps_time", "clock_offset", "exif_offset", "gps_zone", "none"]

# canonical word -> the ways a caption says it
TIME_WORD_ALIASES: dict[str, tuple[str, ...]] = {
    "dawn": ("dawn", "daybreak", "first light"),
    "sunrise": ("sunrise", "sunrises", "sunup"),
    "morning": ("morning", "mornings"),
    "midday": ("midday", "mid-day", "noon", "noontime", "lunchtime"),
    "afternoon": ("afternoon", "afternoons"),
    "sunset": ("sunset", "sunsets", "sundown"),
    "dusk": ("dusk", "nightfall"),
    "evening": ("evening", "evenings"),
    "twilight": ("twilight",),
    "golden hour": ("golden hour",),
    "blue hour": ("blue hour",),
    "night": ("night", "nights", "nighttime", "night-time"),
    "midnight": ("midnight",),
    "midnight sun": ("midnight sun",),
    "daytime": ("daytime", "broad daylight"),
}

_ALIAS_TO_WORD = {alias: word for word, aliases in TIME_WORD_ALIASES.items() for alias in aliases}
_TIME_WORD_PATTERN = phrase_pattern(tuple(_ALIAS_TO_WORD))

# Sun tests: (elevation in degrees, local apparent solar hour 0-24) -> plausible. Deliberately
# lenient: the rule exists to catch contradictions ("at night" in full sun), not to argue about
# whether 17:00 is still afternoon.
_SUN_TESTS: dict[str, Callable[[float, float], bool]] = {
    "dawn": lambda el, s: s < 12 and -18 <= el <= 4,
    "sunrise": lambda el, s: s < 12 and -4 <= el <= 10,
    "morning": lambda el, s: 3 <= s < 12.5,
    "midday": lambda el, s: 10.5 <= s <= 13.5 and el > 0,
    "afternoon": lambda el, s: 11.75 <= s < 19.5,
    "sunset": lambda el, s: s >= 12 and -4 <= el <= 10,
    "dusk": lambda el, s: s >= 12 and -18 <= el <= 4,
    "evening": lambda el, s: s >= 16 or (s >= 12 and el <= 10),
    "twilight": lambda el, s: -18 <= el <= 2,
    "golden hour": lambda el, s: -4 <= el <= 12,
    "blue hour": lambda el, s: -12 <= el <= 0,
    "night": lambda el, s: el < -6,
    "midnight": lambda el, s: (s >= 22.5 or s <= 1.5) and el < 0,
    "midnight sun": lambda el, s: (s >= 21 or s <= 3) and el > -1,
    "daytime": lambda el, s: el > 0,
}

# Hour windows on the local wall clock [from, to), used when the sun cannot be placed.
_WALL_WINDOWS: dict[str, tuple[tuple[float, float], ...]] = {
    "dawn": ((3, 9),),
    "sunrise": ((3, 10),),
    "morning": ((4, 12.5),),
    "midday": ((11, 14.5),),
    "afternoon": ((12, 19.5),),
    "sunset": ((15, 23),),
    "dusk": ((15.5, 23.5),),
    "evening": ((16, 24),),
    "twilight": ((3, 9), (15, 24)),
    "golden hour": ((4, 11), (15, 23)),
    "blue hour": ((3, 9.5), (15, 24)),
    "night": ((18, 24), (0, 6.5)),
    "midnight": ((22, 24), (0, 2.5)),
    "midnight sun": ((20, 24), (0, 4)),
    "daytime": ((6, 20),),
}


@dataclass(frozen=True)
class CaptureMoment:
    """When (and, if known, where) a photo was taken, as far as its EXIF can tell."""

    source: CaptureSource
    local: datetime | None  # naive wall time of the camera (or UTC + offset)
    offset: timedelta | None
    utc: datetime | None
    latitude: float | None = None
    longitude: float | None = None
    elevation: float | None = None  # sun elevation in degrees (only with position + UTC)
    solar_hour: float | None = None  # local apparent solar time, 0-24 (only with position + UTC)

    @property
    def wall_hour(self) -> float | None:
        if self.local is None:
            return None
        return self.local.hour + self.local.minute / 60 + self.local.second / 3600

    @property
    def date(self) -> date | None:
        moment = self.local or self.utc
        return moment.date() if moment else None

    def describe(self) -> str:
        """How a person would say when the photo was taken, naming the source."""
        if self.elevation is not None and self.utc is not None:
            if self.local is not None:
                when = f"{self.local:%Y-%m-%d %H:%M} local time ({self.utc:%H:%M} UTC)"
            else:
                when = f"{self.utc:%Y-%m-%d %H:%M} UTC"
            side = "above" if self.elevation >= 0 else "below"
            source = {
                "gps_time": "GPS clock and position",
                "clock_offset": "camera clock on the zone given with --clock-offset, and GPS position",
                "exif_offset": "camera clock, offset and GPS position",
                "gps_zone": "camera clock, the time zone of the GPS position, and GPS position",
            }.get(self.source, "camera clock and GPS position")
            return f"taken {when} with the sun {abs(self.elevation):.0f}° {side} the horizon ({source})"
        assert self.local is not None
        return f"taken at {self.local:%H:%M} local time ({self.local:%Y-%m-%d}, camera clock)"


def parse_offset(text: str | None) -> timedelta | None:
    """"+02:00", "-0530", "Z" -> timedelta; None when absent or unreadable."""
    if not text:
        return None
    text = text.strip()
    if text.upper() == "Z":
        return timedelta(0)
    match = re.fullmatch(r"([+-])(\d{1,2}):?(\d{2})?", text)
    if not match:
        return None
    sign = -1 if match.group(1) == "-" else 1
    hours, minutes = int(match.group(2)), int(match.group(3) or 0)
    if hours > 14 or minutes >= 60:
        return None
    return sign * timedelta(hours=hours, minutes=minutes)


CLEAR_CLOCK_OFFSET = "none"  # `run --clock-offset none`: the camera clock ran on the local zone after all


def normal_clock_offset(text: str) -> str | None:
    """A camera clock's zone as typed ("+5", "-0700", "+05:30", "none") -> "+05:00", "-07:00",
    "+05:30", or `CLEAR_CLOCK_OFFSET`; None when it is no offset."""
    if text.strip().casefold() == CLEAR_CLOCK_OFFSET:
        return CLEAR_CLOCK_OFFSET
    if text.strip().upper() == "Z":
        return None
    offset = parse_offset(text)
    if offset is None:
        return None
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def local_capture_time(captured_at: str | None, clock_offset: str | None, local_offset: str | None) -> str | None:
    """The capture's local wall time (ISO, to the second): the camera's `captured_at`, corrected when
    the photographer said its clock ran on `clock_offset` and the place's offset at that moment
    (`local_offset`) is known; else `captured_at` as the camera recorded it."""
    wall, _ = parse_wall_time(captured_at)
    stated, local = parse_offset(clock_offset), parse_offset(local_offset)
    if wall is None or stated is None or local is None:
        return captured_at
    return (wall - stated + local).isoformat(timespec="seconds")


def _parse_datetime(text: str | None) -> datetime | None:
    if not text:
        return None
    text = text.strip()
    # raw EXIF form "2008:10:22 16:28:39"
    if re.match(r"^\d{4}:\d{2}:\d{2}", text):
        text = text[:4] + "-" + text[5:7] + "-" + text[8:]
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def parse_wall_time(captured_at: str | None) -> tuple[datetime | None, timedelta | None]:
    """The naive wall time, and the offset when the string itself carries one."""
    moment = _parse_datetime(captured_at)
    if moment is None:
        return None, None
    if moment.tzinfo is not None:
        return moment.replace(tzinfo=None), moment.utcoffset()
    return moment, None


def parse_utc(text: str | None) -> datetime | None:
    """An ISO UTC stamp ("2008-10-22T14:28:07Z") as an aware UTC datetime; naive means UTC."""
    moment = _parse_datetime(text)
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)  # explicit: converts from its own offset, not the machine's


def _position(latitude: float | None, longitude: float | None) -> tuple[float, float] | None:
    if latitude is None or longitude is None:
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    if latitude == 0 and longitude == 0:  # the usual "no fix" value
        return None
    return latitude, longitude


def _solar_hour(observer: Observer, utc: datetime) -> float:
    """Local apparent solar time (12 = the sun at its highest), from the nearest solar noon."""
    day = utc.date()
    noons = [solar_noon(observer, day + timedelta(days=delta)) for delta in (-1, 0, 1)]
    nearest = min(noons, key=lambda moment: abs((utc - moment).total_seconds()))
    return (12 + (utc - nearest).total_seconds() / 3600) % 24


def resolve_capture(
    captured_at: str | None,
    captured_offset: str | None,
    gps_timestamp_utc: str | None,
    latitude: float | None,
    longitude: float | None,
    zone_offset: str | None = None,
    clock_offset: str | None = None,
) -> CaptureMoment | None:
    """Place the capture in time (and the sun in the sky when possible); None when unknown.
    `zone_offset`: the UTC offset of the position's time zone at the wall time; `clock_offset`: the
    zone the camera clock ran on, as the photographer stated it."""
    wall, embedded_offset = parse_wall_time(captured_at)
    exif_offset = parse_offset(captured_offset) if captured_offset else embedded_offset
    gps_utc = parse_utc(gps_timestamp_utc)
    position = _position(latitude, longitude)
    stated = parse_offset(clock_offset)
    by_zone = parse_offset(zone_offset)
    offset = exif_offset or by_zone

    utc: datetime | None = None
    source: CaptureSource
    if position and gps_utc:
        utc, source = gps_utc, "gps_time"
    elif position and wall is not None and stated is not None:
        utc, source = (wall - stated).replace(tzinfo=UTC), "clock_offset"
        offset = by_zone or exif_offset
        wall = (utc + offset).replace(tzinfo=None) if offset is not None else wall
    elif position and wall is not None and exif_offset is not None:
        utc, source = (wall - exif_offset).replace(tzinfo=UTC), "exif_offset"
    elif position and wall is not None and by_zone is not None:
        utc, source = (wall - by_zone).replace(tzinfo=UTC), "gps_zone"
    else:
        source = "none"

    local = wall
    if local is None and utc is not None and offset is not None:
        local = (utc + offset).replace(tzinfo=None)
    if local is None and gps_utc is not None and offset is not None:
        local = (gps_utc + offset).replace(tzinfo=None)

    if utc is not None and position is not None:
        observer = Observer(latitude=position[0], longitude=position[1])
        return CaptureMoment(
            source=source,
            local=local,
            offset=offset,
            utc=utc,
            latitude=position[0],
            longitude=position[1],
            elevation=float(sun_elevation(observer, utc)),
            solar_hour=_solar_hour(observer, utc),
        )
    if local is None:
        return None
    return CaptureMoment(
        source="none",
        local=local,
        offset=offset,
        utc=None,
        latitude=position[0] if position else None,
        longitude=position[1] if position else None,
    )


def find_time_words(text: str) -> list[tuple[str, str]]:
    """(as written, canonical word) for each distinct time-of-day word in the text."""
    found: dict[str, tuple[str, str]] = {}
    for match in _TIME_WORD_PATTERN.finditer(text):
        written = match.group(0)
        canonical = _ALIAS_TO_WORD[" ".join(written.lower().split())]
        found.setdefault(canonical, (written, canonical))
    return list(found.values())


def agrees(word: str, moment: CaptureMoment) -> bool:
    """Whether the canonical time word fits the capture moment."""
    if moment.elevation is not None and moment.solar_hour is not None:
        return _SUN_TESTS[word](moment.elevation, moment.solar_hour)
    hour = moment.wall_hour
    if hour is None:
        return True
    return any(start <= hour < end for start, end in _WALL_WINDOWS[word])


def agreeing_words(moment: CaptureMoment | None) -> tuple[str, ...]:
    """Every time word (canonical and aliases) that fits the moment: EXIF-derived evidence."""
    if moment is None:
        return ()
    return tuple(
        alias for word, aliases in TIME_WORD_ALIASES.items() if agrees(word, moment) for alias in (word, *aliases)
    )


def time_of_day_word(moment: CaptureMoment | None) -> str | None:
    """The one word that best names the moment (for prompts and evidence)."""
    if moment is None:
        return None
    if moment.elevation is not None and moment.solar_hour is not None:
        el, solar = moment.elevation, moment.solar_hour
        if el < -6:
            return "night"
        if el < 0:
            return "dawn" if solar < 12 else "dusk"
        if el < 6:
            return "sunrise" if solar < 12 else "sunset"
        if solar < 10.5:
            return "morning"
        if solar < 13.5:
            return "midday"
        if solar < 17.5:
            return "afternoon"
        return "evening"
    hour = moment.wall_hour
    assert hour is not None
    if hour < 5 or hour >= 21:
        return "night"
    if hour < 11:
        return "morning"
    if hour < 14:
        return "midday"
    if hour < 18:
        return "afternoon"
    return "evening"


def season(moment: CaptureMoment | None, hemisphere: Literal["north", "south"] | None) -> str | None:
    """Meteorological season of the capture date; None without a date or a hemisphere."""
    if moment is None or moment.date is None:
        return None
    if moment.latitude is not None:
        hemisphere = "north" if moment.latitude >= 0 else "south"
    if hemisphere is None:
        return None
    northern = ("winter", "winter", "spring", "spring", "spring", "summer",
                "summer", "summer", "autumn", "autumn", "autumn", "winter")  # fmt: skip
    name = northern[moment.date.month - 1]
    if hemisphere == "south":
        name = {"winter": "summer", "summer": "winter", "spring": "autumn", "autumn": "spring"}[name]
    return name

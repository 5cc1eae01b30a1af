"""Time zone of a position, offline (timezonefinder's bundled boundaries)."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import TYPE_CHECKING

from proofdesk.core.ports.places import TimeZoneLookup

if TYPE_CHECKING:
    from timezonefinder import TimezoneFinder

_FINDER_MUTEX = threading.Lock()


@lru_cache(maxsize=1)
def _shared_finder() -> TimezoneFinder:
    """One finder per process: each TimezoneFinder keeps its boundary files open for its lifetime,
    so a finder per container (every in-process CLI call, every library user's container) left
    two open files behind each time."""
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


class TimezoneFinderLookup(TimeZoneLookup):
    def __init__(self) -> None:
        self._finder = _shared_finder()
        self._cached = lru_cache(maxsize=16384)(self._zone_at)

    def zone_at(self, latitude: float, longitude: float) -> str | None:
        return self._cached(round(latitude, 4), round(longitude, 4))

    def _zone_at(self, latitude: float, longitude: float) -> str | None:
        with _FINDER_MUTEX:  # the finder seeks in its shared open files: one lookup at a time
            zone = self._finder.timezone_at(lat=latitude, lng=longitude)
        if zone is None or zone.startswith("Etc/"):
            return None  # at sea: a nautical zone says nothing about the camera's clock
        return str(zone)

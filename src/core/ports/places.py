"""Ports for places: a gazetteer (position -> nearby places; name -> where such places are) and
the time zone of a position. Both answer offline."""

from __future__ import annotations

from abc import ABC, abstractmethod

from proofdesk.core.domain.places import PlaceCandidate


class Gazetteer(ABC):
    """Populated places (towns, cities, districts) with their region and country."""

    @abstractmethod
    def nearby(self, latitude: float, longitude: float, count: int = 50) -> list[PlaceCandidate]:
        """The `count` places nearest to the position by great-circle distance, nearest first."""

    @abstractmethod
    def locate_name(self, name: str, latitude: float, longitude: float) -> tuple[float, PlaceCandidate] | None:
        """Where the nearest place called `name` lies from the position: (great-circle km, that place).

        A name counts when it is a place of at least the gazetteer's minimum population, or a
        country (then the distance is to the nearest place in that country, 0 inside it). Names
        compare case- and accent-insensitively. None when nothing carries the name."""


class TimeZoneLookup(ABC):
    @abstractmethod
    def zone_at(self, latitude: float, longitude: float) -> str | None:
        """The IANA time zone of the position ("Europe/Oslo"), None at sea or when unknown."""

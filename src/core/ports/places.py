"""Ports for places: a gazetteer (position -> nearby places; name -> where such places are) and
the time zone of a position. Both answer offline."""

from __future__ import annotations

from abc import ABC, abstractmethod

from proofdesk.core.domain.places import Place, PlaceCandidate


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
        compare case- and accent-insensitively; a town's alternate names count too, and the
        answer's `by_alternate_name` says when only they carry the name. None when nothing carries
        the name."""

    def place_names(self, place: Place, latitude: float, longitude: float) -> tuple[str, ...]:
        """Every name of the photo's own place (`place`, chosen at the position): the town, each
        admin level and the country, with the alternate, local and English forms the gazetteer
        knows ("Genève": Geneva, Genf; "Bavaria": Bayern). The proof never reads them as far.
        Without other names, the place's own parts."""
        return tuple(dict.fromkeys(part for part in (place.city, place.region, place.country) if part))

    def load(self) -> None:  # noqa: B027 - optional hook
        """Load now what is otherwise loaded on first use (a worker does it before it claims rows,
        so rows it holds never wait for tables)."""


class TimeZoneLookup(ABC):
    @abstractmethod
    def zone_at(self, latitude: float, longitude: float) -> str | None:
        """The IANA time zone of the position ("Europe/Oslo"), None at sea or when unknown."""

"""Places from a GPS position, and the places a text names: pure rules over gazetteer candidates.

The gazetteer (GeoNames, offline) hands over candidates; the rules here decide:

- `choose_place`: which candidate names the photo's town. Candidates are ranked by great-circle
  distance (never by raw latitude/longitude), and a town or city of some size is preferred over a
  district or landmark listed as a place: the most populous candidate whose approximate extent
  (`extent_km`, growing with the square root of the population) covers the photo wins; failing
  that, the nearest. Beyond `max_city_km` there is no city (at sea, in the wild: the place reads
  "near <region>, <country>", never as a town), and beyond `max_region_km` no region or country
  either, so a position far from everything gets no wrong one.
- `place_names.read_names` / `mentioned_places`: the names a caption holds, as people write them. Runs of
  capitalised words (not the first word of a sentence; joined across particles: "Rio de Janeiro")
  are read longest first, so "New York" is one name and "York" inside it is never read alone. A
  span is, in this order: a name of the photo's own place (town, admin levels, country, in every
  form the gazetteer knows: `KnownNames.own`), a name a person vouched for, camera words from EXIF,
  a gazetteer place, or a street or landmark ("Lexington Avenue", "Rue de Rivoli": a landmark word
  makes the whole phrase one name).
- `is_far` (the `place.far` rule): a named place is far only when *every* place of that name lies
  beyond the limit, so a name shared by a far city and a near village never raises a false alarm.
- `find_coordinates`: numbers that look like a GPS position, which published text must not carry
  (re-exported from `coordinates`, the one recogniser).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class PlaceCandidate:
    """One gazetteer entry: a populated place with its admin-1 region and country."""

    name: str
    latitude: float
    longitude: float
    population: int = 0
    region: str | None = None
    country: str | None = None
    country_code: str | None = None
    is_country: bool = False  # the answer to a country's name: its nearest place stands for it
    county: str | None = None  # GeoNames admin-2, where the table has it
    # the answer to a name that only one of the place's alternate names is ("Genf", "Big Apple")
    by_alternate_name: bool = False


class Place(BaseModel):
    """The place a photo was taken, as the row stores it (`place_*` fields)."""

    model_config = ConfigDict(frozen=True)

    city: str | None = None
    region: str | None = None
    country: str | None = None
    country_code: str | None = None
    distance_km: float | None = None  # from the photo to the chosen city (or nearest place)

    @property
    def label(self) -> str | None:
        """"Arezzo, Tuscany, Italy": the known parts, most specific first, without repeats. Far from
        any town the region is no town: "near Western, Ghana"."""
        parts: list[str] = []
        for part in (self.city, self.region, self.country):
            if part and part not in parts:
                parts.append(part)
        text = ", ".join(parts) or None
        return f"near {text}" if text and not self.city and self.region else text


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def extent_km(population: int) -> float:
    """A rough radius of a place of this population: 1 km for a village, ~2.5 km for 100,000,
    ~10 km for 1.6 million (Barcelona). Used only to prefer a city over a district inside it."""
    return max(1.0, 0.008 * math.sqrt(max(population, 0)))


def choose_place(
    latitude: float,
    longitude: float,
    candidates: list[PlaceCandidate],
    max_city_km: float = 25.0,
    max_region_km: float = 100.0,
) -> Place:
    """The photo's place from gazetteer candidates near it (see the module docstring)."""
    ranked = sorted(
        ((haversine_km(latitude, longitude, c.latitude, c.longitude), c) for c in candidates),
        key=lambda pair: pair[0],
    )
    if not ranked:
        return Place()
    nearest_km, nearest = ranked[0]
    if nearest_km > max_region_km:
        return Place()
    covering = [(km, c) for km, c in ranked if km <= max_city_km and km <= extent_km(c.population)]
    city: PlaceCandidate | None = None
    city_km = nearest_km
    if covering:
        city_km, city = max(covering, key=lambda pair: (pair[1].population, -pair[0]))
    elif nearest_km <= max_city_km:
        city_km, city = nearest_km, nearest
    anchor = city or nearest
    return Place(
        city=city.name if city else None,
        region=anchor.region,
        country=anchor.country,
        country_code=anchor.country_code,
        distance_km=round(city_km, 2),
    )


def fold(text: str) -> str:
    """Case- and accent-insensitive comparison form ("Kópavogur" -> "kopavogur")."""
    if not text.isascii():  # ASCII has nothing to decompose (the gazetteer folds ~200,000 names)
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(text.casefold().replace("-", " ").split())


_WORD = re.compile(r"[^\W\d_][\w'’.-]*", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?;:]\s*$")
# Capitalised words that are never place names in a caption.
_NOT_PLACES = frozenset(
    "a an the this that these those i in on at of and or but with from by for to near under over "
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june "
    "july august september october november december christmas easter".split()
)


def capitalised_runs(text: str) -> list[list[str]]:
    """Runs of capitalised words that do not start a sentence: where a caption names places.
    "Sunset over Sagrada Família in Barcelona" -> [["Sagrada", "Família"], ["Barcelona"]]."""
    runs: list[list[str]] = []
    current: list[str] = []
    for match in _WORD.finditer(text):
        word = match.group(0).rstrip(".'’")
        start = match.start()
        sentence_start = not text[:start].strip() or bool(_SENTENCE_END.search(text[:start]))
        if word[:1].isupper() and not sentence_start and fold(word) not in _NOT_PLACES:
            current.append(word)
            if text[match.end():match.end() + 1] in (",", ";", ":") or match.group(0).endswith("."):
                runs.append(current)
                current = []
            continue
        if current:
            runs.append(current)
        current = []
    if current:
        runs.append(current)
    return runs


@dataclass(frozen=True)
class PlaceMatch:
    """Where the nearest place of a name lies from the photo."""

    km: float
    label: str  # "Phuket, Thailand"
    population: int = 0
    is_country: bool = False
    # matched only by one of the place's alternate names (GeoNames), not by its own name: such a
    # name names a place only when it is not an ordinary word too ("Gold", "Lion", "Central Park")
    alternate: bool = False


# What the proof asks about a name: None when no place has it. The caption and review services bind
# it to the photo's position.
PlaceLocator = Callable[[str], PlaceMatch | None]


# Coordinates have one recogniser, shared with the publish scrubber; re-exported for older callers.
from proofdesk.core.domain.coordinates import CoordinateMatch, find_coordinates, remove_coordinates  # noqa: E402, F401

"""Private places: where a photographer lives, a client's house, a school — circles on the map
(`places.private = [{lat, lon, radius_m, label}]`) whose photos must not say where they were taken.

A photo inside one gets no place names in its facts (so none reach its caption, file name, gallery
Title or keyword evidence), its published copies lose their position even with `publish.keep_gps`,
and text naming the private place is blocked by the proof (`place.private`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from proofdesk.core.domain.places import haversine_km
from pydantic import BaseModel, ConfigDict, Field


class PrivatePlace(BaseModel):
    """One private circle: its centre, its radius in metres and the name people know it by."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lat: float = Field(ge=-90, le=90, description="Latitude of the centre (decimal degrees).")
    lon: float = Field(ge=-180, le=180, description="Longitude of the centre (decimal degrees).")
    radius_m: float = Field(default=200.0, gt=0, description="Radius in metres.")
    label: str = Field(min_length=1, description="The place's name, as a caption might write it (\"Villa Rossi\").")

    def contains(self, latitude: float, longitude: float) -> bool:
        return haversine_km(self.lat, self.lon, latitude, longitude) * 1000 <= self.radius_m


def private_place_at(places: Iterable[PrivatePlace], latitude: float | None, longitude: float | None) -> PrivatePlace | None:
    """The private place a position lies in (the first configured), or None (also without a position)."""
    if latitude is None or longitude is None:
        return None
    return next((place for place in places if place.contains(latitude, longitude)), None)


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.casefold())


def names_private_place(text: str, label: str) -> bool:
    """True when `text` holds the label's words in order, as whole words, in any case or joined by
    hyphens and underscores (a file name): "villa-rossi-garden.jpg" names "Villa Rossi"."""
    wanted = _words(label)
    have = _words(text)
    if not wanted:
        return False
    return any(have[index:index + len(wanted)] == wanted for index in range(len(have) - len(wanted) + 1))

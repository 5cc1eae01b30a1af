"""Gazetteer and time-zone behaviour every implementation shows (GeoNames and the in-memory fake)."""

from __future__ import annotations

import pytest
from proofdesk.core.domain.places import choose_place, haversine_km
from proofdesk.core.ports.places import Gazetteer, TimeZoneLookup

AREZZO = (43.4674, 11.8851)  # the demo photos (DSCN0010)
REYKJAVIK_CENTRE = (64.1466, -21.9426)
SAGRADA_FAMILIA = (41.4036, 2.1744)
MID_ATLANTIC = (45.0, -30.0)
BARCELONA = (41.3888, 2.159)


class GazetteerContract:
    @pytest.fixture
    def gazetteer(self) -> Gazetteer:  # pragma: no cover
        raise NotImplementedError

    def test_nearby_is_ordered_by_great_circle_distance(self, gazetteer: Gazetteer) -> None:
        places = gazetteer.nearby(*REYKJAVIK_CENTRE, count=10)
        distances = [haversine_km(*REYKJAVIK_CENTRE, p.latitude, p.longitude) for p in places]
        assert places and distances == sorted(distances)

    def test_arezzo_is_arezzo_tuscany_italy(self, gazetteer: Gazetteer) -> None:
        place = choose_place(*AREZZO, gazetteer.nearby(*AREZZO))
        assert (place.city, place.region, place.country, place.country_code) == ("Arezzo", "Tuscany", "Italy", "IT")
        assert place.distance_km is not None and place.distance_km < 3

    def test_reykjavik_centre_is_reykjavik_not_kopavogur(self, gazetteer: Gazetteer) -> None:
        assert choose_place(*REYKJAVIK_CENTRE, gazetteer.nearby(*REYKJAVIK_CENTRE)).city == "Reykjavík"

    def test_a_landmark_listed_as_a_place_gives_way_to_its_city(self, gazetteer: Gazetteer) -> None:
        place = choose_place(*SAGRADA_FAMILIA, gazetteer.nearby(*SAGRADA_FAMILIA))
        assert (place.city, place.country) == ("Barcelona", "Spain")

    def test_at_sea_there_is_no_city_and_no_wrong_one(self, gazetteer: Gazetteer) -> None:
        place = choose_place(*MID_ATLANTIC, gazetteer.nearby(*MID_ATLANTIC), max_city_km=25)
        assert place.city is None and place.country is None

    def test_a_far_town_is_located_with_its_distance(self, gazetteer: Gazetteer) -> None:
        found = gazetteer.locate_name("phuket", *BARCELONA)
        assert found is not None
        km, place = found
        assert place.name == "Phuket" and 9000 < km < 10500

    def test_names_compare_without_case_or_accents(self, gazetteer: Gazetteer) -> None:
        found = gazetteer.locate_name("REYKJAVIK", *REYKJAVIK_CENTRE)
        assert found is not None and found[0] < 5

    def test_a_country_is_near_inside_it_and_far_outside(self, gazetteer: Gazetteer) -> None:
        inside = gazetteer.locate_name("Italy", *AREZZO)
        outside = gazetteer.locate_name("Thailand", *AREZZO)
        assert inside is not None and inside[0] < 10
        assert outside is not None and outside[0] > 5000

    def test_an_unknown_name_is_not_a_place(self, gazetteer: Gazetteer) -> None:
        assert gazetteer.locate_name("Flibbertigibbet", *AREZZO) is None

    def test_the_photos_own_place_names_hold_its_parts(self, gazetteer: Gazetteer) -> None:
        place = choose_place(*AREZZO, gazetteer.nearby(*AREZZO))
        names = gazetteer.place_names(place, *AREZZO)
        assert {"Arezzo", "Tuscany", "Italy"} <= set(names) and len(names) == len(set(names))


class TimeZoneContract:
    @pytest.fixture
    def zones(self) -> TimeZoneLookup:  # pragma: no cover
        raise NotImplementedError

    def test_zones_of_positions(self, zones: TimeZoneLookup) -> None:
        assert zones.zone_at(67.9330, 13.0880) == "Europe/Oslo"  # Reine, Lofoten
        assert zones.zone_at(*REYKJAVIK_CENTRE) == "Atlantic/Reykjavik"
        assert zones.zone_at(*AREZZO) == "Europe/Rome"

    def test_no_zone_at_sea(self, zones: TimeZoneLookup) -> None:
        assert zones.zone_at(*MID_ATLANTIC) is None

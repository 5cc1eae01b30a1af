"""The places contracts bound to GeoNames (offline data) + timezonefinder, and to the fakes."""

from __future__ import annotations

import pytest
from proofdesk.adapters.memory import FixedTimeZones, InMemoryGazetteer
from proofdesk.adapters.places.geonames import GeoNamesGazetteer
from proofdesk.adapters.places.timezones import TimezoneFinderLookup
from proofdesk.core.domain.places import PlaceCandidate
from proofdesk.core.ports.places import Gazetteer, TimeZoneLookup

from tests.contract.places.contract import GazetteerContract, TimeZoneContract

# A hand-made gazetteer with the same traps as the real one: Kópavogur nearer than Reykjavík by raw
# latitude/longitude, the Sagrada Família listed as a place inside Barcelona.
FAKE_PLACES = [
    PlaceCandidate("Arezzo", 43.46276, 11.88068, 100734, "Tuscany", "Italy", "IT"),
    PlaceCandidate("Florence", 43.77925, 11.24626, 349296, "Tuscany", "Italy", "IT"),
    PlaceCandidate("Reykjavík", 64.13548, -21.89541, 118918, "Capital Region", "Iceland", "IS"),
    PlaceCandidate("Kópavogur", 64.11234, -21.91298, 37959, "Capital Region", "Iceland", "IS"),
    PlaceCandidate("Sagrada Família", 41.40408, 2.17332, 51623, "Catalonia", "Spain", "ES"),
    PlaceCandidate("Barcelona", 41.38879, 2.15899, 1620343, "Catalonia", "Spain", "ES"),
    PlaceCandidate("Phuket", 7.89059, 98.3981, 79308, "Phuket", "Thailand", "TH"),
    PlaceCandidate("Bangkok", 13.75398, 100.50144, 5104476, "Bangkok", "Thailand", "TH"),
    PlaceCandidate("Reine", 67.93222, 13.08889, 329, "Nordland", "Norway", "NO"),
]


class TestGeoNamesGazetteer(GazetteerContract):
    @pytest.fixture(scope="class")
    def gazetteer(self) -> Gazetteer:
        return GeoNamesGazetteer()


class TestInMemoryGazetteer(GazetteerContract):
    @pytest.fixture
    def gazetteer(self) -> Gazetteer:
        return InMemoryGazetteer(FAKE_PLACES)


class TestTimezoneFinder(TimeZoneContract):
    @pytest.fixture(scope="class")
    def zones(self) -> TimeZoneLookup:
        return TimezoneFinderLookup()


class TestFixedTimeZones(TimeZoneContract):
    @pytest.fixture
    def zones(self) -> TimeZoneLookup:
        return FixedTimeZones([
            (60, 5, 72, 31, "Europe/Oslo"),
            (63, -25, 67, -13, "Atlantic/Reykjavik"),
            (36, 6, 47, 19, "Europe/Rome"),
        ])

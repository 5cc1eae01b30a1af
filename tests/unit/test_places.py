"""Offline facts from GPS: the place, the time zone and the offset, and the proof rules that use them
(`place.far`, `place.coordinates`, time-of-day words against the sun at the zone's offset)."""

from __future__ import annotations

import pytest
from proofdesk.adapters.places.geonames import GeoNamesGazetteer
from proofdesk.adapters.places.timezones import TimezoneFinderLookup
from proofdesk.core.domain.models import ExifFacts, Row
from proofdesk.core.domain.places import capitalised_runs, find_coordinates
from proofdesk.core.domain.proof import Evidence, ProofMetadata, check
from proofdesk.core.domain.proof.rules_metadata import KeywordEvidenceRule, TimeOfDayRule
from proofdesk.core.domain.proof.rules_places import CoordinatesRule, PlaceFarRule
from proofdesk.core.services.places import PlaceFacts, zone_offset

REINE = (67.9330, 13.0880)
REYKJAVIK = (64.1466, -21.9426)
BARCELONA = (41.3888, 2.1590)
AREZZO = (43.4674, 11.8851)


@pytest.fixture(scope="module")
def places() -> PlaceFacts:
    return PlaceFacts(GeoNamesGazetteer(), TimezoneFinderLookup())


def row_at(places: PlaceFacts, position: tuple[float, float], wall: str | None = None, **exif: object) -> Row:
    facts = ExifFacts(captured_at=wall, gps_latitude=position[0], gps_longitude=position[1], **exif)  # type: ignore[arg-type]
    return Row(set_name="shoot", original_name="IMG_0001.jpg", sha256="0" * 64, **facts.model_dump(),
               **places.facts_for(facts))


def messages(rule: object, row: Row, places: PlaceFacts, **fields: object) -> list[str]:
    values = {"caption": "A quiet harbour with boats at their moorings.", "alt_text": "Boats in a harbour",
              "keywords": ("harbour", "boats", "water"), "file_name": "harbour-boats.jpg", **fields}
    values["keywords"] = tuple(values["keywords"])  # type: ignore[arg-type]
    evidence = places.evidence(row)
    return [r.message for r in check(ProofMetadata(**values), evidence, rules=[rule])]  # type: ignore[list-item]


class TestTimeZoneFromPosition:
    def test_reine_in_june_is_on_summer_time(self, places: PlaceFacts) -> None:
        row = row_at(places, REINE, "2026-06-12T23:00:00")
        assert (row.time_zone, row.utc_offset, row.utc_offset_source) == ("Europe/Oslo", "+02:00", "gps_zone")

    def test_the_offset_follows_daylight_saving(self) -> None:
        from datetime import datetime

        assert zone_offset("Europe/Oslo", datetime(2026, 12, 15, 12)) == "+01:00"
        assert zone_offset("Europe/Oslo", datetime(2026, 6, 15, 12)) == "+02:00"

    def test_an_exif_offset_or_a_gps_clock_wins_over_the_zone(self, places: PlaceFacts) -> None:
        with_offset = row_at(places, REINE, "2026-06-12T23:00:00", captured_offset="+01:00")
        assert (with_offset.utc_offset, with_offset.utc_offset_source) == ("+01:00", "exif_offset")
        with_gps_clock = row_at(places, REINE, "2026-06-12T23:00:00", gps_timestamp_utc="2026-06-12T21:00:00Z")
        assert with_gps_clock.utc_offset_source == "gps_time"

    def test_no_position_no_zone(self) -> None:
        facts = PlaceFacts(None, TimezoneFinderLookup()).facts_for(ExifFacts(captured_at="2026-06-12T23:00:00"))
        assert facts["time_zone"] is None and facts["utc_offset_source"] == "none"


class TestTimeOfDayWithTheZone:
    def test_reine_at_23h_in_june_is_evening_not_night(self, places: PlaceFacts) -> None:
        row = row_at(places, REINE, "2026-06-12T23:00:00")
        moment = Evidence.from_row(row).capture
        assert moment is not None and moment.source == "gps_zone" and 2 < moment.elevation < 6  # about 4° up
        assert messages(TimeOfDayRule(), row, places, caption="Boats in the harbour on a calm summer evening.") == []
        blocked = messages(TimeOfDayRule(), row, places, caption="Boats in the harbour at night under the peaks.")
        assert len(blocked) == 1 and "night" in blocked[0]

    def test_reykjavik_at_11h_in_december_is_dawn_and_sunrise_not_night(self, places: PlaceFacts) -> None:
        row = row_at(places, REYKJAVIK, "2026-12-15T11:00:00")
        moment = Evidence.from_row(row).capture
        assert moment is not None and -4 < moment.elevation < 0 and moment.solar_hour < 12  # just below, rising
        assert messages(TimeOfDayRule(), row, places, caption="Harbour lights fade at dawn as the sunrise nears.") == []
        blocked = messages(TimeOfDayRule(), row, places, caption="Harbour lights glow at night over the bay.")
        assert len(blocked) == 1 and "night" in blocked[0]


class TestPlaceFromPosition:
    def test_arezzo_row_says_arezzo_tuscany_italy(self, places: PlaceFacts) -> None:
        row = row_at(places, AREZZO, "2008-10-22T16:28:39", captured_offset="+02:00")
        assert (row.place_city, row.place_region, row.place_country) == ("Arezzo", "Tuscany", "Italy")
        assert row.place_label == "Arezzo, Tuscany, Italy"

    def test_place_names_are_evidence_for_location_keywords(self, places: PlaceFacts) -> None:
        row = row_at(places, AREZZO, "2008-10-22T16:28:39", captured_offset="+02:00")
        assert messages(KeywordEvidenceRule(), row, places, keywords=("italy", "tuscany", "arezzo")) == []

    def test_a_position_at_sea_gets_no_city(self, places: PlaceFacts) -> None:
        row = row_at(places, (45.0, -30.0), "2026-06-12T12:00:00")
        assert row.place_city is None and row.place_country is None


class TestPlaceFar:
    def test_a_far_place_is_blocked_naming_both_and_the_distance(self, places: PlaceFacts) -> None:
        row = row_at(places, BARCELONA)
        [message] = messages(PlaceFarRule(), row, places, caption="A Gaudí tower rises over the rooftops in Phuket.")
        assert "Phuket" in message and "Barcelona, Catalonia, Spain" in message
        import re

        km = int(re.search(r"([\d,]+) km away", message).group(1).replace(",", ""))  # type: ignore[union-attr]
        assert 9500 < km < 10300

    def test_the_next_town_passes(self, places: PlaceFacts) -> None:
        row = row_at(places, BARCELONA)
        assert messages(PlaceFarRule(), row, places, caption="The coast road from Barcelona towards Badalona.") == []

    def test_a_far_keyword_and_a_far_country_are_blocked(self, places: PlaceFacts) -> None:
        row = row_at(places, BARCELONA)
        found = messages(PlaceFarRule(), row, places, keywords=("harbour", "phuket", "thailand"))
        assert len(found) == 2 and all("keywords" in m for m in found)

    def test_names_that_are_also_words_do_not_raise_false_alarms(self, places: PlaceFacts) -> None:
        row = row_at(places, AREZZO)
        assert messages(PlaceFarRule(), row, places, caption="Nice light on old walls, a nice view of Tuscany.",
                        keywords=("nice", "reading", "bath", "italy")) == []

    def test_no_gps_no_check(self, places: PlaceFacts) -> None:
        row = Row(set_name="s", original_name="a.jpg", sha256="0" * 64)
        assert messages(PlaceFarRule(), row, places, caption="A tower rises over the rooftops in Phuket.") == []


class TestCoordinates:
    @pytest.mark.parametrize("text", ["Scene in Arezzo, 43.4674, 11.8851", "at 43°28'2.6\"N 11°53'6\"E", "pos 43.4674 N 11.8851 E"])
    def test_coordinates_are_found(self, text: str) -> None:
        assert find_coordinates(text)

    @pytest.mark.parametrize("text", ["A 1.5 km walk at 16:28 with 3 boats", "f/2.8, 1/250 s, ISO 200, 24.5 mm"])
    def test_ordinary_numbers_are_not_coordinates(self, text: str) -> None:
        assert find_coordinates(text) == []

    def test_coordinates_in_the_alt_text_are_a_violation(self, places: PlaceFacts) -> None:
        row = row_at(places, AREZZO)
        [message] = messages(CoordinatesRule(), row, places, alt_text="Boats in Arezzo at 43.4674, 11.8851")
        assert "coordinates" in message and "43.4674, 11.8851" in message


def test_capitalised_runs_skip_sentence_starts() -> None:
    assert capitalised_runs("Nice light. Boats in Reine, Norway at Sagrada Família") == [
        ["Reine"], ["Norway"], ["Sagrada", "Família"]]


def test_lower_case_keywords_that_are_words_first_do_not_name_towns(places: PlaceFacts) -> None:
    """bell, fountain, archway are towns of 15,000+ somewhere, but ordinary words first; paris is a
    city of millions and thailand a country, so they count."""
    from proofdesk.adapters.spelling.pyspell import PySpellchecker

    with_dictionary = PlaceFacts(places.gazetteer, places.zones, dictionary=PySpellchecker("/nonexistent/words.txt"))
    row = row_at(with_dictionary, AREZZO)
    assert messages(PlaceFarRule(), row, with_dictionary, keywords=("bell", "fountain", "archway", "tower")) == []
    flagged = messages(PlaceFarRule(), row, with_dictionary, keywords=("paris", "thailand", "phuket"))
    assert [m.split('"')[1] for m in flagged] == ["Paris", "Thailand", "Phuket"]


def test_many_time_zone_lookups_share_one_finder_and_its_open_files() -> None:
    import os

    from proofdesk.adapters.places.timezones import TimezoneFinderLookup

    first = TimezoneFinderLookup()
    assert first.zone_at(43.84, 10.50) == "Europe/Rome"
    before = len(os.listdir("/proc/self/fd"))
    others = [TimezoneFinderLookup() for _ in range(10)]
    assert [lookup.zone_at(47.37, 8.54) for lookup in others] == ["Europe/Zurich"] * 10
    assert len(os.listdir("/proc/self/fd")) - before == 0

"""Reading place names as people write them (pure rules over a fixed gazetteer), vouched-for names,
the "near <region>" place far from any town, and the GeoNames gazetteer's other names."""

from __future__ import annotations

import json

import pytest
from proofdesk.adapters.captioner.offline import OfflineCaptioner
from proofdesk.adapters.memory import InMemoryGazetteer
from proofdesk.core.domain.captioning import CaptionRequest
from proofdesk.core.domain.models import ProofReason, Row
from proofdesk.core.domain.place_names import (
    KnownNames,
    PlaceAllowance,
    allowed_names,
    mentioned_places,
    name_runs,
    read_names,
)
from proofdesk.core.domain.places import Place, PlaceCandidate, PlaceMatch
from proofdesk.core.domain.proof import Evidence, ProofMetadata, check
from proofdesk.core.domain.proof.rules_places import PlaceFarRule, far_place_names
from proofdesk.core.services.places import PlaceFacts

FAR = {"york": 5500.0, "lexington": 950.0, "paris": 340.0, "rivoli": 600.0, "washington": 330.0, "columbia": 3500.0,
       "central": 1900.0, "nokia": 1800.0, "lafayette": 1000.0, "long beach": 3900.0, "phuket": 9500.0, "genf": 420.0,
       "la": 8000.0}
ALTERNATE = {"genf"}


def locate(name: str) -> PlaceMatch | None:
    key = name.casefold()
    if key in FAR:
        return PlaceMatch(km=FAR[key], label=name, population=50000, alternate=key in ALTERNATE)
    return None


def names(text: str, known: KnownNames | None = None) -> list[tuple[str, str]]:
    return [(reading.name, reading.kind) for reading in read_names(text, locate, known)]


class TestReadingNames:
    def test_a_multi_word_name_is_read_before_its_words(self) -> None:
        own = KnownNames.of(own=["New York City", "New York", "United States"])
        assert names("Yellow cabs in New York at dusk.", own) == [("New York", "own")]
        assert mentioned_places("Yellow cabs in New York at dusk.", locate, known=own) == []

    def test_streets_and_landmarks_are_one_name(self) -> None:
        text = "Cabs on Lexington Avenue, chess in Washington Square Park, leaves in Lafayette Square."
        assert names(text) == [("Lexington Avenue", "landmark"), ("Washington Square Park", "landmark"),
                               ("Lafayette Square", "landmark")]
        assert names("Arcades of the Rue de Rivoli.") == [("Rue de Rivoli", "landmark")]
        assert names("A morning in Paris Gardens.") == [("Paris Gardens", "landmark")]

    def test_a_town_whose_name_holds_a_landmark_word_is_still_checked(self) -> None:
        assert [(n, m.km) for n, m in mentioned_places("Surfers at Long Beach today.", locate)] == [("Long Beach", 3900.0)]

    def test_a_landmark_wins_over_an_alternate_name_but_not_over_a_town(self) -> None:
        FAR["central park"] = 10.0
        ALTERNATE.add("central park")
        try:
            assert names("Snow in Central Park.") == [("Central Park", "landmark")]
        finally:
            del FAR["central park"]
            ALTERNATE.discard("central park")

    def test_the_photos_own_region_and_its_words(self) -> None:
        own = KnownNames.of(own=["Vancouver", "British Columbia", "Canada"])
        assert names("Sea planes in Vancouver, British Columbia.", own) == [("Vancouver", "own"), ("British Columbia", "own")]
        zuunmod = KnownNames.of(own=["Zuunmod", "Central Aimak", "Töv", "Mongolia"])
        assert names("Midday in Zuunmod, Central Aimak.", zuunmod) == [("Zuunmod", "own"), ("Central Aimak", "own")]

    def test_names_compare_folded(self) -> None:
        own = KnownNames.of(own=["Genève"])
        assert names("Swans in GENEVE.", own) == [("GENEVE", "own")]

    def test_camera_words_are_not_places(self) -> None:
        exif = KnownNames.of(exif=["NOKIA", "Lumia 1020"])
        assert names("Shot on a Nokia Lumia in the rain.", exif) == [("Nokia Lumia", "exif")]
        assert names("Shot on a Nokia in the rain.", exif) == [("Nokia", "exif")]
        assert names("Shot on a Nokia in the rain.") == [("Nokia", "place")]

    def test_a_vouched_for_name_is_not_checked(self) -> None:
        allowed = KnownNames.of(allowed=["lexington"])
        assert names("A diner in Lexington today.", allowed) == [("Lexington", "allowed")]

    def test_runs_join_across_particles_but_never_start_or_end_with_one(self) -> None:
        assert name_runs("Clouds over Rio de Janeiro at noon.") == [["Rio", "de", "Janeiro"]]
        assert name_runs("Walls of Paris and the Seine.") == [["Paris"], ["Seine"]]
        assert name_runs("Walls of Paris, de la Cité.") == [["Paris"], ["Cité"]]
        # a particle run that ends without a name: the particle is left out
        assert names("Bridges of Paris de nuit.") == [("Paris", "place")]


class TestAllowances:
    def test_scope_and_keys(self) -> None:
        everywhere = PlaceAllowance(name="Bodø")
        one_set = PlaceAllowance(name="bodø", set_name="lofoten")
        one_row = PlaceAllowance(name="BODØ", set_name="lofoten", original_name="IMG_1.jpg")
        assert everywhere.key == ("bodø", "", "") and one_row.key == ("bodø", "lofoten", "IMG_1.jpg")
        assert [a.scope for a in (everywhere, one_set, one_row)] == ["every photo", "set lofoten", "lofoten/IMG_1.jpg"]
        assert allowed_names([one_set, one_row], "lofoten", "IMG_2.jpg") == ("bodø",)
        assert allowed_names([one_row], "other", "IMG_1.jpg") == ()
        assert allowed_names([everywhere, one_row], "lofoten", "IMG_1.jpg") == ("Bodø", "BODØ")

    def test_far_place_names_reads_back_what_the_rule_writes(self) -> None:
        row = Row(set_name="s", original_name="a.jpg", sha256="0" * 64, gps_latitude=41.39, gps_longitude=2.16,
                  place_city="Barcelona", place_country="Spain")
        evidence = Evidence.from_row(row, locate_place=locate)
        metadata = ProofMetadata(caption="Sunset over Phuket and Lexington.", alt_text="Sunset", keywords=("sunset",),
                                 file_name="sunset.jpg")
        reasons = check(metadata, evidence, rules=[PlaceFarRule()])
        assert far_place_names(reasons) == ["Phuket", "Lexington"]
        assert far_place_names([ProofReason(rule="time_of_day", field="caption", message='caption says "x"; the photo was taken ')]) == []

    def test_the_evidence_carries_the_rows_allowances_and_its_own_names(self) -> None:
        gazetteer = InMemoryGazetteer([PlaceCandidate("Reine", 67.93, 13.09, 300, "Nordland", "Norway", "NO"),
                                       PlaceCandidate("Bodø", 67.28, 14.40, 40000, "Nordland", "Norway", "NO")])
        facts = PlaceFacts(gazetteer)
        row = Row(set_name="lofoten", original_name="IMG_1.jpg", sha256="0" * 64, gps_latitude=67.933,
                  gps_longitude=13.088, place_city="Reine", place_region="Nordland", place_country="Norway",
                  place_country_code="NO")
        evidence = facts.evidence(row, allowances=[PlaceAllowance(name="Bodø", set_name="lofoten"),
                                                   PlaceAllowance(name="Oslo", set_name="other")])
        assert evidence.allowed_places == ("Bodø",) and evidence.place_names == ("Reine", "Nordland", "Norway")
        metadata = ProofMetadata(caption="The ferry from Bodø waits in Reine, Nordland.", alt_text="Ferry",
                                 keywords=("ferry",), file_name="ferry.jpg")
        assert check(metadata, evidence, rules=[PlaceFarRule()]) == []
        no_allowance = facts.evidence(row, allowances=[])
        assert evidence.place_names == no_allowance.place_names and no_allowance.allowed_places == ()


class TestFarFromAnyTown:
    def test_the_label_reads_near_the_region(self) -> None:
        assert Place(region="Western", country="Ghana").label == "near Western, Ghana"
        assert Place(city="Tarkwa", region="Western", country="Ghana").label == "Tarkwa, Western, Ghana"
        assert Place(country="Ghana").label == "Ghana"

    @pytest.mark.parametrize(("facts", "opener", "not_in"), [
        ({"place_region": "Western", "place_country": "Ghana"}, "Midday in Ghana", "Western"),
        ({"place_region": "Lapland", "place_country": "Finland"}, "Midday near Lapland", "in Lapland"),
        ({"place_city": "Arezzo", "place_region": "Tuscany", "place_country": "Italy"}, "Midday in Arezzo, Tuscany", "near"),
    ])
    def test_offline_captions_never_make_the_region_a_town(self, facts: dict[str, str], opener: str, not_in: str) -> None:
        request = CaptionRequest(model="offline", image_jpeg=b"", prompt="", evidence={"time_of_day": ["midday"]},
                                 facts={"original_name": "DSC_1.jpg", "captured_at": "2026-06-12T12:00:00", **facts})
        answer = json.loads(OfflineCaptioner().answer(request))
        assert answer["caption"].startswith(opener) and not_in not in answer["caption"] + answer["alt_text"], answer


@pytest.fixture(scope="module")
def gazetteer() -> object:
    from proofdesk.adapters.places.geonames import GeoNamesGazetteer

    return GeoNamesGazetteer()


class TestGeoNamesOtherNames:
    def test_the_whole_place_in_every_form(self, gazetteer: object) -> None:
        from proofdesk.core.domain.places import choose_place

        geneva = (46.2044, 6.1432)
        place = choose_place(*geneva, gazetteer.nearby(*geneva))  # type: ignore[attr-defined]
        forms = set(gazetteer.place_names(place, *geneva))  # type: ignore[attr-defined]
        assert place.city == "Genève" and {"Geneva", "Genf", "Ginevra", "Schweiz", "Suisse", "Switzerland"} <= forms
        arezzo = (43.4674, 11.8851)
        place = choose_place(*arezzo, gazetteer.nearby(*arezzo))  # type: ignore[attr-defined]
        assert {"Tuscany", "Toscana", "Italia", "Italy"} <= set(gazetteer.place_names(place, *arezzo))  # type: ignore[attr-defined]

    def test_alternate_and_local_names_locate_their_town(self, gazetteer: object) -> None:
        paris = (48.8606, 2.3376)
        found = gazetteer.locate_name("München", *paris)  # type: ignore[attr-defined]
        assert found is not None and found[1].name == "Munich" and found[1].by_alternate_name and 650 < found[0] < 700
        new_york = gazetteer.locate_name("New York", *paris)  # type: ignore[attr-defined]
        assert new_york is not None and new_york[1].name == "New York City" and new_york[0] > 5000
        country = gazetteer.locate_name("Deutschland", *paris)  # type: ignore[attr-defined]
        assert country is not None and country[1].is_country and country[1].country_code == "DE"
        # Geneva is also a town in Illinois (the table's own name), but the nearest is Genève
        geneva = gazetteer.locate_name("Geneva", *paris)  # type: ignore[attr-defined]
        assert geneva is not None and geneva[1].country_code == "CH" and not geneva[1].by_alternate_name and 400 < geneva[0] < 420

"""The review desk offers to vouch for a place name on a `place.far` finding (`l` / F8)."""

from __future__ import annotations

from proofdesk.adapters.memory import FakeSpellchecker, InMemoryGazetteer, InMemoryQueueStore
from proofdesk.apps.review.desk import DeskWidget, ReviewDesk
from proofdesk.core.domain import queue
from proofdesk.core.domain.models import ExifFacts, ProofVerdict, Row
from proofdesk.core.domain.places import PlaceCandidate
from proofdesk.core.services.places import PlaceAllowances, PlaceFacts
from proofdesk.core.services.review import ReviewService
from urwid.testing import render_text

from tests.support.review_rows import WORDS

SIZE = (140, 40)
CAPTION = "The old stone bridge over the river Arno on the road to Lexington in afternoon light."


def build() -> tuple[ReviewService, InMemoryQueueStore]:
    store = InMemoryQueueStore()
    gazetteer = InMemoryGazetteer([
        PlaceCandidate("Arezzo", 43.4633, 11.8796, 99000, "Tuscany", "Italy", "IT"),
        PlaceCandidate("Lexington", 42.4473, -71.2245, 31394, "Massachusetts", "United States", "US"),
    ])
    places = PlaceFacts(gazetteer, store=store)
    facts = ExifFacts(captured_at="2008-10-22T16:28:39", gps_latitude=43.4674, gps_longitude=11.8851,
                      gps_timestamp_utc="2008-10-22T14:27:07Z")
    with store.unit_of_work() as uow:
        for name in ("DSCN0010.jpg", "DSCN0012.jpg"):
            uow.rows.add(queue.mark_prefilled(Row(
                set_name="2008-10-22_arezzo", original_name=name, sha256=name.encode().hex().ljust(64, "0")[:64],
                caption=CAPTION if name == "DSCN0010.jpg" else "The bell tower of Arezzo over red roofs in afternoon light.",
                alt_text="Stone bridge over the Arno" if name == "DSCN0010.jpg" else "Bell tower over red roofs",
                keywords=["bridge", "arno", "river"],
                file_name=f"arno-bridge-{name[4:8]}.jpg", stages_done=["exif", "caption"],
                place_city="Arezzo", place_region="Tuscany", place_country="Italy", place_country_code="IT",
                **facts.model_dump())))
        uow.commit()
    service = ReviewService(store, spellchecker=FakeSpellchecker(WORDS | {"road", "to", "lexington"}), places=places)
    for row in service.rows():
        service.reprove(row.key_text)
    return service, store


def screen(desk: ReviewDesk) -> str:
    return "\n".join(render_text(DeskWidget(desk), SIZE))


def test_the_desk_offers_to_allow_a_far_place_and_proves_the_row_again() -> None:
    service, store = build()
    row = service.get("2008-10-22_arezzo/DSCN0010.jpg")
    assert row.metadata_quality == ProofVerdict.BLOCKED and [r.rule for r in row.proof_reasons] == ["place.far"]
    desk = ReviewDesk(service)
    text = screen(desk)
    assert 'caption says "Lexington"' in text and "l / F8 allows the name" in text
    desk.keypress(SIZE, "l")
    assert "place.far blocks 'Lexington'" in screen(desk) and "s: for the photos of set 2008-10-22_arezzo" in screen(desk)
    desk.keypress(SIZE, "s")
    text = screen(desk)
    assert "allowed 'Lexington' for set 2008-10-22_arezzo" in text and "proved again: accepted" in text
    assert service.get("2008-10-22_arezzo/DSCN0010.jpg").metadata_quality == ProofVerdict.ACCEPTED
    assert [(a.name, a.scope) for a in PlaceAllowances(store).list()] == [("Lexington", "set 2008-10-22_arezzo")]


def test_no_finding_no_offer() -> None:
    service, _ = build()
    desk = ReviewDesk(service)
    desk.keypress(SIZE, "down")
    assert desk.current is not None and desk.current.original_name == "DSCN0012.jpg"
    desk.keypress(SIZE, "l")
    assert "no place.far finding on this row" in screen(desk)

"""A review queue of three prefilled rows (two accepted, one blocked) for review tests."""

from __future__ import annotations

from proofdesk.adapters.memory import FakeSpellchecker, InMemoryQueueStore
from proofdesk.core.domain import queue
from proofdesk.core.domain.models import ExifFacts, Row
from proofdesk.core.domain.proof import DuplicateIndex
from proofdesk.core.services.review import ReviewService

WORDS = {"a", "the", "of", "in", "on", "old", "stone", "bridge", "over", "river", "arno", "at", "afternoon",
         "light", "tower", "bell", "red", "roofs", "arezzo", "piazza", "grande", "square", "market", "golden",
         "and", "with", "boat", "sunny", "autumn", "view", "town"}

ROWS = [
    ("DSCN0010.jpg", "The old stone bridge over the river Arno in afternoon light.", "Stone bridge over the Arno",
     ["bridge", "arno", "river"], "arno-bridge.jpg"),
    ("DSCN0012.jpg", "The bell tower of Arezzo over red roofs in afternoon light.", "Bell tower over red roofs",
     ["tower", "roofs", "arezzo"], "arezzo-bell-tower.jpg"),
    ("DSCN0021.jpg", "Short.", "Piazza Grande market square", ["piazza", "market", "square"], "piazza-grande.jpg"),
]


def suggester(row: Row, index: DuplicateIndex, keeper: Row | None = None) -> Row:
    from proofdesk.core.domain.proof import Evidence, apply_proof, proof

    candidate = row.model_copy(update={
        "caption": "A golden afternoon view of the old town of Arezzo with autumn light on the roofs.",
        "alt_text": "Golden afternoon view of Arezzo", "keywords": ["arezzo", "roofs", "afternoon"],
        "file_name": "arezzo-golden-view.jpg", "caption_source": "scripted"})
    return apply_proof(candidate, proof(candidate, Evidence.from_row(candidate), index))


def build_review_service() -> ReviewService:
    store = InMemoryQueueStore()
    facts = ExifFacts(captured_at="2008-10-22T16:28:39", camera_make="NIKON", camera_model="COOLPIX P6000",
                      gps_latitude=43.4674, gps_longitude=11.8851, gps_timestamp_utc="2008-10-22T14:27:07Z")
    with store.unit_of_work() as uow:
        for name, caption, alt, keywords, file_name in ROWS:
            row = Row(set_name="2008-10-22_arezzo", original_name=name, sha256=name.encode().hex().ljust(64, "0")[:64],
                      caption=caption, alt_text=alt, keywords=keywords, file_name=file_name,
                      stages_done=["exif", "caption"], **facts.model_dump())
            uow.rows.add(queue.mark_prefilled(row))
        uow.commit()
    review = ReviewService(store, suggester=suggester, spellchecker=FakeSpellchecker(WORDS))
    for row in review.rows():
        review.reprove(row.key_text)
    return review



"""Who wrote each metadata field: a person's field survives Generate (a suggestion until accepted),
a refresh of the same picture, and the XMP fields derived from a row."""

from __future__ import annotations

from proofdesk.core.domain import queue
from proofdesk.core.domain.models import Row
from proofdesk.core.domain.xmp import XmpMetadata, XmpOptions, place_path, rating, sidecar_names, xmp_metadata

from tests.support.review_rows import build_review_service

KEY = "2008-10-22_arezzo/DSCN0010.jpg"
MINE = "The old stone bridge over the Arno in Arezzo, written by hand in afternoon light."


def test_an_edit_is_recorded_as_a_person_and_generate_only_suggests_until_accepted() -> None:
    service = build_review_service()
    edited = service.edit(KEY, {"caption": MINE})
    assert edited.provenance["caption"]["by"] == "person" and edited.provenance["caption"]["at"]
    generated = service.regenerate(KEY)
    assert generated.caption == MINE and generated.provenance["caption"]["by"] == "person"
    assert generated.pending_suggestion["caption"].startswith("A golden afternoon view")
    accepted = service.accept_suggestion(KEY)
    assert accepted.caption.startswith("A golden afternoon view") and accepted.pending_suggestion == {}
    assert accepted.provenance["caption"]["by"] != "person" and "caption" not in accepted.edited_fields


def test_a_refresh_keeps_a_persons_field_and_drops_the_provenance_of_cleared_ones() -> None:
    row = Row(set_name="s", original_name="a.jpg", sha256="0" * 64, caption=MINE, alt_text="machine alt",
              provenance={"caption": {"by": "person", "model": None, "digest": None, "at": "t"},
                          "alt_text": {"by": "model", "model": "m", "digest": None, "at": "t"}})
    fresh = queue.refresh_changed_file(row, "1" * 64, 10)
    assert fresh.caption == MINE and fresh.alt_text is None
    assert set(fresh.provenance) == {"caption"}


def test_xmp_fields_from_a_row() -> None:
    row = Row(set_name="s", original_name="a.jpg", sha256="0" * 64, caption="c", alt_text="a",
              keywords=["arezzo", "東京"], place_city="Arezzo", place_region="Tuscany", place_country="Italy",
              clip_aesthetic_score=5.5, clip_aesthetic_fallback=False)
    fields = xmp_metadata(row, "T", XmpOptions())
    assert fields.hierarchical_subjects == ["Places|Italy|Tuscany|Arezzo", "arezzo", "東京"]
    assert fields.tags_list == ["Places/Italy/Tuscany/Arezzo", "arezzo", "東京"]
    assert (fields.city, fields.state, fields.country, fields.rating) == ("Arezzo", "Tuscany", "Italy", None)
    assert rating(row, XmpOptions(rating_score="clip_aesthetic")) == 3
    assert place_path(row.changed(place_region=None), "Places|{place_country}|{place_region}|{place_city}") \
        == "Places|Italy|Arezzo"
    assert xmp_metadata(row, "T", XmpOptions(keyword_root="Subjects")).hierarchical_subjects[1] == "Subjects|arezzo"
    assert sidecar_names("a.jpg", "both") == ["a.jpg.xmp", "a.xmp"]
    tags = XmpMetadata(provenance={"alt_text": {"by": "person", "model": None, "at": "t"}}).provenance_tags()
    assert tags == {"AltTextBy": "person", "AltTextAt": "t"}

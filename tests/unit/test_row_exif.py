"""A Row composes its ExifFacts (`row.exif`) while everything outside keeps the facts flat:
`rows --json`, the queue table's columns, journal entries, constructors and changes by name."""

from __future__ import annotations

import pytest
from proofdesk.adapters.storage.schema import review_queue, row_from_db, row_to_db
from proofdesk.core.domain.models import EXIF_FIELDS, ROW_FIELDS, ExifFacts, InvalidChange, Row

FACTS = ExifFacts(captured_at="2008-10-22T16:28:39", camera_make="NIKON CORPORATION", camera_model="NIKON D750",
                  iso=64, gps_latitude=43.4674483, gps_longitude=11.8851267, exif_caption="Arezzo",
                  exif_keywords=["church", "Arezzo"], metadata_notes=["GPS time stamp ignored"])


def make(**extra: object) -> Row:
    return Row(set_name="2008-10-22_arezzo", original_name="DSCN0010.jpg", sha256="ab" * 32, **extra)


def test_the_row_declares_the_exif_facts_once_as_one_field() -> None:
    assert "exif" in Row.model_fields
    assert not set(EXIF_FIELDS) & set(Row.model_fields)
    assert make(exif=FACTS).exif == FACTS


def test_flat_names_given_to_the_constructor_are_gathered_into_exif_and_read_back_flat() -> None:
    row = make(**FACTS.model_dump())
    assert row.exif == FACTS
    assert (row.camera_make, row.iso, row.exif_keywords) == ("NIKON CORPORATION", 64, ["church", "Arezzo"])


def test_rows_json_stays_flat_with_every_exif_name_where_it_was() -> None:
    public = make(exif=FACTS, caption="A church").to_public_dict()
    assert "exif" not in public
    names = list(public)
    assert names[names.index("size_bytes") + 1:names.index("size_bytes") + 1 + len(EXIF_FIELDS)] == list(EXIF_FIELDS)
    assert public["camera_make"] == "NIKON CORPORATION" and public["exif_keywords"] == ["church", "Arezzo"]
    assert names == list(ROW_FIELDS)
    assert Row.model_validate(public) == make(exif=FACTS, caption="A church")


def test_changed_takes_exif_facts_by_their_flat_names() -> None:
    row = make(exif=FACTS)
    moved = row.changed(gps_latitude=44.0, caption="Moved")
    assert moved.exif == FACTS.changed(gps_latitude=44.0) and moved.caption == "Moved"
    with pytest.raises(InvalidChange, match="iso"):
        row.changed(iso="sixty-four")
    with pytest.raises(InvalidChange, match="no field 'camera'"):
        row.changed(camera="NIKON")


def test_the_queue_table_keeps_one_column_per_exif_fact_and_round_trips_them() -> None:
    columns = set(review_queue.columns.keys())
    assert set(EXIF_FIELDS) <= columns and "exif" not in columns
    stored = row_to_db(make(exif=FACTS))
    assert stored["camera_make"] == "NIKON CORPORATION" and "exif" not in stored
    assert row_from_db({**stored, "id": 7}).exif == FACTS


def test_docs_rows_md_describes_every_field_of_rows_json_in_order() -> None:
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "rows.md").read_text()
    documented = re.findall(r"^\| `(\w+)` \|", doc, flags=re.M)
    assert documented == list(ROW_FIELDS)

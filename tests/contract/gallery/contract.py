"""The behaviour every Gallery shows (SQLite, MariaDB/MySQL, the in-memory fake).

Bindings provide the `gallery` fixture: an implementation over an empty database.
"""

from __future__ import annotations

import pytest
from proofdesk.core.domain.publishing import GalleryEntry
from proofdesk.core.ports.publishing import Gallery


def make_entry(file_name: str = "arezzo-bell-tower.jpg", sha256: str = "a" * 64, **extra: object) -> GalleryEntry:
    values: dict[str, object] = {
        "title": "Arezzo bell tower",
        "caption": "The bell tower of Arezzo in warm afternoon light.",
        "alt_text": "Bell tower in Arezzo",
        "keywords": ["arezzo", "bell", "tower"],
        "set_name": "2008-10-22_arezzo",
        "width": 640,
        "height": 480,
        "captured_at": "2008-10-22T16:28:39",
        "camera": "NIKON COOLPIX P6000",
        "lens": None,
        "image_url": f"https://example.org/gallery/{file_name}",
        "thumb_url": f"https://example.org/gallery/thumbs/{file_name}",
        "brisque_score": 21.123456789,
        "aesthetic_score": 4.25,
    }
    values.update(extra)
    return GalleryEntry(file_name=file_name, sha256=sha256, **values)


class GalleryContract:
    @pytest.fixture
    def gallery(self) -> Gallery:  # pragma: no cover - bound by subclasses
        raise NotImplementedError

    def test_reads_before_the_table_exists_find_nothing(self, gallery: Gallery) -> None:
        assert gallery.file_names() == []
        assert gallery.lookup("anything.jpg") is None

    def test_ensure_table_is_idempotent(self, gallery: Gallery) -> None:
        gallery.ensure_table()
        gallery.ensure_table()
        assert gallery.file_names() == []

    def test_upsert_inserts_and_lookup_round_trips_every_field(self, gallery: Gallery) -> None:
        gallery.ensure_table()
        entry = make_entry()
        remote_id = gallery.upsert(entry)
        assert remote_id and remote_id.isdigit()
        record = gallery.lookup(entry.file_name)
        assert record is not None
        assert record.remote_id == remote_id
        assert record.sha256 == entry.sha256
        assert record.entry == entry

    def test_upsert_of_the_same_file_name_updates_and_keeps_the_id(self, gallery: Gallery) -> None:
        gallery.ensure_table()
        first = gallery.upsert(make_entry())
        again = gallery.upsert(make_entry())  # identical: a rerun after a crash
        changed = gallery.upsert(make_entry(caption="A new caption for the same photo.", keywords=["arezzo"]))
        assert first == again == changed
        assert gallery.file_names() == ["arezzo-bell-tower.jpg"]
        record = gallery.lookup("arezzo-bell-tower.jpg")
        assert record is not None
        assert record.entry.caption == "A new caption for the same photo."
        assert record.entry.keywords == ["arezzo"]

    def test_different_file_names_get_different_ids_and_are_listed_sorted(self, gallery: Gallery) -> None:
        gallery.ensure_table()
        ids = {gallery.upsert(make_entry(name, sha256=str(index) * 64))
               for index, name in enumerate(["c.jpg", "a.jpg", "b.jpg"])}
        assert len(ids) == 3
        assert gallery.file_names() == ["a.jpg", "b.jpg", "c.jpg"]

    def test_lookup_tells_which_image_holds_a_name(self, gallery: Gallery) -> None:
        gallery.ensure_table()
        gallery.upsert(make_entry("taken.jpg", sha256="f" * 64))
        record = gallery.lookup("taken.jpg")
        assert record is not None and record.sha256 == "f" * 64
        assert gallery.lookup("free.jpg") is None

    def test_unicode_and_quotes_travel_as_parameters(self, gallery: Gallery) -> None:
        gallery.ensure_table()
        name = "città-l'arco\"; DROP TABLE gallery;--.jpg"
        entry = make_entry(name, caption="Città di Arezzo – piazza “Grande” at 16:30 🌇.",
                           alt_text="L'arco", keywords=["città", "o'clock"])
        gallery.upsert(entry)
        record = gallery.lookup(name)
        assert record is not None and record.entry == entry
        assert gallery.file_names() == [name]

    def test_optional_fields_may_be_empty(self, gallery: Gallery) -> None:
        gallery.ensure_table()
        entry = GalleryEntry(file_name="bare.jpg", sha256="b" * 64)
        gallery.upsert(entry)
        record = gallery.lookup("bare.jpg")
        assert record is not None and record.entry == entry

    def test_move_renames_a_row_in_place_keeping_its_id(self, gallery: Gallery) -> None:
        gallery.ensure_table()
        first = gallery.upsert(make_entry("arezo-tower.jpg"))
        other = gallery.upsert(make_entry("other.jpg", sha256="b" * 64))
        assert gallery.move(first, make_entry("arezzo-tower.jpg")) == first
        assert gallery.file_names() == ["arezzo-tower.jpg", "other.jpg"]
        record = gallery.lookup("arezzo-tower.jpg")
        assert record is not None and record.remote_id == first
        assert gallery.move(first, make_entry("arezzo-tower.jpg")) == first  # again: the same
        assert gallery.move("999999", make_entry("ghost.jpg")) is None  # no such id: nothing written
        assert "ghost.jpg" not in gallery.file_names()
        from proofdesk.core.ports.publishing import GalleryError

        with pytest.raises(GalleryError):
            gallery.move(first, make_entry("other.jpg"))  # another row's name is never taken
        assert [r.remote_id for r in gallery.records()] == sorted([first, other], key=int)

    def test_delete_removes_the_row_once(self, gallery: Gallery) -> None:
        assert gallery.delete("nothing.jpg") is False  # no table yet
        gallery.ensure_table()
        gallery.upsert(make_entry("gone.jpg"))
        gallery.upsert(make_entry("kept.jpg", sha256="b" * 64))
        assert gallery.delete("gone.jpg") is True
        assert gallery.delete("gone.jpg") is False
        assert gallery.file_names() == ["kept.jpg"]

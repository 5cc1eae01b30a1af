"""Queue storage behaviour, written once and bound to every implementation.

Bind it with one line: `class TestMyQueue(QueueStoreContract): ...` plus a `store` fixture
that yields a fresh, empty `QueueStore` (see test_bindings.py).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from proofdesk.core.domain.errors import RowChanged
from proofdesk.core.domain.models import (
    JournalEntry,
    ProofReason,
    ProofVerdict,
    Row,
    RowStatus,
    Session,
    SessionStatus,
)
from proofdesk.core.domain.place_names import PlaceAllowance
from proofdesk.core.ports.storage import (
    LockHolder,
    QueueStore,
    RowConflict,
    StorageError,
)


def make_row(name: str = "DSCN0010.jpg", set_name: str = "2026-06-12_lofoten_reine", **extra) -> Row:
    values = {"sha256": (name.encode().hex() * 8)[:64], "source_path": f"/card/{set_name}/{name}"}
    values.update(extra)
    return Row(set_name=set_name, original_name=name, **values)


class QueueStoreContract:
    @pytest.fixture
    def store(self) -> QueueStore:  # pragma: no cover - bound by subclasses
        raise NotImplementedError

    # ---------------------------------------------------------------- rows

    def test_add_then_get_round_trips_every_field(self, store: QueueStore) -> None:
        row = make_row(
            captured_at="2008-10-22T16:28:39",
            captured_offset="+02:00",
            gps_timestamp_utc="2008-10-23T14:27:07Z",
            gps_latitude=43.4674483,
            gps_longitude=11.8851267,
            focal_length_mm=24.0,
            f_number=5.9,
            iso=64,
            exposure_time="1/75",
            brisque_score=23.123456789,
            brisque_fallback=False,
            clip_aesthetic_score=5.5,
            clip_aesthetic_fallback=True,
            caption="A stone church façade in Arezzo under a clear afternoon sky.",
            alt_text="Stone church façade in Arezzo",
            keywords=["arezzo", "church", "tuscany"],
            exif_keywords=["Italia"],
            file_name="arezzo-church.jpg",
            metadata_quality=ProofVerdict.BLOCKED,
            proof_reasons=[ProofReason(rule="caption.length", field="caption", message="too short"),
                           ProofReason(rule="keywords.banned", field="keywords", message="dropped 'photo'", kind="fix")],
            classifier_hints=["church", "piazza"],
            status=RowStatus.PENDING,
            stages_done=["exif", "score"],
            edited_fields=["caption"],
            size_bytes=5_000_000_000,
        )
        with store.unit_of_work() as uow:
            added = uow.rows.add(row)
            uow.commit()
        assert added.id is not None
        with store.unit_of_work() as uow:
            loaded = uow.rows.get(row.set_name, row.original_name)
        assert loaded is not None
        assert loaded.id == added.id
        assert loaded.created_at is not None and loaded.created_at.tzinfo is not None
        expected = row.model_dump(exclude={"id", "created_at", "updated_at"})
        assert loaded.model_dump(exclude={"id", "created_at", "updated_at"}) == expected
        assert loaded.brisque_score == pytest.approx(23.123456789, abs=1e-9)

    def test_sets_are_listed_by_name_and_a_set_can_be_pointed_elsewhere(self, store: QueueStore) -> None:
        from proofdesk.core.domain.models import PhotoSet

        with store.unit_of_work() as uow:
            assert uow.sets.list() == []
            uow.sets.add(PhotoSet(name="b-set", path="../b"))
            uow.sets.add(PhotoSet(name="a-set", path="/media/card/DCIM/100CANON"))
            uow.commit()
        with store.unit_of_work() as uow:
            assert [s.name for s in uow.sets.list()] == ["a-set", "b-set"]
            assert uow.sets.delete("a-set")
            uow.sets.add(PhotoSet(name="a-set", path="/run/media/EOS/DCIM/100CANON"))
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.sets.get("a-set") == PhotoSet(name="a-set", path="/run/media/EOS/DCIM/100CANON")

    def test_get_missing_row_is_none(self, store: QueueStore) -> None:
        with store.unit_of_work() as uow:
            assert uow.rows.get("nope", "nope.jpg") is None
            assert uow.rows.get_by_id(12345) is None

    def test_key_is_unique(self, store: QueueStore) -> None:
        with store.unit_of_work() as uow:
            uow.rows.add(make_row())
            uow.commit()
        with store.unit_of_work() as uow, pytest.raises(RowConflict):
            uow.rows.add(make_row())

    def test_same_name_in_two_sets_is_two_rows(self, store: QueueStore) -> None:
        with store.unit_of_work() as uow:
            uow.rows.add(make_row(set_name="a"))
            uow.rows.add(make_row(set_name="b"))
            uow.commit()
        with store.unit_of_work() as uow:
            assert [r.set_name for r in uow.rows.find_by_name("DSCN0010.jpg")] == ["a", "b"]
            assert [r.set_name for r in uow.rows.find_by_name("DSCN0010.jpg", set_name="b")] == ["b"]

    def test_update_replaces_and_keeps_identity(self, store: QueueStore) -> None:
        with store.unit_of_work() as uow:
            added = uow.rows.add(make_row())
            uow.commit()
        changed = added.model_copy(update={"caption": "New caption.", "keywords": ["x", "y"]})
        with store.unit_of_work() as uow:
            updated = uow.rows.update(changed)
            uow.commit()
        assert updated.id == added.id
        with store.unit_of_work() as uow:
            loaded = uow.rows.get(*added.key)
        assert loaded is not None and loaded.caption == "New caption." and loaded.keywords == ["x", "y"]
        assert loaded.created_at == added.created_at

    def test_an_update_expecting_the_version_read_refuses_a_row_written_since_and_keeps_that_write(
        self, store: QueueStore
    ) -> None:
        with store.unit_of_work() as uow:
            uow.rows.add(make_row())
            uow.commit()
        with store.unit_of_work() as uow:
            read = uow.rows.get(*make_row().key)
        assert read is not None and read.updated_at is not None
        with store.unit_of_work() as uow:  # someone else writes the row after we read it
            uow.rows.update(read.changed(caption="Their caption."), expected_updated_at=read.updated_at)
            uow.commit()
        with pytest.raises(RowChanged, match="changed elsewhere"), store.unit_of_work() as uow:
            uow.rows.update(read.changed(caption="Our caption."), expected_updated_at=read.updated_at)
            uow.commit()
        with store.unit_of_work() as uow:
            now = uow.rows.get(*read.key)
        assert now is not None and now.caption == "Their caption."
        with store.unit_of_work() as uow:  # expecting the version as it is now: written
            uow.rows.update(now.changed(caption="Our caption."), expected_updated_at=now.updated_at)
            uow.commit()
            assert uow.rows.get(*read.key).caption == "Our caption."  # type: ignore[union-attr]

    def test_a_row_s_version_is_what_its_write_returned_and_versions_lists_every_row_s(self, store: QueueStore) -> None:
        """The web desk sends back the `updated_at` a write returned: the store must keep it exactly
        (microseconds), and `versions()` must agree with the rows."""
        with store.unit_of_work() as uow:
            uow.rows.add(make_row("a.jpg"))
            uow.rows.add(make_row("b.jpg", set_name="other"))
            uow.commit()
        with store.unit_of_work() as uow:
            read = uow.rows.get(*make_row("a.jpg").key)
            assert read is not None
            written = uow.rows.update(read.changed(caption="Harbour at dawn."), expected_updated_at=read.updated_at)
            uow.commit()
        with store.unit_of_work() as uow:
            stored = uow.rows.get(*read.key)
            versions = uow.rows.versions()
            listed = {row.key: row.updated_at for row in uow.rows.list()}
        assert stored is not None and stored.updated_at == written.updated_at and written.updated_at != read.updated_at
        assert versions == listed and list(versions) == sorted(listed) and versions[read.key] == written.updated_at

    def test_update_of_missing_row_fails(self, store: QueueStore) -> None:
        with store.unit_of_work() as uow, pytest.raises(StorageError):
            uow.rows.update(make_row())

    def test_list_is_ordered_and_filters(self, store: QueueStore) -> None:
        with store.unit_of_work() as uow:
            uow.rows.add(make_row("b.jpg", status=RowStatus.PENDING))
            uow.rows.add(make_row("a.jpg"))
            uow.rows.add(make_row("c.jpg", set_name="other", status=RowStatus.PENDING))
            uow.commit()
        with store.unit_of_work() as uow:
            assert [r.original_name for r in uow.rows.list()] == ["a.jpg", "b.jpg", "c.jpg"]
            pending = uow.rows.list(status=RowStatus.PENDING)
            assert [r.original_name for r in pending] == ["b.jpg", "c.jpg"]
            assert [r.original_name for r in uow.rows.list(set_name="other")] == ["c.jpg"]
            counts = uow.rows.counts()
        assert counts == {"ingested": 1, "pending": 2, "approved": 0, "rejected": 0, "published": 0}

    def test_delete(self, store: QueueStore) -> None:
        with store.unit_of_work() as uow:
            uow.rows.add(make_row())
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.rows.delete("2026-06-12_lofoten_reine", "DSCN0010.jpg") is True
            assert uow.rows.delete("2026-06-12_lofoten_reine", "DSCN0010.jpg") is False
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.rows.list() == []

    def test_find_by_sha256_and_file_name(self, store: QueueStore) -> None:
        with store.unit_of_work() as uow:
            uow.rows.add(make_row("a.jpg", sha256="1" * 64, file_name="boat-at-dusk.jpg"))
            uow.rows.add(make_row("b.jpg", sha256="2" * 64))
            uow.rows.add(make_row("c.jpg", set_name="s2", sha256="1" * 64))
            uow.commit()
        with store.unit_of_work() as uow:
            assert sorted(r.original_name for r in uow.rows.find_by_sha256("1" * 64)) == ["a.jpg", "c.jpg"]
            assert [r.original_name for r in uow.rows.find_by_name("boat-at-dusk.jpg")] == ["a.jpg"]

    # ---------------------------------------------------------------- set operations (the stages' batches)

    def test_get_many_returns_the_stored_rows_in_key_order(self, store: QueueStore) -> None:
        with store.unit_of_work() as uow:
            uow.rows.add_many([make_row(f"{i:03}.jpg", sha256=f"{i:064}") for i in range(450)])
            uow.commit()
        wanted = [("2026-06-12_lofoten_reine", f"{i:03}.jpg") for i in (449, 3, 0)] + [("nope", "x.jpg")]
        with store.unit_of_work() as uow:
            found = uow.rows.get_many(wanted)
            everything = uow.rows.get_many(row.key for row in uow.rows.list())
        assert list(found) == wanted[:3]
        assert [row.sha256 for row in found.values()] == [f"{449:064}", f"{3:064}", f"{0:064}"]
        assert all(row.id is not None and row.created_at is not None for row in found.values())
        assert len(everything) == 450
        with store.unit_of_work() as uow:
            assert uow.rows.get_many([]) == {}

    def test_add_many_is_all_or_nothing_on_a_conflict(self, store: QueueStore) -> None:
        with store.unit_of_work() as uow:
            uow.rows.add(make_row("b.jpg"))
            uow.commit()
        with store.unit_of_work() as uow, pytest.raises(RowConflict):
            uow.rows.add_many([make_row("a.jpg"), make_row("b.jpg")])
        with store.unit_of_work() as uow:
            assert [r.original_name for r in uow.rows.list()] == ["b.jpg"]

    def test_update_many_replaces_and_keeps_identity(self, store: QueueStore) -> None:
        with store.unit_of_work() as uow:
            uow.rows.add_many([make_row("a.jpg"), make_row("b.jpg"), make_row("c.jpg")])
            uow.commit()
            before = uow.rows.get_many(row.key for row in uow.rows.list())
        changed = [row.changed(caption=f"Caption of {row.original_name}.", keywords=["x"]) for row in before.values()][:2]
        with store.unit_of_work() as uow:
            uow.rows.update_many(changed)
            uow.commit()
        with store.unit_of_work() as uow:
            after = uow.rows.get_many(before)
        assert [row.caption for row in after.values()] == ["Caption of a.jpg.", "Caption of b.jpg.", None]
        assert [row.id for row in after.values()] == [row.id for row in before.values()]
        assert [row.created_at for row in after.values()] == [row.created_at for row in before.values()]

    def test_update_many_of_a_missing_row_fails(self, store: QueueStore) -> None:
        with store.unit_of_work() as uow:
            uow.rows.add(make_row("a.jpg"))
            uow.commit()
        with store.unit_of_work() as uow, pytest.raises(StorageError):
            uow.rows.update_many([make_row("a.jpg"), make_row("missing.jpg")])

    def test_find_by_sha256s(self, store: QueueStore) -> None:
        with store.unit_of_work() as uow:
            uow.rows.add_many([make_row("a.jpg", sha256="1" * 64), make_row("b.jpg", sha256="2" * 64),
                               make_row("c.jpg", set_name="s0", sha256="1" * 64)])
            uow.commit()
        with store.unit_of_work() as uow:
            found = uow.rows.find_by_sha256s(["1" * 64, "3" * 64])
        assert [(r.set_name, r.original_name) for r in found] == [("2026-06-12_lofoten_reine", "a.jpg"), ("s0", "c.jpg")]

    def test_journal_append_many_continues_the_sequence(self, store: QueueStore) -> None:
        with store.unit_of_work() as uow:
            uow.journal.append(JournalEntry(session_id="s1", kind="file", target="/a"))
            uow.journal.append_many([JournalEntry(session_id="s1", kind="file", target="/b"),
                                     JournalEntry(session_id="s2", kind="row_insert", target="x/y"),
                                     JournalEntry(session_id="s1", kind="row_update", target="x/z", before={"k": 1})])
            uow.commit()
        with store.unit_of_work() as uow:
            s1 = uow.journal.entries("s1")
            s2 = uow.journal.entries("s2")
        assert [(e.seq, e.target) for e in s1] == [(1, "/a"), (2, "/b"), (3, "x/z")]
        assert s1[2].before == {"k": 1}
        assert [(e.seq, e.kind) for e in s2] == [(1, "row_insert")]

    # ---------------------------------------------------------------- unit of work

    def test_leaving_without_commit_rolls_back(self, store: QueueStore) -> None:
        with store.unit_of_work() as uow:
            uow.rows.add(make_row())
        with store.unit_of_work() as uow:
            assert uow.rows.list() == []

    def test_exception_rolls_back_everything_in_the_unit(self, store: QueueStore) -> None:
        with store.unit_of_work() as uow:
            uow.rows.add(make_row("keep.jpg"))
            uow.commit()
        with pytest.raises(RuntimeError), store.unit_of_work() as uow:
            uow.rows.add(make_row("a.jpg"))
            uow.rows.delete("2026-06-12_lofoten_reine", "keep.jpg")
            uow.sessions.add(Session(id="s1", started_at=datetime(2026, 1, 1, tzinfo=UTC)))
            uow.journal.append(JournalEntry(session_id="s1", kind="file", target="/x"))
            raise RuntimeError("boom")
        with store.unit_of_work() as uow:
            assert [r.original_name for r in uow.rows.list()] == ["keep.jpg"]
            assert uow.sessions.get("s1") is None
            assert uow.journal.entries("s1") == []

    def test_explicit_rollback_then_more_work(self, store: QueueStore) -> None:
        with store.unit_of_work() as uow:
            uow.rows.add(make_row("a.jpg"))
            uow.rollback()
            uow.rows.add(make_row("b.jpg"))
            uow.commit()
        with store.unit_of_work() as uow:
            assert [r.original_name for r in uow.rows.list()] == ["b.jpg"]

    def test_two_commits_in_one_unit(self, store: QueueStore) -> None:
        with store.unit_of_work() as uow:
            uow.rows.add(make_row("a.jpg"))
            uow.commit()
            uow.rows.add(make_row("b.jpg"))
            uow.commit()
        with store.unit_of_work() as uow:
            assert len(uow.rows.list()) == 2

    # ---------------------------------------------------------------- sessions and journal

    def test_sessions_round_trip_and_order(self, store: QueueStore) -> None:
        start = datetime(2026, 6, 12, 8, 0, 0, 123456, tzinfo=UTC)
        with store.unit_of_work() as uow:
            uow.sessions.add(Session(id="late", started_at=start + timedelta(hours=1), sets=["b"]))
            uow.sessions.add(
                Session(id="early", started_at=start, sets=["a", "b"], config_digest="abc", pid=42)
            )
            uow.commit()
        with store.unit_of_work() as uow:
            early = uow.sessions.get("early")
            assert early is not None
            assert early.started_at == start
            assert early.sets == ["a", "b"] and early.pid == 42 and early.status == SessionStatus.OPEN
            assert [s.id for s in uow.sessions.list()] == ["early", "late"]
            assert uow.sessions.last_open() is not None and uow.sessions.last_open().id == "late"
            closed = early.model_copy(update={"status": SessionStatus.CLOSED, "ended_at": start})
            uow.sessions.update(closed)
            uow.commit()
        with store.unit_of_work() as uow:
            assert [s.id for s in uow.sessions.list(SessionStatus.OPEN)] == ["late"]
            assert uow.sessions.get("early").status == SessionStatus.CLOSED

    def test_journal_keeps_order_and_before_images(self, store: QueueStore) -> None:
        before = make_row().model_dump(mode="json")
        with store.unit_of_work() as uow:
            first = uow.journal.append(JournalEntry(session_id="s1", kind="file", target="/in/a.jpg"))
            uow.journal.append(JournalEntry(session_id="s2", kind="file", target="/in/other.jpg"))
            uow.journal.append(
                JournalEntry(session_id="s1", kind="row_update", target="set/a.jpg", before=before)
            )
            uow.commit()
        assert first.seq == 1
        with store.unit_of_work() as uow:
            entries = uow.journal.entries("s1")
            assert [(e.seq, e.kind) for e in entries] == [(1, "file"), (2, "row_update")]
            assert entries[1].before == before
            uow.journal.clear("s1")
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.journal.entries("s1") == []
            assert len(uow.journal.entries("s2")) == 1

    # ---------------------------------------------------------------- lock

    # ---------------------------------------------------------------- allowed place names

    def test_place_allowances_round_trip_fold_and_refuse_duplicates(self, store: QueueStore) -> None:
        with store.unit_of_work() as uow:
            assert uow.place_allowances.list() == []
            assert uow.place_allowances.add(PlaceAllowance(name="Lexington"))
            assert uow.place_allowances.add(PlaceAllowance(name="Genève", set_name="2026-06_geneva"))
            assert uow.place_allowances.add(PlaceAllowance(name="Nokia", set_name="trip", original_name="IMG_1.jpg"))
            assert not uow.place_allowances.add(PlaceAllowance(name="LEXINGTON"))  # same name, folded
            assert not uow.place_allowances.add(PlaceAllowance(name="geneve", set_name="2026-06_geneva"))
            assert uow.place_allowances.add(PlaceAllowance(name="Lexington", set_name="trip"))  # another scope
            uow.commit()
        with store.unit_of_work() as uow:
            stored = uow.place_allowances.list()
        assert [(a.name, a.set_name, a.original_name) for a in stored] == [
            ("Genève", "2026-06_geneva", None), ("Lexington", None, None), ("Lexington", "trip", None),
            ("Nokia", "trip", "IMG_1.jpg")]
        assert all(a.created_at is not None and a.created_at.tzinfo is not None for a in stored)
        with store.unit_of_work() as uow:
            assert uow.place_allowances.remove("lexington")
            assert not uow.place_allowances.remove("lexington")
            assert not uow.place_allowances.remove("Nokia", "trip")  # the row's allowance needs its row
            uow.commit()
        with store.unit_of_work() as uow:
            assert [a.scope for a in uow.place_allowances.list()] == ["set 2026-06_geneva", "set trip", "trip/IMG_1.jpg"]

    def test_place_allowances_roll_back_with_the_unit_of_work(self, store: QueueStore) -> None:
        with store.unit_of_work() as uow:
            uow.place_allowances.add(PlaceAllowance(name="Lafayette"))
        with store.unit_of_work() as uow:
            assert uow.place_allowances.list() == []

    def test_lock_is_exclusive_and_reentrant_for_its_holder(self, store: QueueStore) -> None:
        now = datetime(2026, 1, 1, tzinfo=UTC)
        first = LockHolder("s1", 100, "host-a", now)
        second = LockHolder("s2", 200, "host-b", now)
        assert store.lock.holder() is None
        assert store.lock.acquire(first) is None
        assert store.lock.acquire(first) is None  # same session again
        blocked_by = store.lock.acquire(second)
        assert blocked_by is not None and blocked_by.session_id == "s1" and blocked_by.pid == 100
        store.lock.release("s2")  # not the holder: no effect
        assert store.lock.holder().session_id == "s1"
        store.lock.release("s1")
        assert store.lock.holder() is None
        assert store.lock.acquire(second) is None

    def test_concurrent_lock_has_one_winner(self, store: QueueStore) -> None:
        now = datetime(2026, 1, 1, tzinfo=UTC)
        results: list[bool] = []
        barrier = threading.Barrier(6)

        def take(i: int) -> None:
            barrier.wait()
            results.append(store.lock.acquire(LockHolder(f"s{i}", i, "h", now)) is None)

        threads = [threading.Thread(target=take, args=(i,)) for i in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results.count(True) == 1

"""The publish use case over the fakes: only approved rows, failures stay approved with the error,
service outages stop the run, gallery name conflicts go back to review, reruns are idempotent,
dry runs write nothing, model-ready files of published rows only are cleaned."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, datetime

import pytest
from PIL import Image
from proofdesk.adapters.memory import (
    FakeImageProcessor,
    FakeMetadataWriter,
    FixedClock,
    InMemoryFileStore,
    InMemoryGallery,
    InMemoryQueueStore,
    InMemoryUploader,
    RecordingReporter,
)
from proofdesk.core.domain import queue
from proofdesk.core.domain.errors import SessionLocked
from proofdesk.core.domain.models import ProofVerdict, Row, RowStatus
from proofdesk.core.domain.publishing import (
    GalleryEntry,
    PublishOptions,
    conflict_reason,
    gallery_entry,
    published_title,
)
from proofdesk.core.ports.files import FileStore
from proofdesk.core.ports.storage import LockHolder
from proofdesk.core.services import failpoints
from proofdesk.core.services.failpoints import FaultInjected
from proofdesk.core.services.publish import Publisher, publish_approved
from proofdesk.core.services.review import ReviewService


def image_bytes(seed: int, kind: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (seed * 40 % 256, 100, 200)).save(buffer, kind)
    return buffer.getvalue()


# index -> (caption, alt text, third keyword): texts the real proof accepts, none a duplicate of another
SCENES = {
    1: ("Fishing boats moored in the harbour at first morning light.", "Boats moored in a harbour", "boats"),
    2: ("A lighthouse on the harbour wall against a pale morning sky.", "Lighthouse on a harbour wall", "lighthouse"),
    3: ("Gulls circling over the harbour market on a quiet morning.", "Gulls over a harbour market", "gulls"),
    4: ("Nets drying on the harbour quay in the soft morning sun.", "Nets drying on a harbour quay", "nets"),
}


class World:
    def __init__(self) -> None:
        self.store = InMemoryQueueStore()
        self.files = InMemoryFileStore()
        self.uploader = InMemoryUploader()
        self.gallery = InMemoryGallery()
        self.writer = FakeMetadataWriter()
        self.reporter = RecordingReporter()
        self.alive: set[int] = set()
        # the review's proof (evidence, duplicates over this queue and gallery), as the container wires it
        self.review = ReviewService(self.store, gallery_names=self.gallery.file_names)

    def publisher(self, **options: object) -> Publisher:
        return Publisher(
            store=self.store, uploader=self.uploader, gallery=self.gallery, processor=FakeImageProcessor(),
            writer=self.writer, files=self.files, clock=FixedClock(datetime(2026, 6, 12, 9, 0, tzinfo=UTC)),
            reporter=self.reporter, prover=self.review.proven,
            options=PublishOptions(thumbnail_size=32, **options),  # type: ignore[arg-type]
            pid=4242, host="here", is_alive=lambda holder: holder.pid in self.alive,
        )

    def add(self, index: int, status: RowStatus = RowStatus.APPROVED, kind: str = "JPEG") -> Row:
        data = image_bytes(index, kind)
        name = f"IMG_{index:04d}.{'jpg' if kind == 'JPEG' else 'png'}"
        incoming = self.files.write_bytes(FileStore.INCOMING, f"trip/{name}", data).path
        model = self.files.write_bytes(FileStore.WORK, f"model/trip/{index}.jpg", b"model").path
        caption, alt_text, keyword = SCENES[index]
        row = Row(set_name="trip", original_name=name, sha256=hashlib.sha256(data).hexdigest(),
                  incoming_path=incoming, ollama_path=model, status=RowStatus.PENDING,
                  caption=caption, alt_text=alt_text, keywords=["harbour", "morning", keyword],
                  file_name=f"harbour-{index}.jpg", width=64, height=48)
        row = self.review.proven(row)  # the review's proof, as an edit gets it
        assert row.has_current_accepted_proof(), row.proof_reasons
        if status in (RowStatus.APPROVED, RowStatus.PUBLISHED):
            row = queue.approve(row)
        if status == RowStatus.PUBLISHED:
            row = queue.mark_published(row, "999")
        if status == RowStatus.REJECTED:
            row = queue.reject(row)
        with self.store.unit_of_work() as uow:
            stored = uow.rows.add(row)
            uow.commit()
        return stored

    def row(self, row: Row) -> Row:
        with self.store.unit_of_work() as uow:
            found = uow.rows.get(*row.key)
        assert found is not None
        return found


@pytest.fixture
def world() -> World:
    failpoints.reset()
    return World()


def test_only_approved_rows_are_published_and_mirrored(world: World) -> None:
    approved = [world.add(1), world.add(2)]
    pending, rejected = world.add(3, RowStatus.PENDING), world.add(4, RowStatus.REJECTED)
    report = publish_approved(world.publisher())
    assert (report.published, report.failed, report.refused, report.ok) == (2, 0, 0, True)
    assert sorted(world.uploader.files) == ["/gallery/harbour-1.jpg", "/gallery/harbour-2.jpg",
                                            "/gallery/thumbs/harbour-1.jpg", "/gallery/thumbs/harbour-2.jpg"]
    for row in approved:
        stored = world.row(row)
        assert stored.status == RowStatus.PUBLISHED
        assert stored.remote_id == world.gallery.lookup(stored.file_name or "").remote_id  # type: ignore[union-attr]
        assert stored.ollama_path is None
    for row in (pending, rejected):
        assert world.row(row).status == row.status and world.row(row).remote_id is None
        assert world.files.read_path(row.ollama_path or "") == b"model"  # kept for Generate
    assert world.reporter.messages("session") == [report.id] and report.id.startswith("publish-20260612T090000Z-")
    assert world.reporter.artifacts["publish_report.json"]["published"] == 2
    assert world.store.lock.holder() is None


def test_the_metadata_goes_into_the_copy_and_the_thumbnail_is_a_jpeg(world: World) -> None:
    row = world.add(1)
    original = world.files.read_path(row.incoming_path or "")
    publish_approved(world.publisher())
    full = world.uploader.files["/gallery/harbour-1.jpg"]
    assert full.startswith(original) and full != original and FakeMetadataWriter.MARKER in full
    assert world.files.read_path(row.incoming_path or "") == original  # the original is untouched
    [embedded] = world.writer.embedded
    assert embedded.caption == row.caption and embedded.alt_text == row.alt_text and embedded.title == "Harbour 1"
    with Image.open(io.BytesIO(world.uploader.files["/gallery/thumbs/harbour-1.jpg"])) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) == 32


def test_a_png_original_is_re_encoded_to_jpeg(world: World) -> None:
    world.add(1, kind="PNG")
    publish_approved(world.publisher())
    full = world.uploader.files["/gallery/harbour-1.jpg"]
    with Image.open(io.BytesIO(full.split(FakeMetadataWriter.MARKER)[0])) as image:
        assert image.format == "JPEG" and image.size == (64, 48)


def test_a_row_failure_leaves_it_approved_with_the_error_and_the_others_go_on(world: World) -> None:
    broken, fine = world.add(1), world.add(2)
    world.files.remove_path(broken.incoming_path or "")
    report = publish_approved(world.publisher())
    assert (report.published, report.failed, report.blocking_error) == (1, 1, None)
    stored = world.row(broken)
    assert stored.status == RowStatus.APPROVED and "incoming copy" in (stored.publish_error or "")
    assert world.row(fine).status == RowStatus.PUBLISHED
    assert world.gallery.file_names() == ["harbour-2.jpg"]


def test_a_service_outage_stops_publishing_and_a_rerun_resumes(world: World) -> None:
    rows = [world.add(index) for index in (1, 2, 3)]
    world.uploader.fail_puts = 1
    report = publish_approved(world.publisher())
    assert report.blocking_error and [r.outcome for r in report.results] == ["failed", "not_attempted", "not_attempted"]
    assert world.row(rows[0]).publish_error and world.row(rows[1]).publish_error is None
    assert all(world.row(row).ollama_path for row in rows)  # no cleanup after a blocking error
    again = publish_approved(world.publisher())
    assert again.published == 3 and again.ok
    assert world.row(rows[0]).publish_error is None


def test_a_file_name_owned_by_another_image_is_refused_and_goes_back_to_review(world: World) -> None:
    row = world.add(1)
    world.gallery.upsert(GalleryEntry(file_name="harbour-1.jpg", sha256="0" * 64))
    report = publish_approved(world.publisher())
    assert report.refused == 1 and not report.ok
    stored = world.row(row)
    assert stored.status == RowStatus.PENDING and stored.metadata_quality == ProofVerdict.BLOCKED
    assert stored.proof_reasons[-1].rule == "file_name.gallery_conflict"
    assert not stored.has_current_accepted_proof()
    with pytest.raises(queue.IllegalTransition):
        queue.approve(stored)
    assert world.uploader.files == {} and world.gallery.lookup("harbour-1.jpg").sha256 == "0" * 64  # type: ignore[union-attr]


def test_a_rerun_after_success_changes_nothing_remote(world: World) -> None:
    world.add(1)
    publish_approved(world.publisher())
    files, upserts, puts = dict(world.uploader.files), world.gallery.upserts, world.uploader.puts
    report = publish_approved(world.publisher())
    assert report.results == [] and world.uploader.files == files
    assert (world.gallery.upserts, world.uploader.puts) == (upserts, puts)


def test_an_edited_published_row_republishes_under_the_same_file_name_and_id(world: World) -> None:
    row = world.add(1)
    publish_approved(world.publisher())
    first = world.row(row)
    edited = queue.edit(first, {"caption": "Fishing boats in the harbour under a clear morning sky."},
                        lambda r: (ProofVerdict.ACCEPTED, []))
    assert edited.status == RowStatus.PENDING
    with world.store.unit_of_work() as uow:
        uow.rows.update(queue.approve(edited))
        uow.commit()
    report = publish_approved(world.publisher())
    assert report.results[0].republish and report.published == 1
    assert world.row(row).remote_id == first.remote_id
    assert world.gallery.file_names() == ["harbour-1.jpg"]
    assert world.gallery.lookup("harbour-1.jpg").entry.caption.endswith("clear morning sky.")  # type: ignore[union-attr]


def test_our_own_entry_with_a_changed_image_is_not_a_conflict() -> None:
    row = Row(set_name="s", original_name="a.jpg", sha256="1" * 64, file_name="a.jpg", remote_id="7")
    from proofdesk.core.domain.publishing import GalleryRecord

    ours = GalleryRecord(remote_id="7", entry=GalleryEntry(file_name="a.jpg", sha256="2" * 64))
    theirs = GalleryRecord(remote_id="8", entry=GalleryEntry(file_name="a.jpg", sha256="2" * 64))
    assert conflict_reason(row, ours) is None
    assert conflict_reason(row, None) is None
    assert "another image" in (conflict_reason(row, theirs) or "")


def test_a_dry_run_writes_nothing(world: World) -> None:
    rows = [world.add(1), world.add(2)]
    world.gallery.upsert(GalleryEntry(file_name="harbour-2.jpg", sha256="0" * 64))
    upserts = world.gallery.upserts
    report = publish_approved(world.publisher(), dry_run=True)
    assert [r.outcome for r in report.results] == ["would_publish", "would_refuse"]
    assert world.uploader.files == {} and world.gallery.upserts == upserts
    assert [world.row(row) for row in rows] == rows
    assert world.reporter.artifacts == {} and world.reporter.messages("session") == []
    assert world.store.lock.holder() is None


def test_a_live_session_holding_the_queue_blocks_publishing(world: World) -> None:
    world.add(1)
    world.alive.add(77)
    world.store.lock.acquire(LockHolder("20260612T085900Z-abc123", 77, "here", datetime.now(UTC)))
    with pytest.raises(SessionLocked, match="holds the queue"):
        publish_approved(world.publisher())
    assert world.uploader.files == {}


def test_a_dead_publisher_s_lock_is_taken_over(world: World) -> None:
    world.add(1)
    world.store.lock.acquire(LockHolder("publish-20260612T085900Z-dead00", 66, "here", datetime.now(UTC)))
    report = publish_approved(world.publisher())
    assert report.published == 1
    assert any("died while publishing" in message for message in world.reporter.messages("warn"))


def test_a_fault_after_upload_leaves_the_row_approved_and_releases_the_lock(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = world.add(1)
    monkeypatch.setenv("PROOFDESK_FAULT", "publish.after_upload:1:raise")
    with pytest.raises(FaultInjected):
        publish_approved(world.publisher())
    assert world.row(row).status == RowStatus.APPROVED and world.gallery.file_names() == []
    assert world.store.lock.holder() is None
    assert "publish_report.json" in world.reporter.artifacts
    monkeypatch.delenv("PROOFDESK_FAULT")
    assert publish_approved(world.publisher()).published == 1
    assert len(world.uploader.files) == 2


def test_gallery_entry_and_title(world: World) -> None:
    row = world.add(1).changed(camera_make="NIKON CORPORATION", camera_model="NIKON D750",
                               captured_at="2008-10-22T16:28:39")
    entry = gallery_entry(row, PublishOptions(image_base_url="https://example.org/g/"))
    assert entry.image_url == "https://example.org/g/harbour-1.jpg"
    assert entry.thumb_url == "https://example.org/g/thumbs/harbour-1.jpg"
    assert entry.camera == "NIKON D750" and entry.captured_at == "2008-10-22T16:28:39"
    assert published_title(row.model_copy(update={"file_name": "lofoten_reine-at-dawn.jpg"})) == "Lofoten reine at dawn"
    assert len(published_title(row.model_copy(update={"file_name": "é" * 100 + ".jpg"})).encode()) <= 64
    assert json.loads(entry.model_dump_json())["keywords"] == ["harbour", "morning", "boats"]


# ---------------------------------------------------------------- proven again before anything is written


def take_caption(world: World, owner: Row, index: int = 4) -> Row:
    """A pending row of the queue now says what the approved `owner` says (its proof blocks it)."""
    taker = world.add(index, RowStatus.PENDING)
    taken = taker.changed(caption=owner.caption, metadata_quality=ProofVerdict.BLOCKED, proof_digest=None)
    with world.store.unit_of_work() as uow:
        stored = uow.rows.update(taken)
        uow.commit()
    return stored


def test_a_row_whose_caption_was_taken_after_approval_is_refused_before_any_write(world: World) -> None:
    first, second, third = world.add(1), world.add(2), world.add(3)
    take_caption(world, second)
    report = publish_approved(world.publisher())
    assert [(r.row, r.outcome) for r in report.results] == [
        (first.key_text, "published"), (second.key_text, "refused"), (third.key_text, "published")]
    assert (report.published, report.refused, report.ok) == (2, 1, False)
    assert sorted(world.uploader.files) == ["/gallery/harbour-1.jpg", "/gallery/harbour-3.jpg",
                                            "/gallery/thumbs/harbour-1.jpg", "/gallery/thumbs/harbour-3.jpg"]
    assert world.gallery.file_names() == ["harbour-1.jpg", "harbour-3.jpg"]
    assert world.uploader.puts == 4 and world.gallery.upserts == 2  # nothing of the refused row was sent
    refused = world.row(second)
    assert refused.status == RowStatus.PENDING and refused.metadata_quality == ProofVerdict.BLOCKED
    assert "duplicate.caption" in {reason.rule for reason in refused.proof_reasons}
    assert refused.caption == second.caption and refused.remote_id is None
    assert "duplicate.caption" in (refused.publish_error or "") and "IMG_0004" in (refused.publish_error or "")
    [refusal] = report.to_dict()["refusals"]
    assert refusal["row"] == second.key_text and [r["rule"] for r in refusal["reasons"]] == ["duplicate.caption"]
    assert world.reporter.artifacts["publish_report.json"]["refused"] == 1
    with pytest.raises(queue.IllegalTransition):
        queue.approve(refused)


def test_the_dry_run_makes_the_same_check_and_writes_nothing(world: World) -> None:
    rows = [world.add(1), world.add(2), world.add(3)]
    take_caption(world, rows[1])
    before = [world.row(row) for row in rows]
    report = publish_approved(world.publisher(), dry_run=True)
    assert [r.outcome for r in report.results] == ["would_publish", "would_refuse", "would_publish"]
    assert report.refused == 1 and not report.ok and "duplicate.caption" in (report.results[1].error or "")
    assert [world.row(row) for row in rows] == before  # still approved: a dry run sends nothing back
    assert world.uploader.files == {} and world.gallery.upserts == 0


def test_an_approved_row_whose_stored_proof_is_blocked_is_never_uploaded(world: World) -> None:
    """The state an unchanged re-save left behind before re-saves dropped the approval."""
    first, second = world.add(1), world.add(2)
    with world.store.unit_of_work() as uow:
        uow.rows.update(world.row(first).changed(metadata_quality=ProofVerdict.BLOCKED))
        uow.commit()
    report = publish_approved(world.publisher())
    assert [r.outcome for r in report.results] == ["refused", "published"]
    assert world.gallery.file_names() == ["harbour-2.jpg"] and "/gallery/harbour-1.jpg" not in world.uploader.files
    assert world.row(first).status == RowStatus.PENDING and world.row(second).status == RowStatus.PUBLISHED
    assert world.store.lock.holder() is None


def test_a_file_name_taken_in_the_queue_after_approval_is_refused_with_the_proof_s_new_name(world: World) -> None:
    approved = world.add(1)
    taker = world.add(2, RowStatus.PENDING)
    with world.store.unit_of_work() as uow:  # another machine's caption stage named its row the same
        uow.rows.update(taker.changed(file_name=approved.file_name))
        uow.commit()
    report = publish_approved(world.publisher())
    assert report.refused == 1 and world.uploader.files == {} and world.gallery.file_names() == []
    assert "would change the approved text" in (report.results[0].error or "")
    renamed = world.row(approved)
    assert renamed.status == RowStatus.PENDING and renamed.file_name == "harbour-1-2.jpg"
    assert renamed.has_current_accepted_proof()  # a person approves the new name, then it publishes
    with world.store.unit_of_work() as uow:
        uow.rows.update(queue.approve(renamed))
        uow.rows.delete(*taker.key)
        uow.commit()
    assert publish_approved(world.publisher()).published == 1
    assert world.gallery.file_names() == ["harbour-1-2.jpg"]


def test_the_row_s_own_gallery_entry_left_by_an_interrupted_publish_is_not_a_duplicate(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = world.add(1)
    monkeypatch.setenv("PROOFDESK_FAULT", "publish.after_upsert:1:raise")
    with pytest.raises(FaultInjected):
        publish_approved(world.publisher())
    assert world.gallery.file_names() == ["harbour-1.jpg"] and world.row(row).status == RowStatus.APPROVED
    monkeypatch.delenv("PROOFDESK_FAULT")
    report = publish_approved(world.publisher())
    assert report.published == 1 and world.gallery.file_names() == ["harbour-1.jpg"]
    assert world.row(row).file_name == "harbour-1.jpg"


def test_a_row_changed_after_the_run_listed_it_is_not_written(world: World) -> None:
    first, second = world.add(1), world.add(2)
    publisher = world.publisher()
    original = publisher.approved_rows

    def listed_then_rejected() -> list[Row]:
        rows = original()
        with world.store.unit_of_work() as uow:  # a reviewer rejects the first row meanwhile
            uow.rows.update(queue.reject(world.row(first)))
            uow.commit()
        return rows

    publisher.approved_rows = listed_then_rejected  # type: ignore[method-assign]
    report = publish_approved(publisher)
    assert [r.outcome for r in report.results] == ["refused", "published"]
    assert "no longer approved (rejected)" in (report.results[0].error or "")
    assert world.row(first).status == RowStatus.REJECTED and world.gallery.file_names() == ["harbour-2.jpg"]
    assert world.row(second).status == RowStatus.PUBLISHED

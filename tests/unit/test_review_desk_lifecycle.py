"""The review desk offers unpublish and the rename of a published photo, each with one
confirmation (rendered to text, keys sent, the queue checked)."""

from __future__ import annotations

from proofdesk.apps.review.desk import ReviewDesk
from proofdesk.core.domain import queue
from proofdesk.core.domain.models import RowStatus
from proofdesk.core.services.review import ReviewService

from tests.support.review_rows import build_review_service

from .test_review_desk import press, screen, type_into

KEY = "2008-10-22_arezzo/DSCN0010.jpg"


def published_service() -> ReviewService:
    service = build_review_service()
    with service.store.unit_of_work() as uow:
        row = uow.rows.get("2008-10-22_arezzo", "DSCN0010.jpg")
        assert row is not None
        uow.rows.update(queue.mark_published(queue.approve(row), "5"))
        uow.commit()
    return service


def test_renaming_a_published_photo_asks_once_then_saves_the_rename() -> None:
    service = published_service()
    old = service.get(KEY).file_name
    desk = ReviewDesk(service)
    press(desk, "tab")
    type_into(desk, "file_name", "arezzo-old-town-arch.jpg")
    press(desk, "f2")
    text = screen(desk)
    assert "Rename a published photo" in text and f"from {old} to arezzo-old-town-arch.jpg" in text
    assert service.get(KEY).file_name == old  # nothing saved before the answer
    press(desk, "y")
    assert f"still published as {old}: approve and publish" in screen(desk)
    row = service.get(KEY)
    assert row.file_name == "arezzo-old-town-arch.jpg" and row.status == RowStatus.PENDING
    assert row.published_file_name == old and row.remote_id == "5"  # still online until republished


def test_esc_keeps_editing_and_saves_nothing() -> None:
    service = published_service()
    old = service.get(KEY).file_name
    desk = ReviewDesk(service)
    press(desk, "tab")
    type_into(desk, "file_name", "arezzo-other.jpg")
    press(desk, "f2", "esc")
    assert service.get(KEY).file_name == old and "Rename a published photo" not in screen(desk)


def test_unpublish_asks_once_and_takes_the_row_down_or_rejects_it() -> None:
    service = published_service()
    calls: list[tuple[str, bool]] = []

    def unpublisher(key: str, reject: bool) -> str:
        calls.append((key, reject))
        return f"unpublished {key}\n1 unpublished, 0 not published, 0 failed"

    desk = ReviewDesk(service, unpublisher=unpublisher)
    press(desk, "U")
    assert "Take 2008-10-22_arezzo/DSCN0010.jpg" in screen(desk) and calls == []
    press(desk, "esc")
    assert calls == []
    press(desk, "U", "x")
    assert calls == [(KEY, True)]
    assert "1 unpublished" in screen(desk)
    press(desk, "down", "U")  # a row that was never published: nothing to take down
    assert "is not published" in screen(desk) and len(calls) == 1


def test_the_desk_says_a_replaced_picture_s_old_image_is_still_published() -> None:
    service = published_service()
    old = service.get(KEY).file_name
    with service.store.unit_of_work() as uow:
        row = uow.rows.get("2008-10-22_arezzo", "DSCN0010.jpg")
        assert row is not None
        uow.rows.update(queue.mark_prefilled(queue.replace_picture(row, "f" * 64, 1, None, "2026-12-06T12:00:00"))
                        .changed(status=RowStatus.PENDING))
        uow.commit()
    assert f"a replaced picture: the old one is still published as {old}" in screen(ReviewDesk(service))

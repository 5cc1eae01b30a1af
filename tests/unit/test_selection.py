"""Which rows a command acts on (services.selection), over the three-row review queue."""

from __future__ import annotations

import pytest
from proofdesk.core.domain.errors import InputError
from proofdesk.core.domain.models import RowStatus
from proofdesk.core.services.selection import accepted_pending_keys, blocked_keys, list_rows, parse_status

from tests.support.review_rows import build_review_service


def test_accepted_pending_keys_are_the_rows_approve_all_accepted_takes() -> None:
    service = build_review_service()
    rows = service.rows()
    accepted = [row.key_text for row in rows if row.metadata_quality and row.metadata_quality.value == "accepted"]
    assert accepted and accepted_pending_keys(rows) == accepted
    assert accepted_pending_keys(rows, set_name="another-set") == []
    service.approve(accepted[0])
    assert accepted_pending_keys(service.rows()) == accepted[1:]


def test_blocked_keys_are_limited_to_the_given_rows_and_skip_rejected_ones() -> None:
    service = build_review_service()
    all_keys = {row.key_text for row in service.rows()}
    with service.store.unit_of_work() as uow:
        blocked = blocked_keys(uow, all_keys)
        assert blocked and blocked_keys(uow, set()) == []
    service.reject(blocked[0])
    with service.store.unit_of_work() as uow:
        assert blocked[0] not in blocked_keys(uow, all_keys)


def test_list_rows_filters_and_refuses_an_unknown_status() -> None:
    service = build_review_service()
    with service.store.unit_of_work() as uow:
        assert len(list_rows(uow)) == 3
        assert list_rows(uow, "approved") == []
        assert len(list_rows(uow, "pending", "2008-10-22_arezzo")) == 3
    assert parse_status(None) is None and parse_status("pending") == RowStatus.PENDING
    with pytest.raises(InputError, match="choose one of"):
        parse_status("done")


def test_a_reopened_row_whose_file_name_another_row_took_meanwhile_is_proven_again_and_renamed() -> None:
    from tests.support.review_rows import build_review_service

    review = build_review_service()
    review.reject("2008-10-22_arezzo/DSCN0010.jpg")
    taken = review.edit("2008-10-22_arezzo/DSCN0012.jpg", {
        "caption": "The bell tower of Arezzo over red roofs near the Arno bridge in afternoon light.",
        "file_name": "arno-bridge.jpg"})
    assert taken.metadata_quality is not None and taken.metadata_quality.value == "accepted"
    reopened = review.reopen("2008-10-22_arezzo/DSCN0010.jpg")
    assert reopened.status.value == "pending"
    assert reopened.file_name == "arno-bridge-2.jpg"  # never two accepted rows on one exact name
    assert any(r.rule == "file_name.unique" and "DSCN0012" in r.message for r in reopened.proof_reasons)

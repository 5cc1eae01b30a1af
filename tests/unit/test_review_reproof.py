"""Re-proving an approved row (an unchanged re-save, `reprove`, publishing's check): the approval
holds only while the proof accepts exactly the approved text."""

from __future__ import annotations

import pytest
from proofdesk.core.domain.models import ProofVerdict, RowStatus
from proofdesk.core.domain.queue import IllegalTransition
from proofdesk.core.services.review import ReviewService

from tests.support.review_rows import build_review_service

BRIDGE = "2008-10-22_arezzo/DSCN0010.jpg"
TOWER = "2008-10-22_arezzo/DSCN0012.jpg"


@pytest.fixture
def review() -> ReviewService:
    service = build_review_service()
    assert service.approve(BRIDGE).status == RowStatus.APPROVED
    return service


def test_re_saving_an_approved_row_after_another_row_took_its_caption_sends_it_back_to_pending(
    review: ReviewService,
) -> None:
    caption = review.get(BRIDGE).caption
    taken = review.edit(TOWER, {"caption": caption})
    assert taken.metadata_quality == ProofVerdict.BLOCKED  # the other row cannot take it ...
    resaved = review.edit(BRIDGE, {"caption": caption})  # ... but now both say the same thing
    assert resaved.status == RowStatus.PENDING and resaved.metadata_quality == ProofVerdict.BLOCKED
    assert "duplicate.caption" in {reason.rule for reason in resaved.proof_reasons}
    assert resaved.caption == caption and review.get(BRIDGE) == resaved  # stored as it is, text kept
    with pytest.raises(IllegalTransition, match="duplicate.caption"):
        review.approve(BRIDGE)


def test_reprove_of_an_approved_row_whose_caption_was_taken_sends_it_back(review: ReviewService) -> None:
    review.edit(TOWER, {"caption": review.get(BRIDGE).caption})
    reproven = review.reprove(BRIDGE)
    assert reproven.status == RowStatus.PENDING and reproven.metadata_quality == ProofVerdict.BLOCKED


def test_a_re_proof_that_changes_the_approved_text_drops_the_approval(review: ReviewService) -> None:
    """Another row holds the approved file name now (written by another machine's caption stage):
    the proof renames this one, and a person approves the new name."""
    approved = review.get(BRIDGE)
    other = review.get(TOWER)
    with review.store.unit_of_work() as uow:
        uow.rows.update(other.changed(file_name=approved.file_name))
        uow.commit()
    reproven = review.reprove(BRIDGE)
    assert reproven.metadata_quality == ProofVerdict.ACCEPTED and reproven.file_name != approved.file_name
    assert reproven.status == RowStatus.PENDING
    assert "file_name.unique" in {reason.rule for reason in reproven.proof_reasons}
    assert review.approve(BRIDGE).status == RowStatus.APPROVED  # the new name, approved by a person


def test_a_re_proof_that_still_accepts_the_same_text_keeps_the_approval(review: ReviewService) -> None:
    assert review.reprove(BRIDGE).status == RowStatus.APPROVED
    assert review.edit(BRIDGE, {"caption": review.get(BRIDGE).caption}).status == RowStatus.APPROVED


def test_proven_stores_nothing_and_takes_the_gallery_names_it_is_given(review: ReviewService) -> None:
    approved = review.get(BRIDGE)
    same = review.proven(approved)
    assert same.status == RowStatus.APPROVED and same.has_current_accepted_proof()
    assert same.metadata_digest() == approved.metadata_digest()
    held = review.proven(approved, gallery_names=[approved.file_name or ""])
    assert held.file_name != approved.file_name and held.status == RowStatus.PENDING  # renamed: not ours
    review.edit(TOWER, {"caption": approved.caption})
    blocked = review.proven(approved)
    assert blocked.status == RowStatus.PENDING and blocked.metadata_quality == ProofVerdict.BLOCKED
    assert review.get(BRIDGE) == approved  # nothing was stored


def test_offline_text_counts_only_exact_copies_until_a_person_writes_a_near_copy() -> None:
    from proofdesk.core.domain.models import ProofVerdict

    from tests.support.review_rows import build_review_service

    review = build_review_service()
    first, second = "2008-10-22_arezzo/DSCN0010.jpg", "2008-10-22_arezzo/DSCN0012.jpg"
    texts = {first: "The old stone bridge over the river Arno in afternoon light at 16:28:39.",
             second: "The old stone bridge over the river Arno in afternoon light at 16:28:41."}
    with review.store.unit_of_work() as uow:  # the offline captioner wrote both: 97 % alike
        for key, caption in texts.items():
            row = uow.rows.get(*key.split("/"))
            assert row is not None
            uow.rows.update(row.changed(caption=caption, caption_source="offline"))
        uow.commit()
    for key in texts:
        proven = review.reprove(key)
        assert proven.metadata_quality == ProofVerdict.ACCEPTED, proven.proof_reasons
    assert review.proven(review.get(first)).metadata_quality == ProofVerdict.ACCEPTED  # what publish checks

    copied = review.edit(second, {"caption": "The old stone bridge over the river Arno in afternoon light at 16:28:40."})
    assert copied.metadata_quality == ProofVerdict.BLOCKED
    assert any(reason.rule == "duplicate.caption" and first in reason.message for reason in copied.proof_reasons)

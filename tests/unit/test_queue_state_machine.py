"""The review-queue state machine (DESIGN.md "Queue state machine"), examples and properties."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from proofdesk.core.domain import queue
from proofdesk.core.domain.errors import DomainError
from proofdesk.core.domain.models import ProofReason, ProofVerdict, Row, RowStatus
from proofdesk.core.domain.queue import IllegalTransition


def accept_all(row: Row) -> tuple[ProofVerdict, list[ProofReason]]:
    return ProofVerdict.ACCEPTED, []


def block_short_captions(row: Row) -> tuple[ProofVerdict, list[ProofReason]]:
    if row.caption and len(row.caption) >= 10:
        return ProofVerdict.ACCEPTED, []
    return ProofVerdict.BLOCKED, [ProofReason(rule="caption.length", field="caption", message="too short")]


def pending_row(**extra) -> Row:
    row = Row(set_name="s", original_name="a.jpg", sha256="a" * 64, caption="A long enough caption.",
              alt_text="alt", keywords=["k"], file_name="a-long.jpg", **extra)
    row = queue.mark_prefilled(row)
    return queue.prove(row, block_short_captions)


def test_happy_path_to_published() -> None:
    row = pending_row()
    assert row.status == RowStatus.PENDING
    approved = queue.approve(row)
    published = queue.mark_published(approved, "42")
    assert published.status == RowStatus.PUBLISHED and published.remote_id == "42"
    assert row.status == RowStatus.PENDING  # inputs are never mutated


def test_approving_a_blocked_row_names_the_failing_rules() -> None:
    row = queue.edit(pending_row(), {"caption": "short"}, block_short_captions)
    with pytest.raises(IllegalTransition, match=r"s/a.jpg: cannot approve .*caption\.length"):
        queue.approve(row)


def test_approving_needs_a_proof_of_the_current_metadata() -> None:
    row = pending_row()
    stale = row.model_copy(update={"caption": "Changed behind the proof's back."})
    with pytest.raises(IllegalTransition, match="changed after the last proof"):
        queue.approve(stale)
    with pytest.raises(IllegalTransition, match="not proven yet"):
        queue.approve(queue.edit(row, {"caption": "An unproven edit here."}))


def test_ingested_rows_cannot_be_decided_or_edited() -> None:
    row = Row(set_name="s", original_name="a.jpg", sha256="a" * 64)
    for action in (queue.approve, queue.reject, queue.reopen):
        with pytest.raises(IllegalTransition):
            action(row)
    with pytest.raises(IllegalTransition, match="prefill"):
        queue.edit(row, {"caption": "Something."})


def test_published_requires_approved() -> None:
    for row in (pending_row(), queue.reject(pending_row())):
        with pytest.raises(IllegalTransition, match="only an approved row"):
            queue.mark_published(row, "1")


def test_edit_after_approval_returns_to_pending_and_records_fields() -> None:
    approved = queue.approve(pending_row())
    edited = queue.edit(approved, {"keywords": ["tuscany", "arezzo"]}, accept_all)
    assert edited.status == RowStatus.PENDING
    assert edited.edited_fields == ["keywords"]
    assert edited.metadata_quality == ProofVerdict.ACCEPTED and edited.has_current_accepted_proof()


def test_a_published_row_can_be_renamed_and_keeps_its_old_name_for_redirects() -> None:
    published = queue.mark_published(queue.approve(pending_row()), "7")
    old_name = published.file_name
    assert published.published_file_name == old_name and published.published_sha256 == published.sha256
    renamed = queue.edit(published, {"file_name": "other.jpg"}, accept_all)
    assert renamed.status == RowStatus.PENDING and renamed.remote_id == "7"
    assert queue.renamed_while_published(renamed) and queue.held_file_name(renamed) == old_name
    republished = queue.mark_published(queue.approve(renamed), "7")
    assert republished.published_file_name == "other.jpg" and republished.former_file_names == [old_name]
    assert not queue.renamed_while_published(republished)
    edited = queue.edit(republished, {"caption": "A better caption for the site."}, accept_all)
    assert edited.status == RowStatus.PENDING and edited.remote_id == "7"


def test_unpublish_sends_the_row_back_to_review_or_rejects_it_and_a_row_holding_nothing_is_unchanged() -> None:
    published = queue.mark_published(queue.approve(pending_row()), "7")
    back = queue.unpublish(published)
    assert back.status == RowStatus.PENDING and back.remote_id is None and back.published_file_name is None
    assert not queue.holds_publication(back) and queue.unpublish(back) == back
    assert queue.unpublish(published, reject=True).status == RowStatus.REJECTED


def test_a_replaced_picture_keeps_what_the_old_one_left_published_until_it_is_taken_down() -> None:
    published = queue.mark_published(queue.approve(pending_row()), "7")
    replaced = queue.replace_picture(published, "b" * 64, 10, None, "2026-12-06T12:00:00")
    assert replaced.remote_id == "7" and replaced.published_file_name == published.file_name
    assert replaced.file_name is None and queue.replaced_while_published(replaced)


def test_rejected_can_be_reopened_and_never_published() -> None:
    rejected = queue.reject(pending_row())
    assert rejected.status == RowStatus.REJECTED
    with pytest.raises(IllegalTransition):
        queue.approve(rejected)
    assert queue.reopen(rejected).status == RowStatus.PENDING


def test_edit_rejects_unknown_fields_and_bad_keywords() -> None:
    with pytest.raises(DomainError, match="cannot edit status"):
        queue.edit(pending_row(), {"status": "approved"})
    with pytest.raises(DomainError, match="list of strings"):
        queue.edit(pending_row(), {"keywords": "a, b"})


def test_unchanged_edit_is_a_no_op() -> None:
    row = queue.approve(pending_row())
    assert queue.edit(row, {"caption": row.caption}, accept_all) == row


def test_changed_file_drops_approval_keeps_human_edits() -> None:
    row = queue.edit(pending_row(), {"caption": "Human caption, carefully written."}, accept_all)
    row = queue.approve(row.model_copy(update={"brisque_score": 20.0, "stages_done": ["exif", "score"]}))
    refreshed = queue.refresh_changed_file(row, "b" * 64, 123)
    assert refreshed.status == RowStatus.INGESTED
    assert refreshed.caption == "Human caption, carefully written."  # human edit kept
    assert refreshed.alt_text is None and refreshed.keywords == []  # AI fields redone
    assert refreshed.brisque_score is None and refreshed.stages_done == []
    assert refreshed.metadata_quality is None and refreshed.sha256 == "b" * 64


def block_all(row: Row) -> tuple[ProofVerdict, list[ProofReason]]:
    """The proof of a text another row took meanwhile."""
    return ProofVerdict.BLOCKED, [ProofReason(rule="duplicate.caption", field="caption", message="taken")]


def test_a_re_proof_that_blocks_an_approved_row_returns_it_to_pending() -> None:
    approved = queue.approve(pending_row())
    reproven = queue.prove(approved, block_all)
    assert reproven.status == RowStatus.PENDING and reproven.metadata_quality == ProofVerdict.BLOCKED
    assert queue.prove(approved, accept_all).status == RowStatus.APPROVED
    with pytest.raises(IllegalTransition):
        queue.mark_published(reproven, "1")


def test_reproven_keeps_an_approval_only_for_an_accepted_proof_of_the_same_text() -> None:
    approved = queue.approve(pending_row())
    renamed = queue.prove(approved.changed(file_name="a-long-2.jpg"), accept_all)  # a proof's fix renamed it
    assert queue.reproven(approved, renamed).status == RowStatus.PENDING
    assert queue.reproven(approved, queue.prove(approved, accept_all)).status == RowStatus.APPROVED
    blocked = queue.prove(queue.edit(pending_row(), {"caption": "short"}, block_short_captions), block_all)
    assert queue.reproven(blocked, blocked) == blocked  # a pending row just carries its proof


def test_publish_refusal_names_why_a_row_may_not_leave() -> None:
    approved = queue.approve(pending_row())
    assert queue.publish_refusal(approved, queue.prove(approved, accept_all)) == []
    blocked = queue.publish_refusal(approved, queue.prove(approved, block_all))
    assert [(r.rule, r.message) for r in blocked] == [("duplicate.caption", "taken")]
    fix = ProofReason(rule="file_name.unique", field="file_name", message="renamed", kind="fix")
    renamed = queue.prove(approved.changed(file_name="a-long-2.jpg"), accept_all).changed(proof_reasons=[fix])
    assert queue.publish_refusal(approved, renamed) == [fix]
    stale = approved.changed(metadata_quality=ProofVerdict.BLOCKED)  # approved, then blocked behind its back
    assert [r.rule for r in queue.publish_refusal(stale, queue.prove(stale, accept_all))] == ["publish.unproven"]
    assert [r.rule for r in queue.publish_refusal(pending_row(), pending_row())] == ["publish.not_approved"]


def test_send_back_puts_a_refused_row_in_review_with_its_new_proof() -> None:
    approved = queue.approve(pending_row()).changed(brisque_score=12.5)
    proven = queue.prove(approved.changed(brisque_score=None), block_all)
    sent = queue.send_back(approved, proven, "duplicate.caption: taken")
    assert sent.status == RowStatus.PENDING and sent.metadata_quality == ProofVerdict.BLOCKED
    assert sent.publish_error == "duplicate.caption: taken" and sent.brisque_score == 12.5  # only the proof moves
    with pytest.raises(IllegalTransition):
        queue.send_back(sent, proven, "again")


# ---------------------------------------------------------------- properties

EVENTS = st.sampled_from(
    ["prefill", "approve", "reject", "reopen", "edit_good", "edit_bad", "edit_name", "publish", "change_file",
     "taken_meanwhile", "unpublish"]
)


def apply(row: Row, event: str, n: int) -> Row:
    if event == "prefill":
        return queue.prove(queue.mark_prefilled(row), block_short_captions) if row.status == RowStatus.INGESTED else row
    if event == "approve":
        return queue.approve(row)
    if event == "reject":
        return queue.reject(row)
    if event == "reopen":
        return queue.reopen(row)
    if event == "edit_good":
        return queue.edit(row, {"caption": f"A good caption number {n}."}, block_short_captions)
    if event == "edit_bad":
        return queue.edit(row, {"caption": f"bad {n}"}, block_short_captions)
    if event == "edit_name":
        return queue.edit(row, {"file_name": f"name-{n}.jpg"}, block_short_captions)
    if event == "publish":
        return queue.mark_published(row, f"id-{n}")
    if event == "change_file":
        return queue.refresh_changed_file(row, f"{n:064d}", n)
    if event == "unpublish":
        return queue.unpublish(row)
    if event == "replace":  # a different picture under the row's name
        return queue.replace_picture(row, f"{n:064x}", n, None, "2026-12-06T12:00:00")
    if event == "taken_meanwhile":  # another row took the text; this row is proven again, unchanged
        return queue.prove(row, block_all) if row.status in (RowStatus.PENDING, RowStatus.APPROVED) else row
    raise AssertionError(event)


def test_republishing_keeps_the_mirrored_gallery_id() -> None:
    """The gallery upsert on File_Name keeps the gallery row, so a republished row keeps its id
    (the sequence hypothesis once found: publish, edit, approve, publish again)."""
    row = Row(set_name="s", original_name="a.jpg", sha256="a" * 64, caption="short", file_name="a.jpg")
    for n, event in enumerate(["prefill", "edit_good", "approve", "publish", "edit_good", "approve", "publish"]):
        row = apply(row, event, n)
    assert row.status == RowStatus.PUBLISHED and row.remote_id == "id-3"


@settings(deadline=None)  # examples: the hypothesis profile (tests/conftest.py)
@given(st.lists(EVENTS, max_size=40))
@example(["prefill", "edit_good", "approve", "taken_meanwhile", "publish"])  # approved, then blocked
@example(["prefill", "edit_good", "approve", "publish", "edit_name"])  # no name: nothing is published
def test_random_event_sequences_keep_the_invariants(events: list[str]) -> None:
    row = Row(set_name="s", original_name="a.jpg", sha256="a" * 64, caption="short")
    for n, event in enumerate(events):
        before = row
        try:
            row = apply(row, event, n)
        except IllegalTransition:
            assert row == before  # an illegal move changes nothing
            continue
        # no row reaches published without having been approved just before
        if row.status == RowStatus.PUBLISHED and before.status != RowStatus.PUBLISHED:
            assert before.status == RowStatus.APPROVED and event == "publish"
        # nothing but an explicit decision approves
        if row.status == RowStatus.APPROVED and before.status != RowStatus.APPROVED:
            assert event == "approve" and row.has_current_accepted_proof()
        # a decision is never lost: a rejected row stays rejected until reopened
        if before.status == RowStatus.REJECTED and row.status != RowStatus.REJECTED:
            assert event == "reopen"
        # what a row published is let go only by unpublish, which leaves it holding nothing
        if queue.holds_publication(before) and not queue.holds_publication(row):
            assert event == "unpublish"
        if event == "unpublish":
            assert not queue.holds_publication(row) and row.status != RowStatus.PUBLISHED
        # an effective edit of an approved or published row returns it to pending
        if event.startswith("edit") and row != before and before.status in (RowStatus.APPROVED, RowStatus.PUBLISHED):
            assert row.status == RowStatus.PENDING
        # an approved or published row always carries an accepted proof of its current metadata
        if row.status in (RowStatus.APPROVED, RowStatus.PUBLISHED) and event != "change_file":
            assert row.has_current_accepted_proof()
        # what a row holds remotely moves only when it is published: an edit renames the row, the
        # old name stays held (nothing orphaned) until the rename is published, then it is a redirect
        if before.remote_id is not None and event != "unpublish":
            assert row.remote_id == before.remote_id
            if event != "publish":
                assert queue.held_file_name(row) == queue.held_file_name(before)
            elif queue.held_file_name(before) not in (None, row.file_name):
                assert queue.held_file_name(before) in row.former_file_names
        if row.status == RowStatus.PUBLISHED:
            assert queue.held_file_name(row) == row.file_name


@settings(max_examples=200, deadline=None)
@given(st.lists(EVENTS, max_size=30), st.sampled_from(["caption", "alt_text", "keywords"]))
def test_human_edits_survive_file_changes(events: list[str], field: str) -> None:
    row = queue.approve(pending_row())
    value = ["human", "keywords"] if field == "keywords" else "Human words, kept forever."
    row = queue.edit(row, {field: value}, accept_all)
    for n, event in enumerate(events):
        if event.startswith("edit"):
            continue  # only the pipeline acts here
        try:
            row = apply(row, event, n)
        except IllegalTransition:
            pass
        assert getattr(row, field) == value
        assert field in row.edited_fields

"""The review-queue state machine: pure transitions over `Row`.

    ingested --prefilled--> pending --approve--> approved --publish--> published
                              |  ^                   |
                       reject |  | reopen / edit     | reject
                              v  |                   v
                            rejected <---------------+

Every function returns a new `Row` (the input is never mutated) or raises `IllegalTransition`
with a message naming the row and the rule. Rules:
- no row reaches `published` without `approved`; only an explicit decision approves;
- approving needs an accepted proof of the row's *current* metadata;
- editing an approved or published row returns it to `pending`; a published row's `file_name`
  may change: the approved rename is republished under the new name, the old name's files are
  taken down and the gallery row is moved in place (same id), the old name kept for redirects;
  rejected rows are never published; a rejected row can be reopened;
- what a row holds remotely (`published_file_name`, `published_sha256`) is kept through edits and
  a replaced picture until publishing moves it or `unpublish` takes it down, so nothing published
  is ever left without the row that owns it;
- an approval holds for one accepted proof of one text: a re-proof of an approved row that blocks
  it or changes its text returns it to `pending` (a person approves the new verdict or text), and
  publishing checks it again before it writes anything (`publish_refusal`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from proofdesk.core.domain.errors import DomainError
from proofdesk.core.domain.lifecycle import (
    held_file_name,
    holds_publication,
    now_holds,
    renamed_while_published,
    replaced_while_published,
    unpublish,
)
from proofdesk.core.domain.models import (
    EDITABLE_FIELDS,
    ProofReason,
    ProofVerdict,
    Row,
    RowStatus,
    Stage,
)
from proofdesk.core.domain.provenance import person_fields
from proofdesk.core.domain.publishing import NOT_APPROVED_RULE

# Given a row with new metadata, returns (verdict, reasons). The proof engine provides one.
Prover = Callable[[Row], tuple[ProofVerdict, list[ProofReason]]]


class IllegalTransition(DomainError):
    def __init__(self, row: Row, action: str, why: str) -> None:
        self.row_key = row.key_text
        self.status = row.status
        self.action = action
        self.why = why
        super().__init__(f"{row.key_text}: cannot {action} a {row.status.value} row: {why}")


def _changed(row: Row, **update: Any) -> Row:
    return row.changed(**update)


# ---------------------------------------------------------------- questions asked of a row (answered once)


def is_blocked(row: Row) -> bool:
    """The proof blocked the row's current metadata and nobody rejected it: it needs a person's fix.
    A rejected row never counts as blocked (it will not be published, so nothing is waiting on it)."""
    return row.metadata_quality == ProofVerdict.BLOCKED and row.status != RowStatus.REJECTED


def is_exportable(row: Row) -> bool:
    """The row goes into export.json: its proof accepted the metadata and it was not rejected."""
    return row.metadata_quality == ProofVerdict.ACCEPTED and row.status != RowStatus.REJECTED


def mark_stage_done(row: Row, stage: Stage) -> Row:
    if stage.value in row.stages_done:
        return row
    return _changed(row, stages_done=[*row.stages_done, stage.value])


def mark_prefilled(row: Row) -> Row:
    """ingested -> pending once stages 3-7 are done; other states are left as they are."""
    if row.status != RowStatus.INGESTED:
        return row
    return _changed(row, status=RowStatus.PENDING)


def approve(row: Row) -> Row:
    if row.status == RowStatus.APPROVED:
        return row
    if row.status != RowStatus.PENDING:
        raise IllegalTransition(row, "approve", "only a pending row can be approved")
    if row.metadata_quality != ProofVerdict.ACCEPTED:
        failing = sorted({reason.rule for reason in row.proof_reasons if not reason.is_fix}) or ["not proven yet"]
        raise IllegalTransition(
            row, "approve", "its metadata proof is not accepted (" + ", ".join(failing) + ")"
        )
    if row.proof_digest != row.metadata_digest():
        raise IllegalTransition(
            row, "approve", "its metadata changed after the last proof; re-run the proof first"
        )
    return _changed(row, status=RowStatus.APPROVED, publish_error=None)


def reject(row: Row) -> Row:
    if row.status == RowStatus.REJECTED:
        return row
    if row.status not in (RowStatus.PENDING, RowStatus.APPROVED):
        raise IllegalTransition(row, "reject", "only a pending or approved row can be rejected")
    return _changed(row, status=RowStatus.REJECTED)


def reopen(row: Row) -> Row:
    if row.status != RowStatus.REJECTED:
        raise IllegalTransition(row, "reopen", "only a rejected row can be reopened")
    return _changed(row, status=RowStatus.PENDING)


def edit(row: Row, changes: dict[str, Any], prover: Prover | None = None) -> Row:
    """A human edit of caption / alt_text / keywords / file_name.

    Records the edited fields, re-runs the proof (or clears the verdict when no prover is given,
    so the row cannot be approved until proven), and sends approved/published rows back to pending.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(
            f"{row.key_text}: cannot edit {', '.join(sorted(unknown))}; "
            f"editable fields are {', '.join(EDITABLE_FIELDS)}"
        )
    if "keywords" in changes:
        keywords = changes["keywords"]
        if isinstance(keywords, str) or not all(isinstance(k, str) for k in keywords):
            raise DomainError(f"{row.key_text}: keywords must be a list of strings")
        changes = {**changes, "keywords": list(keywords)}
    real_changes = {name: value for name, value in changes.items() if getattr(row, name) != value}
    if not real_changes:
        return row
    if row.status == RowStatus.INGESTED:
        raise IllegalTransition(row, "edit", "its prefill (stages 3-7) has not finished")
    # A published row's file_name may change: approved again, it is republished under the new
    # name and the old name's files and gallery entry move with it (`holds_publication`).
    edited = list(row.edited_fields)
    for name in real_changes:
        if name not in edited:
            edited.append(name)
    status = row.status
    if status in (RowStatus.APPROVED, RowStatus.PUBLISHED):
        status = RowStatus.PENDING
    updated = _changed(row, **real_changes, edited_fields=edited, status=status)
    return prove(updated, prover)


def prove(row: Row, prover: Prover | None) -> Row:
    """Attach a proof verdict computed on the row's current metadata (None clears it); an approved
    row that is not accepted any more goes back to pending (`reproven`)."""
    if prover is None:
        return reproven(row, _changed(row, metadata_quality=None, proof_reasons=[], proof_digest=None))
    verdict, reasons = prover(row)
    return reproven(row, _changed(
        row,
        metadata_quality=verdict,
        proof_reasons=list(reasons),
        proof_digest=row.metadata_digest(),
    ))


def reproven(row: Row, proven: Row) -> Row:
    """`proven` (the row after its metadata was proven again) as the queue keeps it. An approval
    holds only for an accepted proof of exactly the text that was approved: when the new proof
    blocks the row (say another row took its caption meanwhile) or its fixes change the text, the
    row goes back to pending, carrying the new proof, and a person approves the new text."""
    if row.status != RowStatus.APPROVED or proven.status != RowStatus.APPROVED:
        return proven
    if proven.has_current_accepted_proof() and proven.metadata_digest() == row.metadata_digest():
        return proven
    return _changed(proven, status=RowStatus.PENDING)


def publish_refusal(row: Row, proven: Row) -> list[ProofReason]:
    """Why the approved `row` must not be published, given `proven` (the same row proven again just
    now, against the current queue and gallery); [] when it may. A blocked proof gives its
    violations, an accepted proof that had to change the approved text gives its fixes; a row
    whose stored proof does not cover its text is refused too (it is approved again after review)."""
    if row.status != RowStatus.APPROVED:
        return [ProofReason(rule=NOT_APPROVED_RULE, field="status",
                            message=f"it is {row.status.value}, not approved")]
    if proven.metadata_quality != ProofVerdict.ACCEPTED:
        return [reason for reason in proven.proof_reasons if not reason.is_fix] or [
            ProofReason(rule="publish.unproven", field="metadata", message="its proof does not accept it")]
    if proven.metadata_digest() != row.metadata_digest():
        changed = [name for name in EDITABLE_FIELDS if getattr(proven, name) != getattr(row, name)]
        return [reason for reason in proven.proof_reasons if reason.is_fix and reason.field in changed] or [
            ProofReason(rule="publish.text_changed", field=changed[0],
                        message="its proof changes the approved " + ", ".join(changed))]
    if not row.has_current_accepted_proof():
        return [ProofReason(rule="publish.unproven", field="metadata",
                            message="its approved text is not covered by its stored accepted proof")]
    return []


def mark_published(row: Row, remote_id: str) -> Row:
    """The row as published under the gallery's id. A row published before keeps its id: the
    gallery row is updated in place (by its id when the name changed), so the mirrored id stays.
    It now holds its `file_name` and picture; a name it was published under before, for the same
    picture, is kept in `former_file_names` (a replaced picture's old name is not: its links
    showed another picture)."""
    if row.status != RowStatus.APPROVED:
        raise IllegalTransition(row, "publish", "only an approved row can be published")
    if not row.has_current_accepted_proof():
        raise IllegalTransition(row, "publish", "its metadata is not covered by an accepted proof")
    if row.file_name is None:  # nothing can be published without a name (publish refuses it first)
        raise IllegalTransition(row, "publish", "it has no file name")
    kept = row.remote_id if row.remote_id is not None else str(remote_id)
    return now_holds(row, row.file_name, row.sha256, kept).changed(status=RowStatus.PUBLISHED, publish_error=None)


def record_publish_error(row: Row, error: str) -> Row:
    """A failed publish leaves the row approved with the error recorded (publish is resumable)."""
    if row.status != RowStatus.APPROVED:
        raise IllegalTransition(row, "record a publish error on", "only approved rows are published")
    return _changed(row, publish_error=error)


def refuse_publish(row: Row, reason: ProofReason) -> Row:
    """Publishing refused the row for its metadata (e.g. its `file_name` is owned by another image
    in the gallery): approved -> pending, with a blocked proof of the current metadata carrying
    `reason`, so it cannot be approved again until a human edits it (the edit re-runs the proof)."""
    if row.status != RowStatus.APPROVED:
        raise IllegalTransition(row, "refuse publishing", "only approved rows are published")
    return _changed(
        row,
        status=RowStatus.PENDING,
        metadata_quality=ProofVerdict.BLOCKED,
        proof_reasons=[*row.proof_reasons, reason],
        proof_digest=row.metadata_digest(),
        publish_error=reason.message,
    )


def send_back(row: Row, proven: Row, error: str) -> Row:
    """Publishing refused the approved `row` because `proven` (its metadata proven again just now)
    blocks it or changes its text: approved -> pending, carrying that proof and the text it proves,
    so a person fixes the text or approves the new one."""
    if row.status != RowStatus.APPROVED:
        raise IllegalTransition(row, "refuse publishing", "only approved rows are published")
    return _changed(
        row,
        **{name: getattr(proven, name) for name in EDITABLE_FIELDS},
        status=RowStatus.PENDING,
        metadata_quality=proven.metadata_quality,
        proof_reasons=list(proven.proof_reasons),
        proof_digest=proven.proof_digest,
        publish_error=error,
    )


def same_picture(first: str | None, second: str | None, max_distance: int) -> bool:
    """Whether two 64-bit perceptual hashes (hex) are within `max_distance` bits: the same picture,
    re-exported or re-encoded. An unknown hash is never the same picture."""
    if not first or not second:
        return False
    try:
        return (int(first, 16) ^ int(second, 16)).bit_count() <= max_distance
    except ValueError:
        return False


def replace_picture(row: Row, sha256: str, size_bytes: int, perceptual_hash: str | None, at: str) -> Row:
    """A different picture now has the row's name: the old picture's text, decisions and gallery id
    go to `history` (never lost) and the row starts again as new (captioned afresh, not approved,
    not published). What the old picture left published stays held by the row (`remote_id`,
    `published_file_name`, `published_sha256`): the new picture's publish takes it down (the
    gallery row is reused, its id kept), or `unpublish` does; it is never left without an owner."""
    record = {
        "replaced_at": at, "sha256": row.sha256, "perceptual_hash": row.perceptual_hash,
        "caption": row.caption, "alt_text": row.alt_text, "keywords": list(row.keywords),
        "file_name": row.file_name, "caption_source": row.caption_source, "edited_fields": list(row.edited_fields),
        "provenance": dict(row.provenance), "status": row.status.value, "remote_id": row.remote_id,
    }
    held = held_file_name(row)
    fresh = refresh_changed_file(row.changed(edited_fields=[], provenance={}, remote_id=None), sha256, size_bytes)
    fresh = fresh.changed(remote_id=row.remote_id, published_file_name=held,
                          published_sha256=row.published_sha256 or (row.sha256 if held else None))
    status = RowStatus.INGESTED
    return fresh.changed(history=[*row.history, record], perceptual_hash=perceptual_hash, status=status,
                         file_name=None, suggestion_history=[], pending_suggestion={})


def refresh_changed_file(row: Row, sha256: str, size_bytes: int, preserve: Iterable[str] = ()) -> Row:
    """The image behind a row changed (new sha256): facts, scores and the model-ready image are
    redone and any approval is dropped, but fields a human edited are kept.

    The row goes back to `ingested` with no completed row stages; a published row keeps its
    `remote_id` and `file_name` so republishing upserts the same gallery entry. A rejected row stays
    rejected (a decision is never lost); reopening it is an explicit act.
    """
    keep = set(row.edited_fields) | set(preserve) | person_fields(row)
    status = row.status if row.status == RowStatus.REJECTED else RowStatus.INGESTED
    update: dict[str, Any] = {
        "sha256": sha256,
        "size_bytes": size_bytes,
        "status": status,
        "stages_done": [],
        "ollama_path": None,
        "brisque_score": None,
        "brisque_fallback": None,
        "clip_aesthetic_score": None,
        "clip_aesthetic_fallback": None,
        "quality_measures": {},
        "quality_flags": [],
        "scene_signature": None,
        "metadata_quality": None,
        "proof_reasons": [],
        "proof_digest": None,
        "classifier_hints": [],
        "claims": [],
        "publish_error": None,
    }
    for name in EDITABLE_FIELDS:
        if name in keep or (name == "file_name" and row.remote_id is not None):
            continue
        update[name] = [] if name == "keywords" else None
    if "caption" not in keep:
        update["caption_source"] = None
    cleared = [name for name in EDITABLE_FIELDS if name in update]
    update["provenance"] = {k: v for k, v in row.provenance.items() if k not in cleared}
    update["pending_suggestion"] = {}
    return _changed(row, **update)


__all__ = [
    "DomainError",
    "IllegalTransition",
    "Prover",
    "approve",
    "edit",
    "held_file_name",
    "holds_publication",
    "is_blocked",
    "is_exportable",
    "mark_prefilled",
    "mark_published",
    "mark_stage_done",
    "now_holds",
    "prove",
    "publish_refusal",
    "record_publish_error",
    "refresh_changed_file",
    "replace_picture",
    "reproven",
    "same_picture",
    "send_back",
    "refuse_publish",
    "reject",
    "renamed_while_published",
    "reopen",
    "replaced_while_published",
    "unpublish",
]


def retimed(row: Row) -> Row:
    """The capture's time was read anew (`run --clock-offset` changed): the text a machine wrote from
    the old time is written again by the caption stage and everything is proven again; fields a
    person wrote are kept (and proven again with the rest); an approval is dropped, since the
    approved text may name the wrong hour. Rejected and published rows keep their status."""
    if row.status in (RowStatus.REJECTED, RowStatus.PUBLISHED):
        return _changed(row, metadata_quality=None, proof_reasons=[], proof_digest=None)
    stages = [stage for stage in row.stages_done if stage != Stage.CAPTION.value]
    return _changed(row, stages_done=stages, status=RowStatus.INGESTED, metadata_quality=None,
                    proof_reasons=[], proof_digest=None)


def row_version(row: Row) -> str:
    """The version a front end shows and sends back with a write: the row's `updated_at` (ISO,
    microseconds), which every write changes; "" for a row never stored."""
    return row.updated_at.isoformat() if row.updated_at is not None else ""

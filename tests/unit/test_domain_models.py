"""Domain models change through one validating path (`changed`), and proof reasons carry a kind."""

from __future__ import annotations

import pytest
from proofdesk.core.domain.errors import DomainError
from proofdesk.core.domain.models import InvalidChange, ProofReason, Row, RowStatus, Session


def a_row() -> Row:
    return Row(set_name="s", original_name="a.jpg", sha256="a" * 64, caption="A caption.", keywords=["k"])


def test_changed_refuses_a_misspelt_field_and_names_it() -> None:
    with pytest.raises(InvalidChange, match="captoin") as caught:
        a_row().changed(captoin="x")
    assert isinstance(caught.value, DomainError) and isinstance(caught.value, ValueError)


def test_changed_validates_values() -> None:
    with pytest.raises(InvalidChange, match="iso"):
        a_row().changed(iso="abc")
    with pytest.raises(InvalidChange, match="status"):
        Session.model_validate({"id": "x", "started_at": "2024-01-01T00:00:00"}).changed(status="nonsense")


def test_changed_returns_a_validated_copy_and_leaves_the_original() -> None:
    row = a_row()
    changed = row.changed(iso="200", status="pending", keywords=["a", "b"])
    assert changed.iso == 200 and changed.status is RowStatus.PENDING and changed.keywords == ["a", "b"]
    assert row.iso is None and row.status is RowStatus.INGESTED and row.keywords == ["k"]
    frozen = ProofReason(rule="r", field="caption", message="m")
    assert frozen.changed(message="n").message == "n" and frozen.message == "m"


def test_no_model_copy_with_update_in_the_sources() -> None:
    from pathlib import Path

    import proofdesk

    root = Path(proofdesk.__file__).parent
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py") if "model_copy(update=" in p.read_text()]
    assert offenders == []


def test_a_proof_fix_is_a_reason_of_kind_fix_without_the_prefix_in_its_message() -> None:
    from proofdesk.core.domain.proof import proof

    row = a_row().changed(caption="A red boat in the harbour.", alt_text="Red boat in the harbour",
                          keywords=["boat", "harbour", "photo"], file_name="red-boat.jpg")
    result = proof(row)
    fixes = [r for r in result.reasons if r.rule == "keywords.banned"]
    assert fixes and all(r.kind == "fix" and r.is_fix for r in fixes)
    assert all(not r.message.startswith("fixed: ") and r.text == "fixed: " + r.message for r in fixes)
    assert all(r.kind == "violation" and r.text == r.message for r in result.violations)


def test_old_stored_reasons_with_the_fixed_prefix_load_as_fixes() -> None:
    old = ProofReason.model_validate({"rule": "keywords.banned", "field": "keywords", "message": "fixed: dropped 'photo'"})
    assert old.kind == "fix" and old.message == "dropped 'photo'"
    violation = ProofReason.model_validate({"rule": "caption.length", "field": "caption", "message": "too short"})
    assert violation.kind == "violation"
    row = Row.model_validate({**a_row().model_dump(), "proof_reasons": [
        {"rule": "keywords.banned", "field": "keywords", "message": "fixed: dropped 'photo'"}]})
    assert row.proof_reasons[0].is_fix
    assert row.to_public_dict()["proof_reasons"][0]["kind"] == "fix"
    # a reason that says its kind is taken as it is
    explicit = ProofReason.model_validate({"rule": "r", "field": "f", "message": "fixed: x", "kind": "violation"})
    assert explicit.kind == "violation" and explicit.message == "fixed: x"


def test_summaries_count_fixes_by_kind() -> None:
    from proofdesk.core.services.stages.caption import proof_summary

    row = a_row().changed(metadata_quality="blocked", proof_reasons=[
        ProofReason(rule="keywords.banned", field="keywords", message="dropped 'photo'", kind="fix"),
        ProofReason(rule="caption.length", field="caption", message="too short"),
    ])
    summary = proof_summary([row])
    assert summary["fixes"] == {"keywords.banned": 1} and summary["reasons"] == {"caption.length": 1}

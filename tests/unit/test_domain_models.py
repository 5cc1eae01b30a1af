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

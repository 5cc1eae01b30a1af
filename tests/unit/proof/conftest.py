"""Fixtures for the proof-engine tests: rows and evidence built from the Arezzo GPS facts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from proofdesk.core.domain.models import Row
from proofdesk.core.domain.proof import (
    Evidence,
    ProofConfig,
    ProofMetadata,
    Rule,
    check,
)

# The GPS sample set: 22 Oct 2008, 16:28-17:00 local (UTC+2), Arezzo, Italy.
AREZZO = {
    "captured_at": "2008-10-22T16:28:39",
    "captured_offset": "+02:00",
    "gps_timestamp_utc": "2008-10-22T14:28:07Z",
    "gps_latitude": 43.4633,
    "gps_longitude": 11.8797,
}

GOOD = {
    "caption": "A red fishing boat moored in Reine harbour under steep mountains.",
    "alt_text": "Red fishing boat in a harbour below mountains",
    "keywords": ["fishing boat", "harbour", "mountains", "lofoten"],
    "file_name": "red-fishing-boat-reine.jpg",
}


def make_row(**fields: Any) -> Row:
    values: dict[str, Any] = {
        "set_name": "2026-06-12_lofoten_reine",
        "original_name": "IMG_0001.jpg",
        "sha256": "0" * 64,
        **GOOD,
    }
    values.update(fields)
    return Row(**values)


def violations(rule: Rule, evidence: Evidence | None = None, config: ProofConfig | None = None,
               original_name: str = "IMG_0001.jpg", **fields: Any) -> list[str]:  # fmt: skip
    """Messages of one rule on GOOD metadata with `fields` overridden."""
    values = {**GOOD, **fields}
    values["keywords"] = tuple(values["keywords"])
    metadata = ProofMetadata(**values)
    reasons = check(metadata, evidence or Evidence(), config, original_name=original_name, rules=[rule])
    assert all(reason.rule == rule.name for reason in reasons)
    return [reason.message for reason in reasons]


@pytest.fixture(scope="session")
def row_factory() -> Callable[..., Row]:
    """make_row(**fields): a Row with GOOD metadata, `fields` overriding."""
    return make_row


@pytest.fixture(scope="session")
def rule_messages() -> Callable[..., list[str]]:
    """violations(rule, evidence=None, config=None, original_name=..., **fields): one rule's messages."""
    return violations


@pytest.fixture(scope="session")
def arezzo() -> dict[str, Any]:
    return dict(AREZZO)


@pytest.fixture(scope="session")
def good() -> dict[str, Any]:
    return {**GOOD, "keywords": list(GOOD["keywords"])}

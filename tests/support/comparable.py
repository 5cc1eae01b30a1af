"""Rows as two runs are compared: without what differs by when (timestamps, ids, sessions)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def comparable(row: dict[str, Any], volatile: Iterable[str]) -> dict[str, Any]:
    """The row without the `volatile` keys, and its provenance without the `at` of each field
    (who wrote a field is compared; when it was written is not)."""
    drop = set(volatile)
    kept = {key: value for key, value in row.items() if key not in drop}
    if isinstance(kept.get("provenance"), dict):
        kept["provenance"] = {field: {k: v for k, v in (entry or {}).items() if k != "at"}
                              for field, entry in kept["provenance"].items()}
    return kept

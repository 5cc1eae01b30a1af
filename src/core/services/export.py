"""The export of accepted rows (`export.json`): one implementation for `run` and `proofdesk export`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from proofdesk.core.domain.models import Row
from proofdesk.core.domain.queue import is_blocked, is_exportable


@dataclass(frozen=True)
class Export:
    """What an export would hold: the accepted rows, or the blocked rows that prevent it."""

    blocked: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.blocked


def export_rows(rows: Sequence[Row]) -> Export:
    """export.json is written only when no row is blocked (`is_blocked`: a rejected row never blocks
    it); it holds every exportable row (`is_exportable`) in its public form."""
    blocked = [row.key_text for row in rows if is_blocked(row)]
    if blocked:
        return Export(blocked=blocked)
    return Export(rows=[row.to_public_dict() for row in rows if is_exportable(row)])

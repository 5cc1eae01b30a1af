"""The export of accepted rows (`export.json`): one implementation for `run` and `proofdesk export`;
and the XMP sidecars of approved rows (`proofdesk export --xmp`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from proofdesk.core.domain.models import Row, RowStatus
from proofdesk.core.domain.publishing import published_title
from proofdesk.core.domain.queue import is_blocked, is_exportable
from proofdesk.core.domain.xmp import XmpOptions, original_sidecar_names, sidecar_names, xmp_metadata
from proofdesk.core.ports.publishing import MetadataWriter


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


@dataclass(frozen=True)
class Sidecar:
    """One XMP sidecar to write: `relpath` under the sidecar folder, and its bytes."""

    row: str
    relpath: str
    data: bytes


def sidecar_rows(rows: Sequence[Row], set_name: str | None = None) -> list[Row]:
    """The rows that get a sidecar: approved (or published) ones, of one set when given."""
    return [row for row in rows if row.status in (RowStatus.APPROVED, RowStatus.PUBLISHED)
            and (set_name is None or row.set_name == set_name)]


def build_sidecars(
    rows: Sequence[Row],
    writer: MetadataWriter,
    options: XmpOptions,
    existing: Callable[[str], bytes | None],
    per_set: bool = True,
) -> list[Sidecar]:
    """One sidecar per approved row (two with naming `both`), in `<set>/` when `per_set`; an
    existing sidecar (`existing(relpath)`) is written into, keeping every tag that is not ours."""
    result: list[Sidecar] = []
    for row in rows:
        names = original_sidecar_names(row.original_name, row.raw_original_name, options.naming) \
            if options.name_from == "original" else sidecar_names(row.file_name or row.original_name, options.naming)
        metadata = xmp_metadata(row, published_title(row), options)
        for sidecar_name in names:
            relpath = f"{row.set_name}/{sidecar_name}" if per_set else sidecar_name
            result.append(Sidecar(row.key_text, relpath, writer.sidecar(existing(relpath), metadata)))
    return result

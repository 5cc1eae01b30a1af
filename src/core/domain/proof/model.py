"""The metadata under proof and the record of a deterministic fix."""

from __future__ import annotations

from proofdesk.core.domain.models import DomainModel, ProofReason, Row
from pydantic import BaseModel, ConfigDict


class ProofMetadata(DomainModel):
    """The four fields a human reviews (`EDITABLE_FIELDS`), as the proof sees them."""

    model_config = ConfigDict(frozen=True)

    caption: str | None = None
    alt_text: str | None = None
    keywords: tuple[str, ...] = ()
    file_name: str | None = None

    @classmethod
    def from_row(cls, row: Row) -> ProofMetadata:
        return cls(caption=row.caption, alt_text=row.alt_text, keywords=tuple(row.keywords), file_name=row.file_name)


class Fix(BaseModel):
    """One deterministic change made before checking (and before re-asking any model).

    `before`/`after` are the changed value (a whole field, or one keyword); `after` is None when
    a keyword was dropped, `before` None when a value was made from nothing.
    """

    model_config = ConfigDict(frozen=True)

    rule: str
    field: str
    before: str | None
    after: str | None
    message: str

    def as_reason(self) -> ProofReason:
        """The fix as a row reason of kind "fix", so it never reads as a block."""
        return ProofReason(rule=self.rule, field=self.field, message=self.message, kind="fix")

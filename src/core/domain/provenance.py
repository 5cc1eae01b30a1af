"""Who wrote each metadata field of a row: a model, the offline captioner, or a person.

`Row.provenance` maps a field name (one of `EDITABLE_FIELDS`) to `{by, model, digest, at}`:
- `by`: "model" (a captioning model), "offline" (the offline captioner) or "person" (a human edit);
- `model`: the model's name (None for a person);
- `digest`: the model's digest when the runtime check knew it (None otherwise);
- `at`: when it was written (ISO 8601, UTC).
A field a person wrote is never overwritten by a machine: reruns, refreshes and Generate keep it
(Generate only suggests, see `Row.pending_suggestion`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from proofdesk.core.domain.errors import InputError
from proofdesk.core.domain.models import EDITABLE_FIELDS, Row

Author = Literal["model", "offline", "person"]
AUTHORS: tuple[str, ...] = ("model", "offline", "person")
PERSON = "person"


def entry(by: Author, at: str, model: str | None = None, digest: str | None = None) -> dict[str, Any]:
    return {"by": by, "model": model, "digest": digest, "at": at}


def person_fields(row: Row) -> set[str]:
    """The fields a person wrote: recorded in the provenance or (rows from before it) `edited_fields`."""
    recorded = {name for name, item in row.provenance.items() if item.get("by") == PERSON}
    return recorded | (set(row.edited_fields) & set(EDITABLE_FIELDS))


def written_by_machine(row: Row, by: Author, at: str, model: str | None, digest: str | None,
                       fields: Iterable[str] = EDITABLE_FIELDS) -> Row:
    """The row with `fields` recorded as written by a model (or the offline captioner), except those a
    person wrote, which keep their entry."""
    people = person_fields(row)
    provenance = dict(row.provenance)
    for name in fields:
        if name not in people:
            provenance[name] = entry(by, at, model, digest)
    return row.changed(provenance=provenance)


def written_by_person(row: Row, fields: Iterable[str], at: str) -> Row:
    provenance = dict(row.provenance)
    for name in fields:
        provenance[name] = entry("person", at)
    return row.changed(provenance=provenance)


def without(row: Row, fields: Iterable[str]) -> Row:
    """The row without a provenance entry for `fields` (their value was cleared)."""
    drop = set(fields)
    return row.changed(provenance={k: v for k, v in row.provenance.items() if k not in drop})


def clean_changes(row: Row, changes: dict[str, Any]) -> dict[str, Any]:
    """A person's edit as stored: editable fields only (else InputError naming the row), keywords
    split on commas and trimmed, empty text None."""
    cleaned: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in EDITABLE_FIELDS:
            raise InputError(f"{row.key_text}: cannot edit {name}; editable fields are {', '.join(EDITABLE_FIELDS)}")
        if name == "keywords":
            if isinstance(value, str):
                value = [part.strip() for part in value.split(",")]
            value = [str(k).strip() for k in value if str(k).strip()]
        elif isinstance(value, str):
            value = value.strip() or None
        cleaned[name] = value
    return cleaned

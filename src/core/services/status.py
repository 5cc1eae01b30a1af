"""Use cases over the review queue that front ends call (status, row lookup)."""

from __future__ import annotations

from typing import Any

from proofdesk.core.domain.errors import InputError
from proofdesk.core.domain.models import ProofVerdict, Row, Session
from proofdesk.core.ports.storage import QueueStore, UnitOfWork


def queue_status(uow: UnitOfWork) -> dict[str, Any]:
    """Counts per status and per proof verdict (`unproven` = no verdict yet), and the open session."""
    rows = uow.rows.list()
    proof = {verdict.value: 0 for verdict in ProofVerdict} | {"unproven": 0}
    for row in rows:
        proof[row.metadata_quality.value if row.metadata_quality else "unproven"] += 1
    open_session = uow.sessions.last_open()
    return {
        "total": len(rows),
        "status": uow.rows.counts(),
        "proof": proof,
        "open_session": open_session.id if open_session else None,
        "published_stale": published_stale(rows),
    }


def published_stale(rows: list[Row]) -> dict[str, list[str]]:
    """What is still published under an old state: rows whose picture was replaced (the old image
    stays online until the new one is published, or `unpublish`) and rows renamed since they were
    published (online under the old name until the rename is approved and published)."""
    from proofdesk.core.domain import queue

    return {
        "replaced": [f"{row.key_text} ({queue.held_file_name(row)})" for row in rows if queue.replaced_while_published(row)],
        "renamed": [f"{row.key_text} ({queue.held_file_name(row)} -> {row.file_name})" for row in rows
                    if queue.renamed_while_published(row) and not queue.replaced_while_published(row)],
    }


def find_row(uow: UnitOfWork, name: str, set_name: str | None = None) -> Row:
    """A row by its original file name or current `file_name` (`set_name` disambiguates)."""
    matches = uow.rows.find_by_name(name, set_name=set_name)
    if not matches:
        where = f" in set {set_name!r}" if set_name else ""
        raise InputError(f"no row named {name!r}{where} (use `proofdesk rows` to list them)")
    if len(matches) > 1:
        sets = ", ".join(sorted(row.set_name for row in matches))
        raise InputError(f"{name!r} is in several sets ({sets}); add --set NAME")
    return matches[0]


def all_rows(store: QueueStore, keys: set[str] | None = None) -> list[Row]:
    """Every row of the queue (or those whose "set/name" is in `keys`), in one read."""
    with store.unit_of_work() as uow:
        rows = uow.rows.list()
    return rows if keys is None else [row for row in rows if row.key_text in keys]


def list_sessions(store: QueueStore) -> list[Session]:
    """The pipeline's sessions (open, closed, rolled back), as the journal lists them."""
    with store.unit_of_work() as uow:
        return uow.sessions.list()

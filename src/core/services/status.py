"""Use cases over the review queue that front ends call (status, workers, row lookup, every row or session)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from proofdesk.core.domain.errors import InputError
from proofdesk.core.domain.models import ProofVerdict, Row, RowStatus, Session
from proofdesk.core.ports.storage import QueueStore, UnitOfWork
from proofdesk.core.ports.work import WorkQueue


def queue_status(uow: UnitOfWork) -> dict[str, Any]:
    """Counts per status and per proof verdict (`unproven` = no verdict yet), and the open session."""
    open_session = uow.sessions.last_open()
    return _status(uow.rows.list(), uow.rows.counts(), open_session.id if open_session else None)


def store_status(store: QueueStore | None) -> dict[str, Any]:
    """`queue_status` in one unit of work; with no store (no queue created yet), an empty queue's."""
    if store is None:
        return _status([], {status.value: 0 for status in RowStatus}, None)
    with store.unit_of_work() as uow:
        return queue_status(uow)


def _status(rows: list[Row], counts: dict[str, int], open_session: str | None) -> dict[str, Any]:
    proof = {verdict.value: 0 for verdict in ProofVerdict} | {"unproven": 0}
    for row in rows:
        proof[row.metadata_quality.value if row.metadata_quality else "unproven"] += 1
    return {
        "total": len(rows),
        "status": counts,
        "proof": proof,
        "open_session": open_session,
        "published_stale": published_stale(rows),
    }


def row_count(store: QueueStore) -> int:
    """How many rows the queue holds (every status)."""
    with store.unit_of_work() as uow:
        return sum(uow.rows.counts().values())


def worker_status(queue: WorkQueue | None, now: datetime) -> list[dict[str, object]]:
    """The workers of a shared queue as `status --json` prints them (none where the queue is not shared)."""
    result: list[dict[str, object]] = []
    for w in queue.workers() if queue is not None else []:
        minutes = max((w.heartbeat_at - w.started_at).total_seconds(), 1.0) / 60
        result.append({"id": w.id, "host": w.host, "pid": w.pid, "stages": w.stages, "status": w.status,
                       "leased_rows": w.leased_rows,
                       "lease_expires_at": w.lease_expires_at.isoformat() if w.lease_expires_at else None,
                       "rows_done": w.rows_done, "rows_per_min": round(w.rows_done / minutes, 1),
                       "started_at": w.started_at.isoformat(), "heartbeat_at": w.heartbeat_at.isoformat(),
                       "seconds_since_heartbeat": round((now - w.heartbeat_at).total_seconds(), 1)})
    return result


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


def row_named(store: QueueStore, name: str, set_name: str | None = None) -> Row:
    """`find_row` in one unit of work."""
    with store.unit_of_work() as uow:
        return find_row(uow, name, set_name)


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

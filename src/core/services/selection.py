"""Which rows a front-end command acts on: rows by status/set, the rows a run left blocked, and the
pending rows the proof accepted (`approve --all-accepted`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from proofdesk.core.domain.errors import InputError
from proofdesk.core.domain.models import ProofVerdict, Row, RowStatus
from proofdesk.core.domain.queue import is_blocked
from proofdesk.core.ports.storage import QueueStore, UnitOfWork


def parse_status(value: str | None) -> RowStatus | None:
    """A row status named on the command line (None for no filter), or an InputError naming the choices."""
    if not value:
        return None
    try:
        return RowStatus(value)
    except ValueError:
        raise InputError(f"--status {value!r}: choose one of {', '.join(s.value for s in RowStatus)}") from None


def list_rows(uow: UnitOfWork, status: str | None = None, set_name: str | None = None) -> list[Row]:
    """Rows, optionally only those with `status` and/or of `set_name`."""
    wanted = parse_status(status)
    return uow.rows.list(status=wanted, set_name=set_name)


def rows_of(store: QueueStore, status: str | None = None, set_name: str | None = None) -> list[Row]:
    """`list_rows` in one unit of work (a bad `status` is refused before the queue is read)."""
    parse_status(status)
    with store.unit_of_work() as uow:
        return list_rows(uow, status, set_name)


def blocked_among(store: QueueStore, keys: Collection[str]) -> list[str]:
    """`blocked_keys` in one unit of work."""
    with store.unit_of_work() as uow:
        return blocked_keys(uow, keys)


def blocked_keys(uow: UnitOfWork, keys: Collection[str]) -> list[str]:
    """The rows among `keys` that the proof blocks (a rejected row never counts as blocked)."""
    return [row.key_text for row in uow.rows.list()
            if row.key_text in keys and is_blocked(row) and row.status != RowStatus.REJECTED]


def accepted_pending_keys(rows: Sequence[Row], set_name: str | None = None, *, include_culled: bool = False) -> list[str]:
    """The pending rows whose proof verdict is `accepted` (optionally of one set), as row keys; a
    frame the scene stage suggests culling only with `include_culled` (a cull suggestion is the
    person's call, not a side effect of approving everything the proof accepted)."""
    return [row.key_text for row in rows
            if row.status == RowStatus.PENDING and row.metadata_quality == ProofVerdict.ACCEPTED
            and (set_name is None or row.set_name == set_name) and (include_culled or not row.cull_suggested)]

"""The work queue of `proofdesk worker` in memory, over an `InMemoryQueueStore`: the same claims,
leases, tokens and named locks as the MySQL/MariaDB queue (`adapters/storage/work_queue.py`), so
worker code can be tested without a server. Every operation holds one mutex, which gives what
`SELECT … FOR UPDATE SKIP LOCKED` gives there: two claimers never get the same row. Lease ends
are read from the given clock (the database's clock there).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from proofdesk.adapters.memory.storage import InMemoryQueueStore
from proofdesk.core.domain.models import Row, RowStatus, SessionStatus
from proofdesk.core.ports.storage import StorageError
from proofdesk.core.ports.system import Clock
from proofdesk.core.ports.work import WORK_STAGES, Claim, WorkerInfo, WorkerStatus, WorkQueue


@dataclass
class _Lease:
    worker_id: str
    token: str
    stage: str
    expires_at: datetime


@dataclass
class _Worker:
    info: WorkerInfo
    heartbeat_at: datetime
    lease_expires_at: datetime | None = None
    rows_done: int = 0
    status: str = "working"


def needs(stage: str, row: Row, keepers_only: bool) -> bool:
    """Whether `row` still needs the per-row work `stage` ("score" or "caption")."""
    done = set(row.stages_done)
    if stage == "score":  # stages 5 and 6: one decode feeds both
        return row.status != RowStatus.REJECTED and "resize" not in done
    wanted = row.status in (RowStatus.INGESTED, RowStatus.PENDING) and "scene" in done and "caption" not in done
    if keepers_only:  # captioner.scope = keepers: keepers, plus frames still to be marked pending once
        wanted = wanted and (row.keeper is None or row.keeper or row.status == RowStatus.INGESTED)
    return wanted


class InMemoryWorkQueue(WorkQueue):
    def __init__(self, store: InMemoryQueueStore, clock: Clock | None = None) -> None:
        self.store = store
        self.clock = clock or store.clock
        self._leases: dict[int, _Lease] = {}  # by row id
        self._workers: dict[str, _Worker] = {}
        self._mutex = threading.RLock()
        self._named: dict[str, threading.Lock] = {}

    # ---------------------------------------------------------------- workers

    def register(self, worker: WorkerInfo, lease_s: float) -> None:
        with self._mutex:
            if worker.id in self._workers:
                raise StorageError(f"a worker {worker.id!r} is already registered; worker ids are unique")
            self._workers[worker.id] = _Worker(worker, heartbeat_at=worker.started_at)

    def heartbeat(self, worker_id: str, lease_s: float, rows_done: int, status: str) -> None:
        with self._mutex:
            worker = self._workers.get(worker_id)
            if worker is None:
                return  # like an UPDATE of no row
            now = self.clock.now()
            worker.heartbeat_at, worker.lease_expires_at = now, now + timedelta(seconds=lease_s)
            worker.rows_done, worker.status = rows_done, status

    def workers(self) -> list[WorkerStatus]:
        with self._mutex:
            now = self.clock.now()
            result = []
            for worker in sorted(self._workers.values(), key=lambda w: w.info.started_at):
                status = worker.status
                if status != "stopped" and worker.lease_expires_at is not None and worker.lease_expires_at < now:
                    status = "lost"  # no heartbeat within its lease
                leased = sum(1 for lease in self._leases.values() if lease.worker_id == worker.info.id and lease.expires_at >= now)
                info = worker.info
                result.append(WorkerStatus(
                    id=info.id, host=info.host, pid=info.pid, stages=list(info.stages), started_at=info.started_at,
                    heartbeat_at=worker.heartbeat_at, lease_expires_at=worker.lease_expires_at, leased_rows=leased,
                    rows_done=worker.rows_done, status=status))
            return result

    # ---------------------------------------------------------------- claims

    def _rows(self) -> list[Row]:
        """The rows in id order, less those an open (running, or dead and not rolled back) session wrote."""
        with self.store.unit_of_work() as uow:
            open_sessions = {session.id for session in uow.sessions.list(SessionStatus.OPEN)}
            rows = uow.rows.list()
        return sorted((row for row in rows if row.session_id is None or row.session_id not in open_sessions),
                      key=lambda row: row.id or 0)

    def _free(self, row: Row, now: datetime) -> bool:
        lease = self._leases.get(row.id or 0)
        return lease is None or lease.expires_at < now

    def _scene_rows(self, rows: list[Row], now: datetime) -> list[Row]:
        """Every row of the first set whose frames are all resized and not all placed in scenes,
        when nobody holds any of them (a set is grouped by one worker, as a whole)."""
        for set_name in sorted({row.set_name for row in rows}):
            frames = [row for row in rows if row.set_name == set_name]
            live = [row for row in frames if row.status != RowStatus.REJECTED]
            if not any("scene" not in row.stages_done for row in live):
                continue
            if any("resize" not in row.stages_done for row in live):
                continue
            if all(self._free(row, now) for row in frames):
                return frames
        return []

    def claim(self, worker_id: str, stage: str, limit: int, lease_s: float, keepers_only: bool) -> Claim | None:
        if stage not in WORK_STAGES:
            raise ValueError(f"unknown work stage {stage!r}; choose one of {', '.join(WORK_STAGES)}")
        with self._mutex:
            now = self.clock.now()
            rows = self._rows()
            if stage == "scene":
                chosen = self._scene_rows(rows, now)
            else:
                chosen = [row for row in rows if needs(stage, row, keepers_only) and self._free(row, now)][:limit]
            if not chosen:
                return None
            token, expires = secrets.token_hex(16), now + timedelta(seconds=lease_s)
            for row in chosen:
                self._leases[row.id or 0] = _Lease(worker_id, token, stage, expires)
            return Claim(token=token, worker_id=worker_id, stage=stage, keys=[row.key for row in chosen],
                         expires_at=expires, ids=tuple(row.id or 0 for row in chosen))

    def _held(self, claim: Claim) -> list[int]:
        return [row_id for row_id in claim.ids if (lease := self._leases.get(row_id)) is not None and lease.token == claim.token]

    def renew(self, claim: Claim, lease_s: float) -> int:
        with self._mutex:
            held = self._held(claim)
            expires = self.clock.now() + timedelta(seconds=lease_s)
            for row_id in held:
                self._leases[row_id].expires_at = expires
            return len(held)

    def write(self, claim: Claim, rows: Sequence[Row]) -> list[tuple[str, str]]:
        if not rows:
            return []
        with self._mutex:
            held_ids = set(self._held(claim))
            with self.store.unit_of_work() as uow:
                held = {key for key, row in uow.rows.get_many(claim.keys).items() if row.id in held_ids}
                kept = [row for row in rows if row.key in held]
                uow.rows.update_many(kept)
                uow.commit()
            return [row.key for row in kept]

    def release(self, claim: Claim) -> None:
        with self._mutex:
            for row_id in self._held(claim):
                del self._leases[row_id]

    def remaining(self, stage: str, keepers_only: bool) -> int:
        with self._mutex:
            rows = self._rows()
            if stage == "scene":
                return sum(1 for row in rows if row.status != RowStatus.REJECTED and "scene" not in row.stages_done)
            return sum(1 for row in rows if needs(stage, row, keepers_only))

    @contextmanager
    def named_lock(self, name: str, timeout_s: float) -> Iterator[None]:
        with self._mutex:
            lock = self._named.setdefault(name, threading.Lock())
        if not lock.acquire(timeout=max(0.0, timeout_s)):
            raise StorageError(f"the lock {name!r} was not free within {timeout_s:g} s")
        try:
            yield
        finally:
            lock.release()

"""The work queue on MySQL/MariaDB row locks (`SELECT … FOR UPDATE SKIP LOCKED`, `GET_LOCK`).

A claim is taken in one short transaction: the free rows that need a stage are locked (rows another
transaction is claiming right now are skipped, not waited for), stamped with the worker, a random
token and a lease end computed by the database's own clock (`UTC_TIMESTAMP(6)`: machines' clocks
may differ), and the transaction commits. Results are written in a transaction that first locks
the rows still carrying the token: a row whose lease expired and that another worker claimed is
not written (its work is that worker's now). Nothing here runs a model or holds a transaction
while one runs.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from proofdesk.adapters.storage.schema import from_db_time, to_db_time, workers_table
from proofdesk.adapters.storage.sql import SqlQueueStore, SqlUnitOfWork
from proofdesk.core.domain.models import Row
from proofdesk.core.ports.storage import StorageError
from proofdesk.core.ports.work import WORK_STAGES, Claim, WorkerInfo, WorkerStatus, WorkQueue
from sqlalchemy.exc import SQLAlchemyError

_FREE = "(q.claim_token IS NULL OR q.claim_expires_at < UTC_TIMESTAMP(6))"
_NEEDS = {
    # stages 5 and 6 (one decode feeds both)
    "score": "q.status <> 'rejected' AND NOT JSON_CONTAINS(COALESCE(q.stages_done, '[]'), '\"resize\"')",
    "caption": "q.status IN ('ingested', 'pending') AND JSON_CONTAINS(COALESCE(q.stages_done, '[]'), '\"scene\"') "
               "AND NOT JSON_CONTAINS(COALESCE(q.stages_done, '[]'), '\"caption\"')",
}
# with captioner.scope = keepers: keepers only, plus frames still to be marked pending once
_KEEPERS = " AND (q.keeper IS NULL OR q.keeper = 1 OR q.status = 'ingested')"
_SCENE_SETS = (
    "SELECT DISTINCT q.set_name FROM review_queue q WHERE q.status <> 'rejected' "
    "AND NOT JSON_CONTAINS(COALESCE(q.stages_done, '[]'), '\"scene\"') {sessions} "
    "AND NOT EXISTS (SELECT 1 FROM review_queue r WHERE r.set_name = q.set_name AND r.status <> 'rejected' "
    "AND NOT JSON_CONTAINS(COALESCE(r.stages_done, '[]'), '\"resize\"')) ORDER BY q.set_name"
)


def _micros(seconds: float) -> int:
    return max(1, round(seconds * 1_000_000))


class SqlWorkQueue(WorkQueue):
    def __init__(self, store: SqlQueueStore) -> None:
        self.store = store

    def _check(self) -> None:
        if self.store.dialect not in ("mysql", "mariadb"):
            raise StorageError(
                f"workers share a MySQL/MariaDB queue (storage.url = mysql+pymysql://…); {self.store.description} "
                "is not one: there `proofdesk run` does every stage"
            )

    def _uow(self) -> SqlUnitOfWork:
        """A unit of work at READ COMMITTED: a locking read then locks only the rows it returns, not
        every row it looked at (REPEATABLE READ would), so workers' claims do not block each other."""
        self._check()
        uow = self.store.unit_of_work()
        assert isinstance(uow, SqlUnitOfWork)
        uow.connection.execution_options(isolation_level="READ COMMITTED")
        return uow

    @staticmethod
    def _sql(uow: SqlUnitOfWork, text: str, what: str, **params: Any) -> sa.CursorResult[Any]:
        return uow.execute(sa.text(text).bindparams(**params) if params else sa.text(text), what)

    def _open_sessions(self, uow: SqlUnitOfWork) -> str:
        """A condition leaving out rows an open (running, or dead and not rolled back) session wrote."""
        ids = [r[0] for r in self._sql(uow, "SELECT id FROM pipeline_sessions WHERE status = 'open'", "reading open sessions")]
        if not ids:
            return ""
        quoted = ", ".join("'" + session_id.replace("'", "''") + "'" for session_id in ids)
        return f" AND (q.session_id IS NULL OR q.session_id NOT IN ({quoted}))"

    # ---------------------------------------------------------------- workers

    def register(self, worker: WorkerInfo, lease_s: float) -> None:
        with self._uow() as uow:  # ids are unique (host, pid, random): an insert, never a delete
            now = to_db_time(worker.started_at)
            uow.execute(workers_table.insert().values(
                id=worker.id, host=worker.host, pid=worker.pid, stages=list(worker.stages), started_at=now,
                heartbeat_at=now, lease_expires_at=None, rows_done=0, status="working"), "registering the worker")
            uow.commit()

    def heartbeat(self, worker_id: str, lease_s: float, rows_done: int, status: str) -> None:
        with self._uow() as uow:
            self._sql(uow, "UPDATE pipeline_workers SET heartbeat_at = UTC_TIMESTAMP(6), "
                           "lease_expires_at = UTC_TIMESTAMP(6) + INTERVAL :us MICROSECOND, rows_done = :done, status = :status "
                           "WHERE id = :id", "recording the worker's heartbeat",
                      us=_micros(lease_s), done=rows_done, status=status, id=worker_id)
            uow.commit()

    def workers(self) -> list[WorkerStatus]:
        with self._uow() as uow:
            records = list(uow.execute(sa.select(workers_table).order_by(workers_table.c.started_at), "listing workers").mappings())
            leased = dict(self._sql(uow, "SELECT claimed_by, COUNT(*) FROM review_queue WHERE claim_token IS NOT NULL "
                                         "AND claim_expires_at >= UTC_TIMESTAMP(6) GROUP BY claimed_by", "counting leased rows").all())
            now = self._sql(uow, "SELECT UTC_TIMESTAMP(6)", "reading the database clock").scalar_one()
        result = []
        for record in records:
            status = record["status"]
            if status != "stopped" and record["lease_expires_at"] is not None and record["lease_expires_at"] < now:
                status = "lost"  # no heartbeat within its lease: killed, or its machine is off
            started, beat = from_db_time(record["started_at"]), from_db_time(record["heartbeat_at"])
            assert started is not None and beat is not None
            result.append(WorkerStatus(
                id=record["id"], host=record["host"], pid=record["pid"], stages=list(record["stages"] or []),
                started_at=started, heartbeat_at=beat, lease_expires_at=from_db_time(record["lease_expires_at"]),
                leased_rows=int(leased.get(record["id"], 0)), rows_done=record["rows_done"], status=status,
            ))
        return result

    # ---------------------------------------------------------------- claims

    def claim(self, worker_id: str, stage: str, limit: int, lease_s: float, keepers_only: bool) -> Claim | None:
        if stage not in WORK_STAGES:
            raise ValueError(f"unknown work stage {stage!r}; choose one of {', '.join(WORK_STAGES)}")
        token = secrets.token_hex(16)
        with self._uow() as uow:
            sessions = self._open_sessions(uow)
            if stage == "scene":
                ids = self._scene_rows(uow, sessions)
            else:
                where = _NEEDS[stage] + (_KEEPERS if stage == "caption" and keepers_only else "")
                ids = [r[0] for r in self._sql(
                    uow, f"SELECT q.id FROM review_queue q WHERE {where}{sessions} AND {_FREE} ORDER BY q.id LIMIT :n "
                         "FOR UPDATE SKIP LOCKED", "claiming rows", n=limit)]
            if not ids:
                return None
            uow.execute(sa.text(
                "UPDATE review_queue SET claimed_by = :w, claim_token = :t, claim_stage = :s, "
                "claim_expires_at = UTC_TIMESTAMP(6) + INTERVAL :us MICROSECOND WHERE id IN :ids"
            ).bindparams(sa.bindparam("ids", expanding=True), w=worker_id, t=token, s=stage, us=_micros(lease_s), ids=ids),
                "claiming rows")
            held = uow.execute(sa.text(
                "SELECT id, set_name, original_name, claim_expires_at FROM review_queue WHERE id IN :ids ORDER BY id"
            ).bindparams(sa.bindparam("ids", expanding=True), ids=ids), "reading the claim").all()
            uow.commit()
        expires = from_db_time(max(r[3] for r in held))
        assert expires is not None
        return Claim(token=token, worker_id=worker_id, stage=stage, keys=[(r[1], r[2]) for r in held], expires_at=expires,
                     ids=tuple(r[0] for r in held))

    @staticmethod
    def _by_ids(text: str, claim: Claim, **params: Any) -> Any:
        """A statement over the claim's rows by primary key (`:ids`), still carrying its token (`:t`)."""
        if ":t" in text:
            params["t"] = claim.token
        return sa.text(text).bindparams(sa.bindparam("ids", expanding=True), ids=list(claim.ids), **params)

    def _scene_rows(self, uow: SqlUnitOfWork, sessions: str) -> list[int]:
        """Every row of the first set whose frames are all resized and not all placed in scenes,
        when no other worker holds any of them (a set is grouped by one worker, as a whole)."""
        for (set_name,) in self._sql(uow, _SCENE_SETS.format(sessions=sessions), "finding sets to group").all():
            total = self._sql(uow, "SELECT COUNT(*) FROM review_queue WHERE set_name = :s", "counting a set", s=set_name).scalar_one()
            rows = self._sql(uow, f"SELECT q.id FROM review_queue q WHERE q.set_name = :s AND {_FREE} FOR UPDATE SKIP LOCKED",
                             "claiming a set", s=set_name).all()
            if len(rows) == total:
                return [r[0] for r in rows]
        return []

    def renew(self, claim: Claim, lease_s: float) -> int:
        with self._uow() as uow:
            result = uow.execute(self._by_ids("UPDATE review_queue SET claim_expires_at = UTC_TIMESTAMP(6) + INTERVAL :us MICROSECOND "
                                              "WHERE id IN :ids AND claim_token = :t", claim, us=_micros(lease_s)), "renewing a claim")
            uow.commit()
        return int(result.rowcount)

    def write(self, claim: Claim, rows: Sequence[Row]) -> list[tuple[str, str]]:
        if not rows:
            return []
        with self._uow() as uow:
            locked = uow.execute(self._by_ids("SELECT set_name, original_name, claim_token FROM review_queue WHERE id IN :ids "
                                              "FOR UPDATE", claim), "locking the claimed rows").all()
            held = {(r[0], r[1]) for r in locked if r[2] == claim.token}
            kept = [row for row in rows if row.key in held]
            uow.rows.update_many(kept)
            uow.commit()
        return [row.key for row in kept]

    def release(self, claim: Claim) -> None:
        with self._uow() as uow:
            uow.execute(self._by_ids("UPDATE review_queue SET claimed_by = NULL, claim_token = NULL, claim_stage = NULL, "
                                     "claim_expires_at = NULL WHERE id IN :ids AND claim_token = :t", claim), "releasing a claim")
            uow.commit()

    def remaining(self, stage: str, keepers_only: bool) -> int:
        with self._uow() as uow:
            sessions = self._open_sessions(uow)
            if stage == "scene":
                return int(self._sql(uow, "SELECT COUNT(*) FROM review_queue q WHERE q.status <> 'rejected' AND "
                                          f"NOT JSON_CONTAINS(COALESCE(q.stages_done, '[]'), '\"scene\"'){sessions}",
                                     "counting work").scalar_one())
            where = _NEEDS[stage] + (_KEEPERS if stage == "caption" and keepers_only else "")
            return int(self._sql(uow, f"SELECT COUNT(*) FROM review_queue q WHERE {where}{sessions}", "counting work").scalar_one())

    @contextmanager
    def named_lock(self, name: str, timeout_s: float) -> Iterator[None]:
        self._check()
        try:
            connection = self.store.engine.connect()
        except SQLAlchemyError as exc:
            raise StorageError(f"connecting for the lock {name!r}: {exc}") from exc
        try:
            got = connection.execute(sa.text("SELECT GET_LOCK(:n, :t)").bindparams(n=name, t=timeout_s)).scalar()
            if got != 1:
                raise StorageError(f"the lock {name!r} was not free within {timeout_s:g} s")
            try:
                yield
            finally:
                connection.execute(sa.text("SELECT RELEASE_LOCK(:n)").bindparams(n=name))
        finally:
            connection.close()

"""The queue lock on SQL: one row in `queue_lock` (the session holding the queue, its process and
host, until when), taken with an INSERT the primary key lets only one writer make."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from proofdesk.adapters.storage.schema import from_db_time, lock_table, storage_error, to_db_time
from proofdesk.core.ports.storage import LockHolder, QueueLock
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError


class SqlQueueLock(QueueLock):
    NAME = "queue"

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def acquire(self, holder: LockHolder) -> LockHolder | None:
        values = {
            "name": self.NAME,
            "session_id": holder.session_id,
            "pid": holder.pid,
            "host": holder.host,
            "since": to_db_time(holder.since),
            "expires_at": to_db_time(holder.expires_at),
        }
        try:
            with self._engine.begin() as connection:
                connection.execute(lock_table.insert().values(**values))
            return None
        except IntegrityError:
            current = self.holder()
            if current is None:  # released in between: try once more
                return self.acquire(holder)
            return None if current.session_id == holder.session_id else current
        except SQLAlchemyError as exc:
            raise storage_error(exc, "taking the queue lock") from exc

    def release(self, session_id: str) -> None:
        try:
            with self._engine.begin() as connection:
                connection.execute(
                    lock_table.delete().where(
                        lock_table.c.name == self.NAME, lock_table.c.session_id == session_id
                    )
                )
        except SQLAlchemyError as exc:
            raise storage_error(exc, "releasing the queue lock") from exc

    def holder(self) -> LockHolder | None:
        try:
            with self._engine.connect() as connection:
                record = connection.execute(
                    sa.select(lock_table).where(lock_table.c.name == self.NAME)
                ).mappings().first()
        except SQLAlchemyError as exc:
            raise storage_error(exc, "reading the queue lock") from exc
        if record is None:
            return None
        since = from_db_time(record["since"])
        assert since is not None
        return LockHolder(record["session_id"], record["pid"], record["host"], since, from_db_time(record.get("expires_at")))

    def renew(self, session_id: str, expires_at: datetime) -> bool:
        try:
            with self._engine.begin() as connection:
                result = connection.execute(lock_table.update().where(
                    lock_table.c.name == self.NAME, lock_table.c.session_id == session_id).values(expires_at=to_db_time(expires_at)))
            return bool(result.rowcount)
        except SQLAlchemyError as exc:
            raise storage_error(exc, "renewing the queue lock") from exc

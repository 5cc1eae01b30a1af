"""The session: the queue lock, the write-ahead journal, recovery of a dead session, rollback, close.

Everything a session writes is journalled *before* it is written (write-ahead), so a process killed
at any point leaves a journal from which the next `run` (or `proofdesk rollback`) undoes exactly that
session's writes:

- `file`       a file the session created; undo = delete it
- `row_insert` a queue row the session inserted; undo = delete it
- `row_update` a row the session refreshed; `before` holds the row as it was; undo = restore it
- `set_insert` a set name the session recorded with its source folder; undo = forget it
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import Any

from proofdesk.core.domain.errors import InputError, SessionLocked
from proofdesk.core.domain.intake import ValidationReport
from proofdesk.core.domain.models import JournalEntry, Row, Session, SessionStatus
from proofdesk.core.ports.files import FileStore
from proofdesk.core.ports.storage import LockHolder, QueueStore, UnitOfWork
from proofdesk.core.ports.system import Clock, Reporter
from proofdesk.core.services.failpoints import failpoint


def is_same_process(holder: LockHolder, pid: int, host: str) -> bool:
    return holder.pid == pid and holder.host == host


class SessionJournal:
    """Opens, journals, closes and rolls back the pipeline's sessions on one queue."""

    def __init__(
        self,
        *,
        store: QueueStore,
        files: FileStore,
        clock: Clock,
        reporter: Reporter,
        pid: int,
        host: str,
        is_alive: Callable[[LockHolder], bool],
        config_digest: str = "",
        lease_s: float | None = None,
    ) -> None:
        # With a lease the lock carries an end this process keeps pushing forward while the session
        # is open: once it has passed, another machine may take the queue and roll the session back.
        self.lease_s = lease_s
        self._lease_stop: threading.Event | None = None
        self.store = store
        self.files = files
        self.clock = clock
        self.reporter = reporter
        self.pid = pid
        self.host = host
        self.is_alive = is_alive
        self.config_digest = config_digest
        self.journalled_rows: set[tuple[str, str]] = set()  # rows this process's session has journalled

    def new_session_id(self) -> str:
        return self.clock.now().strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)

    def open(self, report: ValidationReport, recovered: list[str]) -> Session:
        session = Session(
            id=self.new_session_id(),
            started_at=self.clock.now(),
            sets=[s.name for s in report.sets],
            config_digest=self.config_digest,
            pid=self.pid,
        )
        me = LockHolder(session.id, self.pid, self.host, session.started_at, self._lease_end())
        holder = self.store.lock.acquire(me)
        if holder is not None:
            if self.is_alive(holder):
                raise SessionLocked(
                    f"session {holder.session_id} (pid {holder.pid} on {holder.host}, since "
                    f"{holder.since:%Y-%m-%d %H:%M:%S} UTC) holds the queue; wait for it to finish"
                )
            self.recover_dead(holder.session_id, f"pid {holder.pid} on {holder.host}", recovered)
            self.store.lock.release(holder.session_id)
            holder = self.store.lock.acquire(me)
            if holder is not None:
                raise SessionLocked(f"session {holder.session_id} took the queue meanwhile; run again")
        try:
            with self.store.unit_of_work() as uow:
                stale = uow.sessions.list(SessionStatus.OPEN)
            for old in stale:  # open but not holding the lock: its process died
                self.recover_dead(old.id, f"pid {old.pid}", recovered)
            with self.store.unit_of_work() as uow:
                uow.sessions.add(session)
                uow.commit()
        except BaseException:
            self.store.lock.release(session.id)
            raise
        self._keep_lease(session.id)
        return session

    def _lease_end(self) -> Any:
        return self.clock.now() + timedelta(seconds=self.lease_s) if self.lease_s else None

    def _keep_lease(self, session_id: str) -> None:
        if not self.lease_s:
            return
        stop = self._lease_stop = threading.Event()
        interval = max(0.05, self.lease_s / 3)

        def renew() -> None:
            while not stop.wait(interval):
                try:
                    if not self.store.lock.renew(session_id, self._lease_end()):
                        return
                except Exception as exc:  # noqa: BLE001 - retried at the next beat; the lease may lapse
                    self.reporter.warn(f"renewing the queue lock's lease failed: {exc}")

        threading.Thread(target=renew, name="proofdesk-session-lease", daemon=True).start()

    def _stop_lease(self) -> None:
        if self._lease_stop is not None:
            self._lease_stop.set()
            self._lease_stop = None

    def recover_dead(self, session_id: str, who: str, recovered: list[str]) -> None:
        with self.store.unit_of_work() as uow:
            dead = uow.sessions.get(session_id)
        if dead is None or dead.status != SessionStatus.OPEN:
            return  # it had finished; only its lock was left behind
        self.reporter.warn(f"session {session_id} was left open by a process that died ({who}); rolling it back first")
        self.rollback(session_id, reason="its process died", release_lock=False)
        recovered.append(session_id)

    def close(self, session_id: str) -> None:
        self._stop_lease()
        with self.store.unit_of_work() as uow:
            session = uow.sessions.get(session_id)
            assert session is not None
            uow.sessions.update(
                session.changed(status=SessionStatus.CLOSED, ended_at=self.clock.now())
            )
            uow.journal.clear(session_id)
            uow.commit()
        self.store.lock.release(session_id)
        removed = self.remove_unreferenced_incoming()
        if removed:
            self.reporter.info(f"removed {len(removed)} superseded incoming copies")
        self.reporter.info(f"session {session_id} closed")

    def remove_unreferenced_incoming(self) -> list[str]:
        """Remove incoming copies superseded by a newer version of the same (set, name) photo."""
        with self.store.unit_of_work() as uow:
            if uow.sessions.list(SessionStatus.OPEN):
                return []  # an open session's journal may still own files
            # resolved: a row may hold an absolute path from before paths were stored relative
            current = {row.key: self.files.resolve(row.incoming_path) if row.incoming_path else None
                       for row in uow.rows.list()}
        removed = []
        for path in self.files.list_area(FileStore.INCOMING):
            parts = path.replace("\\", "/").split("/")
            key = (parts[-3], parts[-1]) if len(parts) >= 3 else None
            if key in current and current[key] != self.files.resolve(path) and self.files.remove_path(path):
                removed.append(path)
        return removed

    def journal(self, session_id: str, kind: str, target: str, before: dict[str, Any] | None = None) -> None:
        with self.store.unit_of_work() as uow:
            uow.journal.append(JournalEntry(session_id=session_id, kind=kind, target=target, before=before))
            uow.commit()

    def journal_many(self, session_id: str, kind: str, targets: Sequence[str]) -> None:
        """Journal several targets of one kind in one transaction (nothing to do for none)."""
        if not targets:
            return
        with self.store.unit_of_work() as uow:
            uow.journal.append_many([JournalEntry(session_id=session_id, kind=kind, target=t) for t in targets])
            uow.commit()

    def before_images(self, session_id: str, rows: Iterable[Row]) -> list[JournalEntry]:
        """`row_update` entries holding the stored state of the rows this session has not changed
        yet (to append in the transaction that changes them); marks them journalled."""
        entries = []
        for row in rows:
            if (session_id, row.key_text) in self.journalled_rows:
                continue
            entries.append(JournalEntry(session_id=session_id, kind="row_update", target=row.key_text,
                                        before=row.model_dump(mode="json")))
            self.journalled_rows.add((session_id, row.key_text))
        return entries

    def journal_row_updates(self, uow: UnitOfWork, session_id: str, keys: Sequence[tuple[str, str]]) -> None:
        """Journal the prior state of rows the session is about to change, the first time it changes
        each (same transaction as the change; one read for all of them)."""
        todo = [key for key in dict.fromkeys(keys) if (session_id, f"{key[0]}/{key[1]}") not in self.journalled_rows]
        if not todo:
            return
        uow.journal.append_many(self.before_images(session_id, uow.rows.get_many(todo).values()))
        for key in todo:  # a key with no stored row has nothing to restore
            self.journalled_rows.add((session_id, f"{key[0]}/{key[1]}"))

    def journal_row_update(self, uow: UnitOfWork, session_id: str, key: tuple[str, str]) -> None:
        """Journal a row's prior state the first time this session changes it (same transaction)."""
        self.journal_row_updates(uow, session_id, [key])

    def rollback(self, session_id: str | None = None, reason: str = "requested", release_lock: bool = True) -> Session:
        """Undo everything the session wrote; refuses a closed session."""
        self._stop_lease()
        with self.store.unit_of_work() as uow:
            if session_id is None:
                last = uow.sessions.last_open()
                if last is None:
                    raise InputError("no open session to roll back")
                session_id = last.id
            session = uow.sessions.get(session_id)
            if session is None:
                raise InputError(f"no session {session_id!r} (see `proofdesk sessions`)")
            if session.status != SessionStatus.OPEN:
                raise InputError(f"session {session_id} is {session.status.value}; only an open session can be rolled back")
            entries = uow.journal.entries(session_id)
        holder = self.store.lock.holder()
        if (
            holder is not None
            and holder.session_id == session_id
            and not is_same_process(holder, self.pid, self.host)
            and self.is_alive(holder)
        ):
            raise SessionLocked(f"session {session_id} is still running (pid {holder.pid} on {holder.host})")

        # Files first: removing them is idempotent, so a crash here is repaired by rolling back again.
        files_removed = 0
        for entry in reversed(entries):
            if entry.kind == "file" and self.files.remove_path(entry.target):
                files_removed += 1
        files_removed += len(self.files.remove_stale_temp_files())  # a copy killed half-way
        failpoint("rollback.after_files")
        rows_deleted = rows_restored = 0
        with self.store.unit_of_work() as uow:
            for entry in reversed(entries):
                if entry.kind == "row_insert":
                    set_name, _, original_name = entry.target.partition("/")
                    rows_deleted += int(uow.rows.delete(set_name, original_name))
                elif entry.kind == "set_insert":
                    uow.sets.delete(entry.target)
                elif entry.kind == "row_update" and entry.before is not None:
                    before = Row.model_validate(entry.before)
                    if uow.rows.get(*before.key) is None:
                        uow.rows.add(before)
                    else:
                        uow.rows.update(before)
                    rows_restored += 1
            uow.sessions.update(
                session.changed(status=SessionStatus.ROLLED_BACK, ended_at=self.clock.now(),
                                note=f"rolled back: {reason}")
            )
            uow.journal.clear(session_id)
            uow.commit()
        if release_lock:
            self.store.lock.release(session_id)
        self.reporter.warn(
            f"session {session_id} rolled back ({reason}): {files_removed} file(s) removed, "
            f"{rows_deleted} row(s) deleted, {rows_restored} row(s) restored"
        )
        with self.store.unit_of_work() as uow:
            rolled = uow.sessions.get(session_id)
        assert rolled is not None
        return rolled


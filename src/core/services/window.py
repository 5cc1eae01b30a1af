"""The sliding window of `proofdesk worker` (ADR 0022): claims split into one claim per row, a
reporter the window's slots share, and the writer that writes finished rows in batches while the
slots go on."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar

from proofdesk.core.domain.models import Row
from proofdesk.core.ports.system import Reporter
from proofdesk.core.ports.work import Claim, WorkQueue


class ClaimedContext(Protocol):
    """What the writer needs of a worker's context (`worker.WorkerContext`): its claim, and where
    the keys the queue wrote of a batch handed over are settled."""

    @property
    def claim(self) -> Claim: ...

    def settle(self, written: list[tuple[str, str]], batch: Sequence[Row]) -> None: ...


ContextT = TypeVar("ContextT", bound=ClaimedContext)

DUPLICATES_LOCK = "proofdesk.duplicates"


class SerialReporter(Reporter):
    """A reporter shared by a window's slots: one call at a time (artifacts, progress, the log)."""

    def __init__(self, inner: Reporter) -> None:
        self.inner = inner
        self._mutex = threading.Lock()

    def start_stage(self, stage: str, total: int) -> None:
        with self._mutex:
            self.inner.start_stage(stage, total)

    def advance(self, detail: str = "") -> None:
        with self._mutex:
            self.inner.advance(detail)

    def end_stage(self, stage: str, summary: str) -> None:
        with self._mutex:
            self.inner.end_stage(stage, summary)

    def info(self, message: str) -> None:
        with self._mutex:
            self.inner.info(message)

    def warn(self, message: str) -> None:
        with self._mutex:
            self.inner.warn(message)

    def stage_failed(self, message: str) -> None:
        with self._mutex:
            self.inner.stage_failed(message)

    def write_artifact(self, name: str, data: Any) -> None:
        with self._mutex:
            self.inner.write_artifact(name, data)


def row_claims(claim: Claim) -> list[Claim]:
    """One claim per row of `claim`, under its token: a window starts, writes and releases each
    row on its own."""
    return [Claim(token=claim.token, worker_id=claim.worker_id, stage=claim.stage, keys=[key], expires_at=claim.expires_at,
                  ids=(row_id,)) for key, row_id in zip(claim.keys, claim.ids, strict=True)]


class WindowWriter(Generic[ContextT]):
    """Writes a window's finished rows on its own thread, so a slot starts its next row while the
    last one is written. Whatever finished while a write ran goes in the next one: one duplicate
    re-check (under the database lock) for all of them, one transaction per claim; each claim is
    released once its rows are written."""

    def __init__(self, queue: WorkQueue, guard: Callable[[list[Row]], list[Row]] | None,
                 done: Callable[[ContextT], None]) -> None:
        self.queue, self.guard, self.done = queue, guard, done
        self.failure: BaseException | None = None
        self._waiting: list[tuple[ContextT, list[Row]]] = []
        self._finished: list[ContextT] = []  # contexts whose rows are all handed over
        self._closed = False
        self._ready = threading.Condition()
        self._thread = threading.Thread(target=self._loop, name="proofdesk-writer", daemon=True)
        self._thread.start()

    def put(self, context: ContextT, rows: list[Row]) -> None:
        with self._ready:
            if self.failure is not None:
                raise self.failure
            self._waiting.append((context, rows))
            self._ready.notify()

    def finish(self, context: ContextT) -> None:
        """The context's runner is done: once its rows are written, release and report it."""
        with self._ready:
            self._finished.append(context)
            self._ready.notify()

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify()
        self._thread.join()

    def _loop(self) -> None:
        while True:
            with self._ready:
                while not (self._waiting or self._finished or self._closed):
                    self._ready.wait()
                batches, self._waiting = self._waiting, []
                finished, self._finished = self._finished, []
                if not batches and not finished and self._closed:
                    return
            if batches and self.failure is None:
                try:
                    self._write(batches)
                except BaseException as exc:  # noqa: BLE001 - raised by the window that owns the writer
                    self.failure = exc
            for context in finished:
                try:
                    self.queue.release(context.claim)
                except BaseException as exc:  # noqa: BLE001 - the lease lapses; the window still stops
                    self.failure = self.failure or exc
                self.done(context)

    def _write(self, batches: list[tuple[ContextT, list[Row]]]) -> None:
        rows = [row for _, batch in batches for row in batch]
        if self.guard is not None:
            with self.queue.named_lock(DUPLICATES_LOCK, timeout_s=60):
                checked = iter(self.guard(rows))
                for context, batch in batches:
                    mine = [next(checked) for _ in batch]
                    context.settle(self.queue.write(context.claim, mine), mine)
        else:
            for context, batch in batches:
                context.settle(self.queue.write(context.claim, batch), batch)

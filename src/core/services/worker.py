"""`proofdesk worker`: stages 5-7 as per-row work on a shared MySQL/MariaDB queue (ADR 0014).

A worker claims rows for one stage (score = stages 5 and 6, scene = a whole set once every frame
of it is resized, caption = stage 7) in one short transaction, renews the claims' leases while it
works, runs the very stage code `proofdesk run` runs (models called outside any
transaction), and writes the results only for the rows it still holds. Such work is never rolled
back; a lease that expires (worker killed, machine off) frees its rows for the others. Accepted
captions are checked for near-duplicates once more, against what every worker has committed,
under a database lock held only for that check and the write, so two workers never accept
near-identical text.

A stage with slots (caption: `captioner.parallel` of them) is worked from a sliding window: each
slot works one row, and a slot that frees claims the next row then and there, so the slots stay
full until the queue is empty and no worker sits on rows another idle worker could take. Only the
first claim of a window of a worker alone on the stage may hold unstarted rows (at most `batch`;
ADR 0022).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from proofdesk.core.domain.models import ProofVerdict, Row
from proofdesk.core.domain.proof import ProofConfig
from proofdesk.core.domain.proof.model import ProofMetadata
from proofdesk.core.domain.proof.ruleset import check, duplicate_rules
from proofdesk.core.ports.storage import QueueStore
from proofdesk.core.ports.system import Clock, Reporter
from proofdesk.core.ports.work import WORK_STAGES, Claim, WorkerInfo, WorkQueue
from proofdesk.core.services.duplicates import build_duplicate_index
from proofdesk.core.services.window import DUPLICATES_LOCK, SerialReporter, WindowWriter, row_claims


def recheck_duplicates(rows: Sequence[Row], everything: Sequence[Row], gallery_names: Sequence[str],
                       config: ProofConfig) -> list[Row]:
    """`rows` with every accepted one checked again for (near-)duplicates against `everything`
    committed (the other rows left out) and against each other, in order; a duplicate is blocked."""
    index = build_duplicate_index(everything, {row.key for row in rows}, gallery_names, config)
    checked: list[Row] = []
    for row in rows:
        metadata = ProofMetadata(caption=row.caption, alt_text=row.alt_text, keywords=tuple(row.keywords), file_name=row.file_name)
        reasons = check(metadata, None, config, original_name=row.original_name, index=index, owner=row.key_text,
                        claim=True, rules=duplicate_rules())
        if reasons and row.metadata_quality == ProofVerdict.ACCEPTED:
            row = row.changed(metadata_quality=ProofVerdict.BLOCKED, proof_reasons=[*row.proof_reasons, *reasons],
                              proof_digest=row.metadata_digest())
        checked.append(row)
    return checked


@dataclass
class WorkerContext:
    """What a stage gets when it runs for a claim (the shape of the pipeline's StageContext): the
    claimed rows, and a batched writer that writes only rows the claim still holds."""

    store: QueueStore
    reporter: Reporter
    queue: WorkQueue
    claim: Claim
    batch_size: int = 100
    guard: Callable[[list[Row]], list[Row]] | None = None  # e.g. the duplicate re-check
    sink: WindowWriter[WorkerContext] | None = None  # in a window: rows go to the worker's writer, which writes them in batches
    written: set[tuple[str, str]] = field(default_factory=set)
    lost: list[str] = field(default_factory=list)
    _pending: list[Row] = field(default_factory=list, init=False, repr=False)
    _mutex: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def keys(self) -> list[tuple[str, str]]:
        return list(self.claim.keys)

    def rows(self) -> list[Row]:
        with self.store.unit_of_work() as uow:
            return list(uow.rows.get_many(self.claim.keys).values())

    def save_row(self, row: Row, failpoint_name: str | None = None) -> None:
        with self._mutex:
            self._pending.append(row)
            full = len(self._pending) >= self.batch_size
        if full:
            self.flush()

    def flush(self) -> None:
        with self._mutex:
            batch, self._pending = self._pending, []
            if not batch:
                return
            if self.sink is not None:
                self.sink.put(self, batch)
                return
            if self.guard is not None:
                with self.queue.named_lock(DUPLICATES_LOCK, timeout_s=60):
                    written = self.queue.write(self.claim, self.guard(batch))
            else:
                written = self.queue.write(self.claim, batch)
        self.written.update(written)
        kept = set(written)
        for row in batch:
            if row.key not in kept:
                self.lost.append(row.key_text)
                self.reporter.warn(f"{row.key_text}: its lease expired and another worker claimed it; this result is dropped")

    def discard(self) -> None:
        with self._mutex:
            self._pending = []

    def journal_files(self, paths: list[str]) -> None:
        """Worker output is never rolled back: nothing to journal."""

    def settle(self, written: list[tuple[str, str]], batch: Sequence[Row]) -> None:
        self.written.update(written)
        kept = set(written)
        for row in batch:
            if row.key not in kept:
                self.lost.append(row.key_text)
                self.reporter.warn(f"{row.key_text}: its lease expired and another worker claimed it; this result is dropped")


@dataclass
class WorkerReport:
    worker_id: str
    claims: int = 0
    rows_done: int = 0
    lost: list[str] = field(default_factory=list)
    by_stage: dict[str, int] = field(default_factory=dict)
    first_claim_at: float | None = None
    last_write_at: float | None = None


StageRunner = Callable[[WorkerContext], None]


class Worker:
    def __init__(
        self,
        *,
        store: QueueStore,
        queue: WorkQueue,
        stages: dict[str, StageRunner],
        info: WorkerInfo,
        reporter: Reporter,
        clock: Clock,
        lease_s: float = 60.0,
        batch: int = 8,
        keepers_only: bool = True,
        follow: bool = False,
        poll_s: float = 1.0,
        guards: dict[str, Callable[[list[Row]], list[Row]]] | None = None,
        storage_batch: int = 100,
        slots: dict[str, int] | None = None,
        prepare: Callable[[], None] | None = None,
    ) -> None:
        unknown = [stage for stage in stages if stage not in WORK_STAGES]
        if unknown:
            raise ValueError(f"unknown work stage(s) {', '.join(unknown)}; choose from {', '.join(WORK_STAGES)}")
        self.store, self.queue, self.stages, self.info = store, queue, stages, info
        self.reporter, self.clock = reporter, clock
        self.lease_s, self.batch, self.keepers_only = lease_s, batch, keepers_only
        self.follow, self.poll_s = follow, poll_s
        self.guards = guards or {}
        self.storage_batch = storage_batch
        # rows worked at once per stage; a stage named here is worked from a window
        self.slots = {stage: count for stage, count in (slots or {}).items() if count >= 1}
        self.prepare = prepare  # e.g. the runtime check and the place tables: once registered, before any claim
        self.report = WorkerReport(info.id)
        self._held: dict[int, Claim] = {}  # by row id: every row this worker holds, started or not
        self._current: Claim | None = None
        self._status = "working"
        self._stop = threading.Event()
        self._mutex = threading.Lock()

    # ---------------------------------------------------------------- lease keeping

    def _beat(self) -> None:
        with self._mutex:
            claims = [self._current] if self._current is not None else []
            by_token: dict[str, list[Claim]] = {}
            for held in self._held.values():
                by_token.setdefault(held.token, []).append(held)
        for token, parts in by_token.items():  # one statement per claim, however many rows it split into
            claims.append(Claim(token=token, worker_id=self.info.id, stage=parts[0].stage,
                                keys=[key for part in parts for key in part.keys], expires_at=parts[0].expires_at,
                                ids=tuple(row_id for part in parts for row_id in part.ids)))
        for claim in claims:
            self.queue.renew(claim, self.lease_s)
        self.queue.heartbeat(self.info.id, self.lease_s, self.report.rows_done, self._status)

    def _keep_leases(self) -> None:
        interval = max(0.05, self.lease_s / 3)
        while not self._stop.wait(interval):
            try:
                self._beat()
            except Exception as exc:  # a missed beat is retried; a lease may lapse, never the work's safety
                self.reporter.warn(f"worker {self.info.id}: lease renewal failed ({exc.__class__.__name__}: {exc})")

    # ---------------------------------------------------------------- the loop

    def run(self) -> WorkerReport:
        # registered first: the others see this worker coming while it prepares (their first claims)
        self.queue.register(self.info, self.lease_s)
        self._beat()
        keeper = threading.Thread(target=self._keep_leases, name="proofdesk-lease", daemon=True)
        keeper.start()
        try:
            if self.prepare is not None:
                self.prepare()
            while True:
                if self._work_once():
                    continue
                self._status = "waiting"
                if not self.follow and self._drained():
                    break
                time.sleep(self.poll_s)  # rows held by others, or (with --follow) no work yet
        finally:
            self._stop.set()
            keeper.join(timeout=5)
            self._status = "stopped"
            try:
                self._beat()
            except Exception:  # noqa: BLE001 - the worker is ending either way; its lease lapses
                pass
        return self.report

    def _drained(self) -> bool:
        return all(self.queue.remaining(stage, self.keepers_only) == 0 for stage in self.stages)

    def _work_once(self) -> bool:
        for stage in WORK_STAGES:  # earlier stages first: captions wait for scenes, scenes for every resize
            runner = self.stages.get(stage)
            if runner is None:
                continue
            if stage in self.slots:
                if self._work_window(stage, runner, self.slots[stage]):
                    return True
                continue
            claim = self.queue.claim(self.info.id, stage, self.batch, self.lease_s, self.keepers_only)
            if claim is None:
                continue
            self._status = "working"
            self._run_claim(stage, runner, claim)
            return True
        return False

    def _first_claim_size(self, stage: str, slots: int) -> int:
        """Rows the first claim of a window takes: one per slot; a worker alone on the stage (no other
        live worker registered for it) takes up to `batch`, as no one else could take the ones it has
        not started (the first claim is made before any answer time is known)."""
        others = [w for w in self.queue.workers() if w.id != self.info.id and stage in w.stages
                  and w.status in ("working", "waiting")]
        return slots if others else max(slots, self.batch)

    def _work_window(self, stage: str, runner: StageRunner, slots: int) -> bool:
        """Keep `slots` rows in flight: a slot that frees claims the next row (one short
        transaction) and starts it, while the writer writes the row it finished; ends once nothing
        more can be claimed and every row is written. Returns whether any row was worked."""
        reporter = SerialReporter(self.reporter)
        unstarted: deque[Claim] = deque()
        running: dict[Future[WorkerContext], Claim] = {}
        first, exhausted, worked = True, False, False
        failure: BaseException | None = None
        written: list[WorkerContext] = []

        def done(context: WorkerContext) -> None:  # on the writer's thread: the row is written and released
            with self._mutex:
                self._held.pop(context.claim.ids[0], None)
                written.append(context)

        writer = WindowWriter(self.queue, self.guards.get(stage), done)
        pool = ThreadPoolExecutor(max_workers=slots, thread_name_prefix=f"proofdesk-{stage}")
        try:
            while True:
                failure = failure or writer.failure
                free = slots - len(running)
                if failure is None and not exhausted and free > len(unstarted):
                    want = self._first_claim_size(stage, slots) if first else free - len(unstarted)
                    claim = self.queue.claim(self.info.id, stage, want, self.lease_s, self.keepers_only)
                    first = False
                    if claim is None:
                        exhausted = True  # asked again once this window is done
                    else:
                        parts = row_claims(claim)
                        with self._mutex:
                            self._held.update((part.ids[0], part) for part in parts)
                        unstarted.extend(parts)
                        if self.report.first_claim_at is None:
                            self.report.first_claim_at = time.time()  # wall clock: comparable across workers
                while failure is None and unstarted and len(running) < slots:
                    part = unstarted.popleft()
                    self._status = "working"
                    running[pool.submit(self._run_row, stage, runner, part, reporter, writer)] = part
                if not running:
                    break
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    part = running.pop(future)
                    try:
                        future.result()
                    except BaseException as exc:  # noqa: BLE001 - re-raised once the other slots are done
                        failure = failure or exc
                        with self._mutex:
                            self._held.pop(part.ids[0], None)
        finally:
            pool.shutdown(wait=True)
            writer.close()
            for part in unstarted:  # left unstarted after a failure: free for the others at once
                self.queue.release(part)
            with self._mutex:
                for part in unstarted:
                    self._held.pop(part.ids[0], None)
            for context in written:
                worked = True
                self._record(stage, context)
        failure = failure or writer.failure
        if failure is not None:
            raise failure
        return worked

    def _run_row(self, stage: str, runner: StageRunner, claim: Claim, reporter: Reporter,
                 writer: WindowWriter[WorkerContext]) -> WorkerContext:
        context = WorkerContext(self.store, reporter, self.queue, claim, batch_size=self.storage_batch,
                                guard=self.guards.get(stage), sink=writer)
        try:
            runner(context)
            context.flush()
        except BaseException:
            self.queue.release(claim)  # nothing of it is written: free for the others at once
            raise
        writer.finish(context)  # released once its rows are written
        return context

    def _record(self, stage: str, context: WorkerContext) -> None:
        report = self.report
        report.claims += 1
        report.rows_done += len(context.written)
        report.by_stage[stage] = report.by_stage.get(stage, 0) + len(context.written)
        report.lost.extend(context.lost)
        report.last_write_at = time.time()
        if context.lost:
            self.reporter.warn(f"worker {self.info.id}: {stage} {', '.join(context.lost)} lost to an expired lease")

    def _run_claim(self, stage: str, runner: StageRunner, claim: Claim) -> None:
        report = self.report
        report.claims += 1
        if report.first_claim_at is None:
            report.first_claim_at = time.time()  # wall clock: comparable across workers
        with self._mutex:
            self._current = claim
        context = WorkerContext(self.store, self.reporter, self.queue, claim, batch_size=self.storage_batch,
                                guard=self.guards.get(stage))
        try:
            runner(context)
            context.flush()
        finally:
            with self._mutex:
                self._current = None
            self.queue.release(claim)
        report.rows_done += len(context.written)
        report.by_stage[stage] = report.by_stage.get(stage, 0) + len(context.written)
        report.lost.extend(context.lost)
        report.last_write_at = time.time()
        self.reporter.info(f"worker {self.info.id}: {stage} {len(context.written)} row(s)"
                           + (f", {len(context.lost)} lost to an expired lease" if context.lost else ""))


def summary(report: WorkerReport) -> dict[str, Any]:
    span = (report.last_write_at - report.first_claim_at) if report.first_claim_at and report.last_write_at else 0.0
    return {"worker": report.worker_id, "claims": report.claims, "rows_done": report.rows_done, "by_stage": report.by_stage,
            "lost": report.lost, "seconds_first_claim_to_last_write": round(span, 3),
            "first_claim_at": report.first_claim_at, "last_write_at": report.last_write_at}

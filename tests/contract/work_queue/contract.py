"""Work-queue behaviour (the claims of `proofdesk worker`), written once and bound to every
implementation: the in-memory fake and the MySQL/MariaDB queue.

Bind it with one line: `class TestMyWorkQueue(WorkQueueContract): ...` plus a `bench` fixture that
yields a `Bench`: the work queue, the (empty) queue store it works over, and `pass_time(seconds)`,
which lets that much time go by on the clock the leases are read from (the fake's clock is
advanced; a database's clock is waited for).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from proofdesk.core.domain.models import Row, RowStatus, Session, SessionStatus
from proofdesk.core.ports.storage import QueueStore, StorageError
from proofdesk.core.ports.work import WorkerInfo, WorkQueue

from tests.contract.storage.contract import make_row

LEASE_S = 0.6  # short, so a database's clock can be waited out
PAST_LEASE_S = LEASE_S + 0.5
RESIZED = ["exif", "score", "resize"]
SCENED = [*RESIZED, "scene"]


@dataclass
class Bench:
    queue: WorkQueue
    store: QueueStore
    pass_time: Callable[[float], None]

    def add(self, *rows: Row) -> None:
        with self.store.unit_of_work() as uow:
            uow.rows.add_many(list(rows))
            uow.commit()

    def row(self, key: tuple[str, str]) -> Row:
        with self.store.unit_of_work() as uow:
            found = uow.rows.get(*key)
        assert found is not None, key
        return found


def frames(count: int, set_name: str = "2026-06-12_lofoten", **extra: object) -> list[Row]:
    return [make_row(f"DSC_{n:04d}.jpg", set_name, **extra) for n in range(count)]


def worker(worker_id: str, stages: list[str] | None = None) -> WorkerInfo:
    return WorkerInfo(id=worker_id, host=f"host-{worker_id}", pid=100, stages=stages or ["caption"],
                      started_at=datetime(2026, 6, 12, 9, 0, tzinfo=UTC))


class WorkQueueContract:
    @pytest.fixture
    def bench(self) -> Bench:  # pragma: no cover - bound by subclasses
        raise NotImplementedError

    # ---------------------------------------------------------------- claiming

    def test_claim_is_none_when_no_row_needs_the_stage(self, bench: Bench) -> None:
        bench.add(*frames(2, stages_done=RESIZED))
        assert bench.queue.claim("w1", "score", 10, LEASE_S, keepers_only=False) is None
        assert bench.queue.remaining("score", keepers_only=False) == 0

    def test_claim_takes_up_to_limit_rows_that_need_the_stage_in_queue_order(self, bench: Bench) -> None:
        todo = frames(3)
        bench.add(*todo, make_row("DONE.jpg", "2026-06-12_lofoten", stages_done=RESIZED))
        claim = bench.queue.claim("w1", "score", 2, LEASE_S, keepers_only=False)
        assert claim is not None
        assert claim.keys == [todo[0].key, todo[1].key]
        assert claim.worker_id == "w1" and claim.stage == "score" and claim.token
        assert len(claim.ids) == 2 and claim.expires_at.tzinfo is not None

    def test_rejected_rows_are_not_scored(self, bench: Bench) -> None:
        bench.add(make_row("NO.jpg", status=RowStatus.REJECTED), make_row("YES.jpg"))
        claim = bench.queue.claim("w1", "score", 10, LEASE_S, keepers_only=False)
        assert claim is not None and [name for _, name in claim.keys] == ["YES.jpg"]

    def test_unknown_stage_is_refused_with_the_known_ones(self, bench: Bench) -> None:
        with pytest.raises(ValueError, match="unknown work stage 'publish'.*score, scene, caption"):
            bench.queue.claim("w1", "publish", 1, LEASE_S, keepers_only=False)

    def test_two_claimers_never_get_the_same_row(self, bench: Bench) -> None:
        bench.add(*frames(4))
        first = bench.queue.claim("w1", "score", 3, LEASE_S, keepers_only=False)
        second = bench.queue.claim("w2", "score", 3, LEASE_S, keepers_only=False)
        assert first is not None and second is not None
        assert len(first.keys) == 3 and len(second.keys) == 1
        assert set(first.keys).isdisjoint(second.keys)
        assert bench.queue.claim("w3", "score", 3, LEASE_S, keepers_only=False) is None

    def test_concurrent_claimers_split_the_rows_without_overlap(self, bench: Bench) -> None:
        bench.add(*frames(24))
        claimed: dict[str, list[tuple[str, str]]] = {}
        start = threading.Barrier(4)

        def claim_all(worker_id: str) -> None:
            start.wait()
            keys: list[tuple[str, str]] = []
            while (claim := bench.queue.claim(worker_id, "score", 2, 30, keepers_only=False)) is not None:
                keys += claim.keys
            claimed[worker_id] = keys

        threads = [threading.Thread(target=claim_all, args=(f"w{n}",)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        every = [key for keys in claimed.values() for key in keys]
        assert len(claimed) == 4
        assert sorted(every) == sorted(row.key for row in frames(24))  # each row once, none twice

    # ---------------------------------------------------------------- leases

    def test_claimed_rows_are_claimable_again_once_the_lease_expired(self, bench: Bench) -> None:
        bench.add(*frames(2))
        first = bench.queue.claim("w1", "score", 10, LEASE_S, keepers_only=False)
        assert first is not None
        assert bench.queue.claim("w2", "score", 10, LEASE_S, keepers_only=False) is None
        bench.pass_time(PAST_LEASE_S)
        second = bench.queue.claim("w2", "score", 10, LEASE_S, keepers_only=False)
        assert second is not None and second.keys == first.keys and second.token != first.token

    def test_renew_keeps_the_rows_held_past_the_first_lease(self, bench: Bench) -> None:
        bench.add(*frames(2))
        claim = bench.queue.claim("w1", "score", 10, LEASE_S, keepers_only=False)
        assert claim is not None
        assert bench.queue.renew(claim, 60) == 2
        bench.pass_time(PAST_LEASE_S)
        assert bench.queue.claim("w2", "score", 10, LEASE_S, keepers_only=False) is None

    def test_renew_of_rows_another_worker_took_over_renews_nothing(self, bench: Bench) -> None:
        bench.add(*frames(2))
        stale = bench.queue.claim("w1", "score", 10, LEASE_S, keepers_only=False)
        assert stale is not None
        bench.pass_time(PAST_LEASE_S)
        assert bench.queue.claim("w2", "score", 10, 60, keepers_only=False) is not None
        assert bench.queue.renew(stale, 60) == 0

    # ---------------------------------------------------------------- writing results

    def test_write_under_a_held_claim_stores_the_rows_and_returns_their_keys(self, bench: Bench) -> None:
        bench.add(*frames(2))
        claim = bench.queue.claim("w1", "score", 10, LEASE_S, keepers_only=False)
        assert claim is not None
        done = [bench.row(key).changed(stages_done=RESIZED, brisque_score=21.5) for key in claim.keys]
        assert bench.queue.write(claim, done) == claim.keys
        assert all(bench.row(key).brisque_score == 21.5 for key in claim.keys)
        assert bench.queue.remaining("score", keepers_only=False) == 0

    def test_write_with_a_stale_token_is_refused_after_another_worker_claimed_the_rows(self, bench: Bench) -> None:
        bench.add(*frames(2))
        stale = bench.queue.claim("w1", "score", 10, LEASE_S, keepers_only=False)
        assert stale is not None
        bench.pass_time(PAST_LEASE_S)
        fresh = bench.queue.claim("w2", "score", 10, 60, keepers_only=False)
        assert fresh is not None and fresh.keys == stale.keys
        late = [bench.row(key).changed(stages_done=RESIZED, brisque_score=99.0) for key in stale.keys]
        assert bench.queue.write(stale, late) == []
        assert all(bench.row(key).brisque_score is None for key in stale.keys)
        mine = [bench.row(key).changed(stages_done=RESIZED, brisque_score=12.0) for key in fresh.keys]
        assert bench.queue.write(fresh, mine) == fresh.keys  # exactly once: the new holder's result

    def test_a_late_result_is_kept_while_nobody_else_took_the_rows(self, bench: Bench) -> None:
        bench.add(*frames(1))
        claim = bench.queue.claim("w1", "score", 10, LEASE_S, keepers_only=False)
        assert claim is not None
        bench.pass_time(PAST_LEASE_S)
        late = [bench.row(key).changed(stages_done=RESIZED) for key in claim.keys]
        assert bench.queue.write(claim, late) == claim.keys

    def test_write_leaves_out_rows_outside_the_claim(self, bench: Bench) -> None:
        bench.add(*frames(3))
        claim = bench.queue.claim("w1", "score", 1, LEASE_S, keepers_only=False)
        other = bench.queue.claim("w2", "score", 1, LEASE_S, keepers_only=False)
        assert claim is not None and other is not None
        rows = [bench.row(key).changed(stages_done=RESIZED) for key in [*claim.keys, *other.keys]]
        assert bench.queue.write(claim, rows) == claim.keys
        assert bench.row(other.keys[0]).stages_done == []

    def test_write_of_no_rows_writes_nothing(self, bench: Bench) -> None:
        bench.add(*frames(1))
        claim = bench.queue.claim("w1", "score", 10, LEASE_S, keepers_only=False)
        assert claim is not None and bench.queue.write(claim, []) == []

    # ---------------------------------------------------------------- release

    def test_release_frees_the_rows_at_once(self, bench: Bench) -> None:
        bench.add(*frames(2))
        claim = bench.queue.claim("w1", "score", 10, 60, keepers_only=False)
        assert claim is not None
        bench.queue.release(claim)
        again = bench.queue.claim("w2", "score", 10, 60, keepers_only=False)
        assert again is not None and again.keys == claim.keys
        assert bench.queue.write(claim, [bench.row(key) for key in claim.keys]) == []  # released: no longer held

    def test_release_with_a_stale_claim_leaves_the_new_holder_alone(self, bench: Bench) -> None:
        bench.add(*frames(2))
        stale = bench.queue.claim("w1", "score", 10, LEASE_S, keepers_only=False)
        assert stale is not None
        bench.pass_time(PAST_LEASE_S)
        fresh = bench.queue.claim("w2", "score", 10, 60, keepers_only=False)
        assert fresh is not None
        bench.queue.release(stale)
        assert bench.queue.claim("w3", "score", 10, 60, keepers_only=False) is None
        assert bench.queue.renew(fresh, 60) == 2

    # ---------------------------------------------------------------- what each stage takes

    def test_remaining_counts_claimed_and_unclaimed_rows(self, bench: Bench) -> None:
        bench.add(*frames(3))
        assert bench.queue.claim("w1", "score", 2, 60, keepers_only=False) is not None
        assert bench.queue.remaining("score", keepers_only=False) == 3

    def test_caption_takes_rows_placed_in_scenes_and_not_yet_captioned(self, bench: Bench) -> None:
        bench.add(make_row("RESIZED.jpg", stages_done=RESIZED), make_row("SCENED.jpg", stages_done=SCENED),
                  make_row("DONE.jpg", stages_done=[*SCENED, "caption"]),
                  make_row("APPROVED.jpg", stages_done=SCENED, status=RowStatus.APPROVED))
        claim = bench.queue.claim("w1", "caption", 10, LEASE_S, keepers_only=False)
        assert claim is not None and [name for _, name in claim.keys] == ["SCENED.jpg"]
        assert bench.queue.remaining("caption", keepers_only=False) == 1

    def test_keepers_only_leaves_out_pending_frames_that_are_not_keepers(self, bench: Bench) -> None:
        bench.add(make_row("KEEPER.jpg", stages_done=SCENED, keeper=True, status=RowStatus.PENDING),
                  make_row("CULLED.jpg", stages_done=SCENED, keeper=False, status=RowStatus.PENDING),
                  make_row("ALONE.jpg", stages_done=SCENED, keeper=None, status=RowStatus.PENDING),
                  make_row("NEW.jpg", stages_done=SCENED, keeper=False, status=RowStatus.INGESTED))
        assert bench.queue.remaining("caption", keepers_only=True) == 3
        assert bench.queue.remaining("caption", keepers_only=False) == 4
        claim = bench.queue.claim("w1", "caption", 10, LEASE_S, keepers_only=True)
        assert claim is not None and sorted(name for _, name in claim.keys) == ["ALONE.jpg", "KEEPER.jpg", "NEW.jpg"]

    def test_scene_takes_a_whole_set_once_every_frame_is_resized(self, bench: Bench) -> None:
        waiting = frames(2, "2026-06-12_a", stages_done=RESIZED)
        bench.add(*waiting, make_row("LATE.jpg", "2026-06-12_a", stages_done=["exif"]),
                  *frames(3, "2026-06-12_b", stages_done=RESIZED))
        claim = bench.queue.claim("w1", "scene", 1, LEASE_S, keepers_only=False)
        assert claim is not None and {s for s, _ in claim.keys} == {"2026-06-12_b"} and len(claim.keys) == 3
        assert bench.queue.claim("w2", "scene", 1, LEASE_S, keepers_only=False) is None  # set a is not resized
        assert bench.queue.remaining("scene", keepers_only=False) == 6

    def test_scene_skips_a_set_another_worker_holds_a_frame_of(self, bench: Bench) -> None:
        bench.add(*frames(2, "2026-06-12_a", stages_done=RESIZED))
        held = bench.queue.claim("w1", "scene", 1, LEASE_S, keepers_only=False)
        assert held is not None
        assert bench.queue.claim("w2", "scene", 1, LEASE_S, keepers_only=False) is None

    def test_rows_of_an_open_session_are_not_claimed_until_it_closed(self, bench: Bench) -> None:
        session = Session(id="intake-1", started_at=datetime(2026, 6, 12, 9, 0, tzinfo=UTC))
        with bench.store.unit_of_work() as uow:
            uow.sessions.add(session)
            uow.commit()
        bench.add(*frames(2, session_id="intake-1"))
        assert bench.queue.claim("w1", "score", 10, LEASE_S, keepers_only=False) is None
        assert bench.queue.remaining("score", keepers_only=False) == 0
        with bench.store.unit_of_work() as uow:
            uow.sessions.update(session.changed(status=SessionStatus.CLOSED))
            uow.commit()
        claim = bench.queue.claim("w1", "score", 10, LEASE_S, keepers_only=False)
        assert claim is not None and len(claim.keys) == 2

    # ---------------------------------------------------------------- workers

    def test_registered_workers_are_listed_with_their_heartbeat_and_leased_rows(self, bench: Bench) -> None:
        bench.add(*frames(3))
        bench.queue.register(worker("w1", ["score"]), 60)
        bench.queue.heartbeat("w1", 60, rows_done=5, status="working")
        assert bench.queue.claim("w1", "score", 2, 60, keepers_only=False) is not None
        (status,) = bench.queue.workers()
        assert (status.id, status.host, status.pid, status.stages) == ("w1", "host-w1", 100, ["score"])
        assert (status.rows_done, status.status, status.leased_rows) == (5, "working", 2)
        assert status.lease_expires_at is not None and status.lease_expires_at > status.heartbeat_at

    def test_a_worker_without_a_heartbeat_within_its_lease_reads_lost(self, bench: Bench) -> None:
        bench.queue.register(worker("w1"), LEASE_S)
        bench.queue.register(worker("w2"), LEASE_S)
        bench.queue.heartbeat("w1", LEASE_S, rows_done=0, status="waiting")
        bench.queue.heartbeat("w2", LEASE_S, rows_done=3, status="stopped")
        bench.pass_time(PAST_LEASE_S)
        assert {w.id: w.status for w in bench.queue.workers()} == {"w1": "lost", "w2": "stopped"}

    def test_a_worker_id_is_registered_once(self, bench: Bench) -> None:
        bench.queue.register(worker("w1"), LEASE_S)
        with pytest.raises(StorageError):
            bench.queue.register(worker("w1"), LEASE_S)

    # ---------------------------------------------------------------- named locks

    def test_a_named_lock_is_held_by_one_at_a_time(self, bench: Bench) -> None:
        refused: list[str] = []

        def try_lock() -> None:
            try:
                with bench.queue.named_lock("proofdesk-duplicates", timeout_s=1):
                    pass
            except StorageError as exc:
                refused.append(str(exc))

        with bench.queue.named_lock("proofdesk-duplicates", timeout_s=5):
            thread = threading.Thread(target=try_lock)
            thread.start()
            thread.join(timeout=30)
        assert len(refused) == 1 and "proofdesk-duplicates" in refused[0]
        try_lock()  # free again once the holder left
        assert len(refused) == 1

"""Binds the work-queue contract to the in-memory fake and to MySQL/MariaDB (the queue workers
share; PROOFDESK_TEST_MYSQL_URL). SQLite has no work queue: there `proofdesk run` does every stage."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from proofdesk.adapters.memory import FixedClock, InMemoryQueueStore, InMemoryWorkQueue
from proofdesk.adapters.storage.sql import SqlQueueStore
from proofdesk.adapters.storage.work_queue import SqlWorkQueue
from proofdesk.core.ports.storage import StorageError

from .contract import Bench, WorkQueueContract


class TestInMemoryWorkQueue(WorkQueueContract):
    @pytest.fixture
    def bench(self) -> Bench:
        clock = FixedClock()
        store = InMemoryQueueStore(clock=clock)
        return Bench(InMemoryWorkQueue(store), store, lambda seconds: clock.advance(timedelta(seconds=seconds)))


class TestMysqlWorkQueue(WorkQueueContract):
    """Leases are read from the server's clock: time passes by waiting."""

    @pytest.fixture
    def bench(self, mysql_database_url: str) -> Iterator[Bench]:
        store = SqlQueueStore(mysql_database_url)
        yield Bench(SqlWorkQueue(store), store, time.sleep)
        store.close()


def test_the_sql_work_queue_refuses_a_sqlite_queue_and_says_why(tmp_path: Path) -> None:
    store = SqlQueueStore(f"sqlite:///{tmp_path / 'queue.sqlite'}")
    try:
        with pytest.raises(StorageError, match="workers share a MySQL/MariaDB queue"):
            SqlWorkQueue(store).claim("w1", "score", 1, 1.0, keepers_only=False)
    finally:
        store.close()

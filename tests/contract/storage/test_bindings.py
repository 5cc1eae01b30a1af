"""Binds the queue-storage contract to the in-memory fake and to SQLite (a file database)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from proofdesk.adapters.memory import InMemoryQueueStore
from proofdesk.adapters.storage.sql import SqlQueueStore
from proofdesk.core.ports.storage import QueueStore

from .contract import QueueStoreContract, make_row


class TestInMemoryQueueStore(QueueStoreContract):
    @pytest.fixture
    def store(self) -> QueueStore:
        return InMemoryQueueStore()


class TestSqliteQueueStore(QueueStoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[QueueStore]:
        store = SqlQueueStore(f"sqlite:///{tmp_path / 'queue.sqlite'}")
        yield store
        store.close()

    def test_schema_is_created_on_first_use_and_survives_reopen(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'nested' / 'queue.sqlite'}"
        first = SqlQueueStore(url)
        with first.unit_of_work() as uow:
            uow.rows.add(make_row())
            uow.commit()
        first.close()
        second = SqlQueueStore(url)
        with second.unit_of_work() as uow:
            assert len(uow.rows.list()) == 1
        assert second.dialect == "sqlite"
        second.close()


class TestMysqlQueueStore(QueueStoreContract):
    """The same contract against a real MariaDB/MySQL server (PROOFDESK_TEST_MYSQL_URL)."""

    @pytest.fixture
    def store(self, mysql_database_url: str) -> Iterator[QueueStore]:
        store = SqlQueueStore(mysql_database_url)
        assert store.dialect == "mysql"  # MariaDB reports the mysql dialect
        yield store
        store.close()

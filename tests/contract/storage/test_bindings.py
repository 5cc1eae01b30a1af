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

    def test_reasons_stored_before_kind_existed_read_as_fixes(self, tmp_path: Path) -> None:
        import json

        import sqlalchemy as sa

        url = f"sqlite:///{tmp_path / 'queue.sqlite'}"
        store = SqlQueueStore(url)
        with store.unit_of_work() as uow:
            uow.rows.add(make_row())
            uow.commit()
        store.close()
        old = [{"rule": "keywords.banned", "field": "keywords", "message": "fixed: dropped 'photo'"},
               {"rule": "caption.length", "field": "caption", "message": "too short"}]
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.exec_driver_sql("UPDATE review_queue SET proof_reasons = ?", (json.dumps(old),))
        engine.dispose()
        store = SqlQueueStore(url)
        with store.unit_of_work() as uow:
            (row,) = uow.rows.list()
        store.close()
        assert [(r.kind, r.message) for r in row.proof_reasons] == [("fix", "dropped 'photo'"), ("violation", "too short")]

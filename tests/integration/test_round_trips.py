"""Round trips to the queue database stay bounded (issue 20): statements counted with SQLAlchemy's
`before_cursor_execute` event (every statement this process sends, executemany counting once) for a
first `run --no-review` of 25 distinct photos with the offline captioner and for an unchanged
rerun, on SQLite and on MariaDB/MySQL (PROOFDESK_TEST_MYSQL_URL).

Limits: a first run ≤ 5 per photo + 60, an unchanged rerun ≤ 1 per photo + 40. The server's own
counters (GLOBAL `Questions` + `Com_admin_commands`: statements, COMMIT/ROLLBACK, pings) are checked
by `test_server_counters_stay_within_the_limits`, which needs the server to itself (other clients'
statements count too): it runs only with PROOFDESK_TEST_SERVER_COUNTERS=1
(`benchmarks/bench_round_trips.py` prints the same figures).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from proofdesk.core.services import failpoints

from tests.integration.conftest import Proofdesk
from tests.support.distinct_photos import make_distinct_photos

PHOTOS = 25
FIRST_RUN_LIMIT = 5 * PHOTOS + 60
RERUN_LIMIT = 1 * PHOTOS + 40


@pytest.fixture(scope="module")
def photo_set(tmp_path_factory: pytest.TempPathFactory, gps_set: Path) -> Path:
    return make_distinct_photos(gps_set, tmp_path_factory.mktemp("photos") / "2008-10-22_arezzo", PHOTOS)


@contextmanager
def counted() -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", count)


def run_twice(desk: Proofdesk, photo_set: Path, env: dict[str, str]) -> tuple[int, int]:
    with counted() as first:
        result = desk("run", str(photo_set), "--no-review", env=env)
    assert result.exit_code == 0, result.output
    listed = desk("rows", "--json", env=env)
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert len(rows) == PHOTOS
    assert all(row["metadata_quality"] == "accepted" and row["caption_source"] == "offline" for row in rows)
    with counted() as rerun:
        again = desk("run", str(photo_set), "--no-review", env=env)
    assert again.exit_code == 0, again.output
    assert "0 new, 0 refreshed, 25 unchanged" in again.output + again.stderr
    return len(first), len(rerun)


def check(first: int, rerun: int, where: str) -> None:
    print(f"{where}: first run {first} statements ({first / PHOTOS:.2f}/photo), "
          f"unchanged rerun {rerun} ({rerun / PHOTOS:.2f}/photo)")
    assert first <= FIRST_RUN_LIMIT, f"{where}: a first run of {PHOTOS} photos sent {first} statements (limit {FIRST_RUN_LIMIT})"
    assert rerun <= RERUN_LIMIT, f"{where}: an unchanged rerun of {PHOTOS} photos sent {rerun} statements (limit {RERUN_LIMIT})"


ENV = {"PROOFDESK_CAPTIONER__BACKEND": "offline"}


def test_statements_per_photo_on_sqlite(proofdesk: Proofdesk, photo_set: Path) -> None:
    check(*run_twice(proofdesk, photo_set, ENV), "sqlite")


def test_statements_per_photo_on_mysql(proofdesk: Proofdesk, photo_set: Path, mysql_database_url: str) -> None:
    env = {**ENV, "PROOFDESK_STORAGE__URL": mysql_database_url}
    assert proofdesk("db", "upgrade", env=env).exit_code == 0
    check(*run_twice(proofdesk, photo_set, env), "mysql")


def test_a_small_batch_size_still_rolls_back_exactly(proofdesk: Proofdesk, photo_set: Path) -> None:
    env = {**ENV, "PROOFDESK_STORAGE__BATCH_SIZE": "3", "PROOFDESK_FAULT": "stage7.after_caption:11:raise"}
    failpoints.reset()
    with pytest.raises(failpoints.FaultInjected):
        proofdesk("run", str(photo_set), "--no-review", env=env)
    failpoints.reset()
    assert proofdesk.rows() == [] and proofdesk.incoming_files() == []
    done = proofdesk("run", str(photo_set), "--no-review", env={**ENV, "PROOFDESK_STORAGE__BATCH_SIZE": "3"})
    assert done.exit_code == 0, done.output
    assert len(proofdesk.rows()) == PHOTOS


def server_counter(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            values = dict(connection.exec_driver_sql(
                "SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions', 'Com_admin_commands')").all())
    finally:
        engine.dispose()
    return int(values["Questions"]) + int(values["Com_admin_commands"])


@pytest.mark.skipif(os.environ.get("PROOFDESK_TEST_SERVER_COUNTERS") != "1" and os.environ.get("CI") != "true",
                    reason="needs the MySQL server to itself (CI has it): PROOFDESK_TEST_SERVER_COUNTERS=1")
def test_server_counters_stay_within_the_limits(proofdesk: Proofdesk, photo_set: Path, mysql_database_url: str) -> None:
    env = {**ENV, "PROOFDESK_STORAGE__URL": mysql_database_url}
    assert proofdesk("db", "upgrade", env=env).exit_code == 0
    overhead = server_counter(mysql_database_url)
    overhead = server_counter(mysql_database_url) - overhead  # what reading the counters costs
    start = server_counter(mysql_database_url)
    assert proofdesk("run", str(photo_set), "--no-review", env=env).exit_code == 0
    middle = server_counter(mysql_database_url)
    assert proofdesk("run", str(photo_set), "--no-review", env=env).exit_code == 0
    end = server_counter(mysql_database_url)
    check(middle - start - overhead, end - middle - overhead, "mysql server counters")

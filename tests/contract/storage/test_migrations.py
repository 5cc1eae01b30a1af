"""The queue schema's Alembic migrations (ADR 0012) on SQLite and on a real MariaDB/MySQL server.

* a database migrated to head has exactly the schema of `sql.metadata` (compare_metadata finds
  nothing): a model change without a new revision fails here;
* a queue made by `metadata.create_all` before migrations existed (the committed fixture) is
  stamped at 0001 and upgraded in place, every row and field unchanged;
* the upgrade re-checks the revision under the migration lock and gives up cleanly when another
  process holds it too long.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from proofdesk.adapters.storage import migrate
from proofdesk.adapters.storage.sql import SqlQueueStore, _row_to_db, make_engine, review_queue
from proofdesk.core.domain.models import RowStatus
from proofdesk.core.ports.storage import StorageError

from .contract import make_row

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "queue-created-by-create_all.sqlite"
TABLES = ("review_queue", "pipeline_sessions", "session_journal", "queue_lock")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", "mysql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "queue.sqlite")
    return request.getfixturevalue("new_mysql_database")()


@pytest.fixture
def engine_for() -> Iterator[Callable[[str], sa.Engine]]:
    engines: list[sa.Engine] = []

    def make(url: str) -> sa.Engine:
        engines.append(make_engine(url))
        return engines[-1]

    yield make
    for engine in engines:
        engine.dispose()


def revision_of(engine: sa.Engine) -> str | None:
    with engine.connect() as connection:
        return migrate.current_revision(connection)


def differences(engine: sa.Engine) -> list[Any]:
    with engine.connect() as connection:
        return migrate.schema_differences(connection)


def test_the_packaged_migrations_have_one_head_and_start_at_the_baseline() -> None:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    assert len(scripts.get_heads()) == 1, "two revisions share a down_revision: merge or renumber them"
    assert scripts.get_base() == migrate.BASELINE_REVISION
    assert migrate.head_revision() == scripts.get_current_head()


def test_a_migrated_database_matches_the_metadata(fresh_url: str, engine_for: Callable[[str], sa.Engine]) -> None:
    engine = engine_for(fresh_url)
    upgrade = migrate.upgrade_to_head(engine)
    assert upgrade.before is None and upgrade.after == migrate.head_revision() and not upgrade.adopted
    assert set(TABLES) <= set(sa.inspect(engine).get_table_names())
    assert differences(engine) == [], "sql.metadata and the migrations disagree: add a revision (ADR 0012)"
    again = migrate.upgrade_to_head(engine)
    assert (again.before, again.after, again.changed) == (upgrade.after, upgrade.after, False)


def test_first_use_of_the_store_migrates_and_the_queue_works(fresh_url: str) -> None:
    store = SqlQueueStore(fresh_url)
    try:
        with store.unit_of_work() as uow:
            uow.rows.add(make_row())
            uow.commit()
        assert revision_of(store.engine) == migrate.head_revision()
        assert store.upgrade_schema().changed is False
    finally:
        store.close()


def test_downgrade_to_base_and_back(fresh_url: str, engine_for: Callable[[str], sa.Engine]) -> None:
    engine = engine_for(fresh_url)
    migrate.upgrade_to_head(engine)
    with engine.begin() as connection:
        command.downgrade(migrate.alembic_config(connection), "base")
    assert not set(TABLES) & set(sa.inspect(engine).get_table_names())
    assert migrate.upgrade_to_head(engine).after == migrate.head_revision()
    assert differences(engine) == []


# ---------------------------------------------------------------- queues made before migrations


def dump(path: Path) -> dict[str, list[dict[str, Any]]]:
    with sqlite3.connect(path) as connection:
        connection.row_factory = sqlite3.Row
        return {table: [dict(row) for row in connection.execute(f"SELECT * FROM {table} ORDER BY 1")] for table in TABLES}


def test_the_fixture_was_made_before_migrations(tmp_path: Path) -> None:
    path = tmp_path / "queue.sqlite"
    shutil.copy(FIXTURE, path)  # never open the fixture itself: WAL mode would add -wal/-shm files
    with sqlite3.connect(path) as connection:
        names = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert names == set(TABLES)  # no alembic_version


def test_a_sqlite_queue_from_create_all_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "queue.sqlite"
    shutil.copy(FIXTURE, path)
    before = dump(path)
    assert len(before["review_queue"]) == 4 and len(before["pipeline_sessions"]) == 1

    store = SqlQueueStore(sqlite_url(path))
    try:
        with store.unit_of_work() as uow:
            rows = {row.original_name: row for row in uow.rows.list()}
            sessions = uow.sessions.list()
        assert revision_of(store.engine) == migrate.head_revision()
        assert differences(store.engine) == []
    finally:
        store.close()

    after = dump(path)
    # every row of every table, every field it had, unchanged; columns added by later revisions are empty
    kept = {table: [{name: row[name] for name in before_rows[0]} for row in after[table]] if before_rows else after[table]
            for table, before_rows in before.items()}
    assert kept == before
    added = {name for rows_ in after.values() for row in rows_ for name in row} - {
        name for rows_ in before.values() for row in rows_ for name in row}
    computed = {"accepted_file_name"}  # derived by the database from the row's own fields
    assert added and all(row[name] is None for rows_ in after.values() for row in rows_ for name in added - computed if name in row)
    assert all(row["accepted_file_name"] == (row["file_name"] if row["metadata_quality"] == "accepted" and row["status"] != "rejected"
                                             else None) for row in after["review_queue"])
    assert {name: row.status for name, row in rows.items()} == {
        "DSCN0010.jpg": RowStatus.APPROVED, "DSCN0021.jpg": RowStatus.REJECTED,
        "DSCN0029.jpg": RowStatus.PENDING, "DSCN0042.jpg": RowStatus.PENDING,
    }
    edited = rows["DSCN0029.jpg"]
    assert edited.caption.startswith("The Piazza Grande in Arezzo") and edited.edited_fields == ["caption"]
    assert all(row.keywords and row.file_name and row.sha256 for row in rows.values())
    assert [s.status.value for s in sessions] == ["closed"]
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [(migrate.head_revision(),)]


def test_upgrade_reports_an_adopted_queue(tmp_path: Path, engine_for: Callable[[str], sa.Engine]) -> None:
    path = tmp_path / "queue.sqlite"
    shutil.copy(FIXTURE, path)
    upgrade = migrate.upgrade_to_head(engine_for(sqlite_url(path)))
    assert upgrade.adopted and upgrade.before is None and upgrade.after == migrate.head_revision()


def make_pre_migration_queue(engine: sa.Engine) -> None:
    """The baseline tables without alembic_version, as create_all left them (revision 0001 builds
    exactly that schema; the alembic_version table is dropped afterwards)."""
    with engine.begin() as connection:
        command.upgrade(migrate.alembic_config(connection), migrate.BASELINE_REVISION)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE alembic_version")


def insert_old_rows(engine: sa.Engine, rows: list[Any]) -> None:
    """The old code's writes into a queue from before migrations: only the columns it has."""
    old_names = {column.name for column in sa.Table("review_queue", sa.MetaData(), autoload_with=engine).c}
    old_table = sa.Table("review_queue", sa.MetaData(),
                         *[column._copy() for column in review_queue.c if column.name in old_names])
    with engine.begin() as connection:
        for row in rows:
            values = _row_to_db(row)
            connection.execute(old_table.insert().values({k: v for k, v in values.items() if k in old_names}))


def test_a_mysql_queue_from_before_migrations_keeps_its_rows(new_mysql_database: Callable[[], str]) -> None:
    url = new_mysql_database()
    engine = make_engine(url)
    try:
        make_pre_migration_queue(engine)
        insert_old_rows(engine, [make_row(caption="Reine at dawn.", keywords=["reine", "lofoten"], brisque_score=21.125)])
        with engine.connect() as connection:
            raw_before = connection.execute(sa.text("SELECT * FROM review_queue")).all()
        assert revision_of(engine) is None

        store = SqlQueueStore(url)
        try:
            upgrade = store.upgrade_schema()
            assert upgrade.adopted and upgrade.after == migrate.head_revision()
            with store.unit_of_work() as uow:
                (row,) = uow.rows.list()
            assert (row.caption, row.keywords, row.brisque_score) == ("Reine at dawn.", ["reine", "lofoten"], 21.125)
        finally:
            store.close()
        with engine.connect() as connection:
            after = connection.execute(sa.text("SELECT * FROM review_queue")).all()
            assert [tuple(row)[: len(raw_before[0])] for row in after] == [tuple(row) for row in raw_before]  # new columns come last
        assert revision_of(engine) == migrate.head_revision()
        assert differences(engine) == []
    finally:
        engine.dispose()


def test_a_partial_pre_migration_schema_is_refused(tmp_path: Path, engine_for: Callable[[str], sa.Engine]) -> None:
    engine = engine_for(sqlite_url(tmp_path / "queue.sqlite"))
    make_pre_migration_queue(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE queue_lock")
    with pytest.raises(StorageError, match="only some of the queue tables.*missing queue_lock"):
        migrate.upgrade_to_head(engine)


# ---------------------------------------------------------------- the migration lock


def test_mysql_upgrade_waits_for_the_lock_and_rechecks(new_mysql_database: Callable[[], str],
                                                       engine_for: Callable[[str], sa.Engine]) -> None:
    url = new_mysql_database()
    holder_engine, waiter_engine = engine_for(url), engine_for(url)
    results: list[Any] = []
    with holder_engine.connect() as holder:
        assert holder.execute(sa.text("SELECT GET_LOCK(:n, 5)"), {"n": migrate.MYSQL_LOCK_NAME}).scalar() == 1
        holder.commit()
        waiter = threading.Thread(target=lambda: results.append(migrate.upgrade_to_head(waiter_engine)))
        waiter.start()
        time.sleep(1.0)
        assert waiter.is_alive() and not results  # it waits on the lock
        command.upgrade(migrate.alembic_config(holder), "head")  # "another process" migrates meanwhile
        holder.execute(sa.text("SELECT RELEASE_LOCK(:n)"), {"n": migrate.MYSQL_LOCK_NAME})
        holder.commit()
        waiter.join(timeout=30)
    head = migrate.head_revision()
    assert results and (results[0].before, results[0].after) == (head, head)  # found it done under the lock


def test_mysql_upgrade_gives_up_when_the_lock_is_held_too_long(new_mysql_database: Callable[[], str],
                                                               engine_for: Callable[[str], sa.Engine]) -> None:
    url = new_mysql_database()
    holder_engine, waiter_engine = engine_for(url), engine_for(url)
    with holder_engine.connect() as holder:
        holder.execute(sa.text("SELECT GET_LOCK(:n, 5)"), {"n": migrate.MYSQL_LOCK_NAME})
        holder.commit()
        with pytest.raises(StorageError, match="migration lock 'proofdesk_migrate' within 1 s"):
            migrate.upgrade_to_head(waiter_engine, timeout_s=1)
        holder.execute(sa.text("SELECT RELEASE_LOCK(:n)"), {"n": migrate.MYSQL_LOCK_NAME})
        holder.commit()
    assert revision_of(waiter_engine) is None  # nothing half-done


UPGRADE_IN_A_PROCESS = (
    "import sys; from proofdesk.adapters.storage import migrate; "
    "from proofdesk.adapters.storage.sql import make_engine; "
    "u = migrate.upgrade_to_head(make_engine(sys.argv[1])); print(u.before, u.after)"
)


def test_processes_migrating_a_fresh_database_at_once(fresh_url: str, engine_for: Callable[[str], sa.Engine]) -> None:
    processes = [subprocess.Popen([sys.executable, "-c", UPGRADE_IN_A_PROCESS, fresh_url],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(6)]
    outcomes = [(p.wait(timeout=120), *p.communicate()) for p in processes]
    head = migrate.head_revision()
    assert all(code == 0 for code, _, _ in outcomes), [err for _, _, err in outcomes]
    assert all(out.split()[1] == head for _, out, _ in outcomes)
    # one migrated; every other one found it done when it re-checked under the lock
    assert sorted(out.split()[0] for _, out, _ in outcomes) == [head] * 5 + ["None"]
    engine = engine_for(fresh_url)
    assert revision_of(engine) == head and differences(engine) == []


# ---------------------------------------------------------------- rehearsing the next revision

REVISION_2 = '''"""add review_queue.colour (a rehearsal; never shipped)"""

import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = "{down_revision}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_queue") as batch_op:
        batch_op.add_column(sa.Column("colour", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review_queue") as batch_op:
        batch_op.drop_column("colour")
'''


@pytest.fixture
def migrations_with_revision_2(tmp_path: Path) -> str:
    """A copy of the packaged migrations plus a revision 0002 that adds a column."""
    from importlib.resources import files

    location = tmp_path / "migrations"
    shutil.copytree(str(files(migrate.MIGRATIONS_PACKAGE)), location,
                    ignore=shutil.ignore_patterns("__pycache__"))
    head = migrate.head_revision()
    (location / "versions" / f"{REHEARSAL}_add_review_queue_colour.py").write_text(
        REVISION_2.replace("{revision}", REHEARSAL).replace("{down_revision}", head))
    return str(location)


# the rehearsal comes right after the packaged head
REHEARSAL = f"{int(migrate.head_revision()) + 1:04d}"


def test_a_second_revision_upgrades_an_old_queue_in_place(fresh_url: str, migrations_with_revision_2: str,
                                                          engine_for: Callable[[str], sa.Engine],
                                                          tmp_path: Path) -> None:
    if fresh_url.startswith("sqlite"):
        path = tmp_path / "old.sqlite"
        shutil.copy(FIXTURE, path)
        fresh_url = sqlite_url(path)
        engine = engine_for(fresh_url)
    else:
        engine = engine_for(fresh_url)
        make_pre_migration_queue(engine)
        insert_old_rows(engine, [make_row(), make_row("DSCN0021.jpg")])
    with engine.connect() as connection:
        rows_before = [dict(row) for row in connection.execute(sa.text("SELECT * FROM review_queue ORDER BY id")).mappings()]

    upgrade = migrate.upgrade_to_head(engine, script_location=migrations_with_revision_2)
    assert (upgrade.before, upgrade.after, upgrade.adopted) == (None, REHEARSAL, True)
    columns = [c["name"] for c in sa.inspect(engine).get_columns("review_queue")]
    assert columns[-1] == "colour"
    with engine.connect() as connection:
        rows_after = [dict(row) for row in connection.execute(sa.text("SELECT * FROM review_queue ORDER BY id")).mappings()]
    assert [{name: row[name] for name in rows_before[0]} for row in rows_after] == rows_before
    assert all(row["colour"] is None for row in rows_after)
    again = migrate.upgrade_to_head(engine, script_location=migrations_with_revision_2)
    assert (again.before, again.after) == (REHEARSAL, REHEARSAL)


def test_draft_revision_writes_the_next_numbered_file(migrations_with_revision_2: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from proofdesk.adapters.storage import sql

    colour = sa.Column("colour", sa.String(32))
    extra = sa.Column("mood", sa.String(16))
    monkeypatch.setattr(sql, "metadata", sa.MetaData())  # env.py compares with a copy plus one column
    table = sql.review_queue.to_metadata(sql.metadata)
    table.append_column(colour)
    table.append_column(extra)
    for other in (sql.sessions_table, sql.journal_table, sql.lock_table):
        other.to_metadata(sql.metadata)
    path = Path(migrate.draft_revision("add review_queue.mood", migrations_with_revision_2))
    assert path.name == f"{int(REHEARSAL) + 1:04d}_add_review_queue_mood.py"
    text = path.read_text()
    assert f"down_revision = '{REHEARSAL}'" in text and "batch_op.add_column(sa.Column('mood'" in text
    assert "colour" not in text  # already added by the rehearsal


def test_a_queue_from_a_newer_proofdesk_is_refused(tmp_path: Path, engine_for: Callable[[str], sa.Engine]) -> None:
    engine = engine_for(sqlite_url(tmp_path / "queue.sqlite"))
    migrate.upgrade_to_head(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0999'")
    with pytest.raises(StorageError, match="revision 0999, which this proofdesk does not know.*newer proofdesk"):
        migrate.upgrade_to_head(engine)

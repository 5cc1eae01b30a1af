"""Brings a review-queue database to the newest schema revision with Alembic (ADR 0012).

The migration scripts ship inside the package (`migrations/`), so no alembic.ini is needed:
`alembic_config()` points Alembic at them and the caller's connection travels in
`config.attributes["connection"]`.

Concurrency: several processes may open a fresh or outdated queue at once. Each one checks the
revision without a lock (the common case, already at head, costs one query); when something is
pending it takes the migration lock, checks again (another process may have upgraded meanwhile)
and only then migrates:

* MySQL/MariaDB: `GET_LOCK('proofdesk_migrate', timeout)` on the migrating connection;
* SQLite: the database's write lock, held from `BEGIN IMMEDIATE` (the engines from `make_engine`
  begin every transaction that way; in WAL mode it excludes other writers like `BEGIN EXCLUSIVE`)
  to the commit, so the whole upgrade is one transaction.

A queue created before migrations existed (the tables made by `metadata.create_all`, no
`alembic_version` table) is stamped at revision 0001, which is exactly that schema, and then
upgraded in place; its rows are kept.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from proofdesk.adapters.storage.schema import make_engine, metadata, storage_error
from proofdesk.core.ports.storage import StorageError
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

MIGRATIONS_PACKAGE = "proofdesk.adapters.storage.migrations"
MYSQL_LOCK_NAME = "proofdesk_migrate"
LOCK_TIMEOUT_S = 120
BASELINE_REVISION = "0001"
# The tables revision 0001 creates; all of them without alembic_version = a pre-migration queue.
BASELINE_TABLES = frozenset({"review_queue", "pipeline_sessions", "session_journal", "queue_lock"})


@dataclass(frozen=True)
class SchemaUpgrade:
    """What an upgrade found and left: revisions are None for "no alembic_version"."""

    before: str | None
    after: str | None
    adopted: bool = False  # the tables predated migrations and were stamped at the baseline

    @property
    def changed(self) -> bool:
        return self.adopted or self.before != self.after


def alembic_config(connection: Connection | None = None, script_location: str | None = None) -> Config:
    """An Alembic config for the packaged migrations (no alembic.ini), bound to `connection`."""
    config = Config()
    config.set_main_option("script_location", script_location or str(files(MIGRATIONS_PACKAGE)))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision(script_location: str | None = None) -> str:
    head = ScriptDirectory.from_config(alembic_config(script_location=script_location)).get_current_head()
    assert head is not None, "the queue migrations have no head revision"
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision recorded in alembic_version, or None when there is none."""
    return MigrationContext.configure(connection).get_current_revision()


def _pending(engine: Engine, head: str) -> bool:
    with engine.connect() as connection:
        return current_revision(connection) != head


@contextmanager
def _migration_lock(engine: Engine, timeout_s: int) -> Iterator[Connection]:
    """A connection that holds the migration lock until the block ends (see the module text)."""
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            with connection.begin():  # BEGIN IMMEDIATE: the write lock, waits on the busy timeout
                yield connection
            return
        if connection.dialect.name in ("mysql", "mariadb"):
            got = connection.execute(sa.text("SELECT GET_LOCK(:name, :timeout)"),
                                     {"name": MYSQL_LOCK_NAME, "timeout": timeout_s}).scalar()
            connection.commit()  # the lock belongs to the session, not to this transaction
            if got != 1:
                raise StorageError(
                    f"could not take the migration lock {MYSQL_LOCK_NAME!r} within {timeout_s} s "
                    "(another process is migrating the queue schema); run again"
                )
            try:
                yield connection
            finally:
                if connection.in_transaction():
                    connection.rollback()
                connection.execute(sa.text("SELECT RELEASE_LOCK(:name)"), {"name": MYSQL_LOCK_NAME})
                connection.commit()
            return
        yield connection  # other databases: no lock (only SQLite and MySQL/MariaDB are supported)


def _settle(connection: Connection) -> None:
    """MySQL has no transactional DDL: commit what a step left open, so the next Alembic command
    runs (and commits) its own transactions. SQLite keeps its one transaction, the one that holds
    the write lock; Alembic joins it and the lock's block commits it."""
    if connection.dialect.name != "sqlite" and connection.in_transaction():
        connection.commit()


def _upgrade_locked(connection: Connection, head: str, script_location: str | None) -> SchemaUpgrade:
    before = current_revision(connection)  # again, under the lock
    if before == head:
        return SchemaUpgrade(before, before)
    scripts = ScriptDirectory.from_config(alembic_config(script_location=script_location))
    if before is not None and before not in {script.revision for script in scripts.walk_revisions()}:
        raise StorageError(
            f"the queue database is at schema revision {before}, which this proofdesk does not know "
            f"(its newest is {head}): a newer proofdesk upgraded it; use that version"
        )
    existing = BASELINE_TABLES & set(sa.inspect(connection).get_table_names()) if before is None else set()
    if existing and existing != BASELINE_TABLES:
        raise StorageError(
            f"the queue database holds only some of the queue tables ({', '.join(sorted(existing))}; "
            f"missing {', '.join(sorted(BASELINE_TABLES - existing))}) and no alembic_version table: "
            "an interrupted first run of an older proofdesk? If those tables are empty, drop them and run again"
        )
    config = alembic_config(connection, script_location)
    adopted = existing == BASELINE_TABLES
    if adopted:
        _settle(connection)
        command.stamp(config, BASELINE_REVISION)  # tables made by create_all before migrations existed
    _settle(connection)
    command.upgrade(config, "head")
    _settle(connection)
    return SchemaUpgrade(before, current_revision(connection), adopted)


def upgrade_to_head(engine: Engine, timeout_s: int = LOCK_TIMEOUT_S,
                    script_location: str | None = None) -> SchemaUpgrade:
    """Apply every pending revision (safe to call from many processes at once).

    `engine` should come from `make_engine` (on SQLite it begins transactions with BEGIN IMMEDIATE).
    `script_location` replaces the packaged migrations (tests rehearse a future revision with it).
    Raises StorageError when the database cannot be read or migrated.
    """
    head = head_revision(script_location)
    try:
        if not _pending(engine, head):
            return SchemaUpgrade(head, head)
        with _migration_lock(engine, timeout_s) as connection:
            return _upgrade_locked(connection, head, script_location)
    except SQLAlchemyError as exc:
        raise storage_error(exc, "migrating the schema") from exc
    except CommandError as exc:
        raise StorageError(f"cannot migrate the queue schema: {exc}") from exc


def schema_differences(connection: Connection) -> list[Any]:
    """Alembic's comparison of the database with the queue's SQLAlchemy metadata ([] = in step)."""
    from alembic.autogenerate import compare_metadata

    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def draft_revision(message: str, script_location: str | None = None) -> str:
    """Write the next revision file (`versions/NNNN_<message>.py`) with what Alembic's
    autogenerate finds between the current head and `schema.metadata`; returns its path.

    For developers (ADR 0012): change the metadata, run
    `python -m proofdesk.adapters.storage.migrate revision -m "add rows.colour"`, then read and
    edit the draft (autogenerate misses renames and data moves) and run the migration tests.
    """

    head = ScriptDirectory.from_config(alembic_config(script_location=script_location)).get_current_head()
    next_id = f"{int(head or 0) + 1:04d}"
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{scratch}/head.sqlite")
        try:
            with engine.begin() as connection:
                config = alembic_config(connection, script_location)
                command.upgrade(config, "head")
                script = command.revision(config, message=message, autogenerate=True, rev_id=next_id)
        finally:
            engine.dispose()
    assert script is not None and not isinstance(script, list)
    return str(script.path)


def _main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m proofdesk.adapters.storage.migrate",
                                     description="Queue-schema migrations for proofdesk developers.")
    commands = parser.add_subparsers(dest="command", required=True)
    revision = commands.add_parser("revision", help="draft the next revision from the metadata change")
    revision.add_argument("-m", "--message", required=True, help="what the revision does, e.g. 'add rows.colour'")
    args = parser.parse_args(argv)
    if args.command == "revision":
        print(f"wrote {draft_revision(args.message)}; read it, edit it, run tests/contract/storage")


if __name__ == "__main__":
    _main()

"""`proofdesk db upgrade`: the queue database's schema (Alembic migrations shipped with proofdesk)."""

from __future__ import annotations

import click
from proofdesk.apps.cli.common import CliContext, handle_errors, print_json


@click.group()
def db() -> None:
    """The queue database's schema (Alembic migrations shipped with proofdesk)."""


@db.command(name="upgrade")
@click.option("--json", "as_json", is_flag=True, help="Print the revisions as JSON.")
@click.pass_obj
@handle_errors
def db_upgrade(cli: CliContext, as_json: bool) -> None:
    """Apply pending schema migrations to the queue database and print the revision before and
    after. `run` and every command that opens the queue do this by themselves; use this to
    upgrade ahead of time (e.g. once, before starting several machines on a shared queue)."""
    from proofdesk.core.domain.errors import InputError

    store = cli.container.queue_store()
    if not hasattr(store, "upgrade_schema"):
        raise InputError(f"the {cli.settings.storage.backend} queue has no database schema to upgrade")
    upgrade = store.upgrade_schema()
    before = upgrade.before or ("none (tables from before migrations)" if upgrade.adopted else "none (empty)")
    if as_json:
        print_json({"queue": store.description, "before": upgrade.before, "after": upgrade.after,
                    "adopted": upgrade.adopted, "changed": upgrade.changed})
        return
    click.echo(f"queue:           {store.description}")
    click.echo(f"revision before: {before}")
    click.echo(f"revision after:  {upgrade.after} (head)" + ("" if upgrade.changed else ", nothing to do"))


COMMANDS = [db]

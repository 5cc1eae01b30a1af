"""`proofdesk status`, `rows` and `show`: read the queue and print it."""

from __future__ import annotations

from typing import Any

import click
from proofdesk.apps.cli.common import CliContext, handle_errors, print_json, set_option, unit_of_work


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print counts as JSON.")
@click.pass_obj
@handle_errors
def status(cli: CliContext, as_json: bool) -> None:
    """Counts of rows per status and per proof verdict."""
    from proofdesk.core.services.status import queue_status

    queue_file = cli.sqlite_queue_file()
    if queue_file is not None and not queue_file.exists():
        # nothing queued here yet: the counts of an empty queue, and no queue (or workdir) created
        from proofdesk.adapters.memory import InMemoryQueueStore

        with InMemoryQueueStore().unit_of_work() as uow:
            report = queue_status(uow)
        report["workers"] = []
        description = f"sqlite:///{queue_file} (not created yet: nothing was run here)"
    else:
        with unit_of_work(cli) as uow:
            report = queue_status(uow)
        report["workers"] = _workers(cli)
        description = cli.container.queue_store().description
    if as_json:
        print_json(report)
        return
    click.echo(f"queue: {description}")
    click.echo("rows by status:  " + ", ".join(f"{k} {v}" for k, v in report["status"].items()))
    click.echo("proof verdicts:  " + ", ".join(f"{k} {v}" for k, v in report["proof"].items()))
    if report["open_session"]:
        click.echo(f"open session:    {report['open_session']}")
    stale = report.get("published_stale", {})
    for entry in stale.get("replaced", []):
        click.echo(f"replaced picture, old image still published: {entry}; publishing the new one takes it down "
                   "(or proofdesk unpublish)")
    for entry in stale.get("renamed", []):
        click.echo(f"renamed, still published under the old name: {entry}; approve and publish to move it")
    for w in report["workers"]:
        click.echo(f"worker {w['id']} ({w['status']}): {', '.join(w['stages'])}; {w['leased_rows']} leased, "
                   f"{w['rows_done']} done, {w['rows_per_min']} rows/min")


def public_row(cli: CliContext, row: Any) -> dict[str, Any]:
    """A row as `rows --json` and `show` print it. The queue stores the incoming and model-ready
    paths relative to the workdir (so a moved project works as it is); they are printed as this
    machine reads them, except on a shared root, where they stay relative to it (each machine
    mounts it elsewhere)."""
    data: dict[str, Any] = row.to_public_dict()
    if cli.settings.storage.shared_root is None:
        files = cli.container.file_store()
        for name in ("incoming_path", "ollama_path"):
            if data.get(name):
                data[name] = files.resolve(data[name])
    return data


def _workers(cli: CliContext) -> list[dict[str, object]]:
    """The workers of a shared MySQL/MariaDB queue (none for SQLite)."""
    from proofdesk.adapters.storage.sql import SqlQueueStore

    store = cli.container.queue_store()
    if not isinstance(store, SqlQueueStore) or store.dialect not in ("mysql", "mariadb"):
        return []
    now = cli.container.clock().now()
    result: list[dict[str, object]] = []
    for w in cli.container.work_queue().workers():
        minutes = max((w.heartbeat_at - w.started_at).total_seconds(), 1.0) / 60
        result.append({"id": w.id, "host": w.host, "pid": w.pid, "stages": w.stages, "status": w.status,
                       "leased_rows": w.leased_rows, "lease_expires_at": w.lease_expires_at.isoformat() if w.lease_expires_at else None,
                       "rows_done": w.rows_done, "rows_per_min": round(w.rows_done / minutes, 1),
                       "started_at": w.started_at.isoformat(), "heartbeat_at": w.heartbeat_at.isoformat(),
                       "seconds_since_heartbeat": round((now - w.heartbeat_at).total_seconds(), 1)})
    return result


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print every row as a JSON list.")
@click.option("--status", "status_filter", default=None, help="Only rows with this status.")
@click.option("--set", "set_name", default=None, help="Only rows of this set.")
@click.pass_obj
@handle_errors
def rows(cli: CliContext, as_json: bool, status_filter: str | None, set_name: str | None) -> None:
    """List rows (`--json` prints every field of each row: status, file names, caption, alt text,
    keywords, EXIF facts, scores and the proof's verdict and reasons)."""
    from proofdesk.core.services.selection import list_rows, parse_status

    parse_status(status_filter)  # a bad --status is refused before the queue is opened
    with unit_of_work(cli) as uow:
        listed = list_rows(uow, status_filter, set_name)
    if as_json:
        print_json([public_row(cli, row) for row in listed])
        return
    if not listed:
        click.echo("no rows")
        return
    for row in listed:
        verdict = row.metadata_quality.value if row.metadata_quality else "-"
        click.echo(f"{row.status.value:9} {verdict:8} {row.set_name}/{row.original_name}  {row.file_name or ''}")


@click.command()
@click.argument("name")
@set_option
@click.option("--json", "as_json", is_flag=True, help="Print the row as JSON.")
@click.pass_obj
@handle_errors
def show(cli: CliContext, name: str, set_name: str | None, as_json: bool) -> None:
    """Show one row by its original file name or current file_name."""
    from proofdesk.core.services.status import find_row

    with unit_of_work(cli) as uow:
        row = find_row(uow, name, set_name)
    data = public_row(cli, row)
    if as_json:
        print_json(data)
        return
    for key, value in data.items():
        if value not in (None, [], ""):
            click.echo(f"{key:24} {value}")


COMMANDS = [status, rows, show]

"""`proofdesk status`, `rows` and `show`: read the queue and print it."""

from __future__ import annotations

from typing import Any

import click
from proofdesk.apps.cli.common import CliContext, handle_errors, print_json, set_option


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print counts as JSON.")
@click.pass_obj
@handle_errors
def status(cli: CliContext, as_json: bool) -> None:
    """Counts of rows per status and per proof verdict."""
    from proofdesk.core.services.status import store_status, worker_status

    queue_file = cli.sqlite_queue_file()
    if queue_file is not None and not queue_file.exists():
        # nothing queued here yet: the counts of an empty queue, and no queue (or workdir) created
        report = store_status(None)
        report["workers"] = []
        description = f"sqlite:///{queue_file} (not created yet: nothing was run here)"
    else:
        container = cli.container
        report = store_status(container.queue_store())
        report["workers"] = worker_status(container.shared_work_queue(), container.clock().now())
        description = container.queue_store().description
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


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print every row as a JSON list.")
@click.option("--status", "status_filter", default=None, help="Only rows with this status.")
@click.option("--set", "set_name", default=None, help="Only rows of this set.")
@click.pass_obj
@handle_errors
def rows(cli: CliContext, as_json: bool, status_filter: str | None, set_name: str | None) -> None:
    """List rows (`--json` prints every field of each row: status, file names, caption, alt text,
    keywords, EXIF facts, scores and the proof's verdict and reasons)."""
    from proofdesk.core.services.selection import parse_status, rows_of

    parse_status(status_filter)  # a bad --status is refused before the queue is opened
    listed = rows_of(cli.container.queue_store(), status_filter, set_name)
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
    from proofdesk.core.services.status import row_named

    row = row_named(cli.container.queue_store(), name, set_name)
    data = public_row(cli, row)
    if as_json:
        print_json(data)
        return
    for key, value in data.items():
        if value not in (None, [], ""):
            click.echo(f"{key:24} {value}")


COMMANDS = [status, rows, show]

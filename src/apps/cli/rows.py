"""`proofdesk status`, `rows` and `show`: read the queue and print it."""

from __future__ import annotations

import click
from proofdesk.apps.cli.common import CliContext, handle_errors, print_json, set_option, unit_of_work


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print counts as JSON.")
@click.pass_obj
@handle_errors
def status(cli: CliContext, as_json: bool) -> None:
    """Counts of rows per status and per proof verdict."""
    from proofdesk.core.services.status import queue_status

    with unit_of_work(cli) as uow:
        report = queue_status(uow)
    if as_json:
        print_json(report)
        return
    click.echo(f"queue: {cli.container.queue_store().description}")
    click.echo("rows by status:  " + ", ".join(f"{k} {v}" for k, v in report["status"].items()))
    click.echo("proof verdicts:  " + ", ".join(f"{k} {v}" for k, v in report["proof"].items()))
    if report["open_session"]:
        click.echo(f"open session:    {report['open_session']}")


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
        print_json([row.to_public_dict() for row in listed])
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
    data = row.to_public_dict()
    if as_json:
        print_json(data)
        return
    for key, value in data.items():
        if value not in (None, [], ""):
            click.echo(f"{key:24} {value}")


COMMANDS = [status, rows, show]

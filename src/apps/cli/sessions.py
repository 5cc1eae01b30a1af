"""`proofdesk sessions` and `rollback`: the pipeline's session journal."""

from __future__ import annotations

import click
from proofdesk.apps.cli.common import CliContext, handle_errors, print_json


@click.command()
@click.argument("session_id", required=False)
@click.pass_obj
@handle_errors
def rollback(cli: CliContext, session_id: str | None) -> None:
    """Roll back SESSION_ID (default: the last open session). A closed session is refused."""
    from proofdesk.apps.reporting import ConsoleReporter

    reporter = ConsoleReporter(cli.settings.runs_dir)
    try:
        session = cli.container.pipeline(reporter=reporter).rollback(session_id, reason="proofdesk rollback")
    finally:
        reporter.close()
    click.echo(f"session {session.id} rolled back")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print sessions as JSON.")
@click.pass_obj
@handle_errors
def sessions(cli: CliContext, as_json: bool) -> None:
    """List pipeline sessions (open, closed, rolled back)."""
    from proofdesk.core.services.status import list_sessions

    listed = list_sessions(cli.container.queue_store())
    if as_json:
        print_json([s.model_dump(mode="json") for s in listed])
        return
    for session in listed:
        click.echo(f"{session.id}  {session.status.value:11} {', '.join(session.sets)}  {session.note or ''}")
    if not listed:
        click.echo("no sessions")


COMMANDS = [rollback, sessions]

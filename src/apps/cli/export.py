"""`proofdesk export`: export.json with the accepted rows (the use case is `services.export`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from proofdesk.apps.cli.common import EXIT_BLOCKED, CliContext, handle_errors, unit_of_work


@click.command()
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write export.json (default: runs/<last session>/export.json).")
@click.pass_obj
@handle_errors
def export(cli: CliContext, output: Path | None) -> None:
    """Write export.json with the accepted rows, only when no row is blocked (else exit 3)."""
    from proofdesk.core.services.export import export_rows

    with unit_of_work(cli) as uow:
        result = export_rows(uow.rows.list())
        sessions_list = uow.sessions.list()
    if not result.ok:
        click.echo(f"proofdesk: {len(result.blocked)} row(s) are blocked by the proof; nothing exported: "
                   + ", ".join(result.blocked), err=True)
        sys.exit(EXIT_BLOCKED)
    if output is None:
        last = sessions_list[-1].id if sessions_list else "manual"
        output = cli.settings.runs_dir / last / "export.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result.rows, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    click.echo(f"exported {len(result.rows)} accepted row(s) to {output}")


COMMANDS = [export]

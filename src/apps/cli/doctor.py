"""`proofdesk doctor`: one line per check (the checks are `proofdesk.apps.doctor`)."""

from __future__ import annotations

import sys

import click
from proofdesk.apps.cli.common import EXIT_EXTERNAL, CliContext, handle_errors, print_json


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@click.pass_obj
@handle_errors
def doctor(cli: CliContext, as_json: bool) -> None:
    """Check storage, work area, captioner (runtime check), scorers (real or fallback), uploader and
    gallery: one line each; exit 4 when a check fails."""
    from proofdesk.apps.doctor import run_checks

    checks = run_checks(cli.settings, cli.container)
    failed = [c for c in checks if not c["ok"]]
    if as_json:
        print_json({"ok": not failed, "checks": checks})
    else:
        for item in checks:
            if not item["ok"]:
                mark = click.style("FAIL", fg="red")
            elif item.get("warning"):
                mark = click.style("warn", fg="yellow")
            else:
                mark = click.style("ok  ", fg="green")
            click.echo(f"{mark} {item['check']:10} {item['detail']}")
    if failed:
        sys.exit(EXIT_EXTERNAL)


COMMANDS = [doctor]

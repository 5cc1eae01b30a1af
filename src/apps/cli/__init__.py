"""The `proofdesk` command line: translates arguments into use-case calls and renders results.

Each command lives in a small module of this package (parse the arguments, call one use case,
render); `main` is the click group they hang off and the console-script entry point.

Exit codes:
  0 success · 1 unexpected error (a bug) · 2 bad input, usage or an illegal transition ·
  3 finished but rows are blocked by the proof · 4 an external service or resource failed ·
  5 another session holds the queue · 130 interrupted (Ctrl-C)
"""

from __future__ import annotations

from pathlib import Path

import click
from proofdesk.apps.cli import (
    culling,
    db,
    doctor,
    export,
    init,
    places,
    publish,
    report,
    review_cmds,
    rows,
    run,
    serve,
    sessions,
    sets,
    worker,
)
from proofdesk.apps.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_BLOCKED,
    EXIT_BUG,
    EXIT_EXTERNAL,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_OK,
    CliContext,
    handle_errors,
)

__all__ = [
    "EXIT_BAD_INPUT", "EXIT_BLOCKED", "EXIT_BUG", "EXIT_EXTERNAL", "EXIT_INTERRUPTED", "EXIT_LOCKED", "EXIT_OK",
    "CliContext", "handle_errors", "main",
]


class ProofdeskGroup(click.Group):
    """Accepts `--config FILE` anywhere on the line (`proofdesk run SET --config F` as well as
    `proofdesk --config F run SET`): every command takes it, as the scriptable interface promises."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        hoisted: list[str] = []
        rest: list[str] = []
        iterator = iter(args)
        for arg in iterator:
            if arg == "--":
                rest.append(arg)
                rest.extend(iterator)
                break
            if arg == "--config":
                hoisted += [arg, next(iterator, "")]
            elif arg.startswith("--config="):
                hoisted.append(arg)
            else:
                rest.append(arg)
        return super().parse_args(ctx, hoisted + rest)


@click.group(cls=ProofdeskGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    envvar="PROOFDESK_CONFIG",
    help="TOML config file. Without one, proofdesk works in ./.proofdesk/ with embedded defaults.",
)
@click.option("-v", "--verbose", is_flag=True, help="Debug log lines on stderr (also in each session's stage log).")
@click.option("-q", "--quiet", "quiet_all", is_flag=True, help="Only warnings and errors on the terminal.")
@click.version_option(package_name="proofdesk")
@click.pass_context
def main(ctx: click.Context, config_file: Path | None, verbose: bool, quiet_all: bool) -> None:
    """proofdesk: from memory card to published gallery.

    Validates photo sets, copies them to an incoming area, reads EXIF, queues one row per image,
    scores, captions with a metadata proof, and lets you review and publish approved rows.

    Exit codes: 0 ok, 1 bug, 2 bad input or illegal transition, 3 rows blocked by the proof,
    4 external service/resource failed, 5 queue locked by another session, 130 interrupted.
    """
    import logging

    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING if quiet_all else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not verbose:
        for noisy in ("httpx", "httpcore", "urllib3", "PIL", "alembic"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    ctx.obj = CliContext(config_file)
    ctx.obj.quiet = quiet_all
    ctx.call_on_close(ctx.obj.close)


def _add_commands() -> None:
    for module in (rows, run, sessions, export, doctor, review_cmds, culling, worker, publish, init, db, report, places, sets, serve):
        for command in module.COMMANDS:
            main.add_command(command)


_add_commands()

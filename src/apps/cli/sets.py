"""`proofdesk sets [list]` and `proofdesk sets move NAME NEW_PATH`: each set's source folder, and
pointing a set at the folder its photos are in now (`services.sets`)."""

from __future__ import annotations

import click
from proofdesk.apps.cli.common import CliContext, handle_errors, print_json


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the sets as JSON.")
@click.pass_context
@handle_errors
def sets(ctx: click.Context, as_json: bool) -> None:
    """The sets and the folders their photos come from (`sets move` points one at a new folder)."""
    if ctx.invoked_subcommand is None:
        _list(ctx.obj, as_json)


@sets.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the sets as JSON.")
@click.pass_obj
@handle_errors
def list_command(cli: CliContext, as_json: bool) -> None:
    """Each set's name, full source path and photo count."""
    _list(cli, as_json)


def _list(cli: CliContext, as_json: bool) -> None:
    from dataclasses import asdict

    from proofdesk.core.services.sets import list_sets

    listed = list_sets(cli.container.queue_store(), cli.container.set_paths())
    if as_json:
        print_json([asdict(source) for source in listed])
        return
    if not listed:
        click.echo("no sets")
        return
    for source in listed:
        note = "" if source.exists else "  (not there now: proofdesk sets move NAME NEW_PATH)"
        click.echo(f"{source.name}\t{source.path}\t{source.rows} photo(s){note}")


@sets.command("move")
@click.argument("name")
@click.argument("new_path", type=click.Path(file_okay=False, path_type=str))
@click.pass_obj
@handle_errors
def move(cli: CliContext, name: str, new_path: str) -> None:
    """Point set NAME at NEW_PATH (a card mounted at another path, a folder moved on its own): the
    set's photos found there must be the same files (sha256); exit 2 naming each file that differs,
    with nothing changed. New photos there are taken in by the next `run`."""
    from proofdesk.core.services.sets import move_set

    moved = move_set(cli.container.queue_store(), cli.container.set_paths(), name, new_path)
    click.echo(f"set {moved.name}: {moved.old_path} -> {moved.new_path} "
               f"({len(moved.matching)} photo(s) checked by sha256"
               + (f", {len(moved.missing)} not there" if moved.missing else "") + ")")


COMMANDS = [sets]

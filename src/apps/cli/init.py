"""`proofdesk init`: write the commented starter config."""

from __future__ import annotations

from pathlib import Path

import click
from proofdesk.apps.cli.common import EXIT_BAD_INPUT, fail


@click.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default=Path("proofdesk.toml"))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: Path, force: bool) -> None:
    """Write a commented starter config (default ./proofdesk.toml)."""
    from importlib.resources import files

    if path.exists() and not force:
        fail(EXIT_BAD_INPUT, f"{path} exists; use --force to overwrite it")
    text = files("proofdesk.apps").joinpath("starter.toml").read_text(encoding="utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    click.echo(f"wrote {path}; check it with `proofdesk --config {path} doctor`")


COMMANDS = [init]

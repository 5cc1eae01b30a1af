"""`proofdesk export`: export.json with the accepted rows (the use case is `services.export`)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import click
from proofdesk.apps.cli.common import (
    EXIT_BLOCKED,
    OTHER_OUTPUT,
    CliContext,
    file_system_failure,
    handle_errors,
)
from proofdesk.core.domain.errors import ExternalFailure


def _write_atomically(path: Path, data: bytes) -> None:
    """Temp file in the same folder, fsync, rename: a reader never sees half a sidecar."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=".proofdesk-part-", dir=path.parent)
    try:
        if path.exists():  # the sidecar keeps its permissions
            os.chmod(temp, path.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temp, 0o666 & ~umask)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_sidecars(cli: CliContext, rows: list[Any], directory: str) -> str:
    """Write the sidecars; returns what was written, in words."""
    from proofdesk.core.domain.xmp import XmpOptions
    from proofdesk.core.services.export import build_sidecars

    per_set = not directory
    root = Path(directory) if directory else cli.settings.workdir_path / "sidecars"

    def existing(relpath: str) -> bytes | None:
        path = root / relpath
        return path.read_bytes() if path.is_file() else None

    options = XmpOptions(**cli.settings.sidecars.model_dump(), keywords=cli.settings.publish.keywords)
    sidecars = build_sidecars(rows, cli.container.metadata_writer(), options, existing, per_set=per_set)
    for sidecar in sidecars:
        _write_atomically(root / sidecar.relpath, sidecar.data)
    return f"wrote {len(sidecars)} XMP sidecar(s) for {len({s.row for s in sidecars})} approved row(s) to {root}"


@click.command()
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write export.json (default: runs/<last session>/export.json).")
@click.option("--xmp", "xmp_dir", is_flag=False, flag_value="", default=None, metavar="[DIR]",
              help="Also write one XMP sidecar per approved row into DIR (default: <workdir>/sidecars/<set>/); "
                   "an existing sidecar there keeps every tag that is not proofdesk's.")
@click.option("--set", "set_name", default=None, help="Sidecars of this set only.")
@click.pass_obj
@handle_errors
def export(cli: CliContext, output: Path | None, xmp_dir: str | None, set_name: str | None) -> None:
    """Write export.json with the accepted rows, only when no row is blocked (else exit 3);
    with --xmp, XMP sidecars of the approved rows first."""
    from proofdesk.core.services.export import export_rows, sidecar_rows
    from proofdesk.core.services.status import all_rows as every_row
    from proofdesk.core.services.status import list_sessions

    all_rows = every_row(cli.container.queue_store())
    result = export_rows(all_rows)
    wrote = write_sidecars(cli, sidecar_rows(all_rows, set_name), xmp_dir) if xmp_dir is not None else None
    if not result.ok:
        blocked = f"{len(result.blocked)} row(s) are blocked by the proof"
        # one message: the sidecars written and why export.json is not, so neither reads as the whole story
        refused = (f"{wrote}; export.json not written: {blocked}: " if wrote else f"{blocked}; nothing exported: ")
        click.echo(f"proofdesk: {refused}" + ", ".join(result.blocked)
                   + " (fix them in `proofdesk review` or with `proofdesk edit`, or reject them, then export again)",
                   err=True)
        sys.exit(EXIT_BLOCKED)
    if wrote:
        click.echo(wrote)
    explicit_output = output is not None
    if output is None:
        sessions_list = list_sessions(cli.container.queue_store())
        last = sessions_list[-1].id if sessions_list else "manual"
        output = cli.settings.runs_dir / last / "export.json"
    try:
        _write_atomically(output, (json.dumps(result.rows, indent=2, ensure_ascii=False, default=str) + "\n").encode())
    except OSError as exc:
        if exc.filename is None or not explicit_output:
            raise
        raise ExternalFailure(file_system_failure(exc, output, OTHER_OUTPUT)) from exc
    click.echo(f"exported {len(result.rows)} accepted row(s) to {output}")


COMMANDS = [export]

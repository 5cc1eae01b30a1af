"""`proofdesk report`: the contact sheet of the whole queue as one static HTML page."""

from __future__ import annotations

from pathlib import Path

import click
from proofdesk.apps.cli.common import OTHER_OUTPUT, CliContext, file_system_failure, handle_errors
from proofdesk.core.domain.errors import ExternalFailure


@click.command(name="report")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the page (default: report/report.html in the work directory).")
@click.option("--open", "open_it", is_flag=True, help="Open the page in the system browser afterwards.")
@click.pass_obj
@handle_errors
def report(cli: CliContext, output: Path | None, open_it: bool) -> None:
    """Write a contact sheet of every row (thumbnail, caption, alt text, keywords, file name, scores,
    proof verdict with reasons, status) as HTML with thumbnails beside it; works offline."""
    from proofdesk.apps.report import write_contact_sheet
    from proofdesk.core.services.status import all_rows

    target = output or cli.settings.workdir_path / "report" / "report.html"
    rows = all_rows(cli.container.queue_store())
    try:
        write_contact_sheet(rows, target, f"proofdesk contact sheet — {len(rows)} row(s)",
                            cli.container.image_processor())
    except OSError as exc:
        if exc.filename is None or output is None:
            raise
        raise ExternalFailure(file_system_failure(exc, output, OTHER_OUTPUT)) from exc
    click.echo(f"contact sheet: {target}")
    if open_it:
        click.launch(str(target))


def session_sheet(cli: CliContext, session_id: str, keys: set[str]) -> Path:
    """`runs/<session>/report.html` for the rows the session touched."""
    from proofdesk.apps.report import write_contact_sheet
    from proofdesk.core.services.status import all_rows

    rows = all_rows(cli.container.queue_store(), keys)
    target = cli.settings.runs_dir / session_id / "report.html"
    return write_contact_sheet(rows, target, f"proofdesk session {session_id} — {len(rows)} row(s)",
                               cli.container.image_processor())


COMMANDS = [report]

"""`proofdesk publish`: approved rows to the uploader and the gallery (`services.publish`)."""

from __future__ import annotations

import sys
from typing import Any

import click
from proofdesk.apps.cli.common import (
    EXIT_BLOCKED,
    EXIT_EXTERNAL,
    CliContext,
    handle_errors,
    on_terminal,
    print_json,
    set_option,
)


@click.command()
@click.option("--yes", is_flag=True, help="Publish without asking (required when not on a terminal).")
@click.option("--dry-run", is_flag=True, help="List what would be published; write nothing anywhere.")
@click.option("--json", "as_json", is_flag=True, help="Print the publish report as JSON.")
@click.option("--verify", is_flag=True,
              help="Publish nothing: check that every file in the target and every gallery row is owned by exactly "
                   "one published row (exit 0: no orphans; 3: each stray named).")
@click.pass_obj
@handle_errors
def publish(cli: CliContext, yes: bool, dry_run: bool, as_json: bool, verify: bool) -> None:
    """Publish approved rows: full image + thumbnail upload, gallery upsert on File_Name.

    Only approved rows leave the machine, and each is proven again (against the queue as it is
    now) before anything of it is written: a row the proof blocks now, or whose File_Name the
    gallery holds for another image, is refused and sent back to review with its reasons; the
    others are published. A row that fails stays approved with its error (a plain rerun resumes).
    Exit 0 when every approved row was published, 3 when rows were refused, 4 when some failed or
    a service was down. --dry-run makes the same checks, writes nothing and exits as publishing
    would. The report is written to runs/publish-<timestamp>/publish_report.json.
    """
    import io

    from proofdesk.apps.reporting import ConsoleReporter
    from proofdesk.core.domain.errors import InputError
    from proofdesk.core.services.publish import publish_approved

    if verify:
        _verify(cli, as_json)
        return
    if not dry_run and not yes and not on_terminal():
        raise InputError("publish needs --yes when not run from a terminal (nothing was published); "
                         "use --dry-run to see what it would do")
    quiet = as_json or dry_run
    reporter = ConsoleReporter(cli.settings.runs_dir, quiet=quiet, stream=io.StringIO() if as_json else None)
    try:
        publisher = cli.container.publisher(reporter=reporter)
        if not dry_run and not yes and not _confirmed(publisher):
            return
        report = publish_approved(publisher, dry_run=dry_run)
    finally:
        reporter.close()
        _close_publish_adapters(cli)
    if as_json:
        print_json(report.to_dict())
    elif dry_run:
        _render_dry_run(report)
    else:
        click.echo(report.render())
    # a dry run exits as the real publish would; a failure outranks a refusal
    if report.blocking_error or report.failed:
        sys.exit(EXIT_EXTERNAL)
    if report.refused:
        sys.exit(EXIT_BLOCKED)


def _verify(cli: CliContext, as_json: bool) -> None:
    from proofdesk.core.services.unpublish import verify_publication

    try:
        report = verify_publication(cli.container.publisher(reporter=_silent(cli)))
    finally:
        _close_publish_adapters(cli)
    if as_json:
        print_json(report.to_dict())
    else:
        click.echo(report.render())
    if not report.ok:
        sys.exit(EXIT_BLOCKED)


def _silent(cli: CliContext) -> Any:
    import io

    from proofdesk.apps.reporting import ConsoleReporter

    return ConsoleReporter(cli.settings.runs_dir, quiet=True, stream=io.StringIO())


@click.command()
@click.argument("names", nargs=-1, required=True)
@set_option
@click.option("--yes", is_flag=True, help="Unpublish without asking (required when not on a terminal).")
@click.option("--dry-run", is_flag=True, help="List what would be taken down; change nothing.")
@click.option("--reject", is_flag=True, help="Reject the rows as well (default: back to review, pending).")
@click.option("--json", "as_json", is_flag=True, help="Print the unpublish report as JSON.")
@click.pass_obj
@handle_errors
def unpublish(cli: CliContext, names: tuple[str, ...], set_name: str | None, yes: bool, dry_run: bool,
              reject: bool, as_json: bool) -> None:
    """Take published rows down: their image, thumbnail and sidecars from the target, their gallery
    row, and the mirrored id; each row goes back to review (pending: the next publish does not put
    it back) or, with --reject, to rejected.

    Resumable: a run stopped between the files and the gallery row (a dropped connection, a
    database error, a crash) is finished by running it again. A row that is not published is left
    as it is (exit 0). Exit 4 when a service failed.
    """
    import io

    from proofdesk.apps.reporting import ConsoleReporter
    from proofdesk.core.domain.errors import InputError
    from proofdesk.core.services.unpublish import rows_named, unpublish_rows

    if not dry_run and not yes and not on_terminal():
        raise InputError("unpublish needs --yes when not run from a terminal (nothing was changed); "
                         "use --dry-run to see what it would do")
    reporter = ConsoleReporter(cli.settings.runs_dir, quiet=as_json or dry_run,
                               stream=io.StringIO() if as_json else None)
    try:
        publisher = cli.container.publisher(reporter=reporter)
        if not dry_run and not yes:
            held = [row.key_text for row in rows_named(publisher, names, set_name) if _holds(row)]
            if held and not click.confirm(f"Take {len(held)} row(s) down from {publisher.uploader.description} "
                                          f"and {publisher.gallery.description} ({', '.join(held)})?"):
                click.echo("nothing unpublished")
                return
        report = unpublish_rows(publisher, names, set_name=set_name, reject=reject, dry_run=dry_run)
    finally:
        reporter.close()
        _close_publish_adapters(cli)
    if as_json:
        print_json(report.to_dict())
    else:
        click.echo(report.render())
    if not report.ok:
        sys.exit(EXIT_EXTERNAL)


def _holds(row: Any) -> bool:
    from proofdesk.core.domain.queue import holds_publication

    return holds_publication(row)


@click.command()
@click.option("--format", "format_name", type=click.Choice(["nginx", "apache", "csv"]), default="csv",
              show_default=True, help="An nginx or Apache snippet (301 redirects) or CSV.")
@click.pass_obj
@handle_errors
def redirects(cli: CliContext, format_name: str) -> None:
    """The old -> new URL of every photo renamed after it was published (image and thumbnail), so
    links and search rankings follow it."""
    from proofdesk.core.domain.lifecycle import redirect_map, render_redirects
    from proofdesk.core.services.status import all_rows

    publisher = cli.container.publisher(reporter=_silent(cli))
    text = render_redirects(redirect_map(all_rows(publisher.store), publisher.options), format_name)
    if text:
        click.echo(text)


def _confirmed(publisher: Any) -> bool:
    count = len(publisher.approved_rows())
    if count == 0:
        click.echo("no approved rows to publish")
        return False
    if not click.confirm(f"Publish {count} approved row(s) to {publisher.uploader.description} "
                         f"and {publisher.gallery.description}?"):
        click.echo("nothing published")
        return False
    return True


def _render_dry_run(report: Any) -> None:
    for result in report.results:
        action = "publish" if result.outcome == "would_publish" else "refuse"
        what = "republish" if result.republish and action == "publish" else action
        detail = f" -> {result.full_path}, {result.thumb_path}" if action == "publish" else f": {result.error}"
        if action == "publish" and result.moved_from:
            detail += f" (renamed from {result.moved_from}: its files are taken down, its gallery row moves)"
        click.echo(f"would {what} {result.row}{detail}")
    click.echo(report.summary())
    if report.blocking_error:
        click.echo(f"proofdesk: {report.blocking_error}", err=True)


def _close_publish_adapters(cli: CliContext) -> None:
    """Close the FTP connection and the gallery's pool if this command opened them."""
    for name in ("uploader", "gallery"):
        try:
            getattr(cli.container, name)().close()
        except Exception:  # noqa: BLE001 - closing is best effort
            pass


COMMANDS = [publish, unpublish, redirects]

"""`proofdesk run`: the pipeline over one or more sets, then (on a terminal) the review desk."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from proofdesk.apps.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_BLOCKED,
    CliContext,
    handle_errors,
    on_terminal,
    print_json,
)
from proofdesk.apps.cli.report import session_sheet

STAGE_NAMES = ["validate", "incoming", "exif", "queue", "score", "resize", "scene", "caption"]
QC_CHECKS = (("duplicates", "duplicates"), ("suspicious metadata", "suspicious_metadata"),
             ("time-of-day conflicts", "time_of_day_conflicts"), ("fallback scores", "fallback_scores"),
             ("missing capture time", "missing_capture_time"), ("offline captions", "offline_captions"))

FIRST_RUN_HINT = (
    "No config file was given, so proofdesk looked for a vision model server with its built-in settings. Without one, "
    "caption offline (text from the EXIF facts, marked offline): `PROOFDESK_CAPTIONER__BACKEND=offline proofdesk run "
    "SET_DIR`; or write a config with `proofdesk init`, set `captioner.backend` and `captioner.url` in it "
    "(\"offline\" needs no server) and run with `--config proofdesk.toml`."
)


@click.command(name="run")
@click.argument("set_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--until", type=click.Choice(STAGE_NAMES), default="caption", show_default=True,
              help="Stop after this stage.")
@click.option("--skip-invalid", is_flag=True, help="Leave invalid files out (listed in the report) instead of stopping.")
@click.option("--no-review", is_flag=True, help="Do not open the review desk afterwards.")
@click.option("--json", "as_json", is_flag=True, help="Print the run result as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors.")
@click.option("--clock-offset", metavar="+HH:MM",
              help="The UTC offset the camera clock ran on, when it was left on another zone (e.g. home time "
                   "abroad); kept for the set's rows until another is given.")
@click.option("--set-name", metavar="NAME",
              help="Take the one SET_DIR in under this set name instead of its folder name (a second card "
                   "whose DCIM/100CANON clashes with a set already queued).")
@click.pass_obj
@handle_errors
def run_command(cli: CliContext, set_dirs: tuple[Path, ...], until: str, skip_invalid: bool,
                no_review: bool, as_json: bool, quiet: bool, clock_offset: str | None, set_name: str | None) -> None:
    """Run the pipeline over one or more SET_DIR folders (stages validate → caption).

    Stage 1 validates every file before anything is written; any problem stops the run with
    exit code 2 and a report naming every file (or use --skip-invalid). A failure inside the
    session rolls the whole session back (exit 4, or 130 on Ctrl-C), so a plain rerun works.
    """
    from proofdesk.apps.reporting import ConsoleReporter
    from proofdesk.core.domain.intake import ValidationFailed
    from proofdesk.core.domain.models import Stage
    from proofdesk.core.ports.captioning import CaptionerError
    from proofdesk.core.services.selection import blocked_among

    if set_name is not None:
        _check_set_name(set_name)
    quiet = quiet or cli.quiet
    reporter = ConsoleReporter(cli.settings.runs_dir, quiet=quiet or as_json)
    try:
        pipeline = cli.container.pipeline(reporter=reporter)
        try:
            result = pipeline.run([str(p) for p in set_dirs], until=Stage(until), skip_invalid=skip_invalid,
                                  clock_offset=clock_offset, set_name=set_name)
        except ValidationFailed as exc:
            if as_json:
                print_json({"ok": False, "validation": exc.report.to_dict()})
                sys.exit(EXIT_BAD_INPUT)
            raise
        except CaptionerError as exc:
            if cli.config_file is None:  # the first run: proofdesk asked a model server nobody set up
                raise CaptionerError(f"{exc}\n{FIRST_RUN_HINT}") from exc
            raise
    finally:
        reporter.close()
    touched = set(result.inserted) | set(result.refreshed) | set(result.unchanged)
    blocked = blocked_among(cli.container.queue_store(), touched)
    if result.session_id:
        reporter.artifacts["report.html"] = session_sheet(cli, result.session_id, touched)
    if as_json:
        print_json({
            "ok": True,
            "session": result.session_id,
            "stages": result.stages_run,
            "inserted": result.inserted,
            "refreshed": result.refreshed,
            "unchanged": result.unchanged,
            "duplicates": [d.render() for d in result.duplicates],
            "skipped": [p.render() for p in result.report.problems],
            "rolled_back_before": result.rolled_back_before,
            "blocked": blocked,
            "artifacts": {name: str(path) for name, path in reporter.artifacts.items()},
        })
    else:
        _render(cli, result, reporter.artifacts.get("qc_summary.json"), blocked, quiet)
    if "caption" in result.stages_run and not no_review and on_terminal():
        ctx = click.get_current_context()
        review_command = ctx.find_root().command.get_command(ctx, "review")  # type: ignore[attr-defined]
        if review_command is not None:
            ctx.invoke(review_command)
    if blocked and "caption" in result.stages_run:
        sys.exit(EXIT_BLOCKED)


def _check_set_name(set_name: str) -> None:
    """A `--set-name` becomes a folder of the incoming area and a key of every row: one that is not a
    single safe name (a path separator, '..', control characters) is a bad set name, refused before
    anything is read, not a problem of the set's folder."""
    from proofdesk.core.domain.errors import InputError
    from proofdesk.core.domain.intake import unsafe_name_reason

    reason = unsafe_name_reason(set_name)
    if reason is not None:
        why = reason.removeprefix("unsafe name: ").split(";")[0]
        raise InputError(f"--set-name {set_name!r} is not a usable set name ({why}); give one plain name "
                         "without '/', '\\' or '..' (e.g. 2019-10-12_lucca-card2)")


def _render(cli: CliContext, result: Any, qc: Path | None, blocked: list[str], quiet: bool) -> None:
    if result.report.problems:
        click.echo(result.report.render(skipped=True), err=True)
    if qc is not None and not quiet:
        print_qc_table(json.loads(qc.read_text()))
    if result.session_id:
        click.echo(f"session {result.session_id}: {result.summary()}")
        click.echo(f"stage log: {cli.settings.runs_dir / result.session_id / 'stage.log'}")
        click.echo(f"contact sheet: {cli.settings.runs_dir / result.session_id / 'report.html'}")
    else:
        click.echo(result.report.render())
    if blocked:
        click.echo(f"{len(blocked)} row(s) blocked by the proof: {', '.join(blocked[:10])}"
                   + (" …" if len(blocked) > 10 else "")
                   + "; fix them in `proofdesk review` or with `proofdesk edit`", err=True)


def print_qc_table(qc: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="QC summary before review", show_lines=False)
    table.add_column("check")
    table.add_column("rows", justify="right")
    table.add_column("examples")
    for label, key in QC_CHECKS:
        items = qc.get(key) or []
        # a row with several findings of one kind counts once: the column counts rows
        rows = list(dict.fromkeys(item["row"] if isinstance(item, dict) else str(item) for item in items))
        examples = ", ".join(rows[:3]) + (" …" if len(rows) > 3 else "")
        table.add_row(label, str(len(rows)), examples)
    Console(stderr=True).print(table)


COMMANDS = [run_command]

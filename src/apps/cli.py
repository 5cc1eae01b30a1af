"""The `proofdesk` command line: translates arguments into use-case calls and renders results.

Exit codes (DESIGN.md "Scriptable interface"):
  0 success · 1 unexpected error (a bug) · 2 bad input, usage or an illegal transition ·
  3 finished but rows are blocked by the proof · 4 an external service or resource failed ·
  5 another session holds the queue · 130 interrupted (Ctrl-C)
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from proofdesk.apps.config import Settings
    from proofdesk.apps.container import Container

EXIT_OK = 0
EXIT_BUG = 1
EXIT_BAD_INPUT = 2
EXIT_BLOCKED = 3
EXIT_EXTERNAL = 4
EXIT_LOCKED = 5
EXIT_INTERRUPTED = 130

F = TypeVar("F", bound=Callable[..., Any])


class CliContext:
    def __init__(self, config_file: Path | None) -> None:
        self.config_file = config_file
        self._settings: Settings | None = None
        self._container: Container | None = None
        self.quiet = False

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from proofdesk.apps.config import load_settings

            self._settings = load_settings(self.config_file)
        return self._settings

    @property
    def container(self) -> Container:
        if self._container is None:
            from proofdesk.apps.container import build_container

            self._container = build_container(self.settings)
        return self._container


def _fail(code: int, message: str) -> None:
    click.echo(f"proofdesk: {message}", err=True)
    sys.exit(code)


def handle_errors(func: F) -> F:
    """Map domain and adapter errors to the documented exit codes with a one-line message."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from proofdesk.apps.config import ConfigError
        from proofdesk.core.errors import DomainError, ExternalFailure, SessionLocked

        try:
            return func(*args, **kwargs)
        except (ConfigError, DomainError) as exc:
            _fail(EXIT_BAD_INPUT, str(exc))
        except SessionLocked as exc:
            _fail(EXIT_LOCKED, str(exc))
        except ExternalFailure as exc:
            _fail(EXIT_EXTERNAL, str(exc))
        except KeyboardInterrupt:
            _fail(EXIT_INTERRUPTED, "interrupted")

    return wrapper  # type: ignore[return-value]


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


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


@contextmanager
def _uow(cli: CliContext) -> Iterator[Any]:
    with cli.container.queue_store().unit_of_work() as uow:
        yield uow


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print counts as JSON.")
@click.pass_obj
@handle_errors
def status(cli: CliContext, as_json: bool) -> None:
    """Counts of rows per status and per proof verdict."""
    from proofdesk.core.services import queue_status

    with _uow(cli) as uow:
        report = queue_status(uow)
    if as_json:
        _print_json(report)
        return
    click.echo(f"queue: {cli.container.queue_store().description}")
    click.echo("rows by status:  " + ", ".join(f"{k} {v}" for k, v in report["status"].items()))
    click.echo("proof verdicts:  " + ", ".join(f"{k} {v}" for k, v in report["proof"].items()))
    if report["open_session"]:
        click.echo(f"open session:    {report['open_session']}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print every row as a JSON list.")
@click.option("--status", "status_filter", default=None, help="Only rows with this status.")
@click.option("--set", "set_name", default=None, help="Only rows of this set.")
@click.pass_obj
@handle_errors
def rows(cli: CliContext, as_json: bool, status_filter: str | None, set_name: str | None) -> None:
    """List rows (`--json` prints every field under DESIGN.md's names)."""
    from proofdesk.core.errors import InputError
    from proofdesk.core.models import RowStatus

    try:
        wanted = RowStatus(status_filter) if status_filter else None
    except ValueError:
        raise InputError(
            f"--status {status_filter!r}: choose one of {', '.join(s.value for s in RowStatus)}"
        ) from None
    with _uow(cli) as uow:
        listed = uow.rows.list(status=wanted, set_name=set_name)
    if as_json:
        _print_json([row.to_public_dict() for row in listed])
        return
    if not listed:
        click.echo("no rows")
        return
    for row in listed:
        verdict = row.metadata_quality.value if row.metadata_quality else "-"
        click.echo(f"{row.status.value:9} {verdict:8} {row.set_name}/{row.original_name}  {row.file_name or ''}")


def run() -> None:  # pragma: no cover - console entry for `python -m`
    main()


STAGE_NAMES = ["validate", "incoming", "exif", "queue", "score", "resize", "caption"]


@main.command(name="run")
@click.argument("set_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--until", type=click.Choice(STAGE_NAMES), default="caption", show_default=True,
              help="Stop after this stage.")
@click.option("--skip-invalid", is_flag=True, help="Leave invalid files out (listed in the report) instead of stopping.")
@click.option("--no-review", is_flag=True, help="Do not open the review desk afterwards.")
@click.option("--json", "as_json", is_flag=True, help="Print the run result as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors.")
@click.pass_obj
@handle_errors
def run_command(cli: CliContext, set_dirs: tuple[Path, ...], until: str, skip_invalid: bool,
                no_review: bool, as_json: bool, quiet: bool) -> None:
    """Run the pipeline over one or more SET_DIR folders (stages validate → caption).

    Stage 1 validates every file before anything is written; any problem stops the run with
    exit code 2 and a report naming every file (or use --skip-invalid). A failure inside the
    session rolls the whole session back (exit 4, or 130 on Ctrl-C), so a plain rerun works.
    """
    from proofdesk.apps.reporting import ConsoleReporter
    from proofdesk.core.intake import ValidationFailed
    from proofdesk.core.models import Stage

    quiet = quiet or cli.quiet
    reporter = ConsoleReporter(cli.settings.runs_dir, quiet=quiet or as_json)
    try:
        pipeline = cli.container.pipeline(reporter=reporter)
        try:
            result = pipeline.run([str(p) for p in set_dirs], until=Stage(until), skip_invalid=skip_invalid)
        except ValidationFailed as exc:
            if as_json:
                _print_json({"ok": False, "validation": exc.report.to_dict()})
                sys.exit(EXIT_BAD_INPUT)
            raise
    finally:
        reporter.close()
    this_run = set(result.inserted) | set(result.refreshed) | set(result.unchanged)
    with _uow(cli) as uow:
        blocked = [row.key_text for row in uow.rows.list()
                   if row.key_text in this_run and row.metadata_quality and row.metadata_quality.value == "blocked"
                   and row.status.value != "rejected"]
    qc = reporter.artifacts.get("qc_summary.json")
    if as_json:
        _print_json({
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
        if result.report.problems:
            click.echo(result.report.render(skipped=True), err=True)
        if qc is not None and not quiet:
            _print_qc_table(json.loads(qc.read_text()))
        if result.session_id:
            click.echo(f"session {result.session_id}: {result.summary()}")
            click.echo(f"stage log: {cli.settings.runs_dir / result.session_id / 'stage.log'}")
        else:
            click.echo(result.report.render())
        if blocked:
            click.echo(f"{len(blocked)} row(s) blocked by the proof: {', '.join(blocked[:10])}"
                       + (" …" if len(blocked) > 10 else "")
                       + "; fix them in `proofdesk review` or with `proofdesk edit`", err=True)
    if "caption" in result.stages_run and not no_review and sys.stdin.isatty() and sys.stdout.isatty():
        ctx = click.get_current_context()
        review_command = main.get_command(ctx, "review")
        if review_command is not None:
            ctx.invoke(review_command)
    if blocked and "caption" in result.stages_run:
        sys.exit(EXIT_BLOCKED)


def _print_qc_table(qc: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="QC summary before review", show_lines=False)
    table.add_column("check")
    table.add_column("rows", justify="right")
    table.add_column("examples")
    for label, key in (("duplicates", "duplicates"), ("suspicious metadata", "suspicious_metadata"),
                       ("time-of-day conflicts", "time_of_day_conflicts"), ("fallback scores", "fallback_scores"),
                       ("missing capture time", "missing_capture_time"), ("offline captions", "offline_captions")):
        items = qc.get(key) or []
        examples = ", ".join(
            (item["row"] if isinstance(item, dict) else str(item)) for item in items[:3]
        ) + (" …" if len(items) > 3 else "")
        table.add_row(label, str(len(items)), examples)
    Console(stderr=True).print(table)


@main.command()
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


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print sessions as JSON.")
@click.pass_obj
@handle_errors
def sessions(cli: CliContext, as_json: bool) -> None:
    """List pipeline sessions (open, closed, rolled back)."""
    with _uow(cli) as uow:
        listed = uow.sessions.list()
    if as_json:
        _print_json([s.model_dump(mode="json") for s in listed])
        return
    for session in listed:
        click.echo(f"{session.id}  {session.status.value:11} {', '.join(session.sets)}  {session.note or ''}")
    if not listed:
        click.echo("no sessions")


@main.command()
@click.argument("name")
@click.option("--set", "set_name", default=None, help="The set, when two sets share a file name.")
@click.option("--json", "as_json", is_flag=True, help="Print the row as JSON.")
@click.pass_obj
@handle_errors
def show(cli: CliContext, name: str, set_name: str | None, as_json: bool) -> None:
    """Show one row by its original file name or current file_name."""
    from proofdesk.core.services import find_row

    with _uow(cli) as uow:
        row = find_row(uow, name, set_name)
    data = row.to_public_dict()
    if as_json:
        _print_json(data)
        return
    for key, value in data.items():
        if value not in (None, [], ""):
            click.echo(f"{key:24} {value}")


@main.command()
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write export.json (default: runs/<last session>/export.json).")
@click.pass_obj
@handle_errors
def export(cli: CliContext, output: Path | None) -> None:
    """Write export.json with the accepted rows, only when no row is blocked (else exit 3)."""
    with _uow(cli) as uow:
        listed = uow.rows.list()
        sessions_list = uow.sessions.list()
    blocked = [row.key_text for row in listed if row.metadata_quality and row.metadata_quality.value == "blocked"]
    if blocked:
        click.echo(f"proofdesk: {len(blocked)} row(s) are blocked by the proof; nothing exported: "
                   + ", ".join(blocked), err=True)
        sys.exit(EXIT_BLOCKED)
    accepted = [row.to_public_dict() for row in listed
                if row.metadata_quality and row.metadata_quality.value == "accepted" and row.status.value != "rejected"]
    if output is None:
        last = sessions_list[-1].id if sessions_list else "manual"
        output = cli.settings.runs_dir / last / "export.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(accepted, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    click.echo(f"exported {len(accepted)} accepted row(s) to {output}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@click.pass_obj
@handle_errors
def doctor(cli: CliContext, as_json: bool) -> None:
    """Check storage, work area, captioner (runtime check), scorers (real or fallback), uploader and
    gallery: one line each; exit 4 when a check fails."""
    from proofdesk.core.errors import ProofdeskError

    checks: list[dict[str, Any]] = []

    def check(name: str, probe: Callable[[], str]) -> None:
        try:
            checks.append({"check": name, "ok": True, "detail": probe()})
        except (ProofdeskError, OSError) as exc:
            checks.append({"check": name, "ok": False, "detail": str(exc)})

    def storage() -> str:
        store = cli.container.queue_store()
        with store.unit_of_work() as uow:
            total = sum(uow.rows.counts().values())
        return f"{store.description}: {total} row(s)"

    def workdir() -> str:
        path = cli.settings.workdir_path
        path.mkdir(parents=True, exist_ok=True)
        probe_file = path / ".doctor-probe"
        probe_file.write_text("ok")
        probe_file.unlink()
        return f"{path} is writable"

    def captioner() -> str:
        info = cli.container.captioner().runtime_check(cli.settings.captioner.model)
        return info.describe()

    def scorers() -> str:
        quality = cli.container.quality_scorer()
        aesthetic = cli.container.aesthetic_scorer()
        return f"BRISQUE: {quality.describe()}; aesthetic: {aesthetic.describe()}"

    def uploader() -> str:
        target = cli.container.uploader()
        try:
            target.list_dir("/")
        finally:
            target.close()
        return f"{target.description} reachable"

    def gallery() -> str:
        target = cli.container.gallery()
        names = target.file_names()
        return f"{target.description}: {len(names)} published file name(s)"

    check("storage", storage)
    check("workdir", workdir)
    check("captioner", captioner)
    check("scorers", scorers)
    check("uploader", uploader)
    check("gallery", gallery)
    for item in checks:  # a fallback score is allowed but must be visible
        if item["check"] == "scorers" and item["ok"] and "fallback" in item["detail"]:
            item["warning"] = "a scorer runs its documented fallback formula (marked *_fallback on rows)"
    failed = [c for c in checks if not c["ok"]]
    if as_json:
        _print_json({"ok": not failed, "checks": checks})
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


# ---------------------------------------------------------------- review (stage 8)


def _review_service(cli: CliContext) -> Any:
    return cli.container.review_service()


def _resolve_keys(cli: CliContext, names: tuple[str, ...], set_name: str | None) -> list[str]:
    service = _review_service(cli)
    return [service.find(name, set_name).key_text for name in names]


def _decision_command(action: str, help_text: str) -> None:
    @main.command(name=action, help=help_text)
    @click.argument("names", nargs=-1)
    @click.option("--set", "set_name", default=None, help="The set, when two sets share a file name.")
    @click.option("--all-accepted", "all_accepted", is_flag=True,
                  help="Every pending row whose proof is accepted (approve only).", hidden=action != "approve")
    @click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
    @click.pass_obj
    @handle_errors
    def command(cli: CliContext, names: tuple[str, ...], set_name: str | None, all_accepted: bool,
                as_json: bool) -> None:
        from proofdesk.core.errors import InputError

        service = _review_service(cli)
        if all_accepted and action == "approve":
            keys = [row.key_text for row in service.rows("pending")
                    if row.metadata_quality is not None and row.metadata_quality.value == "accepted"
                    and (set_name is None or row.set_name == set_name)]
        elif names:
            keys = _resolve_keys(cli, names, set_name)
        else:
            raise InputError(f"name the rows to {action}" + (" (or use --all-accepted)" if action == "approve" else ""))
        result = service.batch(action, keys)
        if as_json:
            _print_json({"done": result.done, "refused": [{"row": k, "message": m} for k, m in result.refused]})
        else:
            for key in result.done:
                click.echo(f"{action}: {key}")
            for _, message in result.refused:
                click.echo(f"proofdesk: {message}", err=True)
        if result.refused:
            sys.exit(EXIT_BAD_INPUT)


_decision_command("approve", "Approve rows (by original or current file name); a row whose proof is not "
                             "accepted is refused with exit 2 and the failing rules.")
_decision_command("reject", "Reject rows; rejected rows are never published.")
_decision_command("reopen", "Reopen rejected rows (back to pending).")


@main.command()
@click.argument("name")
@click.option("--set", "set_name", default=None, help="The set, when two sets share a file name.")
@click.option("--caption", default=None, help="New caption.")
@click.option("--alt-text", default=None, help="New alt text (at most 125 characters).")
@click.option("--keywords", default=None, help="New keywords, comma-separated.")
@click.option("--file-name", default=None, help="New file name (a lowercase slug ending in .jpg).")
@click.option("--json", "as_json", is_flag=True, help="Print the edited row as JSON.")
@click.pass_obj
@handle_errors
def edit(cli: CliContext, name: str, set_name: str | None, caption: str | None, alt_text: str | None,
         keywords: str | None, file_name: str | None, as_json: bool) -> None:
    """Edit a row's metadata; the proof re-runs at once and an approved row returns to pending."""
    from proofdesk.core.errors import InputError

    changes = {key: value for key, value in (("caption", caption), ("alt_text", alt_text),
                                             ("keywords", keywords), ("file_name", file_name)) if value is not None}
    if not changes:
        raise InputError("nothing to edit: give --caption, --alt-text, --keywords or --file-name")
    service = _review_service(cli)
    row = service.edit(service.find(name, set_name).key_text, changes)
    if as_json:
        _print_json(row.to_public_dict())
        return
    verdict = row.metadata_quality.value if row.metadata_quality else "not proven"
    click.echo(f"{row.key_text}: {row.status.value}, proof {verdict}")
    for reason in row.proof_reasons:
        if not reason.is_fix:
            click.echo(f"  {reason.rule}: {reason.message}")


@main.command()
@click.argument("names", nargs=-1, required=True)
@click.option("--set", "set_name", default=None, help="The set, when two sets share a file name.")
@click.pass_obj
@handle_errors
def generate(cli: CliContext, names: tuple[str, ...], set_name: str | None) -> None:
    """Ask the captioner again for rows (the previous suggestion is kept)."""
    service = _review_service(cli)
    for key in _resolve_keys(cli, names, set_name):
        row = service.regenerate(key)
        click.echo(f"{row.key_text}: {row.metadata_quality.value if row.metadata_quality else 'not proven'}")


@main.group()
def db() -> None:
    """The queue database's schema (Alembic migrations shipped with proofdesk)."""


@db.command(name="upgrade")
@click.option("--json", "as_json", is_flag=True, help="Print the revisions as JSON.")
@click.pass_obj
@handle_errors
def db_upgrade(cli: CliContext, as_json: bool) -> None:
    """Apply pending schema migrations to the queue database and print the revision before and
    after. `run` and every command that opens the queue do this by themselves; use this to
    upgrade ahead of time (e.g. once, before starting several machines on a shared queue)."""
    from proofdesk.core.errors import InputError

    store = cli.container.queue_store()
    if not hasattr(store, "upgrade_schema"):
        raise InputError(f"the {cli.settings.storage.backend} queue has no database schema to upgrade")
    upgrade = store.upgrade_schema()
    before = upgrade.before or ("none (tables from before migrations)" if upgrade.adopted else "none (empty)")
    if as_json:
        _print_json({"queue": store.description, "before": upgrade.before, "after": upgrade.after,
                     "adopted": upgrade.adopted, "changed": upgrade.changed})
        return
    click.echo(f"queue:           {store.description}")
    click.echo(f"revision before: {before}")
    click.echo(f"revision after:  {upgrade.after} (head)" + ("" if upgrade.changed else ", nothing to do"))


@main.group()
def dictionary() -> None:
    """The project dictionary (spellcheck, shared with the proof's glossary)."""


@dictionary.command(name="add")
@click.argument("words", nargs=-1, required=True)
@click.pass_obj
@handle_errors
def dictionary_add(cli: CliContext, words: tuple[str, ...]) -> None:
    """Add words to the project dictionary."""
    service = _review_service(cli)
    for word in words:
        service.add_word(word)
    click.echo(f"added {len(words)} word(s) to {cli.settings.dictionary_path}")


@dictionary.command(name="list")
@click.pass_obj
@handle_errors
def dictionary_list(cli: CliContext) -> None:
    """List the project dictionary."""
    for word in cli.container.spellchecker().project_words():
        click.echo(word)


@main.command()
@click.pass_obj
@handle_errors
def review(cli: CliContext) -> None:
    """Open the review desk (urwid): edit, spellcheck, Generate, approve/reject, publish."""
    from proofdesk.core.errors import InputError

    if not sys.stdin.isatty() or not sys.stdout.isatty():
        raise InputError("the review desk needs a terminal; use approve/reject/edit/show for scripts")
    qc = None
    runs = cli.settings.runs_dir
    if runs.is_dir():
        candidates = sorted(runs.glob("*/qc_summary.json"))
        if candidates:
            qc = json.loads(candidates[-1].read_text())
    cli.container.reviewer().review(_review_service(cli), qc)


@main.command()
@click.option("--yes", is_flag=True, help="Publish without asking (required when not on a terminal).")
@click.option("--dry-run", is_flag=True, help="List what would be published; write nothing anywhere.")
@click.option("--json", "as_json", is_flag=True, help="Print the publish report as JSON.")
@click.pass_obj
@handle_errors
def publish(cli: CliContext, yes: bool, dry_run: bool, as_json: bool) -> None:
    """Publish approved rows: full image + thumbnail upload, gallery upsert on File_Name.

    Only approved rows leave the machine. A row that fails stays approved with its error (a plain
    rerun resumes); a File_Name the gallery holds for another image sends the row back to review.
    Exit 0 when every approved row was published, 4 when some failed or were refused.
    The report is written to runs/publish-<timestamp>/publish_report.json.
    """
    import io

    from proofdesk.apps.reporting import ConsoleReporter
    from proofdesk.core.errors import InputError
    from proofdesk.core.publishing import publish_approved

    if not dry_run and not yes and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise InputError("publish needs --yes when not run from a terminal (nothing was published); "
                         "use --dry-run to see what it would do")
    quiet = as_json or dry_run
    reporter = ConsoleReporter(cli.settings.runs_dir, quiet=quiet, stream=io.StringIO() if as_json else None)
    try:
        publisher = cli.container.publisher(reporter=reporter)
        if not dry_run and not yes:
            count = len(publisher.approved_rows())
            if count == 0:
                click.echo("no approved rows to publish")
                return
            if not click.confirm(f"Publish {count} approved row(s) to {publisher.uploader.description} "
                                 f"and {publisher.gallery.description}?"):
                click.echo("nothing published")
                return
        report = publish_approved(publisher, dry_run=dry_run)
    finally:
        reporter.close()
        _close_publish_adapters(cli)
    if as_json:
        _print_json(report.to_dict())
    elif dry_run:
        for result in report.results:
            action = "publish" if result.outcome == "would_publish" else "refuse"
            what = "republish" if result.republish and action == "publish" else action
            detail = f" -> {result.full_path}, {result.thumb_path}" if action == "publish" else f": {result.error}"
            click.echo(f"would {what} {result.row}{detail}")
        click.echo(report.summary())
        if report.blocking_error:
            click.echo(f"proofdesk: {report.blocking_error}", err=True)
    else:
        click.echo(report.render())
    if report.blocking_error or (not dry_run and not report.ok):
        sys.exit(EXIT_EXTERNAL)


def _close_publish_adapters(cli: CliContext) -> None:
    """Close the FTP connection and the gallery's pool if this command opened them."""
    for name in ("uploader", "gallery"):
        try:
            getattr(cli.container, name)().close()
        except Exception:  # noqa: BLE001 - closing is best effort
            pass


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default=Path("proofdesk.toml"))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: Path, force: bool) -> None:
    """Write a commented starter config (default ./proofdesk.toml)."""
    from importlib.resources import files

    if path.exists() and not force:
        _fail(EXIT_BAD_INPUT, f"{path} exists; use --force to overwrite it")
    text = files("proofdesk.apps").joinpath("starter.toml").read_text(encoding="utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    click.echo(f"wrote {path}; check it with `proofdesk --config {path} doctor`")

"""`proofdesk worker`: stages 5-7 as per-row work on a shared MySQL/MariaDB queue (see
docs/scale-out.md). Several machines run it against one `storage.url` and one `storage.shared_root`."""

from __future__ import annotations

import click
from proofdesk.apps.cli.common import CliContext, handle_errors, print_json

STAGE_ALIASES = {"score": "score", "resize": "score", "scene": "scene", "caption": "caption"}


@click.command()
@click.option("--stages", default="score,resize,scene,caption", show_default=True,
              help="The work this worker takes: score (with resize), scene, caption; comma-separated.")
@click.option("--batch", type=int, default=None, help="Score rows claimed at a time; for captions, the most "
              "unstarted rows the first claim of a window may hold (default worker.batch).")
@click.option("--follow", is_flag=True, help="Keep waiting for new work instead of stopping when the queue is drained.")
@click.option("--json", "as_json", is_flag=True, help="Print what this worker did as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors.")
@click.pass_obj
@handle_errors
def worker(cli: CliContext, stages: str, batch: int | None, follow: bool, as_json: bool, quiet: bool) -> None:
    """Work the shared queue: claim rows that need scoring, scenes or captions, do the work outside
    any transaction, write results only while the claim is held, until nothing is left to do (or
    forever with --follow). Take photos in with `proofdesk run SET --until queue` on any machine."""
    from proofdesk.apps.reporting import ConsoleReporter
    from proofdesk.core.domain.errors import InputError
    from proofdesk.core.services.worker import summary

    wanted: list[str] = []
    for name in (part.strip() for part in stages.split(",") if part.strip()):
        if name not in STAGE_ALIASES:
            raise InputError(f"--stages {name!r}: choose from {', '.join(STAGE_ALIASES)}")
        if STAGE_ALIASES[name] not in wanted:
            wanted.append(STAGE_ALIASES[name])
    reporter = ConsoleReporter(cli.settings.runs_dir, quiet=quiet or cli.quiet or as_json)
    try:
        built = cli.container.worker(reporter=reporter, stages=wanted, batch=batch or cli.settings.worker.batch,
                                     follow=follow)
        reporter.session_opened(f"worker-{built.info.id}")
        report = built.run()
    finally:
        reporter.close()
    result = summary(report)
    if as_json:
        print_json(result)
    else:
        click.echo(f"worker {report.worker_id}: {report.rows_done} row(s) done in {report.claims} claim(s) "
                   f"({', '.join(f'{k} {v}' for k, v in report.by_stage.items()) or 'nothing to do'})")


COMMANDS = [worker]

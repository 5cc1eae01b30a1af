"""`proofdesk worker`: stages 5-7 as per-row work on a shared MySQL/MariaDB queue (see
docs/scale-out.md). Several machines run it against one `storage.url` and one `storage.shared_root`."""

from __future__ import annotations

import os
import secrets
import threading
from typing import Any

import click
from proofdesk.apps.cli.common import CliContext, handle_errors, print_json

STAGE_ALIASES = {"score": "score", "resize": "score", "scene": "scene", "caption": "caption"}


def build_worker(cli: CliContext, reporter: Any, stages: list[str], batch: int | None, follow: bool) -> Any:
    """The Worker for these stages, composed from the container's adapters and stage code."""
    from proofdesk.adapters.storage.sql import SqlQueueStore
    from proofdesk.core.domain.errors import InputError
    from proofdesk.core.ports.work import WorkerInfo
    from proofdesk.core.services.worker import Worker, recheck_duplicates

    container, settings = cli.container, cli.settings
    store = container.queue_store()
    if not isinstance(store, SqlQueueStore) or store.dialect not in ("mysql", "mariadb"):
        raise InputError("workers share a MySQL/MariaDB queue: set storage.url = mysql+pymysql://user@host/db "
                         "(with SQLite, `proofdesk run` does every stage on one machine)")
    queue = container.work_queue()
    caption_stage = container.caption_stage() if "caption" in stages else None

    def prepare() -> None:
        if caption_stage is not None:
            caption_stage.preflight(reporter)  # the model server's runtime check, once, before any claim
            caption_stage.check_every_run = False
            caption_stage.places.load()  # the place tables too: claimed rows never wait for them

    def score(context: Any) -> None:
        scoring = container.scoring_stages()  # one per claim: the decode hand-over from stage 5 to 6
        scoring.score_stage(context)
        scoring.resize_stage(context)

    def scene(context: Any) -> None:
        container.scene_stage()(context)

    per_slot = threading.local()  # a window's slots caption at once: each with its own stage (its own cancel state)

    def caption(context: Any) -> None:
        assert caption_stage is not None
        stage = getattr(per_slot, "stage", None)
        if stage is None:
            stage = per_slot.stage = container.caption_stage()
            stage.runtime, stage.check_every_run = caption_stage.runtime, False
        stage(context)

    runners = {"score": score, "scene": scene, "caption": caption}
    proof_config = caption_stage.duplicate_config if caption_stage is not None else settings.proof

    def duplicates(rows: list[Any]) -> list[Any]:
        with store.unit_of_work() as uow:
            everything = uow.rows.list()
        return recheck_duplicates(rows, everything, container.gallery().file_names(), proof_config)

    host = container.host()
    info = WorkerInfo(id=f"{host}-{os.getpid()}-{secrets.token_hex(2)}", host=host, pid=os.getpid(), stages=stages,
                      started_at=container.clock().now())
    return Worker(store=store, queue=queue, stages={name: runners[name] for name in stages}, info=info, reporter=reporter,
                  clock=container.clock(), lease_s=settings.worker.lease_s, batch=batch or settings.worker.batch,
                  keepers_only=settings.captioner.scope == "keepers", follow=follow, poll_s=settings.worker.poll_s,
                  guards={"caption": duplicates}, storage_batch=settings.storage.batch_size,
                  slots={"caption": settings.captioner.parallel}, prepare=prepare)


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
        built = build_worker(cli, reporter, wanted, batch, follow)
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

"""A worker and what it runs for each work stage (`proofdesk worker`): the very stage objects `proofdesk
run` runs, built from factories — the scoring stages once per claim (their decode hand-over from
stage 5 to 6 belongs to one run), a caption stage per caption slot (each with its own cancel
state) — with the caption stage's runtime check and place tables done once before any claim, and
the duplicate re-check that guards every caption write."""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from proofdesk.core.domain.errors import InputError
from proofdesk.core.domain.models import Row
from proofdesk.core.domain.proof import ProofConfig
from proofdesk.core.ports.storage import QueueStore
from proofdesk.core.ports.system import Clock, Reporter
from proofdesk.core.ports.work import WorkerInfo, WorkQueue
from proofdesk.core.services.stages.base import RowStage
from proofdesk.core.services.stages.caption import CaptionStage
from proofdesk.core.services.stages.scoring import ScoringStages
from proofdesk.core.services.worker import StageRunner, Worker, WorkerContext, recheck_duplicates


@dataclass(frozen=True)
class WorkStages:
    """The worker's runners by stage name, what it does once before any claim, and its write guards."""

    runners: dict[str, StageRunner]
    prepare: Callable[[], None]
    guards: dict[str, Callable[[list[Row]], list[Row]]]


def work_stages(names: Sequence[str], *, scoring: Callable[[], ScoringStages], scene: Callable[[], RowStage],
                caption: Callable[[], CaptionStage], store: QueueStore, gallery_names: Callable[[], Sequence[str]],
                proof_config: ProofConfig, reporter: Reporter) -> WorkStages:
    """The runners of the stages named (`score` with resize, `scene`, `caption`)."""
    first_caption = caption() if "caption" in names else None

    def prepare() -> None:
        if first_caption is not None:
            first_caption.preflight(reporter)  # the model server's runtime check, once, before any claim
            first_caption.check_every_run = False
            first_caption.places.load()  # the place tables too: claimed rows never wait for them

    def run_score(context: WorkerContext) -> None:
        stages = scoring()
        stages.score_stage(context)
        stages.resize_stage(context)

    def run_scene(context: WorkerContext) -> None:
        scene()(context)

    per_slot = threading.local()  # a window's slots caption at once: each with its own stage

    def run_caption(context: WorkerContext) -> None:
        assert first_caption is not None
        stage: CaptionStage | None = getattr(per_slot, "stage", None)
        if stage is None:
            stage = per_slot.stage = caption()
            stage.runtime, stage.check_every_run = first_caption.runtime, False
        stage(context)

    duplicate_config = first_caption.duplicate_config if first_caption is not None else proof_config

    def duplicates(rows: list[Row]) -> list[Row]:
        with store.unit_of_work() as uow:
            everything = uow.rows.list()
        return recheck_duplicates(rows, everything, gallery_names(), duplicate_config)

    runners: dict[str, StageRunner] = {"score": run_score, "scene": run_scene, "caption": run_caption}
    return WorkStages({name: runners[name] for name in names}, prepare, {"caption": duplicates})


def build_worker(*, store: QueueStore, queue: WorkQueue | None, stages: Sequence[str], reporter: Reporter,
                 clock: Clock, host: str, scoring: Callable[[], ScoringStages], scene: Callable[[], RowStage],
                 caption: Callable[[], CaptionStage], gallery_names: Callable[[], Sequence[str]],
                 proof_config: ProofConfig, lease_s: float, batch: int, scope: str, poll_s: float,
                 storage_batch: int, caption_slots: int, follow: bool = False) -> Worker:
    """A worker for `stages` on the shared queue (`queue`; None where the queue is not shared: an
    InputError saying so), running the stage code `proofdesk run` runs."""
    if queue is None:
        raise InputError("workers share a MySQL/MariaDB queue: set storage.url = mysql+pymysql://user@host/db "
                         "(with SQLite, `proofdesk run` does every stage on one machine)")
    work = work_stages(stages, scoring=scoring, scene=scene, caption=caption, store=store,
                       gallery_names=gallery_names, proof_config=proof_config, reporter=reporter)
    info = WorkerInfo(id=f"{host}-{os.getpid()}-{secrets.token_hex(2)}", host=host, pid=os.getpid(),
                      stages=list(stages), started_at=clock.now())
    return Worker(store=store, queue=queue, stages=work.runners, info=info, reporter=reporter, clock=clock,
                  lease_s=lease_s, batch=batch, keepers_only=scope == "keepers", follow=follow, poll_s=poll_s,
                  guards=work.guards, storage_batch=storage_batch, slots={"caption": caption_slots},
                  prepare=work.prepare)

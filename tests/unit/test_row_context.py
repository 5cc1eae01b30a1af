"""One row-stage protocol: the pipeline's and the worker's contexts are both a `RowContext`; every
stage is a `RowStage` with `preflight` and `artifacts` (a plain callable gets empty ones)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from proofdesk.adapters.captioner.offline import OfflineCaptioner
from proofdesk.adapters.memory import InMemoryAnswerCache, InMemoryFileStore, InMemoryQueueStore, RecordingReporter
from proofdesk.core.ports.work import Claim
from proofdesk.core.services.session import SessionJournal
from proofdesk.core.services.stages.base import PlainStage, RowContext, RowStage, StageContext, as_row_stage
from proofdesk.core.services.stages.caption import CaptionSettings, CaptionStage
from proofdesk.core.services.worker import WorkerContext


def test_the_pipelines_and_the_workers_contexts_are_row_contexts() -> None:
    store, reporter = InMemoryQueueStore(), RecordingReporter()
    journal = SessionJournal.__new__(SessionJournal)  # not used: only the context's shape is checked
    pipeline_context = StageContext(store, reporter, journal, "session", [])
    worker_context = WorkerContext(store, reporter, queue=None,  # type: ignore[arg-type]
                                   claim=Claim("t", "w", "caption", [], datetime.now(UTC)))
    assert isinstance(pipeline_context, RowContext)
    assert isinstance(worker_context, RowContext)


def test_the_caption_stage_is_a_full_row_stage_and_a_plain_callable_becomes_one() -> None:
    stage = CaptionStage(captioner=OfflineCaptioner(), settings=CaptionSettings(model="m"),
                         cache=InMemoryAnswerCache(), files=InMemoryFileStore())
    assert isinstance(stage, RowStage)
    seen: list[RowContext] = []
    plain = as_row_stage(seen.append)
    assert isinstance(plain, PlainStage) and isinstance(plain, RowStage)
    reporter = RecordingReporter()
    plain.preflight(reporter)
    context = StageContext(InMemoryQueueStore(), reporter, SessionJournal.__new__(SessionJournal), "s", [])
    plain(context)
    assert seen == [context]
    artifacts: Mapping[str, object] = plain.artifacts(context)
    assert artifacts == {}

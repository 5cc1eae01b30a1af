"""Stage 7 as a pipeline step: ask the captioner for every row that needs it, prove each answer,
repair within a bound, fall back, and persist the verdict; then write the QC and proof summaries.

Per row:  primary model → local fixes → proof → up to `max_repairs` re-asks carrying the exact
violations → optional fallback model (same bound) → `metadata_quality = blocked` with reasons.
Answers are cached by (image sha256, backend, model, prompt digest) outside the session journal.
Up to `parallel` rows are in flight; duplicate claims go through the proof engine's thread-safe
index; finished rows are written in batches (`storage.batch_size`) by the StageContext, and
no model call happens inside a transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from proofdesk.core.domain import queue
from proofdesk.core.domain.captioning import (
    CaptionRequest,
    RuntimeInfo,
    build_prompt,
    cache_key,
    capture_local_time,
    parse_answer,
)
from proofdesk.core.domain.models import (
    EDITABLE_FIELDS,
    ProofReason,
    ProofVerdict,
    Row,
    RowStatus,
    Stage,
)
from proofdesk.core.domain.place_names import PlaceAllowance
from proofdesk.core.domain.proof import (
    DuplicateIndex,
    Evidence,
    ProofConfig,
    apply_proof,
    proof,
    repair_prompt,
)
from proofdesk.core.domain.provenance import person_fields, written_by_machine
from proofdesk.core.ports.captioning import AnswerCache, Captioner
from proofdesk.core.ports.files import FileStore
from proofdesk.core.ports.media import Classifier
from proofdesk.core.ports.system import Reporter
from proofdesk.core.services.duplicates import build_duplicate_index
from proofdesk.core.services.export import export_rows
from proofdesk.core.services.places import PlaceFacts
from proofdesk.core.services.stages.base import RowContext, queue_rows
from proofdesk.core.services.stages.summaries import RowOutcome, proof_summary, qc_summary
from proofdesk.core.services.stages.verify import ClaimCheck, ClaimQuestion, ModelAccess


@dataclass
class CaptionSettings:
    model: str
    fallback_model: str | None = None
    max_repairs: int = 2
    scope: str = "keepers"  # "keepers": one frame per scene (the keeper); "all": every frame
    parallel: int = 1
    glossary: tuple[str, ...] = ()
    num_ctx: int | None = None
    hint_count: int = 5
    image_long_edge: int | None = None  # the model image's settings: part of the answer-cache key
    image_quality: int | None = None


def evidence_for_prompt(evidence: Evidence) -> dict[str, list[str]]:
    own = [*evidence.identifier_tokens, *evidence.existing_keywords]
    identifiers = list(dict.fromkeys([*own, *evidence.glossary]))
    own_folded = {word.casefold() for word in own}
    return {
        "classifier_hints": list(evidence.classifier_hints),
        "identifiers": identifiers,
        # project-wide terms a keyword may use that are not the photo's own identifiers: a backend
        # that cannot see the picture (offline) leaves them out of its text
        "glossary": [term for term in evidence.glossary if term.casefold() not in own_folded],
        "time_of_day": [evidence.time_of_day] if evidence.time_of_day else [],
        "season": [evidence.season] if evidence.season else [],
        "place": [evidence.place] if evidence.place else [],
        "scene_keeper": [f"{evidence.scene_keeper}: {text}" for text in evidence.scene_keeper_text[:1]],
    }


def row_facts(row: Row) -> dict[str, Any]:
    facts = row.exif.model_dump(mode="json")
    facts["captured_at"] = capture_local_time(row)  # the camera clock corrected by --clock-offset
    facts.update({"set_name": row.set_name, "original_name": row.original_name, "place_city": row.place_city,
                  "place_region": row.place_region, "place_country": row.place_country})
    return facts


class CaptionStage:
    """A `RowStage`: call it with the pipeline's StageContext."""

    def __init__(
        self,
        *,
        captioner: Captioner,
        settings: CaptionSettings,
        cache: AnswerCache,
        files: FileStore,
        proof_config: ProofConfig | None = None,
        classifier: Classifier | None = None,
        gallery_names: Callable[[], Sequence[str]] = lambda: (),
        places: PlaceFacts | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.captioner = captioner
        self.now = now
        self.places = places or PlaceFacts()
        self.settings = settings
        self.cache = cache
        self.files = files
        self.proof_config = proof_config or ProofConfig()
        self.classifier = classifier
        self.gallery_names = gallery_names
        self.runtime: RuntimeInfo | None = None
        self._checked: RuntimeInfo | None = None  # set by preflight() for the run about to start
        self.check_every_run = True  # a worker checks once, then captions claim after claim
        self._write_lock = threading.Lock()
        self._cancelled = threading.Event()
        self._allowances: list[PlaceAllowance] = []  # read once per stage run
        self._failure: BaseException | None = None
        self._outcomes: list[RowOutcome] = []  # the last call's, for its artifacts

    # ---------------------------------------------------------------- index

    @property
    def duplicate_config(self) -> ProofConfig:
        """The proof settings duplicates are judged by: offline text differs where the frame's facts
        do (name, time to the second), by a few characters, so there only an exact duplicate is one."""
        if self.captioner.backend != "offline":
            return self.proof_config
        return self.proof_config.exact_duplicates_only()

    @property
    def verifies(self) -> bool:
        """Whether captioned rows' model-only claims are put to the model (`proof.verify`); an
        offline backend cannot see the picture and is never asked."""
        return self.proof_config.verify == "keywords" and self.captioner.backend != "offline"

    def build_index(self, rows: Sequence[Row], redo: set[tuple[str, str]]) -> DuplicateIndex:
        # a keeper's text is its scene's: across the scene, near duplicates count at the proof's threshold
        return build_duplicate_index(rows, redo, self.gallery_names(), self.duplicate_config,
                                     scene_threshold=self.proof_config.near_duplicate_threshold)

    # ---------------------------------------------------------------- stage

    def preflight(self, reporter: Reporter) -> None:
        """The runtime check (is the model server there, is the model loaded, does it see images?),
        run before the pipeline copies anything, so a run without its model server stops at once."""
        self.runtime = self.captioner.runtime_check(self.settings.model, num_ctx=self.settings.num_ctx)
        self._checked = self.runtime
        reporter.info(f"runtime check: {self.runtime.describe()}")

    def __call__(self, context: RowContext) -> None:
        reporter = context.reporter
        rows = context.rows()
        todo = [row for row in rows if Stage.CAPTION.value not in row.stages_done]
        # A frame a scene's keeper speaks for waits, uncaptioned and pending, for Generate or an edit.
        waiting = [row for row in todo if row.keeper is False] if self.settings.scope == "keepers" else []
        for row in (row for row in waiting if row.status == RowStatus.INGESTED):
            context.save_row(queue.mark_prefilled(row))
        todo = [row for row in todo if not (self.settings.scope == "keepers" and row.keeper is False)]
        if self._checked is None and (self.check_every_run or self.runtime is None):
            self.preflight(reporter)
        self._checked = None  # the next run checks again
        everything = queue_rows(context)
        # the vouched-for place names, read once for the stage (not once per row)
        self._allowances = self.places.allowances() if todo else []
        index = self.build_index(everything, {row.key for row in todo})
        reporter.start_stage(Stage.CAPTION.value, len(todo))
        reporter.info(f"{len(waiting)} frame(s) left for their scene's keeper (captioner.scope = keepers)") if waiting else None
        outcomes: list[RowOutcome] = []
        self._cancelled.clear()
        self._failure = None
        # keepers first: the other frames of a scene are proven against their keeper's text
        self._run_phase(context, [row for row in todo if row.keeper is not False], index, {}, outcomes)
        then = [row for row in todo if row.keeper is False]
        if then:
            context.flush()
            scene_keepers: dict[str | None, Row] = {row.scene_id: row for row in queue_rows(context) if row.keeper and row.scene_id}
            self._run_phase(context, then, index, scene_keepers, outcomes)
        context.flush()
        accepted = sum(1 for o in outcomes if o.verdict == ProofVerdict.ACCEPTED)
        verifying = f" ({sum(o.verify_calls for o in outcomes)} to verify claims)" if self.verifies else ""
        reporter.end_stage(Stage.CAPTION.value, f"{accepted} accepted, {len(outcomes) - accepted} blocked, "
                                                f"{sum(o.model_calls for o in outcomes)} model call(s)" + verifying)
        self._outcomes = outcomes

    def artifacts(self, context: RowContext) -> dict[str, object]:
        """The run's proof and QC summaries, and `export.json` when no row is blocked, from the rows
        as the last call left them (the pipeline writes them with the session's logs)."""
        final_rows = context.rows()
        produced: dict[str, object] = {
            "proof_summary.json": proof_summary(final_rows, self._outcomes),
            "qc_summary.json": qc_summary(final_rows, self.proof_config),
        }
        export = export_rows(final_rows)
        if export.ok:
            produced["export.json"] = export.rows
        return produced

    def _run_phase(self, context: RowContext, todo: list[Row], index: DuplicateIndex, scene_keepers: dict[str | None, Row],
                   outcomes: list[RowOutcome]) -> None:
        reporter = context.reporter
        executor = ThreadPoolExecutor(max_workers=max(1, self.settings.parallel), thread_name_prefix="caption")
        futures: list[Future[RowOutcome]] = [
            executor.submit(self._caption_row, context, row, index, scene_keepers.get(row.scene_id)) for row in todo]
        try:
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                for future in done:
                    outcome = future.result()  # re-raises a blocking error (backend down)
                    outcomes.append(outcome)
                    reporter.advance(f"{outcome.key}: {outcome.verdict.value} ({outcome.model}, {outcome.attempts} attempt(s))")
        except BaseException as exc:
            self._cancelled.set()
            executor.shutdown(wait=False, cancel_futures=True)
            with self._write_lock:  # no worker writes after this point
                failure = self._failure
            if isinstance(exc, InterruptedError) and failure is not None:
                raise failure from None
            raise
        executor.shutdown(wait=True)

    def _image(self, row: Row) -> bytes:
        for path in (row.ollama_path, row.incoming_path):
            if path:
                try:
                    return self.files.read_path(path)
                except FileNotFoundError:
                    continue
        return b""

    def _caption_row(self, context: RowContext, row: Row, index: DuplicateIndex, keeper: Row | None = None) -> RowOutcome:
        try:
            proven, outcome = self.suggest(row, index, keeper)
        except InterruptedError:
            raise
        except BaseException as exc:
            # A blocking failure (backend down after its retries): remember it first, then stop the
            # other workers, so their InterruptedError never hides the real cause.
            with self._write_lock:
                if self._failure is None:
                    self._failure = exc
            self._cancelled.set()
            raise
        return self._save(context, proven, outcome)

    def suggest(self, row: Row, index: DuplicateIndex, keeper: Row | None = None) -> tuple[Row, RowOutcome]:
        """The row with new proven metadata (accepted, or blocked with reasons), not yet stored.
        Fields a human edited are kept; the index holds the row's claims afterwards. `keeper`: the
        keeper of the row's scene (its text is evidence, and its names must be agreed with)."""
        image = self._image(row)
        hints = list(row.classifier_hints)  # without a classifier, the hints found earlier still count
        if self.classifier is not None and image:
            hints = self.classifier.labels(image, top_k=self.settings.hint_count)
        evidence = self.places.evidence(row, classifier_hints=hints, glossary=self.settings.glossary, scene_keeper=keeper,
                                        allowances=self._allowances)
        prompt_evidence = evidence_for_prompt(evidence)
        models = [self.settings.model]
        # an offline backend gives the same answer however often it is asked: no repair, no fallback
        fixed_answers = self.captioner.backend == "offline"
        if self.settings.fallback_model and self.settings.fallback_model != self.settings.model and not fixed_answers:
            models.append(self.settings.fallback_model)
        rounds = 1 if fixed_answers else self.settings.max_repairs + 1
        # a field a person wrote is never replaced by a machine (provenance, or `edited_fields`)
        keep = {name: getattr(row, name) for name in sorted(set(row.edited_fields) | person_fields(row))}
        if row.remote_id is not None:
            keep["file_name"] = row.file_name  # a published row keeps its gallery name
        attempts = cached = calls = 0
        verify = ClaimCheck(self.verifies)
        best: Row | None = None
        best_reasons: list[ProofReason] = []
        used_model = models[0]
        for model in models:
            repair: str | None = None
            for round_ in range(rounds):
                if self._cancelled.is_set():
                    raise InterruptedError("caption stage cancelled")
                attempts += 1
                used_model = model
                request = CaptionRequest(
                    model=model, image_jpeg=image, prompt=build_prompt(row, prompt_evidence, repair),
                    facts=row_facts(row), evidence=prompt_evidence, num_ctx=self.settings.num_ctx,
                    attempt=attempts,
                    seed=42 + round_,  # a re-ask must be able to differ from the answer it repairs
                )
                key = cache_key(row.sha256, self.captioner.backend, model, request,
                                model_digest=self._digest(model), image_settings=self._image_settings())
                raw = self.cache.get(key)
                if raw is None:
                    raw = self.captioner.answer(request)
                    calls += 1
                    self.cache.put(key, raw)
                else:
                    cached += 1
                parsed = parse_answer(raw)
                candidate = row.changed(
                    caption=keep.get("caption", parsed.caption),
                    alt_text=keep.get("alt_text", parsed.alt_text),
                    keywords=keep.get("keywords", parsed.keywords),
                    file_name=keep.get("file_name", parsed.file_name),
                    caption_source=model if self.captioner.backend != "offline" else "offline",
                    classifier_hints=hints,
                )
                candidate = written_by_machine(
                    candidate, "offline" if self.captioner.backend == "offline" else "model",
                    self.now().isoformat(timespec="seconds"), model, self._digest(model),
                    fields=[name for name in EDITABLE_FIELDS if name not in keep],
                )
                index.release(row.key_text)
                if not parsed.ok:
                    violations = list(parsed.problems)
                    if best is None:
                        best, best_reasons = candidate, violations
                    repair = repair_prompt(violations, self.proof_config)
                    continue
                result = proof(candidate, verify.evidence(evidence), index, self.proof_config, claim=True)
                if verify.on:
                    ask = ClaimQuestion(row.sha256, image, self.proof_config.verify_model or model)
                    result, made = verify.check(self._verify_port, ask, candidate, evidence, index, result,
                                                self.proof_config)
                    calls += made
                proven = apply_proof(candidate, result)
                if result.accepted:
                    return proven, RowOutcome(row.key_text, ProofVerdict.ACCEPTED, attempts, model, cached, calls,
                                              list(result.reasons), verify.calls)
                best, best_reasons = proven, list(result.reasons)
                repair = result.repair_prompt(self.proof_config)
        assert best is not None
        # A blocked row is still an unpublished row of the queue: it holds its texts, so a later
        # row cannot take the same caption, alt text or file name.
        index.release(row.key_text)
        for name in ("caption", "alt_text", "file_name"):
            index.check_and_claim(row.key_text, name, getattr(best, name))
        blocked = best.changed(
            metadata_quality=ProofVerdict.BLOCKED,
            proof_reasons=best_reasons,
            proof_digest=best.metadata_digest(),
        )
        return blocked, RowOutcome(row.key_text, ProofVerdict.BLOCKED, attempts, used_model, cached, calls, best_reasons,
                                   verify.calls)

    @property
    def _verify_port(self) -> ModelAccess:
        return ModelAccess(self.captioner, self.cache, self._digest, self._image_settings(), self.settings.num_ctx)

    def _digest(self, model: str) -> str | None:
        runtime = self.runtime
        return runtime.digest if runtime is not None and runtime.model == model else None

    def _image_settings(self) -> dict[str, Any]:
        return {"long_edge": self.settings.image_long_edge, "quality": self.settings.image_quality}

    def _save(self, context: RowContext, row: Row, outcome: RowOutcome) -> RowOutcome:
        row = queue.mark_prefilled(queue.mark_stage_done(row, Stage.CAPTION))
        with self._write_lock:
            if self._cancelled.is_set():
                raise InterruptedError("caption stage cancelled")
            # batched: committed with its batch (no model call runs inside that transaction); the
            # failpoint fires once the row is committed
            context.save_row(row, "stage7.after_caption")
        return outcome

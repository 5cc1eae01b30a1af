"""Stages 5 (scoring) and 6 (resize): ports, the documented fallback formulas, and the stages.

Each image is decoded once, at reduced size (JPEG draft mode), upright and in sRGB, by the
`ImageProcessor`. The decoded image feeds both scorers in batches, and the model-ready JPEG is
encoded from that same decode, so stage 6 writes what stage 5 already made instead of decoding
the original again (a bounded in-memory hand-over keyed by sha256).

Score scales (stored on the row as floats, with `*_fallback` saying where the value came from):

- `brisque_score`: BRISQUE, no-reference image quality, trained on the LIVE database.
  Roughly 0 (best) to 100 (worst); lower is better. Values slightly outside 0-100 occur for
  unusual images. A fallback value uses the same direction and the range (0, 100].
- `clip_aesthetic_score`: a LAION-style aesthetic predictor (linear or MLP head) on a CLIP image
  embedding. Roughly 1 (worst) to 10 (best); higher is better; not clipped. A fallback value lies
  in [1, 10].

Fallbacks are deterministic functions of image statistics (same image, same settings, same value),
flagged with `*_fallback = true` so nobody mistakes them for model scores:

- sharpness s = d / (1 + n / 3): n = luma noise sigma by Immerkaer's estimator (mean |kernel
  1 -2 1 / -2 4 -2 / 1 -2 1| * sqrt(pi/2) / 6), d = sqrt(max(0, Var(Laplacian) - 20 n^2)) with the
  4-neighbour Laplacian (0 1 0 / 1 -4 1 / 0 1 0) of the 8-bit luma (ITU-R 601), both over the
  interior pixels (the 1-pixel border left out). Blur lowers d, noise raises n: neither reads as detail.
- BRISQUE fallback = 100 * 10 / (10 + s): sharp, clean images score low (good); flat, blurred or
  noisy ones approach 100 (bad).
- aesthetic fallback = 1 + 9 * (0.4 * min(c / 128, 1) + 0.2 * min(m / 255, 1) + 0.4 * s / (s + 8)),
  c = population standard deviation of the luma, m = mean HSV saturation (0-255).
On the sample photos both rank the original above its blurred (sigma 2, 6) and noisy (sigma 30)
copies (tests/unit/test_fallback_ranking.py). A fallback value is never published as a score.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from proofdesk.core.domain import queue
from proofdesk.core.domain.models import Row, Stage
from proofdesk.core.domain.scenes import FLAG_TEXT, QualityMeasures, quality_flags
from proofdesk.core.domain.scoring import (
    ScoringOptions,
    incoming_relpath,
    model_relpath,
)
from proofdesk.core.ports.captioning import AnswerCache
from proofdesk.core.ports.files import FileStore
from proofdesk.core.ports.media import (
    AestheticScorer,
    DecodedImage,
    FrameAnalysis,
    FrameAnalyzer,
    ImageDecodeError,
    ImageProcessor,
    QualityScorer,
    Score,
)
from proofdesk.core.services.stages.base import RowContext

# ---------------------------------------------------------------- decoded images


# ---------------------------------------------------------------- scorers


# ---------------------------------------------------------------- fallback formulas


# ---------------------------------------------------------------- stages 5 and 6


class _Handover:
    """Model-ready JPEG bytes made during scoring, waiting for the resize stage (bounded)."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget = budget_bytes
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._mutex = threading.Lock()

    def put(self, sha256: str, data: bytes) -> bool:
        with self._mutex:
            if sha256 in self._items or self._size + len(data) > self.budget:
                return False
            self._items[sha256] = data
            self._size += len(data)
            return True

    def take(self, sha256: str) -> bytes | None:
        with self._mutex:
            data = self._items.pop(sha256, None)
            if data is not None:
                self._size -= len(data)
            return data

    def __contains__(self, sha256: object) -> bool:
        with self._mutex:
            return sha256 in self._items

    def clear(self) -> None:
        with self._mutex:
            self._items.clear()
            self._size = 0


def _chunks(items: list[Row], size: int) -> Iterator[list[Row]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _why(exc: BaseException) -> str:
    """An exception as one short line for a per-file report."""
    text = " ".join(str(exc).split())
    return f"{exc.__class__.__name__}: {text[:300]}" if text else exc.__class__.__name__


@dataclasses.dataclass
class _Decoded:
    """One picture decoded for stage 5, with its culling analysis (or why the analyzer failed on it)."""

    image: DecodedImage
    analysis: FrameAnalysis | None
    analysis_failure: str | None = None


class ScoringStages:
    """Stage 5 (`score_stage`) and stage 6 (`resize_stage`) as `RowStage` callables.

    Both skip rows that already did the stage (a changed file clears `stages_done`, so a done
    stage always belongs to the row's current sha256): a rerun recomputes nothing.
    """

    def __init__(
        self,
        processor: ImageProcessor,
        quality: QualityScorer,
        aesthetic: AestheticScorer,
        files: FileStore,
        options: ScoringOptions | None = None,
        cache: AnswerCache | None = None,
        analyzer: FrameAnalyzer | None = None,
    ) -> None:
        self.analyzer = analyzer
        self.processor = processor
        self.quality = quality
        self.aesthetic = aesthetic
        self.files = files
        self.options = options or ScoringOptions()
        self.cache = cache
        self._handover = _Handover(self.options.handover_bytes)

    # ---- scores cached outside the session journal (a rerun after a rollback does not pay again)

    def _cache_key(self, row: Row) -> str:
        payload = json.dumps({"sha": row.sha256, "quality": self.quality.engine, "aesthetic": self.aesthetic.engine,
                              "quality_files": self.quality.files_digest(),
                              "aesthetic_files": self.aesthetic.files_digest(),
                              "long_edge": self.options.long_edge,
                              "analyzer": self.analyzer.version if self.analyzer is not None else None}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()

    def _cached(self, row: Row) -> tuple[Score, Score, FrameAnalysis | None] | None:
        if self.cache is None:
            return None
        raw = self.cache.get(self._cache_key(row))
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            analysis = None
            if self.analyzer is not None:
                analysis = FrameAnalysis(QualityMeasures(**data["analysis"]["measures"]), str(data["analysis"]["signature"]))
            return Score(**data["quality"]), Score(**data["aesthetic"]), analysis
        except (ValueError, KeyError, TypeError):
            return None  # a damaged entry is recomputed

    def _remember(self, row: Row, quality: Score, aesthetic: Score, analysis: FrameAnalysis | None) -> None:
        if self.cache is not None:
            entry: dict[str, object] = {"quality": dataclasses.asdict(quality), "aesthetic": dataclasses.asdict(aesthetic)}
            if analysis is not None:
                entry["analysis"] = {"measures": analysis.measures.model_dump(), "signature": analysis.signature}
            self.cache.put(self._cache_key(row), json.dumps(entry))

    # ---- shared work

    def _decode(self, row: Row, make_model_ready: bool) -> _Decoded:
        data = self.files.read_bytes(FileStore.INCOMING, incoming_relpath(row))
        try:
            decoded = self.processor.decode(data, self.options.long_edge)
        except ImageDecodeError as exc:
            raise ImageDecodeError(f"{row.key_text}: {exc}") from exc
        if make_model_ready:
            self._handover.put(row.sha256, self.processor.encode_jpeg(decoded, self.options.jpeg_quality))
        # the culling measures come from the same decode as the scores (the model-ready picture)
        if self.analyzer is None:
            return _Decoded(decoded, None)
        try:
            return _Decoded(decoded, self.analyzer.analyze(decoded))
        except Exception as exc:  # one picture the analyzer cannot take is reported on its row, not the session
            return _Decoded(decoded, None, _why(exc))

    def _score_each(self, scorer: QualityScorer | AestheticScorer, name: str, chunk: list[Row],
                    images: list[DecodedImage], context: RowContext) -> list[Score | None]:
        """The scorer's scores for a batch. When the batch raises, the pictures are scored one by one:
        the one the scorer cannot take gets a line naming it and no score (it is scored again on the
        next run), and the others go on; a scorer's failure on one file never ends the session."""
        try:
            return list(scorer.score_batch(images))
        except Exception:  # found picture by picture below
            pass
        scores: list[Score | None] = []
        for row, image in zip(chunk, images, strict=True):
            try:
                scores.append(scorer.score(image))
            except Exception as exc:
                context.reporter.warn(
                    f"{row.key_text}: the {name} scorer could not score this picture ({image.width}x{image.height} pixels; "
                    f"{_why(exc)}); it has no {name} score and is scored again on the next run"
                )
                scores.append(None)
        return scores

    # ---- stage 5

    def score_stage(self, context: RowContext) -> None:
        reporter = context.reporter
        rows = context.rows()
        todo = [row for row in rows if Stage.SCORE.value not in row.stages_done]
        reporter.start_stage(Stage.SCORE.value, len(rows))
        counts = {"brisque_model": 0, "brisque_fallback": 0, "brisque_failed": 0,
                  "aesthetic_model": 0, "aesthetic_fallback": 0, "aesthetic_failed": 0, "tiny": 0}
        if todo:
            reporter.info(f"BRISQUE: {self.quality.describe()}; aesthetic: {self.aesthetic.describe()}")
        from_cache = 0
        uncached: list[Row] = []
        for row in todo:
            hit = self._cached(row)
            if hit is None:
                uncached.append(row)
                continue
            brisque, aesthetic, analysis = hit
            self._save_scores(context, row, brisque, aesthetic, analysis, counts, cached=True)
            from_cache += 1
        todo_computed = uncached
        with ThreadPoolExecutor(max_workers=self.options.workers, thread_name_prefix="proofdesk-decode") as pool:

            def submit(chunk: list[Row]) -> list[Future[_Decoded]]:
                return [
                    pool.submit(self._decode, row, Stage.RESIZE.value not in row.stages_done) for row in chunk
                ]

            chunks = list(_chunks(todo_computed, self.options.batch_size))
            pending = submit(chunks[0]) if chunks else []
            for index, chunk in enumerate(chunks):
                results = [future.result() for future in pending]
                decoded = [result.image for result in results]
                analyses = [result.analysis for result in results]
                for row, result in zip(chunk, results, strict=True):
                    if result.analysis_failure is not None:
                        reporter.warn(f"{row.key_text}: the culling measures could not be taken ({result.analysis_failure}); "
                                      "the frame is grouped and ranked without them")
                del results
                # Decode the next batch while the models work on this one.
                pending = submit(chunks[index + 1]) if index + 1 < len(chunks) else []
                quality_scores = self._score_each(self.quality, "BRISQUE", chunk, decoded, context)
                aesthetic_scores = self._score_each(self.aesthetic, "aesthetic", chunk, decoded, context)
                del decoded
                for row, quality_score, aesthetic_score, analysis in zip(chunk, quality_scores, aesthetic_scores, analyses,
                                                                        strict=True):
                    if quality_score is not None and aesthetic_score is not None and (analysis is not None or self.analyzer is None):
                        self._remember(row, quality_score, aesthetic_score, analysis)
                    self._save_scores(context, row, quality_score, aesthetic_score, analysis, counts, cached=False)
        context.flush()
        for row in rows:
            if Stage.SCORE.value in row.stages_done:
                reporter.advance(f"{row.key_text}: already scored")
        failed = counts["brisque_failed"] + counts["aesthetic_failed"]
        reporter.end_stage(
            Stage.SCORE.value,
            f"{len(todo)} scored (BRISQUE {counts['brisque_model']} model, {counts['brisque_fallback']} fallback"
            + (f", {counts['brisque_failed']} failed" if failed else "")
            + f"; aesthetic {counts['aesthetic_model']} model, {counts['aesthetic_fallback']} fallback"
            + (f", {counts['aesthetic_failed']} failed" if failed else "")
            + f"), {len(rows) - len(todo)} unchanged" + (f", {from_cache} from the score cache" if from_cache else "")
            + (f", {counts['tiny']} flagged tiny" if counts["tiny"] else ""),
        )

    def _save_scores(self, context: RowContext, row: Row, brisque: Score | None, aesthetic: Score | None,
                     analysis: FrameAnalysis | None, counts: dict[str, int], cached: bool) -> None:
        """Write what stage 5 found for one row. A row a scorer failed on keeps what was found but is
        not marked scored, so the next run scores it again."""
        flags = quality_flags(analysis.measures) if analysis is not None else []
        changes: dict[str, object] = {} if analysis is None else {
            "quality_measures": analysis.measures.model_dump(), "quality_flags": flags,
            "scene_signature": analysis.signature,
        }
        if brisque is not None:
            changes.update(brisque_score=brisque.value, brisque_fallback=brisque.fallback)
        if aesthetic is not None:
            changes.update(clip_aesthetic_score=aesthetic.value, clip_aesthetic_fallback=aesthetic.fallback)
        scored = row.changed(**changes)
        if brisque is not None and aesthetic is not None:
            scored = queue.mark_stage_done(scored, Stage.SCORE)
        context.save_row(scored, "stage5.after_score")  # the failpoint fires once its batch is committed
        counts[f"brisque_{brisque.source if brisque is not None else 'failed'}"] += 1
        counts[f"aesthetic_{aesthetic.source if aesthetic is not None else 'failed'}"] += 1

        def told(name: str, score: Score | None) -> str:
            return f"{name} {score.value:.2f} ({score.source}, {score.engine})" if score is not None else f"{name} failed"

        context.reporter.advance(
            f"{row.key_text}: {told('brisque', brisque)}, {told('aesthetic', aesthetic)}"
            + (f"; flagged {', '.join(flags)}" if flags else "") + (" [cached]" if cached else "")
        )
        if "tiny" in flags and analysis is not None:
            counts["tiny"] += 1
            measures = analysis.measures
            context.reporter.info(
                f"{row.key_text}: {measures.width}x{measures.height} pixels, {FLAG_TEXT['tiny']}: flagged tiny, never "
                f"a scene's keeper while a normal frame exists"
                + ("; BRISQUE by the fallback formula (the model cannot judge it)" if brisque is not None and brisque.fallback
                   and self.quality.engine != brisque.engine else "")
            )

    # ---- stage 6

    def _is_resized(self, row: Row) -> bool:
        relpath = model_relpath(row)
        return (
            Stage.RESIZE.value in row.stages_done
            and row.ollama_path is not None
            # resolved: a full path stored before rows held paths relative to the workdir is the same file
            and self.files.resolve(row.ollama_path) == self.files.resolve(self.files.locate(FileStore.WORK, relpath))
            and self.files.exists(FileStore.WORK, relpath)
        )

    def _model_ready(self, row: Row) -> bytes:
        data = self._handover.take(row.sha256)
        if data is not None:
            return data
        original = self.files.read_bytes(FileStore.INCOMING, incoming_relpath(row))
        try:
            return self.processor.model_ready(original, self.options.long_edge, self.options.jpeg_quality)
        except ImageDecodeError as exc:
            raise ImageDecodeError(f"{row.key_text}: {exc}") from exc

    def resize_stage(self, context: RowContext) -> None:
        reporter = context.reporter
        rows = context.rows()
        todo = [row for row in rows if not self._is_resized(row)]
        todo_keys = {row.key for row in todo}
        reporter.start_stage(Stage.RESIZE.value, len(rows))
        handed_over = 0
        try:
            with ThreadPoolExecutor(max_workers=self.options.workers, thread_name_prefix="proofdesk-resize") as pool:
                for chunk in _chunks(todo, self.options.batch_size):
                    handed_over += sum(1 for row in chunk if row.sha256 in self._handover)
                    ready = list(pool.map(self._model_ready, chunk))
                    # write-ahead, one transaction for the chunk: rollback removes these files
                    context.journal_files([self.files.locate(FileStore.WORK, model_relpath(row)) for row in chunk
                                           if not self.files.exists(FileStore.WORK, model_relpath(row))])
                    for row, data in zip(chunk, ready, strict=True):
                        relpath = model_relpath(row)
                        path = self.files.locate(FileStore.WORK, relpath)
                        self.files.write_bytes(FileStore.WORK, relpath, data)
                        resized = queue.mark_stage_done(row.changed(ollama_path=path), Stage.RESIZE)
                        context.save_row(resized, "stage6.after_resize")
                        reporter.advance(f"{row.key_text}: model-ready JPEG {len(data):,} bytes at {relpath}")
                context.flush()
        finally:
            self._handover.clear()
        for row in rows:
            if row.key not in todo_keys:
                reporter.advance(f"{row.key_text}: already resized")
        reporter.end_stage(
            Stage.RESIZE.value,
            f"{len(todo)} model-ready image(s) written ({handed_over} from the scoring decode), "
            f"{len(rows) - len(todo)} unchanged",
        )

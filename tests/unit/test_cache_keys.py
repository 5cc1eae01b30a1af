"""What the caches are keyed by: an answer is reused only for the same model build (its digest on
the server) and the same model image (long edge, JPEG quality); a score only for the same weights
files (their digests), not merely the same file names."""

from __future__ import annotations

from pathlib import Path

from proofdesk.adapters.memory import (
    FakeAestheticScorer,
    FakeImageProcessor,
    FakeQualityScorer,
    InMemoryAnswerCache,
    InMemoryFileStore,
)
from proofdesk.core.domain.captioning import CaptionRequest, RuntimeInfo, cache_key
from proofdesk.core.domain.models import Row
from proofdesk.core.services.stages.caption import CaptionSettings, CaptionStage
from proofdesk.core.services.stages.scoring import ScoringStages

from tests.support.corpus import write_jpeg
from tests.unit.test_caption_stage import ScriptedCaptioner, make_pipeline


class DigestCaptioner(ScriptedCaptioner):
    def __init__(self, digest: str) -> None:
        super().__init__()
        self.digest = digest

    def runtime_check(self, model: str, num_ctx: int | None = None) -> RuntimeInfo:
        return RuntimeInfo(backend=self.backend, url="-", model=model, digest=self.digest)


def _caption(tmp_path: Path, cache: InMemoryAnswerCache, captioner: ScriptedCaptioner, **settings: int) -> None:
    set_dir = tmp_path / "venice_harbour"  # the same photo every time: only the model or its image change
    if not set_dir.exists():
        write_jpeg(set_dir / "p00.jpg", seed=1, size=(64, 48))
    files = InMemoryFileStore()
    stage = CaptionStage(captioner=captioner, settings=CaptionSettings(model="m", **settings), cache=cache, files=files)
    make_pipeline(tmp_path, stage, files).run([str(set_dir)])


def test_the_answer_cache_key_holds_the_model_digest_and_the_model_image_settings() -> None:
    request = CaptionRequest(model="m", prompt="p")
    base = cache_key("s" * 64, "ollama", "m", request, model_digest="d1", image_settings={"long_edge": 1024, "quality": 90})
    assert base != cache_key("s" * 64, "ollama", "m", request, model_digest="d2",
                             image_settings={"long_edge": 1024, "quality": 90})
    assert base != cache_key("s" * 64, "ollama", "m", request, model_digest="d1",
                             image_settings={"long_edge": 768, "quality": 90})
    assert base != cache_key("s" * 64, "ollama", "m", request, model_digest="d1",
                             image_settings={"long_edge": 1024, "quality": 80})


def test_a_repulled_model_or_another_model_image_is_asked_again(tmp_path: Path) -> None:
    cache = InMemoryAnswerCache()
    first = DigestCaptioner("digest-1")
    _caption(tmp_path, cache, first, image_long_edge=1024, image_quality=90)
    same = DigestCaptioner("digest-1")
    _caption(tmp_path, cache, same, image_long_edge=1024, image_quality=90)
    assert first.calls >= 1 and same.calls == 0  # same model build, same image: cached
    repulled = DigestCaptioner("digest-2")
    _caption(tmp_path, cache, repulled, image_long_edge=1024, image_quality=90)
    assert repulled.calls >= 1
    resized = DigestCaptioner("digest-1")
    _caption(tmp_path, cache, resized, image_long_edge=512, image_quality=90)
    assert resized.calls >= 1


class FilesAestheticScorer(FakeAestheticScorer):
    def __init__(self, digest: str) -> None:
        super().__init__()
        self.digest = digest

    def files_digest(self) -> str:
        return self.digest


def test_the_score_cache_key_holds_the_weights_digests() -> None:
    row = Row(set_name="s", original_name="a.jpg", sha256="a" * 64)

    def key(digest: str) -> str:
        return ScoringStages(FakeImageProcessor(), FakeQualityScorer(), FilesAestheticScorer(digest),
                             InMemoryFileStore())._cache_key(row)

    assert key("weights-1") == key("weights-1") != key("weights-2")


def test_new_weights_under_the_same_file_name_change_the_scorers_files_digest(tmp_path: Path) -> None:
    import torch

    from tests.support.tiny_clip import TinyClip

    tiny = TinyClip(tmp_path / "tiny")
    before = tiny.scorer().files_digest()
    assert before and before == tiny.scorer().files_digest()
    torch.save(torch.nn.Linear(24, 1).state_dict(), tiny.linear_head)  # retrained head, same name
    assert tiny.scorer().files_digest() != before

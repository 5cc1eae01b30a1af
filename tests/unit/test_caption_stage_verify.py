"""The caption stage's yes/no check (`proof.verify = keywords`) on fakes: one question per row and
run however many repairs follow, answers cached like captions, the offline backend never asked."""

from __future__ import annotations

import json

from proofdesk.adapters.memory import InMemoryAnswerCache, InMemoryFileStore
from proofdesk.core.domain.captioning import CaptionRequest, RuntimeInfo
from proofdesk.core.domain.models import Row
from proofdesk.core.domain.proof import DuplicateIndex, ProofConfig
from proofdesk.core.ports.captioning import Captioner
from proofdesk.core.services.stages.caption import CaptionSettings, CaptionStage

TOLD = "Your last answer broke these rules"


class InventingCaptioner(Captioner):
    """Invents a balloon; told it is not there, drops it but invents a kite instead. Answers the
    yes/no question truthfully (only the balloon and the kite are not there)."""

    backend = "scripted"

    def __init__(self) -> None:
        self.requests: list[CaptionRequest] = []

    def runtime_check(self, model: str, num_ctx: int | None = None) -> RuntimeInfo:
        return RuntimeInfo(backend=self.backend, url="-", model=model)

    def answer(self, request: CaptionRequest) -> str:
        self.requests.append(request)
        if "caption" not in request.schema_["properties"]:
            return json.dumps({claim: "no" if claim in ("balloon", "kite") else "yes" for claim in request.schema_["properties"]})
        thing = "kite" if TOLD in request.prompt else "balloon"
        return json.dumps({"caption": f"A gondola waits by the quay of the harbour under a {thing}.",
                           "alt_text": f"Gondola by the quay under a {thing}",
                           "keywords": ["gondola", "quay", "harbour", thing], "filename": "gondola-quay.jpg"})

    @property
    def probes(self) -> list[CaptionRequest]:
        return [r for r in self.requests if "caption" not in r.schema_["properties"]]


def stage_for(captioner: Captioner, cache: InMemoryAnswerCache | None = None, **proof: object) -> CaptionStage:
    return CaptionStage(captioner=captioner, settings=CaptionSettings(model="qwen2.5vl:7b", max_repairs=2),
                        cache=cache or InMemoryAnswerCache(), files=InMemoryFileStore(),
                        proof_config=ProofConfig.model_validate({"verify": "keywords", **proof}))


ROW = Row(set_name="venice", original_name="IMG_0001.jpg", sha256="a" * 64)


def test_one_question_per_row_however_many_repairs_follow() -> None:
    captioner = InventingCaptioner()
    row, outcome = stage_for(captioner).suggest(ROW, DuplicateIndex())
    [probe] = captioner.probes
    assert sorted(probe.schema_["properties"]) == ["balloon", "gondola", "harbour", "quay"]
    assert "gondola" not in probe.prompt.split("\n")[0] and "quay of the harbour" not in probe.prompt
    assert outcome.verify_calls == 1 and outcome.model_calls == 3  # answer, question, repair
    claims = {claim.text: (claim.source, claim.verdict) for claim in row.claims}
    assert claims["balloon"] == ("model", "no") and claims["gondola"] == ("verified", "yes")
    assert claims["kite"] == ("model", None)  # the repair's new claim is not asked about (one question per row)
    assert "balloon" not in (row.caption or "") and "balloon" not in row.keywords


def test_the_question_is_cached_like_the_answers_and_another_model_may_judge() -> None:
    cache = InMemoryAnswerCache()
    first = InventingCaptioner()
    stage_for(first, cache, verify_model="llava:13b").suggest(ROW, DuplicateIndex())
    assert [probe.model for probe in first.probes] == ["llava:13b"]
    again = InventingCaptioner()
    _, outcome = stage_for(again, cache, verify_model="llava:13b").suggest(ROW, DuplicateIndex())
    assert again.requests == [] and outcome.model_calls == 0 and outcome.verify_calls == 0


def test_the_offline_backend_and_verify_off_never_ask() -> None:
    captioner = InventingCaptioner()
    captioner.backend = "offline"
    stage = stage_for(captioner)
    assert not stage.verifies
    row, _ = stage.suggest(ROW, DuplicateIndex())
    assert captioner.probes == [] and all(claim.verdict is None for claim in row.claims)
    plain = InventingCaptioner()
    off = CaptionStage(captioner=plain, settings=CaptionSettings(model="m"), cache=InMemoryAnswerCache(),
                       files=InMemoryFileStore())
    row, outcome = off.suggest(ROW, DuplicateIndex())
    assert plain.probes == [] and outcome.verify_calls == 0 and "balloon" in row.keywords

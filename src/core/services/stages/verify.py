"""`proof.verify = keywords`: the yes/no check of what only the model claims (POPE-style probes).

After an answer is proven, its model-only claims (keywords supported by nothing but the model's
own caption or alt text) are put to the model in one structured request with the picture: a JSON
object whose properties are the claims, each "yes", "no" or "unsure". The verdicts go into the
evidence and the answer is proven again: a "no" drops the keyword and blocks a caption or alt
text naming it (`claim.unsupported`), which the bounded repair then re-asks about. At most one such
request per row and run, repairs included; answers are cached like caption answers; an answer that
does not parse counts as "unsure". Named things are never asked about (a yes/no cannot vouch for
a name): they stay "unsure".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from proofdesk.core.domain.captioning import cache_key, parse_verdicts, verify_request
from proofdesk.core.domain.models import Row
from proofdesk.core.domain.proof import DuplicateIndex, Evidence, ProofConfig, ProofResult, proof
from proofdesk.core.domain.proof.claims import claims_to_verify
from proofdesk.core.ports.captioning import AnswerCache, Captioner


@dataclass(frozen=True)
class ModelAccess:
    """What asking the model needs: the backend, the answer cache and what goes into its key."""

    captioner: Captioner
    cache: AnswerCache
    digest: Callable[[str], str | None]
    image_settings: dict[str, Any]
    num_ctx: int | None = None


@dataclass(frozen=True)
class ClaimQuestion:
    """Whose picture is asked about, and which model judges it."""

    sha256: str
    image_jpeg: bytes
    judge: str


@dataclass
class ClaimCheck:
    """One row's yes/no on its model-only claims, across the answers of its repair rounds."""

    on: bool
    asked: bool = False
    calls: int = 0
    verdicts: dict[str, str] = field(default_factory=dict)

    def evidence(self, evidence: Evidence) -> Evidence:
        return evidence.with_verdicts(self.verdicts) if self.verdicts else evidence

    def ask(self, access: ModelAccess, question: ClaimQuestion, claims: list[str]) -> tuple[dict[str, str], int]:
        """The verdicts on `claims` (from the cache or one model call) and the calls made."""
        request = verify_request(question.judge, question.image_jpeg, claims, access.num_ctx)
        key = cache_key(question.sha256, access.captioner.backend, question.judge, request,
                        model_digest=access.digest(question.judge), image_settings=access.image_settings)
        raw = access.cache.get(key)
        made = 0
        if raw is None:
            raw = access.captioner.answer(request)
            made = 1
            access.cache.put(key, raw)
        return parse_verdicts(raw, claims), made

    def check(self, access: ModelAccess, question: ClaimQuestion, candidate: Row, evidence: Evidence,
              index: DuplicateIndex, result: ProofResult, config: ProofConfig) -> tuple[ProofResult, int]:
        """The answer proven again with the verdicts on its model-only claims, and the model calls
        made (0 when nothing was asked or the cache answered)."""
        ask, named = claims_to_verify(result.claims, result.caption, result.alt_text)
        answers = {text: "unsure" for text in named}
        made = 0
        if ask and not self.asked:
            self.asked = True
            verdicts, made = self.ask(access, question, ask)
            self.calls += made
            answers.update(verdicts)
        if not answers:
            return result, made
        self.verdicts.update(answers)
        index.release(candidate.key_text)
        return proof(candidate, self.evidence(evidence), index, config, claim=True), made

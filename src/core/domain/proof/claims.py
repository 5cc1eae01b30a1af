"""Claims: every keyword with what vouches for it, and the rule that holds the text to what the
model, asked with the picture, said is not there (`claim.unsupported`).

A row's keywords are its claims; the caption and alt text mention some of them. Keywords a person
wrote are all `person`; otherwise each claim gets the first source that supports all its words, in
this order (the camera's and the gazetteer's facts before what people and programs wrote):

- `exif`: the capture time (time-of-day, season, year, month), camera make and model, lens;
- `place`: the place the gazetteer found for the GPS position, in every form;
- `file`: the photo's own IPTC/XMP keywords, description and title (read by MWG);
- `person`: the set's or the original file's name, the glossary, or a place name a person vouched
  for (`places allow`);
- `hint`: the classifier's labels;
- `verified`: only the model's own text, but the model said yes when asked with the picture;
- `model`: only the model's own text.

A keyword whose words come from several of those sources together takes the first that contributes.
Named things (a landmark, a person, a place: a proper name in the caption or alt text) are not asked
about: a yes/no cannot vouch for a name, so they stay `unsure` unless place, file or person evidence
supports them (then they are not model-only at all).
"""

from __future__ import annotations

from functools import lru_cache

from proofdesk.core.domain.models import CLAIM_SOURCES, Claim, ProofReason
from proofdesk.core.domain.places import fold
from proofdesk.core.domain.proof.evidence import Evidence, _stems_of
from proofdesk.core.domain.proof.model import ProofMetadata
from proofdesk.core.domain.proof.rules import ProofContext, Rule, caption_content
from proofdesk.core.domain.proof.rules_scenes import proper_names
from proofdesk.core.domain.proof.text import ascii_tokens, content_stems, keyword_stems, quote
from pydantic import BaseModel, ConfigDict

REFUTED = "the model, asked with the picture, said it is not there"


@lru_cache(maxsize=1024)
def claim_source_stems(evidence: Evidence) -> dict[str, frozenset[str]]:
    """Stems per claim source, in the order `keyword_source` tries them."""
    capture_words: list[str] = [word for word in evidence.exif_facts if word != evidence.place]
    camera = [text for text in (evidence.lens,) if text]
    places = [text for text in (evidence.place, evidence.place_city, evidence.place_region,
                                evidence.place_country, *evidence.place_names) if text]
    return {
        "exif": _stems_of((*capture_words, *camera)),
        "place": _stems_of(tuple(places)),
        "file": _stems_of((*evidence.existing_keywords, *evidence.existing_text)),
        "person": _stems_of((*evidence.identifier_tokens, *evidence.glossary, *evidence.allowed_places)),
        "hint": _stems_of(evidence.classifier_hints),
    }


def keyword_source(keyword: str, evidence: Evidence) -> str:
    """Where a keyword's support comes from, apart from the model's own text ("model" when nowhere)."""
    needed = set(keyword_stems(keyword))
    if not needed:
        return "model"
    sources = claim_source_stems(evidence)
    for source, stems in sources.items():
        if needed <= stems:
            return source
    used = [source for source, stems in sources.items() if needed & stems]
    covered = set().union(*(sources[source] for source in used)) if used else set()
    return used[0] if used and needed <= covered else "model"


def claims_of(metadata: ProofMetadata, evidence: Evidence) -> tuple[Claim, ...]:
    """The claims of the (fixed) metadata: one per keyword, then each keyword the model said is not
    there (dropped, shown with its "no")."""
    verdicts: dict[str, str] = dict(evidence.claim_verdicts)
    by_person = "keywords" in evidence.person_fields
    claims: list[Claim] = []
    for keyword in dict.fromkeys(metadata.keywords):
        verdict = verdicts.get(keyword)
        source = "person" if by_person else keyword_source(keyword, evidence)
        if source == "model" and verdict == "yes":
            source = "verified"
        claims.append(Claim.model_validate({"text": keyword, "source": source, "verdict": verdict}))
    kept = set(metadata.keywords)
    for text, verdict in verdicts.items():
        if verdict == "no" and text not in kept:
            claims.append(Claim(text=text, source="model", verdict="no"))
    return tuple(claims)


def is_named(keyword: str, caption: str | None, alt_text: str | None) -> bool:
    """Whether the keyword is a named thing: one of its words is part of a proper name the caption
    or alt text writes ("Rialto Bridge", "Anna")."""
    names = {fold(word) for text in (caption, alt_text) if text for name in proper_names(text) for word in name.split()}
    return any(token in names for token in ascii_tokens(keyword))


def claims_to_verify(claims: tuple[Claim, ...] | list[Claim], caption: str | None,
                     alt_text: str | None) -> tuple[list[str], list[str]]:
    """(what to ask the model about, the named things left `unsure` without asking): the model-only
    claims not yet answered."""
    ask: list[str] = []
    named: list[str] = []
    for claim in claims:
        if claim.source != "model" or claim.verdict is not None:
            continue
        (named if is_named(claim.text, caption, alt_text) else ask).append(claim.text)
    return ask, named


def mentions(text: str, keyword: str) -> bool:
    """Whether a text mentions every word of the keyword (compared as keyword evidence is)."""
    needed = set(keyword_stems(keyword))
    return bool(needed) and needed <= content_stems(text)


class ClaimUnsupportedRule(Rule):
    """A caption or alt text that names what the model, asked with the picture, said is not there.
    (The keyword itself is dropped by a fix of the same name.)"""

    name = "claim.unsupported"
    field = "caption"
    hint = "Describe only what the photo shows: leave out the things named above."

    def check(self, context: ProofContext) -> list[ProofReason]:
        refuted = sorted(context.evidence.refuted)
        if not refuted:
            return []
        reasons: list[ProofReason] = []
        texts = {"caption": caption_content(context.text("caption"), context.config), "alt_text": context.text("alt_text")}
        for field, text in texts.items():
            if field in context.evidence.person_fields or not text:
                continue
            label = "caption" if field == "caption" else "alt text"
            for keyword in refuted:
                if mentions(text, keyword):
                    reasons.append(self.violation(
                        f"the {label} names {quote(keyword)}, but {REFUTED}: leave {quote(keyword)} out", field))
        return reasons


class ClaimCounts(BaseModel):
    """What a reviewer needs to see of a row's claims: counts by source, and the claims to look at."""

    model_config = ConfigDict(frozen=True)

    by_source: dict[str, int]
    model_only: tuple[str, ...] = ()  # nothing but the model's own text vouches for them
    unsure: tuple[str, ...] = ()  # the model could not tell, or a name a yes/no cannot vouch for
    removed: tuple[str, ...] = ()  # the model said they are not in the photo: dropped

    @classmethod
    def of(cls, claims: list[Claim] | tuple[Claim, ...]) -> ClaimCounts:
        kept = [claim for claim in claims if not claim.removed]
        by_source = {source: n for source in CLAIM_SOURCES if (n := sum(1 for c in kept if c.source == source))}
        return cls(by_source=by_source,
                   model_only=tuple(c.text for c in kept if c.source == "model" and c.verdict != "unsure"),
                   unsure=tuple(c.text for c in kept if c.verdict == "unsure"),
                   removed=tuple(c.text for c in claims if c.removed))

    @property
    def total(self) -> int:
        return sum(self.by_source.values())

    def describe(self) -> str:
        """"7 claims: place 1, exif 2, verified 3, model 1" ("" without claims)."""
        if not self.total and not self.removed:
            return ""
        return f"{self.total} claim(s): " + ", ".join(f"{source} {n}" for source, n in self.by_source.items())

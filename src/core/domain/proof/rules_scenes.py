"""One story per scene (`scene.consistency`): the frames of a scene show the same thing, so a
proper name (place, landmark, species) in a frame's caption or alt text must not contradict the
names its keeper's text uses."""

from __future__ import annotations

import re

from proofdesk.core.domain.models import ProofReason
from proofdesk.core.domain.places import fold
from proofdesk.core.domain.proof.duplicates import FIELD_LABELS
from proofdesk.core.domain.proof.rules import ProofContext, Rule
from proofdesk.core.domain.proof.text import quote

_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?;:]\s*$")
# Capitalised words that name nothing in particular.
_NOT_NAMES = frozenset(
    "a an the this that these those i in on at of and or but with from by for to near under over it its "
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june "
    "july august september october november december frame photo iso".split()
)


def proper_names(text: str) -> list[str]:
    """Runs of capitalised words ("Rialto Bridge", "Venice"): a run at the start of a sentence
    counts from its second word on unless it has one word only (then it is an ordinary opener);
    words with digits (file names, "ISO 200") never count."""
    names: list[str] = []
    run: list[tuple[str, bool]] = []

    def close() -> None:
        words = [word for word, _ in run]
        if run and run[0][1] and len(words) > 1:
            names.append(" ".join(words))
        elif run and run[0][1]:
            pass
        elif words:
            names.append(" ".join(words))
        run.clear()

    for match in _WORD.finditer(text):
        word = match.group(0).rstrip("'’-")
        before = text[: match.start()]
        sentence_start = not before.strip() or bool(_SENTENCE_END.search(before))
        if sentence_start:
            close()
        if word[:1].isupper() and fold(word) not in _NOT_NAMES and not any(ch.isdigit() for ch in word):
            run.append((word, sentence_start and not run))
            if text[match.end():match.end() + 1] in (",", ";", ":", "."):
                close()
            continue
        close()
    close()
    return list(dict.fromkeys(names))


def _agree(name: str, others: list[str]) -> bool:
    """The same name, or one inside the other ("Bridge" and "Rialto Bridge")."""
    mine = f" {fold(name)} "
    return any(mine in f" {fold(other)} " or f" {fold(other)} " in mine for other in others)


class SceneConsistencyRule(Rule):
    """A frame names something its scene's keeper does not, and leaves out what the keeper names."""

    name = "scene.consistency"
    field = "caption"
    hint = "Frames of one scene show the same thing: use the names the scene's keeper uses (quoted in the violation)."

    def check(self, context: ProofContext) -> list[ProofReason]:
        evidence = context.evidence
        if not evidence.scene_keeper or not evidence.scene_keeper_text:
            return []
        keeper_names = [name for text in evidence.scene_keeper_text for name in proper_names(text)]
        if not keeper_names:
            return []
        own = [part for part in (evidence.place_city, evidence.place_country) if part]
        reasons: list[ProofReason] = []
        for field in ("caption", "alt_text"):
            names = proper_names(context.text(field))
            unknown = [name for name in names if not _agree(name, keeper_names) and not _agree(name, own)]
            missing = [name for name in keeper_names if not _agree(name, names)]
            if unknown and missing:
                label = FIELD_LABELS.get(field, field)
                reasons.append(self.violation(
                    f"{label} names {', '.join(map(quote, unknown))} where the scene's keeper {evidence.scene_keeper} "
                    f"says {', '.join(map(quote, dict.fromkeys(missing)))}", field))
        return reasons

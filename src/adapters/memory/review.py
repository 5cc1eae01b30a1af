"""The spellchecker and a scripted reviewer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from proofdesk.core.ports.review import Decision, ReviewDecisions, Reviewer, Spellchecker

# ---------------------------------------------------------------- spellcheck


class FakeSpellchecker(Spellchecker):
    """Knows exactly the words it is given (plus those added); everything else is unknown."""

    def __init__(self, known: set[str] | None = None) -> None:
        self.known = {w.lower() for w in (known or set())}
        self.added: list[str] = []

    def unknown_words(self, text: str) -> list[str]:
        from proofdesk.core.domain.proof.text import spelling_words

        seen: dict[str, None] = {}
        for word in spelling_words(text):
            if len(word) > 1 and word.lower() not in self.known:
                seen.setdefault(word, None)
        return list(seen)

    def add_word(self, word: str) -> None:
        if word.lower() not in self.known:
            self.known.add(word.lower())
            self.added.append(word)

    def remove_word(self, word: str) -> bool:
        found = [added for added in self.added if added.lower() == word.lower()]
        if not found:
            return False
        self.added = [added for added in self.added if added.lower() != word.lower()]
        self.known.discard(word.lower())
        return True

    def project_words(self) -> list[str]:
        return list(self.added)


# ---------------------------------------------------------------- the reviewer


class ScriptedReviewer(Reviewer):
    """Applies a list of decisions in order; refused ones are kept in `refused` (never raised)."""

    def __init__(self, decisions: Sequence[Decision]) -> None:
        self.decisions = list(decisions)
        self.refused: list[tuple[Decision, str]] = []
        self.seen_qc: dict[str, Any] | None = None

    def review(self, service: ReviewDecisions, qc_summary: dict[str, Any] | None = None) -> None:
        from proofdesk.core.domain.errors import ProofdeskError

        self.seen_qc = qc_summary
        for decision in self.decisions:
            try:
                decision.apply(service)
            except ProofdeskError as exc:
                self.refused.append((decision, str(exc)))

"""The caption-answer cache in memory."""

from __future__ import annotations

from proofdesk.core.ports.captioning import AnswerCache

# ---------------------------------------------------------------- caption answers and classifier


class InMemoryAnswerCache(AnswerCache):
    def __init__(self) -> None:
        self.answers: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        return self.answers.get(key)

    def put(self, key: str, answer: str) -> None:
        self.answers[key] = answer

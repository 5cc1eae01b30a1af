"""Ports for the review: the spellchecker and the reviewer (a person at the desk, or a script)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Protocol

from proofdesk.core.domain.errors import InputError
from proofdesk.core.domain.models import Row


class Spellchecker(ABC):
    """Unknown words against a standard word list plus the project dictionary (spelling only: its
    words are no keyword evidence; that is the glossary)."""

    @abstractmethod
    def unknown_words(self, text: str) -> list[str]:
        """Words of `text` the dictionary does not know, in order of appearance, each once."""

    @abstractmethod
    def add_word(self, word: str) -> None:
        """Add a word to the project dictionary (persisted)."""

    @abstractmethod
    def remove_word(self, word: str) -> bool:
        """Take a word out of the project dictionary (any case; persisted); False when it was not in it."""

    @abstractmethod
    def project_words(self) -> list[str]: ...


@dataclass(frozen=True)
class Decision:
    """One reviewer action on a row: `approve`, `reject`, `reopen`, `edit` (with changes) or `generate`."""

    action: str
    key: str
    changes: dict[str, Any] = field(default_factory=dict)

    def apply(self, service: ReviewDecisions) -> Row:
        """Take this decision through `service` (the review service); its refusals are raised."""
        if self.action == "edit":
            return service.edit(self.key, self.changes)
        if self.action == "generate":
            return service.regenerate(self.key)
        if self.action == "approve":
            return service.approve(self.key)
        if self.action == "reject":
            return service.reject(self.key)
        if self.action == "reopen":
            return service.reopen(self.key)
        raise InputError(f"unknown review action {self.action!r} for {self.key}; "
                         "choose approve, reject, reopen, edit or generate")


class ReviewDecisions(Protocol):
    """What a reviewer's decisions go through (the review service implements it)."""

    def approve(self, key: str) -> Row: ...
    def reject(self, key: str) -> Row: ...
    def reopen(self, key: str) -> Row: ...
    def edit(self, key: str, changes: dict[str, Any]) -> Row: ...
    def regenerate(self, key: str) -> Row: ...


class Reviewer(ABC):
    """Who decides after stage 7: the urwid desk (a person) or a scripted fake (tests, automation).
    The pipeline asks; the reviewer answers through the `ReviewService` it is given (beets' importer asks its
    session's `choose_match` the same way)."""

    @abstractmethod
    def review(self, service: Any, qc_summary: dict[str, Any] | None = None) -> None: ...

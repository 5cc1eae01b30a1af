"""Spellcheck with pyspellchecker (ships its word lists, works offline) plus a project dictionary
file, one word per line, that the operator grows from the review desk and `proofdesk dictionary`.
The file is for spelling only: its words are no keyword evidence (that is the glossary). Without a
file (`dictionary_path=None`) only the standard word list is known: the ordinary words `place.far`
asks about, which a word added for spelling must not change."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path

from proofdesk.core.domain.errors import DomainError, InputError
from proofdesk.core.domain.proof.text import spelling_words
from proofdesk.core.ports.review import Spellchecker


def _words(lines: list[str]) -> list[str]:
    """A word list's entries: one per line, blank lines and `#` comments left out."""
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def read_dictionary(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    return _words(lines)


def read_glossary(terms: Sequence[str], path: Path | None) -> tuple[str, ...]:
    """The glossary (terms that count as identifier evidence): `captioner.glossary`, then the lines
    of `captioner.glossary_file`, each once. The project dictionary is for spelling only and no
    part of it."""
    listed = list(terms)
    if path is not None:
        try:
            listed.extend(_words(path.read_text(encoding="utf-8").splitlines()))
        except OSError as exc:
            raise InputError(f"captioner.glossary_file: cannot read {path}: {exc.strerror or exc}") from None
    return tuple(dict.fromkeys(listed))


class PySpellchecker(Spellchecker):
    def __init__(self, dictionary_path: str | os.PathLike[str] | None, language: str = "en") -> None:
        from spellchecker import SpellChecker

        self.path = Path(dictionary_path) if dictionary_path is not None else None
        self._checker = SpellChecker(language=language, case_sensitive=False)
        self._project = {w.lower() for w in read_dictionary(self.path)} if self.path is not None else set()
        self._lock = threading.Lock()

    def _file(self) -> Path:
        if self.path is None:
            raise DomainError("this spellchecker has no project dictionary (the standard word list only)")
        return self.path

    def unknown_words(self, text: str) -> list[str]:
        words = spelling_words(text)
        candidates = [w for w in words if len(w) > 1 and w.lower() not in self._project]
        unknown = self._checker.unknown([w.lower() for w in candidates])
        seen: dict[str, None] = {}
        for word in candidates:
            if word.lower() in unknown:
                seen.setdefault(word, None)
        return list(seen)

    def add_word(self, word: str) -> None:
        with self._lock:
            if word.lower() in self._project:
                return
            path = self._file()
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as handle:
                handle.write(word + "\n")
            self._project.add(word.lower())

    def remove_word(self, word: str) -> bool:
        with self._lock:
            if word.lower() not in self._project:
                return False
            path = self._file()
            lines = path.read_text(encoding="utf-8").splitlines()
            kept = [line for line in lines if line.startswith("#") or line.strip().lower() != word.lower()]
            temporary = path.with_name(path.name + ".tmp")
            temporary.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
            temporary.replace(path)  # a crash leaves the old file or the new one, never half of it
            self._project.discard(word.lower())
            return True

    def project_words(self) -> list[str]:
        return read_dictionary(self.path) if self.path is not None else []

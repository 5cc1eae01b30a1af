"""Spellcheck with pyspellchecker (ships its word lists, works offline) plus a project dictionary
file, one word per line, that the operator grows from the review desk. The same file feeds the
proof's glossary, so a word added here also counts as identifier evidence for keywords."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from proofdesk.core.ports.review import Spellchecker
from proofdesk.core.services.review import WORD


def read_dictionary(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


class PySpellchecker(Spellchecker):
    def __init__(self, dictionary_path: str | os.PathLike[str], language: str = "en") -> None:
        from spellchecker import SpellChecker

        self.path = Path(dictionary_path)
        self._checker = SpellChecker(language=language, case_sensitive=False)
        self._project = {w.lower() for w in read_dictionary(self.path)}
        self._lock = threading.Lock()

    def unknown_words(self, text: str) -> list[str]:
        words = WORD.findall(text)
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
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(word + "\n")
            self._project.add(word.lower())

    def project_words(self) -> list[str]:
        return read_dictionary(self.path)

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from proofdesk.adapters.memory import FakeSpellchecker
from proofdesk.adapters.spelling.pyspell import PySpellchecker
from proofdesk.core.ports.review import Spellchecker

from .contract import KNOWN, SpellcheckerContract


class TestFakeSpellchecker(SpellcheckerContract):
    @pytest.fixture
    def make(self) -> Callable[[], Spellchecker]:
        shared = FakeSpellchecker(KNOWN)
        return lambda: shared


class TestPySpellchecker(SpellcheckerContract):
    @pytest.fixture
    def make(self, tmp_path: Path) -> Callable[[], Spellchecker]:
        return lambda: PySpellchecker(tmp_path / "dictionary.txt")

    def test_dictionary_file_survives_a_restart(self, tmp_path: Path) -> None:
        PySpellchecker(tmp_path / "d.txt").add_word("Lofoten")
        assert PySpellchecker(tmp_path / "d.txt").unknown_words("Lofoten") == []
        assert (tmp_path / "d.txt").read_text() == "Lofoten\n"

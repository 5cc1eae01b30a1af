"""Spellchecker behaviour: standard words pass, misspellings are flagged once each, the project
dictionary grows and is kept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from proofdesk.core.ports.review import Spellchecker

KNOWN = {"the", "old", "bell", "tower", "rises", "over", "red", "roofs", "in", "afternoon", "light", "a", "of", "and"}


class SpellcheckerContract:
    @pytest.fixture
    def make(self, tmp_path: Path) -> Callable[[], Spellchecker]:  # pragma: no cover - bound by subclasses
        raise NotImplementedError

    def test_correct_text_has_no_unknown_words(self, make: Callable[[], Spellchecker]) -> None:
        assert make().unknown_words("The old bell tower rises over red roofs in afternoon light.") == []

    def test_misspellings_are_flagged_once_in_order(self, make: Callable[[], Spellchecker]) -> None:
        checker = make()
        assert checker.unknown_words("The old bekl towr rises, towr over Arezzzo.") == ["bekl", "towr", "Arezzzo"]

    def test_added_words_are_known_and_kept(self, make: Callable[[], Spellchecker]) -> None:
        checker = make()
        checker.add_word("Arezzzo")
        assert checker.unknown_words("over Arezzzo and arezzzo") == []
        assert "Arezzzo" in checker.project_words()
        checker.add_word("Arezzzo")
        assert checker.project_words().count("Arezzzo") == 1

    def test_removed_words_are_unknown_again_and_the_rest_kept(self, make: Callable[[], Spellchecker]) -> None:
        checker = make()
        checker.add_word("Zermattt")
        checker.add_word("Zurichh")
        assert checker.remove_word("zermattt") is True
        assert checker.unknown_words("Zermattt and Zurichh") == ["Zermattt"]
        assert "Zermattt" not in checker.project_words() and "Zurichh" in checker.project_words()
        assert checker.remove_word("Zermattt") is False

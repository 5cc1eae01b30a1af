"""Answer-cache behaviour (written once, bound to the in-memory and the file cache)."""

from __future__ import annotations

from pathlib import Path

import pytest
from proofdesk.adapters.cache import FileAnswerCache
from proofdesk.adapters.memory import InMemoryAnswerCache
from proofdesk.core.ports.captioning import AnswerCache

KEY = "a" * 64
OTHER = "b" * 64


class AnswerCacheContract:
    @pytest.fixture
    def cache(self, tmp_path: Path) -> AnswerCache:  # pragma: no cover - bound by subclasses
        raise NotImplementedError

    def test_missing_key(self, cache: AnswerCache) -> None:
        assert cache.get(KEY) is None

    def test_put_get_overwrite_and_isolation(self, cache: AnswerCache) -> None:
        cache.put(KEY, '{"caption": "é ü 漢"}')
        cache.put(OTHER, "other")
        assert cache.get(KEY) == '{"caption": "é ü 漢"}' and cache.get(OTHER) == "other"
        cache.put(KEY, "newer")
        assert cache.get(KEY) == "newer"


class TestInMemoryAnswerCache(AnswerCacheContract):
    @pytest.fixture
    def cache(self) -> AnswerCache:
        return InMemoryAnswerCache()


class TestFileAnswerCache(AnswerCacheContract):
    @pytest.fixture
    def cache(self, tmp_path: Path) -> AnswerCache:
        return FileAnswerCache(tmp_path / "answers")

    def test_survives_a_new_instance_and_refuses_odd_keys(self, tmp_path: Path) -> None:
        FileAnswerCache(tmp_path / "c").put(KEY, "kept")
        assert FileAnswerCache(tmp_path / "c").get(KEY) == "kept"
        with pytest.raises(ValueError):
            FileAnswerCache(tmp_path / "c").put("../escape", "x")

from __future__ import annotations

from pathlib import Path

import pytest
from proofdesk.adapters.images.pillow_inspector import PillowImageInspector
from proofdesk.adapters.memory import FakeImageInspector
from proofdesk.core.ports.files import ImageInspector

from tests.support.corpus import jpeg_bytes, png_bomb_bytes

from .contract import ImageInspectorContract


class TestPillowImageInspector(ImageInspectorContract):
    @pytest.fixture
    def inspector(self) -> ImageInspector:
        return PillowImageInspector()

    def test_truncated_and_bomb(self, tmp_path: Path) -> None:
        whole = jpeg_bytes(3, size=(400, 300))
        (tmp_path / "t.jpg").write_bytes(whole[: len(whole) // 2])
        (tmp_path / "b.png").write_bytes(png_bomb_bytes())
        assert "truncated" in (PillowImageInspector().inspect(str(tmp_path / "t.jpg"), 10**8).problem or "")
        assert "decompression bomb" in (PillowImageInspector().inspect(str(tmp_path / "b.png"), 10**8).problem or "")
        assert (PillowImageInspector().inspect(str(tmp_path / "t.jpg"), 10**8).width is None)


class TestFakeImageInspector(ImageInspectorContract):
    @pytest.fixture
    def inspector(self) -> ImageInspector:
        return FakeImageInspector()

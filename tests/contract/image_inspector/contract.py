"""Image-inspector behaviour: the hash of the bytes, and a clear problem for what does not decode."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from proofdesk.core.ports.files import ImageInspector

from tests.support.corpus import jpeg_bytes


class ImageInspectorContract:
    @pytest.fixture
    def inspector(self) -> ImageInspector:  # pragma: no cover - bound by subclasses
        raise NotImplementedError

    def test_a_good_jpeg(self, inspector: ImageInspector, tmp_path: Path) -> None:
        data = jpeg_bytes(1, size=(120, 80))
        (tmp_path / "a.jpg").write_bytes(data)
        check = inspector.inspect(str(tmp_path / "a.jpg"), 10_000_000)
        assert check.problem is None and check.format == "JPEG"
        assert check.sha256 == hashlib.sha256(data).hexdigest() and check.size_bytes == len(data)

    def test_text_is_not_an_image(self, inspector: ImageInspector, tmp_path: Path) -> None:
        (tmp_path / "notes.jpg").write_text("not a photo")
        check = inspector.inspect(str(tmp_path / "notes.jpg"), 10_000_000)
        assert check.problem is not None and "not an image" in check.problem
        assert check.sha256 == hashlib.sha256(b"not a photo").hexdigest()

    def test_zero_bytes_and_missing(self, inspector: ImageInspector, tmp_path: Path) -> None:
        (tmp_path / "empty.jpg").write_bytes(b"")
        assert inspector.inspect(str(tmp_path / "empty.jpg"), 10_000_000).problem == "zero-byte file"
        missing = inspector.inspect(str(tmp_path / "missing.jpg"), 10_000_000)
        assert missing.problem is not None and missing.problem.startswith("cannot be read")

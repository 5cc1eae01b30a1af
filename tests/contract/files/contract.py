"""File-store behaviour (incoming and work areas), bound to the fake and the local store."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from proofdesk.core.ports.files import FileStore, FileStoreError


def _source(tmp_path: Path, name: str, data: bytes) -> tuple[str, str]:
    path = tmp_path / "card" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return str(path), hashlib.sha256(data).hexdigest()


class FileStoreContract:
    @pytest.fixture
    def files(self, tmp_path: Path) -> FileStore:  # pragma: no cover - bound by subclasses
        raise NotImplementedError

    def test_import_copies_and_verifies(self, files: FileStore, tmp_path: Path) -> None:
        source, digest = _source(tmp_path, "a.jpg", b"\xff\xd8 jpeg bytes")
        stored = files.import_file(source, FileStore.INCOMING, "set-1/a.jpg", digest)
        assert stored.created is True
        assert stored.sha256 == digest and stored.size_bytes == len(b"\xff\xd8 jpeg bytes")
        assert stored.path == files.locate(FileStore.INCOMING, "set-1/a.jpg")
        assert files.exists(FileStore.INCOMING, "set-1/a.jpg")
        assert files.read_bytes(FileStore.INCOMING, "set-1/a.jpg") == b"\xff\xd8 jpeg bytes"
        assert files.read_path(stored.path) == b"\xff\xd8 jpeg bytes"
        assert files.sha256_of(stored.path) == digest
        assert files.list_area(FileStore.INCOMING) == [stored.path]
        assert files.list_area(FileStore.WORK) == []

    def test_reimport_of_identical_file_writes_nothing(self, files: FileStore, tmp_path: Path) -> None:
        source, digest = _source(tmp_path, "a.jpg", b"same")
        files.import_file(source, FileStore.INCOMING, "s/a.jpg", digest)
        again = files.import_file(source, FileStore.INCOMING, "s/a.jpg", digest)
        assert again.created is False
        assert files.list_area(FileStore.INCOMING) == [again.path]

    def test_changed_source_replaces_the_copy(self, files: FileStore, tmp_path: Path) -> None:
        source, digest = _source(tmp_path, "a.jpg", b"old")
        files.import_file(source, FileStore.INCOMING, "s/a.jpg", digest)
        source, digest = _source(tmp_path, "a.jpg", b"new content")
        stored = files.import_file(source, FileStore.INCOMING, "s/a.jpg", digest)
        assert stored.created is True
        assert files.read_bytes(FileStore.INCOMING, "s/a.jpg") == b"new content"

    def test_hash_mismatch_refuses_and_leaves_nothing(self, files: FileStore, tmp_path: Path) -> None:
        source, _ = _source(tmp_path, "a.jpg", b"content")
        with pytest.raises(FileStoreError, match="changed while being copied"):
            files.import_file(source, FileStore.INCOMING, "s/a.jpg", "0" * 64)
        assert not files.exists(FileStore.INCOMING, "s/a.jpg")
        assert files.list_area(FileStore.INCOMING) == []

    def test_missing_source(self, files: FileStore, tmp_path: Path) -> None:
        with pytest.raises((FileNotFoundError, FileStoreError)):
            files.import_file(str(tmp_path / "nope.jpg"), FileStore.INCOMING, "s/n.jpg", "0" * 64)

    def test_write_read_remove(self, files: FileStore) -> None:
        stored = files.write_bytes(FileStore.WORK, "model/s/a.jpg", b"resized")
        assert stored.created and files.read_bytes(FileStore.WORK, "model/s/a.jpg") == b"resized"
        assert files.write_bytes(FileStore.WORK, "model/s/a.jpg", b"resized").created is False
        assert files.remove_path(stored.path) is True
        assert files.remove_path(stored.path) is False
        assert not files.exists(FileStore.WORK, "model/s/a.jpg")
        assert files.sha256_of(stored.path) is None
        with pytest.raises(FileNotFoundError):
            files.read_bytes(FileStore.WORK, "model/s/a.jpg")
        with pytest.raises(FileNotFoundError):
            files.read_path(stored.path)

    @pytest.mark.parametrize(
        "relpath", ["../escape.jpg", "s/../../x.jpg", "/abs.jpg", "", "s//a.jpg", "s/\nx.jpg", "s/./a.jpg"]
    )
    def test_unsafe_relative_paths_are_refused(self, files: FileStore, relpath: str) -> None:
        with pytest.raises(FileStoreError, match="unsafe relative path"):
            files.write_bytes(FileStore.WORK, relpath, b"x")

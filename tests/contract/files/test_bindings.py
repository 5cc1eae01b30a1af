from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from proofdesk.adapters.files.local import TEMP_PREFIX, LocalFileStore
from proofdesk.adapters.memory import InMemoryFileStore
from proofdesk.core.ports.files import FileStore, FileStoreError

from .contract import FileStoreContract, _source


class TestInMemoryFileStore(FileStoreContract):
    @pytest.fixture
    def files(self) -> FileStore:
        return InMemoryFileStore()

    def test_capacity_limit_behaves_like_a_full_disk(self, tmp_path: Path) -> None:
        files = InMemoryFileStore(capacity_bytes=10)
        source, digest = _source(tmp_path, "big.jpg", b"x" * 11)
        with pytest.raises(FileStoreError, match="no space"):
            files.import_file(source, FileStore.INCOMING, "s/big.jpg", digest)
        assert files.list_area(FileStore.INCOMING) == []


class TestLocalFileStore(FileStoreContract):
    @pytest.fixture
    def files(self, tmp_path: Path) -> FileStore:
        return LocalFileStore(tmp_path / "workdir")

    def test_files_live_under_the_area_folder(self, tmp_path: Path) -> None:
        files = LocalFileStore(tmp_path / "wd")
        source, digest = _source(tmp_path, "a.jpg", b"abc")
        stored = files.import_file(source, FileStore.INCOMING, "set/a.jpg", digest)
        assert Path(stored.path) == tmp_path / "wd" / "incoming" / "set" / "a.jpg"
        assert not [p for p in (tmp_path / "wd").rglob(f"{TEMP_PREFIX}*")]

    def test_stale_temp_files_of_a_killed_copy_are_removed(self, tmp_path: Path) -> None:
        files = LocalFileStore(tmp_path / "wd")
        source, digest = _source(tmp_path, "a.jpg", b"abc")
        kept = files.import_file(source, FileStore.INCOMING, "set/a.jpg", digest)
        half = tmp_path / "wd" / "incoming" / "set" / "b1" / f"{TEMP_PREFIX}x1y2"
        half.parent.mkdir(parents=True)
        half.write_bytes(b"half a photo")
        assert files.remove_stale_temp_files() == [str(half)]
        assert not half.parent.exists() and Path(kept.path).exists()
        assert files.list_area(FileStore.INCOMING) == [kept.path]

    def test_remove_refuses_paths_outside_the_store(self, tmp_path: Path) -> None:
        files = LocalFileStore(tmp_path / "wd")
        outside = tmp_path / "keep.jpg"
        outside.write_bytes(b"x")
        with pytest.raises(FileStoreError, match="outside"):
            files.remove_path(str(outside))
        assert outside.exists()


def _can_mount() -> bool:
    return os.geteuid() == 0 and subprocess.run(["which", "mount"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _can_mount(), reason="needs root to mount a tiny tmpfs")
def test_disk_full_on_a_tiny_tmpfs_leaves_no_partial_file(tmp_path: Path) -> None:
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount tmpfs here: {result.stderr.strip()}")
    try:
        files = LocalFileStore(mount_point)
        source, digest = _source(tmp_path, "big.jpg", os.urandom(256 * 1024))
        with pytest.raises(FileStoreError, match="no space left"):
            files.import_file(source, FileStore.INCOMING, "s/big.jpg", digest)
        leftovers = [p for p in mount_point.rglob("*") if p.is_file()]
        assert leftovers == []
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)

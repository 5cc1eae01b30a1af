"""The incoming and work areas on the local file system.

Every write goes to a temporary name in the destination folder, is fsynced, verified by sha256
and renamed into place, so a crash never leaves a half-written file under a real name.
"""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from proofdesk.core.ports.files import FileStore, FileStoreError, StoredFile

_CHUNK = 1024 * 1024
TEMP_PREFIX = ".proofdesk-tmp-"
_Fill = Callable[[BinaryIO, Any], None]


def sha256_file(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _describe_os_error(exc: OSError, path: Path) -> str:
    if exc.errno == errno.ENOSPC:
        return f"no space left on the device while writing {path}; free space and run again"
    if exc.errno == errno.EROFS:
        return f"{path.parent} is on a read-only file system; choose a writable work directory"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"no permission to write {path}"
    return f"cannot write {path}: {exc.strerror or exc}"


class LocalFileStore(FileStore):
    """Files under `root`. With `relative_paths` (a shared root every machine mounts, possibly at
    different places) the paths stored in rows are relative to the root ("incoming/…", "work/…")."""

    def __init__(self, root: str | os.PathLike[str], relative_paths: bool = False) -> None:
        self.root = Path(root).absolute()
        self.relative_paths = relative_paths

    def resolve(self, path: str) -> str:
        target = Path(path)
        if not target.is_absolute():
            return str(self.root / target)
        if self.root in target.parents:
            return str(target)
        # An absolute path stored before rows stored relative ones, by a project that has moved
        # since: the same file under this root ("…/old/.proofdesk/incoming/set/ab12/x.jpg").
        parts = target.parts
        for index in range(len(parts) - 1, 0, -1):
            if parts[index] in (self.INCOMING, self.WORK):
                moved = self.root.joinpath(*parts[index:])
                if moved.exists():
                    return str(moved)
        return str(target)

    def _path(self, area: str, relpath: str) -> Path:
        self.check_relpath(relpath)
        if area not in (self.INCOMING, self.WORK):
            raise FileStoreError(f"unknown file area {area!r}")
        return self.root / area / Path(*relpath.split("/"))

    def locate(self, area: str, relpath: str) -> str:
        path = self._path(area, relpath)
        return path.relative_to(self.root).as_posix() if self.relative_paths else str(path)

    def _write_atomically(self, destination: Path, fill: _Fill, expected_sha256: str, source: str) -> None:
        """Write via `fill` to a temp file beside `destination`, fsync, verify the sha256, rename."""
        temp_name: str | None = None
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
            fd, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=destination.parent)
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as handle:
                fill(handle, digest)
                handle.flush()
                os.fsync(handle.fileno())
            if digest.hexdigest() != expected_sha256:
                raise FileStoreError(
                    f"{source} changed while being copied (sha256 {digest.hexdigest()[:12]}…, "
                    f"validated as {expected_sha256[:12]}…); run again"
                )
            os.replace(temp_name, destination)
            temp_name = None
            _fsync_dir(destination.parent)
        except OSError as exc:
            raise FileStoreError(_describe_os_error(exc, destination)) from exc
        finally:
            if temp_name is not None:
                try:
                    os.unlink(temp_name)
                except OSError:
                    pass

    def import_file(self, source_path: str, area: str, relpath: str, sha256: str) -> StoredFile:
        destination = self._path(area, relpath)
        if destination.is_file() and sha256_file(destination) == sha256:
            return StoredFile(str(destination), sha256, destination.stat().st_size, created=False)

        def copy(handle: BinaryIO, digest: Any) -> None:
            with open(source_path, "rb") as source:
                while chunk := source.read(_CHUNK):
                    digest.update(chunk)
                    handle.write(chunk)

        self._write_atomically(destination, copy, sha256, source_path)
        return StoredFile(str(destination), sha256, destination.stat().st_size, created=True)

    def write_bytes(self, area: str, relpath: str, data: bytes) -> StoredFile:
        destination = self._path(area, relpath)
        expected = hashlib.sha256(data).hexdigest()
        if destination.is_file() and sha256_file(destination) == expected:
            return StoredFile(str(destination), expected, len(data), created=False)

        def fill(handle: BinaryIO, digest: Any) -> None:
            digest.update(data)
            handle.write(data)

        self._write_atomically(destination, fill, expected, str(destination))
        return StoredFile(str(destination), expected, len(data), created=True)

    def read_bytes(self, area: str, relpath: str) -> bytes:
        return self._path(area, relpath).read_bytes()

    def read_path(self, path: str) -> bytes:
        target = Path(self.resolve(path))
        if self.root not in target.absolute().parents:
            raise FileStoreError(f"refusing to read {path}: it is outside {self.root}")
        return target.read_bytes()

    def exists(self, area: str, relpath: str) -> bool:
        return self._path(area, relpath).is_file()

    def remove_path(self, path: str) -> bool:
        target = Path(self.resolve(path))
        if self.root not in target.absolute().parents:
            raise FileStoreError(f"refusing to remove {path}: it is outside {self.root}")
        try:
            target.unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise FileStoreError(f"cannot remove {path}: {exc.strerror or exc}") from exc
        self._prune_empty_parents(target.parent)
        return True

    def _prune_empty_parents(self, folder: Path) -> None:
        stop = {self.root / self.INCOMING, self.root / self.WORK, self.root}
        while folder not in stop and self.root in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent

    def sha256_of(self, path: str) -> str | None:
        try:
            return sha256_file(self.resolve(path))
        except FileNotFoundError:
            return None

    def list_area(self, area: str) -> list[str]:
        base = self.root / area
        if not base.exists():
            return []
        return sorted(
            path.relative_to(self.root).as_posix() if self.relative_paths else str(path)
            for path in base.rglob("*")
            if path.is_file() and not path.name.startswith(TEMP_PREFIX)
        )

    def remove_stale_temp_files(self) -> list[str]:
        """Temp files left by a killed process (never visible under a real name)."""
        removed = []
        for area in (self.INCOMING, self.WORK):
            base = self.root / area
            if base.exists():
                for path in list(base.rglob(f"{TEMP_PREFIX}*")):
                    path.unlink(missing_ok=True)
                    removed.append(str(path))
                    self._prune_empty_parents(path.parent)
        return removed


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


__all__ = ["LocalFileStore", "sha256_file"]

"""The `local` uploader: published files go to a folder (the demo's default, no server needed).

Remote paths are taken relative to the folder ("/gallery/x.jpg" -> <root>/gallery/x.jpg). A put
writes a temp file in the target folder, fsyncs it, checks its size and renames it over the final
name (`os.replace`, atomic on POSIX), then fsyncs the folder so the rename survives a power loss.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

from proofdesk.adapters.uploader._temp import temp_name_for
from proofdesk.core.ports.publishing import (
    ServiceUnavailable,
    Uploader,
    UploadError,
    split_remote_path,
)


class LocalUploader(Uploader):
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    @property
    def description(self) -> str:
        return f"folder {self.root}"

    def _path(self, remote_path: str) -> Path:
        return self.root.joinpath(*split_remote_path(remote_path))

    def put(self, remote_path: str, data: bytes) -> int:
        final = self._path(remote_path)
        temp = self._path(temp_name_for(posixpath.join("/", *split_remote_path(remote_path))))
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            with open(temp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            size = temp.stat().st_size
            if size != len(data):
                raise UploadError(f"{remote_path}: wrote {size} of {len(data)} bytes")
            os.replace(temp, final)
            _fsync_dir(final.parent)
        except UploadError:
            _unlink_quietly(temp)
            raise
        except OSError as exc:
            _unlink_quietly(temp)
            raise ServiceUnavailable(
                f"cannot write {final} in the publish folder: {exc.strerror or exc}"
            ) from exc
        return final.stat().st_size

    def remove(self, remote_path: str) -> bool:
        try:
            self._path(remote_path).unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise UploadError(f"cannot remove {remote_path} from {self.root}: {exc.strerror or exc}") from exc
        return True

    def size(self, remote_path: str) -> int | None:
        path = self._path(remote_path)
        return path.stat().st_size if path.is_file() else None

    def list_dir(self, remote_dir: str) -> list[str]:
        folder = self.root.joinpath(*split_remote_path(remote_dir)) if remote_dir.strip("/") else self.root
        if not folder.is_dir():
            return []
        return sorted(entry.name for entry in folder.iterdir() if entry.is_file() and not entry.is_symlink())


def _unlink_quietly(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass  # its folder could not be made either; nothing was written


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)

"""Files in memory: the EXIF reader, the file store, the set scanner and the image inspector."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path

from proofdesk.core.domain.intake import ImageCheck, SetEntry, SetListing
from proofdesk.core.domain.models import (
    ExifFacts,
)
from proofdesk.core.ports.files import ExifReader, FileStore, FileStoreError, ImageInspector, SetScanner, StoredFile

# ---------------------------------------------------------------- EXIF


class FakeExifReader(ExifReader):
    """Returns the facts registered for a path (by full path or file name); empty facts otherwise."""

    def __init__(self, facts: dict[str, ExifFacts] | None = None) -> None:
        self.facts: dict[str, ExifFacts] = dict(facts or {})
        self.calls: list[str] = []

    def read(self, path: str) -> ExifFacts:
        self.calls.append(path)
        if not path.startswith("memory://") and not Path(path).exists():
            raise FileNotFoundError(path)
        return self.facts.get(path) or self.facts.get(Path(path).name) or ExifFacts()


# ---------------------------------------------------------------- files


class InMemoryFileStore(FileStore):
    """Stores file contents in a dict keyed by `memory://<area>/<relpath>`.

    `capacity_bytes` simulates a full disk: a write that would exceed it raises FileStoreError and
    leaves nothing behind, as the real store's temp-file-then-rename does.
    """

    def __init__(self, capacity_bytes: int | None = None) -> None:
        self.files: dict[str, bytes] = {}
        self.capacity_bytes = capacity_bytes
        self._mutex = threading.Lock()

    def locate(self, area: str, relpath: str) -> str:
        self.check_relpath(relpath)
        return f"memory://{area}/{relpath}"

    def _store(self, path: str, data: bytes) -> StoredFile:
        digest = hashlib.sha256(data).hexdigest()
        with self._mutex:
            if path in self.files and self.files[path] == data:
                return StoredFile(path, digest, len(data), created=False)
            used = sum(len(v) for k, v in self.files.items() if k != path)
            if self.capacity_bytes is not None and used + len(data) > self.capacity_bytes:
                raise FileStoreError(f"no space left to store {path} ({len(data)} bytes)")
            self.files[path] = bytes(data)
        return StoredFile(path, digest, len(data), created=True)

    def import_file(self, source_path: str, area: str, relpath: str, sha256: str) -> StoredFile:
        data = Path(source_path).read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise FileStoreError(
                f"{source_path} changed while being copied: sha256 {actual[:12]}, "
                f"expected {sha256[:12]}; run again"
            )
        return self._store(self.locate(area, relpath), data)

    def write_bytes(self, area: str, relpath: str, data: bytes) -> StoredFile:
        return self._store(self.locate(area, relpath), data)

    def read_bytes(self, area: str, relpath: str) -> bytes:
        path = self.locate(area, relpath)
        try:
            return self.files[path]
        except KeyError:
            raise FileNotFoundError(path) from None

    def read_path(self, path: str) -> bytes:
        try:
            return self.files[path]
        except KeyError:
            raise FileNotFoundError(path) from None

    def exists(self, area: str, relpath: str) -> bool:
        return self.locate(area, relpath) in self.files

    def remove_path(self, path: str) -> bool:
        with self._mutex:
            return self.files.pop(path, None) is not None

    def sha256_of(self, path: str) -> str | None:
        data = self.files.get(path)
        return hashlib.sha256(data).hexdigest() if data is not None else None

    def list_area(self, area: str) -> list[str]:
        prefix = f"memory://{area}/"
        return sorted(path for path in self.files if path.startswith(prefix))

    def remove_stale_temp_files(self) -> list[str]:
        return []  # writes are atomic in memory: nothing is ever left half-written


# ---------------------------------------------------------------- stage 1: set listing and image checks


class FakeSetScanner(SetScanner):
    """Returns the listing registered for a folder; an unknown folder "does not exist"."""

    def __init__(self, listings: dict[str, SetListing] | None = None) -> None:
        self.listings = dict(listings or {})

    def add(self, set_dir: str, entries: Sequence[SetEntry], problem: str | None = None) -> None:
        self.listings[set_dir] = SetListing(Path(set_dir).name, set_dir, problem, tuple(entries))

    def scan(self, set_dir: str) -> SetListing:
        listing = self.listings.get(set_dir)
        if listing is None:
            return SetListing(Path(set_dir).name, set_dir, "set folder does not exist")
        return listing


class FakeImageInspector(ImageInspector):
    """Registered checks by path; unregistered bytes are hashed and judged by their magic number
    (JPEG/PNG/TIFF pass, anything else "is not an image"), never decoded."""

    MAGIC = {b"\xff\xd8\xff": "JPEG", b"\x89PNG": "PNG", b"II*\x00": "TIFF", b"MM\x00*": "TIFF"}

    def __init__(self, checks: dict[str, ImageCheck] | None = None) -> None:
        self.checks = dict(checks or {})

    def inspect(self, path: str, max_pixels: int) -> ImageCheck:
        if path in self.checks:
            return self.checks[path]
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            return ImageCheck(None, 0, problem=f"cannot be read: {exc.strerror or exc}")
        digest = hashlib.sha256(data).hexdigest()
        if not data:
            return ImageCheck(digest, 0, problem="zero-byte file")
        image_format = next((name for magic, name in self.MAGIC.items() if data.startswith(magic)), None)
        if image_format is None:
            return ImageCheck(digest, len(data), problem="not an image Pillow can read (wrong extension or corrupt)")
        return ImageCheck(digest, len(data), image_format)

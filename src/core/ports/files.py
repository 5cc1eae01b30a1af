"""Ports for files: the set scanner, the image inspector, the EXIF reader and the file store."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from proofdesk.core.domain.intake import ImageCheck, SetListing
from proofdesk.core.domain.models import ExifFacts
from proofdesk.core.ports.storage import StorageError


class ExifReader(ABC):
    @abstractmethod
    def read(self, path: str) -> ExifFacts:
        """Facts of the image at `path`. Missing or broken metadata gives empty or partial facts,
        never an exception and never invented values. A missing file raises FileNotFoundError."""

    def read_sidecars(self, path: str) -> ExifFacts:
        """Facts from XMP sidecars other programs left next to the image at `path` (NAME.jpg.xmp,
        NAME.xmp: Lightroom, darktable, digiKam): keywords, caption and title. None there: empty facts."""
        return ExifFacts()


class FileStoreError(StorageError):
    """A file could not be stored (disk full, read-only, hash mismatch)."""


@dataclass(frozen=True)
class StoredFile:
    path: str
    sha256: str
    size_bytes: int
    created: bool  # False when an identical file was already there (nothing written)


class FileStore(ABC):
    """The incoming and work areas. Writes are atomic (temp name + fsync + rename) and verified
    by sha256; `area` is one of `INCOMING`, `WORK`; `relpath` uses "/" separators."""

    INCOMING = "incoming"
    WORK = "work"

    @staticmethod
    def check_relpath(relpath: str) -> None:
        """Refuse a relative path that could leave its area."""
        parts = relpath.split("/")
        if (
            not relpath
            or relpath.startswith("/")
            or "\\" in relpath
            or any(part in ("", ".", "..") or not part.isprintable() for part in parts)
        ):
            raise FileStoreError(
                f"unsafe relative path {relpath!r}: no '..', '.', empty, absolute or control-character parts"
            )

    @abstractmethod
    def import_file(self, source_path: str, area: str, relpath: str, sha256: str) -> StoredFile:
        """Copy `source_path` to (area, relpath) atomically, verify it hashes to `sha256`.
        If an identical file is already there, write nothing (`created=False`).
        A different file already there is replaced atomically."""

    @abstractmethod
    def write_bytes(self, area: str, relpath: str, data: bytes) -> StoredFile: ...

    @abstractmethod
    def read_bytes(self, area: str, relpath: str) -> bytes: ...

    @abstractmethod
    def read_path(self, path: str) -> bytes:
        """Bytes of a stored file by the path `locate` gave (FileNotFoundError if missing)."""

    @abstractmethod
    def exists(self, area: str, relpath: str) -> bool: ...

    @abstractmethod
    def locate(self, area: str, relpath: str) -> str:
        """The path string stored in rows (`incoming_path`, `ollama_path`)."""

    @abstractmethod
    def remove_path(self, path: str) -> bool:
        """Remove a file by the path `locate` gave; False if it was not there."""

    def resolve(self, path: str) -> str:
        """The local path of a path `locate` gave (a path relative to a shared root becomes this
        machine's absolute path; an absolute path is returned as it is)."""
        return path

    @abstractmethod
    def sha256_of(self, path: str) -> str | None:
        """sha256 of the stored file at `path`, None if missing."""

    @abstractmethod
    def list_area(self, area: str) -> list[str]:
        """Every stored file path in the area (sorted)."""

    @abstractmethod
    def remove_stale_temp_files(self) -> list[str]:
        """Remove temp files a killed writer left behind (never visible under a real name); only
        safe while no session writes, i.e. during a rollback. Returns what was removed."""


class SetScanner(ABC):
    @abstractmethod
    def scan(self, set_dir: str) -> SetListing:
        """List the folder without following links out of it; never raises for a bad folder
        (the problem goes in `SetListing.problem`)."""


class ImageInspector(ABC):
    @abstractmethod
    def inspect(self, path: str, max_pixels: int) -> ImageCheck:
        """Hash the file and fully decode its pixels; a file that does not decode gets `problem`."""

    def raw_formats(self) -> frozenset[str]:
        """The camera RAW extensions (".cr2", ".dng", …) whose pictures this inspector reads; a RAW
        file of another format is an unsupported RAW."""
        return frozenset()

    def perceptual_hash(self, path: str, sha256: str | None = None) -> str | None:
        """A 64-bit perceptual hash of the picture (16 hex digits) that survives re-encoding and
        resizing; None when it cannot be computed (then a changed file counts as a new picture).
        `sha256`, when the caller knows the file's, spares hashing the file again to find a hash
        this inspector already took while validating it."""
        return None

"""Ports for publishing: the uploader, the gallery, the metadata writer, and their errors."""

from __future__ import annotations

import posixpath
from abc import ABC, abstractmethod

from proofdesk.core.domain.errors import ExternalFailure
from proofdesk.core.domain.publishing import (
    GalleryEntry,
    GalleryRecord,
    PublishedMetadata,
)
from proofdesk.core.domain.xmp import XmpMetadata


class PublishFailure(ExternalFailure):
    """One row could not be published; it stays approved with the error recorded (exit 4)."""


class UploadError(PublishFailure):
    """The uploader refused or lost a file (bad path, permission, size mismatch)."""


class GalleryError(PublishFailure):
    """The gallery database refused a statement for one row."""


class ServiceUnavailable(PublishFailure):
    """The FTP server or gallery database cannot be reached after retries: publishing stops."""


class Uploader(ABC):
    """Where published files go (an FTP server, a local folder). Paths are "/"-separated.

    `put` is atomic: the bytes go to a temp name in the same folder, the size is verified, then
    the temp file is renamed over the final name (missing folders are created first). A reader
    never sees a partial file under the final name, and a failed put leaves no temp file behind
    where it can help it. Refused paths and permission errors raise UploadError; a server that
    cannot be reached (after the adapter's retries) raises ServiceUnavailable.
    """

    @abstractmethod
    def put(self, remote_path: str, data: bytes) -> int:
        """Store `data` at `remote_path` (replacing a file there); returns the verified size."""

    @abstractmethod
    def remove(self, remote_path: str) -> bool:
        """Delete the file; False if it was not there."""

    @abstractmethod
    def size(self, remote_path: str) -> int | None:
        """Size of the file in bytes, None if there is none."""

    def exists(self, remote_path: str) -> bool:
        return self.size(remote_path) is not None

    @abstractmethod
    def list_dir(self, remote_dir: str) -> list[str]:
        """Names of the plain files in the folder (temp files included), sorted; [] if it is missing."""

    def remove_stale_temp(self, remote_dir: str) -> list[str]:
        """Delete temp files an interrupted upload left in the folder; returns their names."""
        removed = []
        for name in self.list_dir(remote_dir):
            if name.startswith(TEMP_PREFIX) and self.remove(posixpath.join(remote_dir, name)):
                removed.append(name)
        return removed

    @property
    def description(self) -> str:
        return type(self).__name__

    def close(self) -> None:  # noqa: B027 - optional hook
        """Close connections; the default holds none."""


class Gallery(ABC):
    """The published gallery's table, keyed on `File_Name`.

    Reads (`lookup`, `file_names`) never create anything: before `ensure_table` they find nothing.
    Statement errors for one entry raise GalleryError; an unreachable database (after retries)
    raises ServiceUnavailable.
    """

    @abstractmethod
    def ensure_table(self) -> None:
        """Create the table (and its unique key on File_Name) if it is missing."""

    @abstractmethod
    def upsert(self, entry: GalleryEntry) -> str:
        """Insert the entry or update the row with the same File_Name; returns the row's id
        (the same id on every upsert of the same File_Name)."""

    @abstractmethod
    def move(self, remote_id: str, entry: GalleryEntry) -> str | None:
        """Update the row with id `remote_id` in place to `entry`, its File_Name included (a
        renamed photo keeps its gallery id); returns the id, or None when no row has that id.
        A File_Name another row holds raises GalleryError."""

    @abstractmethod
    def delete(self, file_name: str) -> bool:
        """Remove the row holding `file_name`; False if there was none (or no table)."""

    def records(self) -> list[GalleryRecord]:
        """Every row, ordered by id ([] when the table does not exist yet): what `publish --verify`
        compares with the queue."""
        return [record for name in self.file_names() if (record := self.lookup(name)) is not None]

    @abstractmethod
    def lookup(self, file_name: str) -> GalleryRecord | None:
        """The row holding `file_name`, with the sha256 of the image it holds; None if none."""

    @abstractmethod
    def file_names(self) -> list[str]:
        """Every File_Name in the gallery, sorted ([] when the table does not exist yet)."""

    @property
    def description(self) -> str:
        return type(self).__name__

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; the default holds none."""


class MetadataWriter(ABC):
    """Embeds approved metadata into a copy of a JPEG (IPTC + XMP); the input bytes are not changed."""

    @abstractmethod
    def embed(self, jpeg: bytes, metadata: PublishedMetadata, source: bytes | None = None) -> bytes:
        """The JPEG with `metadata` written the way MWG readers read it back (one description in
        EXIF, IPTC and XMP, a fresh IPTC digest, keywords as given); unless `metadata.keep_gps`, no
        position in any block or text field. `source`: the original the JPEG was re-encoded from
        (HEIC, PNG, TIFF), whose EXIF (time, camera, exposure) the copy carries. Raises
        PublishFailure when the bytes cannot be written."""

    @abstractmethod
    def sidecar(self, existing: bytes | None, metadata: XmpMetadata) -> bytes:
        """An XMP sidecar with `metadata`: a new one (`existing` None), or `existing` with our fields
        written and every other tag kept; raises PublishFailure when it cannot be read or written."""


# Upload temp files start with this prefix (a dot: hidden from ordinary listings); a sweep at the
# start of each publish removes any an interrupted upload left behind.
TEMP_PREFIX = ".proofdesk-part-"


def split_remote_path(remote_path: str) -> list[str]:
    """The parts of a "/"-separated remote path; refuses `..`, `.`, empty or control-character parts."""
    parts = [part for part in remote_path.strip("/").split("/")]
    if not remote_path.strip("/") or any(
        part in ("", ".", "..") or not part.isprintable() or "\\" in part for part in parts
    ):
        raise UploadError(f"unsafe remote path {remote_path!r}: no '..', '.', empty or control-character parts")
    return parts

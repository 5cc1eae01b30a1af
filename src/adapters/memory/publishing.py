"""Publishing in memory: uploader, gallery, metadata writer."""

from __future__ import annotations

import threading
from typing import Any

from proofdesk.core.domain.publishing import (
    GalleryEntry,
    GalleryRecord,
    PublishedMetadata,
)
from proofdesk.core.domain.xmp import XmpMetadata
from proofdesk.core.ports.publishing import (
    Gallery,
    GalleryError,
    MetadataWriter,
    ServiceUnavailable,
    Uploader,
    split_remote_path,
)

# ---------------------------------------------------------------- publishing (uploader, gallery, metadata)


class InMemoryUploader(Uploader):
    """Files in a dict keyed by normalised path ("/a/b.jpg"). `fail_puts` makes the next N puts
    raise ServiceUnavailable (the server went away), `puts` counts successful ones."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.fail_puts = 0
        self.puts = 0
        self._mutex = threading.Lock()

    @staticmethod
    def _key(remote_path: str) -> str:
        return "/" + "/".join(split_remote_path(remote_path))

    def put(self, remote_path: str, data: bytes) -> int:
        key = self._key(remote_path)
        with self._mutex:
            if self.fail_puts > 0:
                self.fail_puts -= 1
                raise ServiceUnavailable(f"memory uploader: connection lost while uploading {key}")
            self.files[key] = bytes(data)  # the dict swap is the atomic rename
            self.puts += 1
            return len(data)

    def remove(self, remote_path: str) -> bool:
        with self._mutex:
            return self.files.pop(self._key(remote_path), None) is not None

    def size(self, remote_path: str) -> int | None:
        with self._mutex:
            data = self.files.get(self._key(remote_path))
        return None if data is None else len(data)

    def list_dir(self, remote_dir: str) -> list[str]:
        prefix = (self._key(remote_dir) if remote_dir.strip("/") else "") + "/"
        with self._mutex:
            return sorted(path[len(prefix):] for path in self.files
                          if path.startswith(prefix) and "/" not in path[len(prefix):])


class InMemoryGallery(Gallery):
    """The gallery table as a dict keyed by File_Name, ids from 1. `unavailable = True` makes every
    call raise ServiceUnavailable (the database went away)."""

    def __init__(self) -> None:
        self.records_by_name: dict[str, GalleryRecord] = {}
        self.table_exists = False
        self.unavailable = False
        self.upserts = 0
        self._next_id = 1
        self._mutex = threading.Lock()

    def _check(self) -> None:
        if self.unavailable:
            raise ServiceUnavailable("memory gallery: the database is unreachable")

    def ensure_table(self) -> None:
        self._check()
        self.table_exists = True

    def upsert(self, entry: GalleryEntry) -> str:
        self._check()
        with self._mutex:
            self.table_exists = True
            existing = self.records_by_name.get(entry.file_name)
            if existing is None:
                remote_id = str(self._next_id)
                self._next_id += 1
            else:
                remote_id = existing.remote_id
            self.records_by_name[entry.file_name] = GalleryRecord(remote_id=remote_id, entry=entry)
            self.upserts += 1
            return remote_id

    def move(self, remote_id: str, entry: GalleryEntry) -> str | None:
        self._check()
        with self._mutex:
            current = next((r for r in self.records_by_name.values() if r.remote_id == remote_id), None)
            if current is None:
                return None
            holder = self.records_by_name.get(entry.file_name)
            if holder is not None and holder.remote_id != remote_id:
                raise GalleryError(f"memory gallery: File_Name {entry.file_name!r} is held by id {holder.remote_id}")
            del self.records_by_name[current.file_name]
            self.records_by_name[entry.file_name] = GalleryRecord(remote_id=remote_id, entry=entry)
            self.upserts += 1
            return remote_id

    def delete(self, file_name: str) -> bool:
        self._check()
        with self._mutex:
            return self.records_by_name.pop(file_name, None) is not None

    def lookup(self, file_name: str) -> GalleryRecord | None:
        self._check()
        return self.records_by_name.get(file_name)

    def file_names(self) -> list[str]:
        self._check()
        return sorted(self.records_by_name)

    def records(self) -> list[GalleryRecord]:
        return sorted(self.records_by_name.values(), key=lambda record: int(record.remote_id))


class FakeMetadataWriter(MetadataWriter):
    """Appends a readable marker after the JPEG's end (viewers ignore trailing bytes) and records
    what it embedded, so tests can see which metadata went into which copy."""

    MARKER = b"\nproofdesk-metadata:"

    def __init__(self) -> None:
        self.embedded: list[PublishedMetadata] = []

    def embed(self, jpeg: bytes, metadata: PublishedMetadata, source: bytes | None = None) -> bytes:
        self.embedded.append(metadata)
        return jpeg + self.MARKER + metadata.model_dump_json().encode()

    def sidecar(self, existing: bytes | None, metadata: XmpMetadata) -> bytes:
        """The fields as JSON (an existing sidecar's JSON object keeps its other keys)."""
        import json

        data: dict[str, Any] = json.loads(existing) if existing else {}
        data.update(metadata.model_dump(mode="json"))
        return json.dumps(data, ensure_ascii=False, sort_keys=True).encode()

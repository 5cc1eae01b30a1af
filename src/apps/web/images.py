"""The web desk's pictures: a thumbnail and a screen-size preview per row, made once and cached on
disk under the file's sha256 (a renamed or re-queued copy of the same picture reuses them), and the
original for the loupe's 100 % zoom. Pictures are looked up by row id only: no path from a request
ever reaches the file system."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from proofdesk.core.domain.models import Row
from proofdesk.core.ports.files import FileStore
from proofdesk.core.ports.media import ImageProcessor

# long edge in pixels; 1500 is an exact JPEG draft scale of 3000- and 6000-px originals (1/2, 1/4): a
# preview costs about 25 ms to make from them, where 1600 px (a full decode and a resize) cost 110 ms
SIZES = {"thumb": 320, "preview": 1500}
QUALITY = {"thumb": 80, "preview": 85}
BROWSER_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
                 ".gif": "image/gif"}


@dataclass(frozen=True)
class Picture:
    """What an image response sends: a file on disk, or bytes made for it."""

    media_type: str
    path: Path | None = None
    data: bytes | None = None


class PictureCache:
    """Thumbnails and previews in `cache_dir/<sha256>-<kind>.jpg`, made by the image processor."""

    def __init__(self, cache_dir: Path, files: FileStore, processor: ImageProcessor,
                 lookup: Callable[[int], Row | None]) -> None:
        self.cache_dir = cache_dir
        self.files = files
        self.processor = processor
        self.lookup = lookup
        self._making: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def source(self, row: Row) -> Path | None:
        """The row's original as queued (its incoming copy), else its model-ready copy."""
        for stored in (row.incoming_path, row.ollama_path):
            if stored:
                path = Path(self.files.resolve(stored))
                if path.is_file():
                    return path
        return None

    def picture(self, row_id: int, kind: str) -> Picture | None:
        """None when the row or its file is unknown (the route answers 404)."""
        row = self.lookup(row_id)
        if row is None or kind not in (*SIZES, "original"):
            return None
        source = self.source(row)
        if source is None:
            return None
        if kind == "original":
            media_type = BROWSER_TYPES.get(source.suffix.lower())
            if media_type is not None:
                return Picture(media_type, path=source)
            # camera RAW, HEIC, TIFF: the browser cannot show them; a full-size JPEG instead
            return Picture("image/jpeg", data=self.processor.thumbnail(source.read_bytes(), 100_000, 92))
        return Picture("image/jpeg", path=self._cached(row, source, kind))

    def _cached(self, row: Row, source: Path, kind: str) -> Path:
        target = self.cache_dir / f"{row.sha256}-{kind}.jpg"
        if target.is_file():
            return target
        with self._guard:
            lock = self._making.setdefault(target.name, threading.Lock())
        with lock:  # two tabs asking for one picture make it once
            if not target.is_file():
                data = self.processor.thumbnail(source.read_bytes(), SIZES[kind], QUALITY[kind])
                self.cache_dir.mkdir(parents=True, exist_ok=True)
                partial = target.with_suffix(".part")
                partial.write_bytes(data)
                partial.replace(target)
        return target

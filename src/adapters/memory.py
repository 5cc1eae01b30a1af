"""In-memory fakes of every port, shipped with the package so library users can test their own
code against them. Each one passes the same contract suite as the real adapter
(`tests/contract/`), which is what makes it trustworthy.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import math
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from proofdesk.adapters.clock import SystemClock
from proofdesk.core.domain.intake import ImageCheck, SetEntry, SetListing
from proofdesk.core.domain.models import (
    ExifFacts,
    JournalEntry,
    PhotoSet,
    Row,
    RowStatus,
    Session,
    SessionStatus,
)
from proofdesk.core.domain.place_names import PlaceAllowance
from proofdesk.core.domain.places import PlaceCandidate, fold, haversine_km
from proofdesk.core.domain.publishing import (
    GalleryEntry,
    GalleryRecord,
    PublishedMetadata,
)
from proofdesk.core.domain.scenes import SIGNATURE_WINDOWS, QualityMeasures
from proofdesk.core.domain.xmp import XmpMetadata
from proofdesk.core.ports.captioning import AnswerCache
from proofdesk.core.ports.files import ExifReader, FileStore, FileStoreError, ImageInspector, SetScanner, StoredFile
from proofdesk.core.ports.media import (
    AestheticScorer,
    Classifier,
    DecodedImage,
    FrameAnalysis,
    FrameAnalyzer,
    ImageDecodeError,
    ImageProcessor,
    QualityScorer,
    Score,
)
from proofdesk.core.ports.places import Gazetteer, TimeZoneLookup
from proofdesk.core.ports.publishing import (
    Gallery,
    GalleryError,
    MetadataWriter,
    ServiceUnavailable,
    Uploader,
    split_remote_path,
)
from proofdesk.core.ports.review import Decision, Reviewer, Spellchecker
from proofdesk.core.ports.storage import (
    JournalRepository,
    LockHolder,
    PlaceAllowanceRepository,
    QueueLock,
    QueueStore,
    RowConflict,
    RowRepository,
    SessionRepository,
    SetRepository,
    StorageError,
    UnitOfWork,
)
from proofdesk.core.ports.system import Clock, Reporter
from proofdesk.core.services.review import ReviewService, apply_decision

# ---------------------------------------------------------------- queue store


class _MemoryState:
    """The committed state of an in-memory queue."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], Row] = {}
        self.sessions: dict[str, Session] = {}
        self.journal: dict[str, list[JournalEntry]] = {}
        self.sets: dict[str, PhotoSet] = {}
        self.place_allowances: dict[tuple[str, str, str], PlaceAllowance] = {}
        self.next_row_id = 1


class _MemorySets(SetRepository):
    def __init__(self, state: _MemoryState) -> None:
        self._state = state

    def get(self, name: str) -> PhotoSet | None:
        return self._state.sets.get(name)

    def list(self) -> list[PhotoSet]:
        return [self._state.sets[name] for name in sorted(self._state.sets)]

    def add(self, photo_set: PhotoSet) -> None:
        if photo_set.name in self._state.sets:
            raise RowConflict(f"set {photo_set.name!r} is already recorded")
        self._state.sets[photo_set.name] = photo_set

    def delete(self, name: str) -> bool:
        return self._state.sets.pop(name, None) is not None


class _MemoryPlaceAllowances(PlaceAllowanceRepository):
    def __init__(self, state: _MemoryState, clock: Clock) -> None:
        self._state = state
        self._clock = clock

    def list(self) -> list[PlaceAllowance]:
        return [self._state.place_allowances[key] for key in sorted(self._state.place_allowances)]

    def add(self, allowance: PlaceAllowance) -> bool:
        if allowance.key in self._state.place_allowances:
            return False
        self._state.place_allowances[allowance.key] = allowance.changed(created_at=self._clock.now())
        return True

    def remove(self, name: str, set_name: str | None = None, original_name: str | None = None) -> bool:
        key = PlaceAllowance(name=name, set_name=set_name, original_name=original_name).key
        return self._state.place_allowances.pop(key, None) is not None


class _MemoryRows(RowRepository):
    def __init__(self, state: _MemoryState, clock: Clock) -> None:
        self._state = state
        self._clock = clock

    def get(self, set_name: str, original_name: str) -> Row | None:
        row = self._state.rows.get((set_name, original_name))
        return row.model_copy(deep=True) if row else None

    def get_by_id(self, row_id: int) -> Row | None:
        for row in self._state.rows.values():
            if row.id == row_id:
                return row.model_copy(deep=True)
        return None

    def list(self, status: RowStatus | None = None, set_name: str | None = None) -> list[Row]:
        return [
            row.model_copy(deep=True)
            for key, row in sorted(self._state.rows.items())
            if (status is None or row.status == status)
            and (set_name is None or row.set_name == set_name)
        ]

    def add(self, row: Row) -> Row:
        if row.key in self._state.rows:
            raise RowConflict(f"row {row.key_text} already exists")
        now = self._clock.now()
        stored = row.changed(id=self._state.next_row_id, created_at=now, updated_at=now).model_copy(deep=True)
        self._state.next_row_id += 1
        self._state.rows[row.key] = stored
        return stored.model_copy(deep=True)

    def update(self, row: Row) -> Row:
        existing = self._state.rows.get(row.key)
        if existing is None:
            raise StorageError(f"row {row.key_text} does not exist; add it first")
        stored = row.changed(id=existing.id, created_at=existing.created_at, updated_at=self._clock.now())
        stored = stored.model_copy(deep=True)
        self._state.rows[row.key] = stored
        return stored.model_copy(deep=True)

    def delete(self, set_name: str, original_name: str) -> bool:
        return self._state.rows.pop((set_name, original_name), None) is not None

    def find_by_sha256(self, sha256: str) -> list[Row]:
        return [row for row in self.list() if row.sha256 == sha256]

    def get_many(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Row]:
        rows = self._state.rows
        return {key: rows[key].model_copy(deep=True) for key in dict.fromkeys(keys) if key in rows}

    def add_many(self, rows: Sequence[Row]) -> None:
        keys = [row.key for row in rows]
        taken = [key for key in keys if key in self._state.rows]
        if taken or len(set(keys)) != len(keys):
            raise RowConflict(f"row {'/'.join(taken[0]) if taken else 'key given twice'} already exists")
        for row in rows:
            self.add(row)

    def update_many(self, rows: Sequence[Row]) -> None:
        missing = [row.key_text for row in rows if row.key not in self._state.rows]
        if missing:
            raise StorageError(f"row {missing[0]} does not exist; add it first")
        for row in rows:
            self.update(row)

    def find_by_sha256s(self, sha256s: Iterable[str]) -> list[Row]:
        wanted = set(sha256s)
        return [row for row in self.list() if row.sha256 in wanted]


class _MemorySessions(SessionRepository):
    def __init__(self, state: _MemoryState) -> None:
        self._state = state

    def add(self, session: Session) -> None:
        if session.id in self._state.sessions:
            raise StorageError(f"session {session.id} already exists")
        self._state.sessions[session.id] = session.model_copy(deep=True)

    def get(self, session_id: str) -> Session | None:
        session = self._state.sessions.get(session_id)
        return session.model_copy(deep=True) if session else None

    def update(self, session: Session) -> None:
        if session.id not in self._state.sessions:
            raise StorageError(f"session {session.id} does not exist")
        self._state.sessions[session.id] = session.model_copy(deep=True)

    def list(self, status: SessionStatus | None = None) -> list[Session]:
        sessions = sorted(self._state.sessions.values(), key=lambda s: (s.started_at, s.id))
        return [s.model_copy(deep=True) for s in sessions if status is None or s.status == status]


class _MemoryJournal(JournalRepository):
    def __init__(self, state: _MemoryState) -> None:
        self._state = state

    def append(self, entry: JournalEntry) -> JournalEntry:
        entries = self._state.journal.setdefault(entry.session_id, [])
        stored = entry.changed(seq=len(entries) + 1).model_copy(deep=True)
        entries.append(stored)
        return stored.model_copy(deep=True)

    def append_many(self, entries: Sequence[JournalEntry]) -> None:
        for entry in entries:
            self.append(entry)

    def entries(self, session_id: str) -> list[JournalEntry]:
        return [e.model_copy(deep=True) for e in self._state.journal.get(session_id, [])]

    def clear(self, session_id: str) -> None:
        self._state.journal.pop(session_id, None)


class InMemoryUnitOfWork(UnitOfWork):
    """Works on a private copy of the committed state; commit() publishes it atomically."""

    def __init__(self, store: InMemoryQueueStore) -> None:
        self._store = store
        self._begin()

    def _begin(self) -> None:
        with self._store._mutex:
            self._state = copy.deepcopy(self._store._state)
            self._base_version = self._store._version
        self.rows = _MemoryRows(self._state, self._store.clock)
        self.sessions = _MemorySessions(self._state)
        self.journal = _MemoryJournal(self._state)
        self.sets = _MemorySets(self._state)
        self.place_allowances = _MemoryPlaceAllowances(self._state, self._store.clock)

    def commit(self) -> None:
        with self._store._mutex:
            if self._store._version != self._base_version:
                # Another unit of work committed meanwhile: like a serialisable database, refuse
                # rather than silently overwrite its writes.
                raise StorageError("concurrent update of the in-memory queue; retry the operation")
            self._store._state = self._state
            self._store._version += 1
        self._begin()

    def rollback(self) -> None:
        self._begin()


class InMemoryQueueLock(QueueLock):
    def __init__(self) -> None:
        self._holder: LockHolder | None = None
        self._mutex = threading.Lock()

    def acquire(self, holder: LockHolder) -> LockHolder | None:
        with self._mutex:
            if self._holder is not None and self._holder.session_id != holder.session_id:
                return self._holder
            self._holder = holder
            return None

    def release(self, session_id: str) -> None:
        with self._mutex:
            if self._holder is not None and self._holder.session_id == session_id:
                self._holder = None

    def holder(self) -> LockHolder | None:
        return self._holder

    def renew(self, session_id: str, expires_at: datetime) -> bool:
        with self._mutex:
            if self._holder is None or self._holder.session_id != session_id:
                return False
            self._holder = dataclasses.replace(self._holder, expires_at=expires_at)
            return True


class InMemoryQueueStore(QueueStore):
    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()
        self._state = _MemoryState()
        self._version = 0
        self._mutex = threading.Lock()
        self._lock = InMemoryQueueLock()

    def unit_of_work(self) -> UnitOfWork:
        return InMemoryUnitOfWork(self)

    @property
    def lock(self) -> QueueLock:
        return self._lock

    @property
    def description(self) -> str:
        return "in-memory queue"


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


# ---------------------------------------------------------------- clock


class FixedClock(Clock):
    """A clock for tests: starts at `start` and moves only when told (or by `step` per call)."""

    def __init__(self, start: datetime | None = None, step: timedelta = timedelta(0)) -> None:
        self._now = start or datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
        self._step = step

    def now(self) -> datetime:
        current = self._now
        self._now = self._now + self._step
        return current

    def advance(self, delta: timedelta) -> None:
        self._now += delta


# ---------------------------------------------------------------- reporter


class RecordingReporter(Reporter):
    """Keeps every event as a (kind, text) tuple for assertions."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.artifacts: dict[str, Any] = {}

    def start_stage(self, stage: str, total: int) -> None:
        self.events.append(("start", f"{stage}:{total}"))

    def advance(self, detail: str = "") -> None:
        self.events.append(("advance", detail))

    def end_stage(self, stage: str, summary: str) -> None:
        self.events.append(("end", f"{stage}: {summary}"))

    def info(self, message: str) -> None:
        self.events.append(("info", message))

    def warn(self, message: str) -> None:
        self.events.append(("warn", message))

    def session_opened(self, session_id: str) -> None:
        self.events.append(("session", session_id))

    def write_artifact(self, name: str, data: Any) -> None:
        self.artifacts[name] = data

    def messages(self, kind: str) -> list[str]:
        return [text for event, text in self.events if event == kind]


# ---------------------------------------------------------------- caption answers and classifier


class InMemoryAnswerCache(AnswerCache):
    def __init__(self) -> None:
        self.answers: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        return self.answers.get(key)

    def put(self, key: str, answer: str) -> None:
        self.answers[key] = answer


class FakeClassifier(Classifier):
    """Returns the labels registered for an image's bytes (or `default`)."""

    def __init__(self, labels: dict[bytes, list[str]] | None = None, default: list[str] | None = None) -> None:
        self.by_image = dict(labels or {})
        self.default = list(default or [])

    def labels(self, image_jpeg: bytes, top_k: int = 5) -> list[str]:
        return list(self.by_image.get(image_jpeg, self.default))[:top_k]


# ---------------------------------------------------------------- scoring and resize (stages 5-6)


class FakeImageProcessor(ImageProcessor):
    """The plain way, observable: a full Pillow decode (no draft mode), upright, RGB, then a
    downscale; counts decodes and encodes so tests can check that a stage decodes each image once."""

    def __init__(self) -> None:
        self.decodes = 0
        self.encodes = 0
        self._mutex = threading.Lock()

    def decode(self, data: bytes, long_edge: int) -> DecodedImage:
        import io

        from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

        with self._mutex:
            self.decodes += 1
        try:
            with Image.open(io.BytesIO(data)) as opened:
                image = ImageOps.exif_transpose(opened)
                source_size = image.size
                icc = opened.info.get("icc_profile")
                if icc and image.mode in ("RGB", "CMYK", "L"):
                    try:  # to sRGB, as the contract asks
                        image = ImageCms.profileToProfile(
                            image, ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB"),
                            outputMode="RGB",
                        ) or image
                    except (ImageCms.PyCMSError, OSError, ValueError):
                        pass
                if image.mode != "RGB":
                    if "A" in image.getbands() or "transparency" in image.info:
                        rgba = image.convert("RGBA")
                        image = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
                    image = image.convert("RGB")
                scale = min(1.0, long_edge / max(image.size))
                target = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
                if image.size != target:
                    image = image.resize(target, Image.Resampling.LANCZOS)
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
            raise ImageDecodeError(f"does not decode: {exc.__class__.__name__}: {exc}") from exc
        return DecodedImage(image.width, image.height, image.tobytes(), source_size[0], source_size[1])

    def encode_jpeg(self, image: DecodedImage, quality: int) -> bytes:
        import io

        from PIL import Image

        with self._mutex:
            self.encodes += 1
        buffer = io.BytesIO()
        Image.frombytes("RGB", (image.width, image.height), image.rgb).save(buffer, "JPEG", quality=quality)
        return buffer.getvalue()


def _mean_byte(image: DecodedImage) -> float:
    return sum(image.rgb) / len(image.rgb)


class _FakeScorer:
    """Shared by the fake scorers: a formula over the mean pixel value; records batch sizes."""

    def __init__(self, fallback: bool = False, engine: str = "fake") -> None:
        self.fallback = fallback
        self._engine = engine
        self.batches: list[int] = []

    @property
    def engine(self) -> str:
        return self._engine

    def _formula(self, mean_byte: float) -> float:  # pragma: no cover - set by subclasses
        raise NotImplementedError

    def score_batch(self, images: Sequence[DecodedImage]) -> list[Score]:
        self.batches.append(len(images))
        return [Score(round(self._formula(_mean_byte(i)), 4), self.fallback, self._engine) for i in images]


class FakeQualityScorer(_FakeScorer, QualityScorer):
    """BRISQUE stand-in: 100 * (1 - mean pixel value / 255), lower = brighter. Records batch sizes."""

    def __init__(self, fallback: bool = False, engine: str = "fake-quality") -> None:
        super().__init__(fallback, engine)

    def _formula(self, mean_byte: float) -> float:
        return 100.0 * (1.0 - mean_byte / 255.0)


class FakeAestheticScorer(_FakeScorer, AestheticScorer):
    """CLIP-aesthetic stand-in: 1 + 9 * mean pixel value / 255. Records batch sizes."""

    def __init__(self, fallback: bool = False, engine: str = "fake-aesthetic") -> None:
        super().__init__(fallback, engine)

    def _formula(self, mean_byte: float) -> float:
        return 1.0 + 9.0 * mean_byte / 255.0


class FakeFrameAnalyzer(FrameAnalyzer):
    """Culling measures the plain way, with Pillow's ImageStat over the whole luma picture (ITU-R
    601): focus = the RMS of the 4-neighbour Laplacian, noise = Immerkaer's estimator (both 3x3
    kernels on 8-bit luma, so values beyond +-127 are clipped), brightness and contrast = the luma
    mean and standard deviation, the clipped shares from the histogram. The signature is one 64-bit
    average hash (8x8 box-downscaled luma, a bit per pixel above the mean) repeated for all 25
    windows: it parses like the real one but tolerates no shift. Counts analyses."""

    version = "fake-measures-v2+ahash-v1"

    def __init__(self) -> None:
        self.analyses = 0

    def analyze(self, image: DecodedImage) -> FrameAnalysis:
        from PIL import Image, ImageChops, ImageFilter, ImageStat

        self.analyses += 1
        luma = Image.frombytes("RGB", (image.width, image.height), image.rgb).convert("L")
        middle = Image.new("L", luma.size, 128)

        def mean_abs(kernel: list[int]) -> ImageStat.Stat:
            filtered = luma.filter(ImageFilter.Kernel((3, 3), kernel, scale=1, offset=128))
            return ImageStat.Stat(ImageChops.difference(filtered, middle))

        stat = ImageStat.Stat(luma)
        histogram = luma.histogram()
        total = max(1, image.width * image.height)
        measures = QualityMeasures(
            focus=round(mean_abs([0, 1, 0, 1, -4, 1, 0, 1, 0]).rms[0], 3),
            noise=round(math.sqrt(math.pi / 2.0) * mean_abs([1, -2, 1, -2, 4, -2, 1, -2, 1]).mean[0] / 6.0, 3),
            brightness=round(min(255.0, stat.mean[0]), 3),
            contrast=round(stat.stddev[0], 3),
            shadows_clipped=round(sum(histogram[:3]) / total, 5),
            highlights_clipped=round(sum(histogram[253:]) / total, 5),
            width=image.width,
            height=image.height,
        )
        small = luma.resize((8, 8), Image.Resampling.BOX).tobytes()
        average = sum(small) / len(small)
        bits = sum(1 << (63 - i) for i, value in enumerate(small) if value > average)
        return FrameAnalysis(measures=measures, signature=".".join([f"{bits:016x}"] * SIGNATURE_WINDOWS))


# ---------------------------------------------------------------- spellcheck


class FakeSpellchecker(Spellchecker):
    """Knows exactly the words it is given (plus those added); everything else is unknown."""

    def __init__(self, known: set[str] | None = None) -> None:
        self.known = {w.lower() for w in (known or set())}
        self.added: list[str] = []

    def unknown_words(self, text: str) -> list[str]:
        from proofdesk.core.domain.proof.text import spelling_words

        seen: dict[str, None] = {}
        for word in spelling_words(text):
            if len(word) > 1 and word.lower() not in self.known:
                seen.setdefault(word, None)
        return list(seen)

    def add_word(self, word: str) -> None:
        if word.lower() not in self.known:
            self.known.add(word.lower())
            self.added.append(word)

    def remove_word(self, word: str) -> bool:
        found = [added for added in self.added if added.lower() == word.lower()]
        if not found:
            return False
        self.added = [added for added in self.added if added.lower() != word.lower()]
        self.known.discard(word.lower())
        return True

    def project_words(self) -> list[str]:
        return list(self.added)


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


# ---------------------------------------------------------------- the reviewer


class ScriptedReviewer(Reviewer):
    """Applies a list of decisions in order; refused ones are kept in `refused` (never raised)."""

    def __init__(self, decisions: Sequence[Decision]) -> None:
        self.decisions = list(decisions)
        self.refused: list[tuple[Decision, str]] = []
        self.seen_qc: dict[str, Any] | None = None

    def review(self, service: ReviewService, qc_summary: dict[str, Any] | None = None) -> None:
        from proofdesk.core.domain.errors import ProofdeskError

        self.seen_qc = qc_summary
        for decision in self.decisions:
            try:
                apply_decision(service, decision)
            except ProofdeskError as exc:
                self.refused.append((decision, str(exc)))


# ---------------------------------------------------------------- places (gazetteer, time zones)


class InMemoryGazetteer(Gazetteer):
    """A gazetteer over the places it is given (tests, library users without GeoNames data)."""

    def __init__(self, places: list[PlaceCandidate], min_population: int = 15000) -> None:
        self.places = list(places)
        self.min_population = min_population

    def nearby(self, latitude: float, longitude: float, count: int = 50) -> list[PlaceCandidate]:
        return sorted(self.places, key=lambda p: haversine_km(latitude, longitude, p.latitude, p.longitude))[:count]

    def locate_name(self, name: str, latitude: float, longitude: float) -> tuple[float, PlaceCandidate] | None:
        key = fold(name)
        found = [(haversine_km(latitude, longitude, p.latitude, p.longitude), p)
                 for p in self.places if fold(p.name) == key and p.population >= self.min_population]
        found += [
            (haversine_km(latitude, longitude, p.latitude, p.longitude),
             PlaceCandidate(p.country, p.latitude, p.longitude, 0, None, p.country, p.country_code, is_country=True))
            for p in self.places if p.country and fold(p.country) == key
        ]
        return min(found, key=lambda pair: pair[0]) if found else None


class FixedTimeZones(TimeZoneLookup):
    """Time zones by bounding box: [(south, west, north, east, zone)], first match wins."""

    def __init__(self, boxes: list[tuple[float, float, float, float, str]]) -> None:
        self.boxes = boxes

    def zone_at(self, latitude: float, longitude: float) -> str | None:
        for south, west, north, east, zone in self.boxes:
            if south <= latitude <= north and west <= longitude <= east:
                return zone
        return None

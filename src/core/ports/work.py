"""The work queue of `proofdesk worker`: rows claimed for a stage by one worker at a time, under a
lease the worker renews; results written only while the claim is still held (ADR 0014)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime

from proofdesk.core.domain.models import Row

# The per-row work after intake, in pipeline order: "score" covers stages 5 and 6 (one decode feeds
# both), "scene" a whole set once every frame of it is resized, "caption" stage 7.
WORK_STAGES: tuple[str, ...] = ("score", "scene", "caption")


@dataclass(frozen=True)
class Claim:
    """Rows one worker holds for one stage until `expires_at` (renewed while it works)."""

    token: str
    worker_id: str
    stage: str
    keys: list[tuple[str, str]]
    expires_at: datetime
    ids: tuple[int, ...] = ()  # the rows' ids in the store (what the claim is checked by)


@dataclass(frozen=True)
class WorkerInfo:
    id: str
    host: str
    pid: int
    stages: list[str]
    started_at: datetime


@dataclass(frozen=True)
class WorkerStatus:
    id: str
    host: str
    pid: int
    stages: list[str]
    started_at: datetime
    heartbeat_at: datetime
    lease_expires_at: datetime | None
    leased_rows: int
    rows_done: int
    status: str  # working | waiting | stopped
    extra: dict[str, object] = field(default_factory=dict)


class WorkQueue(ABC):
    """Claims over the shared queue (MySQL/MariaDB `SELECT … FOR UPDATE SKIP LOCKED`)."""

    @abstractmethod
    def register(self, worker: WorkerInfo, lease_s: float) -> None: ...

    @abstractmethod
    def heartbeat(self, worker_id: str, lease_s: float, rows_done: int, status: str) -> None: ...

    @abstractmethod
    def workers(self) -> list[WorkerStatus]: ...

    @abstractmethod
    def claim(self, worker_id: str, stage: str, limit: int, lease_s: float, keepers_only: bool) -> Claim | None:
        """Claim up to `limit` rows that need `stage` and are free (unclaimed, or their lease
        expired), in one short transaction; None when there are none."""

    @abstractmethod
    def renew(self, claim: Claim, lease_s: float) -> int:
        """Extend the lease of the rows still held under the claim; returns how many."""

    @abstractmethod
    def write(self, claim: Claim, rows: Sequence[Row]) -> list[tuple[str, str]]:
        """Write the rows still held under the claim (one transaction); returns the keys written
        (a row whose lease expired and was claimed by another worker is left out)."""

    @abstractmethod
    def release(self, claim: Claim) -> None:
        """Give back whatever is still held under the claim."""

    @abstractmethod
    def remaining(self, stage: str, keepers_only: bool) -> int:
        """Rows that still need `stage` (claimed or not)."""

    @abstractmethod
    def named_lock(self, name: str, timeout_s: float) -> AbstractContextManager[None]:
        """Hold a lock named `name` across workers (serialises e.g. the near-duplicate check)."""



"""Ports for the world around a run: the clock and the reporter (progress, logs, run artifacts)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any


class Clock(ABC):
    @abstractmethod
    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""


class Reporter(ABC):
    """Where the pipeline says what it does: progress per stage and a log line per event.
    The CLI draws progress bars and writes the session's stage log; tests record."""

    @abstractmethod
    def start_stage(self, stage: str, total: int) -> None: ...

    @abstractmethod
    def advance(self, detail: str = "") -> None: ...

    @abstractmethod
    def end_stage(self, stage: str, summary: str) -> None: ...

    @abstractmethod
    def info(self, message: str) -> None: ...

    @abstractmethod
    def warn(self, message: str) -> None: ...

    def stage_failed(self, message: str) -> None:  # noqa: B027 - optional hook
        """Called when the stage in progress (if any) stops on an error, before the rollback."""

    def session_opened(self, session_id: str) -> None:  # noqa: B027 - optional hook
        """Called once the session exists (the CLI opens the session's stage log here)."""

    @abstractmethod
    def write_artifact(self, name: str, data: Any) -> None:
        """Store a JSON run artifact (e.g. `qc_summary.json`) with the session's logs."""

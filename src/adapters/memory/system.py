"""The clock and the reporter, for tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from proofdesk.core.ports.system import Clock, Reporter

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

"""The CLI's Reporter: rich progress bars on a terminal, plain lines otherwise, and the session's
stage log (`runs/<session>/stage.log`, human-readable) plus `events.jsonl` (one JSON object per
event, for machines)."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from proofdesk.core.domain.errors import ExternalFailure
from proofdesk.core.ports.system import Reporter
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

if TYPE_CHECKING:
    from proofdesk.core.services.publish import Publisher

log = logging.getLogger("proofdesk")


def current_item(detail: str, width: int = 40) -> str:
    """The progress bar's current item: the file name whole, the set name shortened in the middle
    ("2026-06-12_lof…_reine/DSC_0413.JPG"), the rest of the detail left for the stage log."""
    key = detail.partition(": ")[0]
    set_name, slash, name = key.rpartition("/")
    if not slash:
        return key if len(key) <= width else key[: width - 1] + "…"
    room = width - len(name) - 1
    if len(set_name) > room:
        if room < 5:
            return name  # the file name is the item; the set name has no room left
        head = (room - 1) // 2
        set_name = set_name[:head] + "…" + set_name[len(set_name) - (room - 1 - head):]
    return f"{set_name}/{name}"


class ConsoleReporter(Reporter):
    def __init__(self, runs_dir: Path, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.runs_dir = runs_dir
        self.quiet = quiet
        self.console = Console(file=stream or sys.stderr, highlight=False, soft_wrap=True)
        self._progress: Progress | None = None
        self._stage: str | None = None  # the stage in progress
        self._task: Any = None
        self._log_file: TextIO | None = None
        self._events: TextIO | None = None
        self._pending: list[tuple[str, str, str]] = []  # events before the session log exists
        self.session_dir: Path | None = None
        self.artifacts: dict[str, Path] = {}

    # ---- log files

    def session_opened(self, session_id: str) -> None:
        self.session_dir = self.runs_dir / session_id
        try:
            self.session_dir.mkdir(parents=True, exist_ok=True)
            self._log_file = (self.session_dir / "stage.log").open("a", encoding="utf-8")
            self._events = (self.session_dir / "events.jsonl").open("a", encoding="utf-8")
        except OSError as exc:
            self._log_file = self._events = None
            raise ExternalFailure(
                f"cannot write the session log in {self.session_dir}: {exc.strerror or exc} "
                "(is the work directory on a read-only or full file system?)"
            ) from exc
        for stamp, kind, text in self._pending:
            self._write(stamp, kind, text)
        self._pending.clear()

    def _record(self, kind: str, text: str) -> None:
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        log.debug("%s %s", kind, text)
        if self._log_file is None:
            self._pending.append((stamp, kind, text))
        else:
            self._write(stamp, kind, text)

    def _write(self, stamp: str, kind: str, text: str) -> None:
        assert self._log_file is not None and self._events is not None
        self._log_file.write(f"{stamp} {kind.upper():7} {text}\n")
        self._log_file.flush()
        self._events.write(json.dumps({"time": stamp, "event": kind, "message": text}, ensure_ascii=False) + "\n")
        self._events.flush()

    def write_artifact(self, name: str, data: Any) -> None:
        if self.session_dir is None:
            raise ExternalFailure(f"cannot write {name}: no session is open")
        path = self.session_dir / name
        try:
            path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
        except OSError as exc:
            raise ExternalFailure(f"cannot write {path}: {exc.strerror or exc}") from exc
        self.artifacts[name] = path
        self._record("artifact", f"{name} written to {path}")

    def close(self) -> None:
        self._stop_progress()
        for handle in (self._log_file, self._events):
            if handle is not None:
                handle.close()
        self._log_file = self._events = None

    # ---- Reporter

    def start_stage(self, stage: str, total: int) -> None:
        self._record("stage", f"{stage} started ({total} item(s))")
        self._stage = stage
        self._stop_progress()
        if self.quiet or not self.console.is_terminal:
            return
        self._progress = Progress(
            TextColumn("[bold]{task.description:<9}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=self.console, transient=False,
        )
        self._progress.start()
        self._task = self._progress.add_task(stage, total=total, detail="")

    def advance(self, detail: str = "") -> None:
        if detail:
            self._record("item", detail)
        if self._progress is not None:
            self._progress.update(self._task, advance=1, detail=current_item(detail))

    def end_stage(self, stage: str, summary: str) -> None:
        self._stage = None
        self._stop_progress()
        self._record("stage", f"{stage} done: {summary}")
        if not self.quiet:
            self.console.print(f"[green]✓[/] {stage:<9} {summary}")

    def stage_failed(self, message: str) -> None:
        stage, self._stage = self._stage, None
        self._stop_progress()
        if stage is not None:
            self._record("stage", f"{stage} failed: {message}")
            self.console.print(f"[red]✗[/] {stage:<9} failed: {message}")

    def info(self, message: str) -> None:
        self._record("info", message)
        if not self.quiet:
            self.console.print(message)

    def warn(self, message: str) -> None:
        self._record("warning", message)
        self.console.print(f"[yellow]warning:[/] {message}")

    def _stop_progress(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def _quietly(runs_dir: Path, job: Callable[[Reporter], str]) -> str:
    """`job` run with a reporter that prints nothing (a desk's worker thread owns no terminal)."""
    import io

    reporter = ConsoleReporter(runs_dir, quiet=True, stream=io.StringIO())
    try:
        return job(reporter)
    finally:
        reporter.close()


def desk_publisher(publisher: Callable[..., Publisher], runs_dir: Path) -> Callable[[], str]:
    """What a desk's publish key runs (in its worker thread): publish, return the report's paragraph."""

    def publish() -> str:
        from proofdesk.core.services.publish import publish_approved

        return _quietly(runs_dir, lambda reporter: publish_approved(publisher(reporter=reporter)).render())

    return publish


def desk_unpublisher(publisher: Callable[..., Publisher], runs_dir: Path) -> Callable[[str, bool], str]:
    """What a desk's unpublish key runs (in its worker thread): take one row ("set/original name")
    down, and reject it when asked; returns the report's lines."""

    def unpublish(key: str, reject: bool) -> str:
        from proofdesk.core.services.unpublish import unpublish_rows

        set_name, name = key.split("/", 1)
        return _quietly(runs_dir, lambda reporter: unpublish_rows(
            publisher(reporter=reporter), [name], set_name=set_name, reject=reject).render())

    return unpublish

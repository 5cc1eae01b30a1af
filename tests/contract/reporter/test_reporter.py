"""Reporter behaviour: progress and messages never fail, artifacts written after the session opens
can be read back (bound to the recording fake and the CLI's console reporter)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from proofdesk.adapters.memory import RecordingReporter
from proofdesk.apps.reporting import ConsoleReporter
from proofdesk.core.ports.system import Reporter

ReadArtifact = Callable[[str], dict[str, Any]]


class ReporterContract:
    @pytest.fixture
    def reporter(self, tmp_path: Path) -> tuple[Reporter, ReadArtifact]:  # pragma: no cover - bound by subclasses
        raise NotImplementedError

    def test_a_whole_stage(self, reporter: tuple[Reporter, ReadArtifact]) -> None:
        report, read = reporter
        report.start_stage("exif", 2)
        report.advance("set/a.jpg")
        report.advance()
        report.info("two rows read")
        report.warn("a row had no EXIF")
        report.end_stage("exif", "2 read")
        report.session_opened("20260101T000000Z-abcdef")
        report.write_artifact("qc_summary.json", {"rows": 2, "text": "é"})
        assert read("qc_summary.json") == {"rows": 2, "text": "é"}


class TestRecordingReporter(ReporterContract):
    @pytest.fixture
    def reporter(self) -> tuple[Reporter, ReadArtifact]:
        recording = RecordingReporter()
        return recording, lambda name: recording.artifacts[name]


class TestConsoleReporter(ReporterContract):
    @pytest.fixture
    def reporter(self, tmp_path: Path) -> tuple[Reporter, ReadArtifact]:
        console = ConsoleReporter(tmp_path / "runs", stream=io.StringIO())
        return console, lambda name: json.loads(console.artifacts[name].read_text())

    def test_stage_log_and_json_lines(self, tmp_path: Path) -> None:
        stream = io.StringIO()
        console = ConsoleReporter(tmp_path / "runs", stream=stream)
        console.info("before the session")
        console.session_opened("s1")
        console.warn("after")
        console.close()
        log = (tmp_path / "runs" / "s1" / "stage.log").read_text()
        assert "before the session" in log and "WARNING after" in log
        events = [json.loads(line) for line in (tmp_path / "runs" / "s1" / "events.jsonl").read_text().splitlines()]
        assert [e["event"] for e in events] == ["info", "warning"]
        assert "warning: after" in stream.getvalue()

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from proofdesk.apps.cli import main

from tests.support.comparable import comparable


class Proofdesk:
    """Runs `proofdesk` commands in one working directory (its own ./.proofdesk)."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.workdir = cwd / ".proofdesk"

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Result:
        """In-process (fast): click's runner, cwd switched for the call."""
        old = os.getcwd()
        os.chdir(self.cwd)
        try:
            return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
        finally:
            os.chdir(old)

    def subprocess(self, *args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """A real process (for SIGKILL at crash points)."""
        full_env = {**os.environ, **(env or {})}
        return subprocess.run(
            [sys.executable, "-m", "proofdesk.apps", *args], cwd=self.cwd, env=full_env,
            capture_output=True, text=True, timeout=timeout,
        )

    def rows(self) -> list[dict[str, Any]]:
        result = self("rows", "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def status(self) -> dict[str, Any]:
        result = self("status", "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def incoming_files(self) -> list[Path]:
        base = self.workdir / "incoming"
        return sorted(p for p in base.rglob("*") if p.is_file()) if base.exists() else []


@pytest.fixture
def proofdesk(tmp_path: Path) -> Proofdesk:
    cwd = tmp_path / "desk"
    cwd.mkdir()
    return Proofdesk(cwd)


@pytest.fixture
def snapshot() -> Callable[[Proofdesk], dict[str, Any]]:
    """Rows (minus timestamps and session ids) and incoming files with their bytes' hashes."""
    import hashlib

    def take(desk: Proofdesk) -> dict[str, Any]:
        rows = [
            comparable(row, ("created_at", "updated_at", "session_id", "id"))
            for row in desk.rows()
        ]
        files = {str(p.relative_to(desk.workdir)): hashlib.sha256(p.read_bytes()).hexdigest() for p in desk.incoming_files()}
        return {"rows": rows, "files": files}

    return take


GPS_FRAMES = ("DSCN0010.jpg", "DSCN0021.jpg", "DSCN0029.jpg", "DSCN0042.jpg")


@pytest.fixture
def camera_set(gps_set: Path, tmp_path: Path) -> Path:
    """Four real camera photos with GPS (Arezzo, 22 October 2008; the shared samples' `jpg/gps/`)
    in a set folder of their own."""
    set_dir = tmp_path / "2008-10-22_arezzo"
    set_dir.mkdir()
    for name in GPS_FRAMES:
        shutil.copy2(gps_set / name, set_dir / name)
    return set_dir


@pytest.fixture(scope="session")
def demo_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo set as the quick start builds it (`python -m proofdesk.apps.demo`), once per session;
    copy it before changing it."""
    from proofdesk.apps.demo import SET_NAME, build_demo_set

    set_dir = tmp_path_factory.mktemp("demo") / SET_NAME
    build_demo_set(set_dir)
    return set_dir

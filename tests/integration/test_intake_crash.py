"""Kill the pipeline at named crash points; the next run rolls the dead session back by itself
and ends exactly where an undisturbed run ends: one row and one incoming copy per image."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support.comparable import comparable as comparable_row
from tests.support.corpus import write_jpeg

from .conftest import Proofdesk

Snapshot = Callable[[Proofdesk], dict[str, Any]]


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory, gps_set: Path) -> dict[str, Any]:
    """The reference: an undisturbed run of the GPS set."""
    from tests.integration.conftest import Proofdesk as Desk

    cwd = tmp_path_factory.mktemp("reference")
    desk = Desk(cwd)
    assert desk("run", str(gps_set), "--until", "queue").exit_code == 0
    rows = [comparable_row(r, ("created_at", "updated_at", "session_id", "id", "incoming_path"))
            for r in desk.rows()]
    return {"rows": rows, "incoming": sorted(str(p.relative_to(desk.workdir)) for p in desk.incoming_files())}


def comparable(desk: Proofdesk) -> dict[str, Any]:
    rows = [comparable_row(r, ("created_at", "updated_at", "session_id", "id", "incoming_path"))
            for r in desk.rows()]
    return {"rows": rows, "incoming": sorted(str(p.relative_to(desk.workdir)) for p in desk.incoming_files())}


@pytest.mark.parametrize(
    "fault",
    ["stage2.before_copy:1", "stage2.after_copy:3", "stage3.after_read:4", "stage4.after_insert:5",
     "stage4.after_insert:9", "session.before_close:1"],
)
def test_sigkill_then_rerun_equals_a_clean_run(
    proofdesk: Proofdesk, gps_set: Path, clean_run: dict[str, Any], fault: str
) -> None:
    killed = proofdesk.subprocess("run", str(gps_set), "--until", "queue", env={"PROOFDESK_FAULT": fault})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert proofdesk.status()["open_session"] is not None  # the dead session was left open

    rerun = proofdesk.subprocess("run", str(gps_set), "--until", "queue")
    assert rerun.returncode == 0, rerun.stderr
    assert "left open by a process that died" in rerun.stderr and "rolling it back first" in rerun.stderr
    assert comparable(proofdesk) == clean_run
    assert len(proofdesk.rows()) == 9 and len(proofdesk.incoming_files()) == 9
    assert proofdesk.status()["open_session"] is None


def test_kill_during_a_refresh_restores_the_previous_rows(proofdesk: Proofdesk, tmp_path: Path) -> None:
    set_dir = tmp_path / "set"
    for seed in range(4):
        write_jpeg(set_dir / f"p{seed}.jpg", seed=seed)
    assert proofdesk("run", str(set_dir), "--until", "queue").exit_code == 0
    before = comparable(proofdesk)
    for seed in range(4):
        write_jpeg(set_dir / f"p{seed}.jpg", seed=100 + seed)  # every file re-exported
    killed = proofdesk.subprocess("run", str(set_dir), "--until", "queue",
                                  env={"PROOFDESK_FAULT": "stage4.after_update:2"})
    assert killed.returncode == -signal.SIGKILL
    rolled = proofdesk("rollback")
    assert rolled.exit_code == 0, rolled.output
    assert comparable(proofdesk) == before  # refreshed rows restored, new copies removed
    assert proofdesk("run", str(set_dir), "--until", "queue").exit_code == 0
    assert {r["sha256"] for r in proofdesk.rows()}.isdisjoint({r["sha256"] for r in before["rows"]})
    assert len(proofdesk.incoming_files()) == 4


def test_kill_during_rollback_is_finished_by_the_next_run(proofdesk: Proofdesk, gps_set: Path, clean_run: dict[str, Any]) -> None:
    assert proofdesk.subprocess("run", str(gps_set), "--until", "queue",
                                env={"PROOFDESK_FAULT": "stage4.after_insert:6"}).returncode == -signal.SIGKILL
    interrupted = proofdesk.subprocess("rollback", env={"PROOFDESK_FAULT": "rollback.after_files:1"})
    assert interrupted.returncode == -signal.SIGKILL
    assert proofdesk.subprocess("run", str(gps_set), "--until", "queue").returncode == 0
    assert comparable(proofdesk) == clean_run


@pytest.mark.parametrize(("action", "exit_code"), [("raise", 1), ("interrupt", 130)])
def test_in_process_failure_rolls_back_at_once(proofdesk: Proofdesk, gps_set: Path, action: str, exit_code: int) -> None:
    failed = proofdesk.subprocess("run", str(gps_set), "--until", "queue",
                                  env={"PROOFDESK_FAULT": f"stage4.after_insert:4:{action}"})
    assert failed.returncode == exit_code, failed.stderr
    assert "rolled back" in failed.stderr
    assert proofdesk.rows() == [] and proofdesk.incoming_files() == []
    sessions = json.loads(proofdesk("sessions", "--json").stdout)
    assert [s["status"] for s in sessions] == ["rolled_back"]


def test_rollback_command_rules(proofdesk: Proofdesk, gps_set: Path) -> None:
    nothing = proofdesk("rollback")
    assert nothing.exit_code == 2 and "no open session" in nothing.stderr
    assert proofdesk("run", str(gps_set), "--until", "incoming").exit_code == 0
    closed = json.loads(proofdesk("sessions", "--json").stdout)[0]["id"]
    refused = proofdesk("rollback", closed)
    assert refused.exit_code == 2 and "closed" in refused.stderr
    assert len(proofdesk.incoming_files()) == 9


def test_a_live_session_holds_the_queue_exit_5(proofdesk: Proofdesk, gps_set: Path) -> None:
    from proofdesk.adapters.process import this_host
    from proofdesk.adapters.storage.sql import SqlQueueStore
    from proofdesk.core.domain.models import Session
    from proofdesk.core.ports.storage import LockHolder

    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        store = SqlQueueStore(f"sqlite:///{proofdesk.workdir / 'queue.sqlite'}")
        now = datetime.now(UTC)
        with store.unit_of_work() as uow:
            uow.sessions.add(Session(id="20260101T000000Z-live", started_at=now, sets=["gps"], pid=sleeper.pid))
            uow.commit()
        assert store.lock.acquire(LockHolder("20260101T000000Z-live", sleeper.pid, this_host(), now)) is None
        store.close()
        blocked = proofdesk("run", str(gps_set), "--until", "queue")
        assert blocked.exit_code == 5
        assert "20260101T000000Z-live" in blocked.stderr and str(sleeper.pid) in blocked.stderr
        assert proofdesk("rollback").exit_code == 5  # still running: not ours to undo
    finally:
        sleeper.kill()
        sleeper.wait()
    resumed = proofdesk("run", str(gps_set), "--until", "queue")
    assert resumed.exit_code == 0 and "20260101T000000Z-live" in resumed.stderr
    assert len(proofdesk.rows()) == 9


def _mount_tmpfs(mount_point: Path, size: str) -> bool:
    if os.geteuid() != 0:
        return False
    mount_point.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)],
                          capture_output=True).returncode == 0


def _cannot(reason: str) -> None:
    """Skip on a newcomer's machine; under CI=true fail: CI must run the disk-full and read-only tests."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but this test cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


def test_disk_full_in_incoming_rolls_back_with_exit_4(proofdesk: Proofdesk, tmp_path: Path) -> None:
    tiny = tmp_path / "tiny"
    if not _mount_tmpfs(tiny, "256k"):
        _cannot("needs root and tmpfs to simulate a full disk")
    try:
        set_dir = tmp_path / "set"
        for seed in range(6):
            write_jpeg(set_dir / f"p{seed}.jpg", seed=seed, size=(1200, 900), quality=98)
        env = {"PROOFDESK_WORKDIR": str(tiny), "PROOFDESK_STORAGE__URL": f"sqlite:///{tmp_path / 'queue.sqlite'}"}
        result = proofdesk.subprocess("run", str(set_dir), "--until", "queue", env=env)
        assert result.returncode == 4, result.stderr
        assert "no space left" in result.stderr and "rolled back" in result.stderr
        assert [p for p in tiny.rglob("*") if p.is_file() and "runs" not in p.parts] == []
        assert json.loads(proofdesk("rows", "--json", env=env).stdout) == []
    finally:
        subprocess.run(["umount", str(tiny)], check=False)


def test_read_only_incoming_gives_a_clear_error(proofdesk: Proofdesk, tmp_path: Path) -> None:
    read_only = proofdesk.workdir / "incoming"  # only the incoming area is read-only
    if not _mount_tmpfs(read_only, "1m"):
        _cannot("needs root and tmpfs to mount a read-only incoming area")
    try:
        subprocess.run(["mount", "-o", "remount,ro", str(read_only)], check=True)
        set_dir = tmp_path / "set"
        write_jpeg(set_dir / "p.jpg", seed=1)
        result = proofdesk.subprocess("run", str(set_dir), "--until", "queue")
        assert result.returncode == 4, result.stderr
        assert "read-only file system" in result.stderr.lower() and "rolled back" in result.stderr
        assert proofdesk.rows() == []
    finally:
        subprocess.run(["umount", str(read_only)], check=False)

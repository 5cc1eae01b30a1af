"""The queue schema through the CLI (ADR 0012): `proofdesk db upgrade`, commands that migrate a
queue made before migrations by themselves, and eight `proofdesk run`s starting at once on a
fresh database (they used to race in create_all: `Table … already exists`, exit 4)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from proofdesk.adapters.storage.migrate import head_revision

from tests.integration.conftest import Proofdesk

PROJECT = Path(__file__).resolve().parents[2]
FIXTURE = PROJECT / "tests" / "fixtures" / "queue-created-by-create_all.sqlite"
VOLATILE = ("id", "session_id", "created_at", "updated_at")


def with_pre_migration_queue(desk: Proofdesk) -> Path:
    desk.workdir.mkdir()
    queue = desk.workdir / "queue.sqlite"
    shutil.copy(FIXTURE, queue)
    return queue


def test_db_upgrade_adopts_a_pre_migration_queue_and_prints_the_revisions(proofdesk: Proofdesk) -> None:
    queue = with_pre_migration_queue(proofdesk)
    with sqlite3.connect(queue) as connection:
        raw_before = connection.execute("SELECT * FROM review_queue ORDER BY id").fetchall()
    head = head_revision()

    result = proofdesk("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "revision before: none (tables from before migrations)" in result.stdout
    assert f"revision after:  {head} (head)" in result.stdout

    again = proofdesk("db", "upgrade", "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) | {"queue": None} == {
        "queue": None, "before": head, "after": head, "adopted": False, "changed": False}

    with sqlite3.connect(queue) as connection:
        after = connection.execute("SELECT * FROM review_queue ORDER BY id").fetchall()
        assert [row[: len(raw_before[0])] for row in after] == raw_before  # columns added later come last
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [(head,)]
    rows = proofdesk.rows()
    assert [(r["original_name"], r["status"]) for r in rows] == [
        ("DSCN0010.jpg", "approved"), ("DSCN0021.jpg", "rejected"), ("DSCN0029.jpg", "pending"),
        ("DSCN0042.jpg", "pending")]


def test_any_command_that_opens_the_queue_migrates_it(proofdesk: Proofdesk) -> None:
    queue = with_pre_migration_queue(proofdesk)
    counts = proofdesk.status()["status"]
    assert (counts["pending"], counts["approved"], counts["rejected"]) == (2, 1, 1)
    with sqlite3.connect(queue) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [(head_revision(),)]


def test_db_upgrade_on_a_memory_queue_is_bad_input(proofdesk: Proofdesk) -> None:
    result = proofdesk("db", "upgrade", env={"PROOFDESK_STORAGE__URL": "memory://"})
    assert result.exit_code == 2 and "no database schema" in result.stderr


# ---------------------------------------------------------------- eight runs at once


def write_config(desk: Proofdesk, storage_url: str) -> Path:
    config = desk.cwd / "proofdesk.toml"
    config.write_text(
        'workdir = ".proofdesk"\n\n'
        f"[storage]\nurl = {json.dumps(storage_url)}\n\n"
        '[captioner]\nbackend = "offline"\n\n'
        '[scoring]\nbrisque_engine = "fallback"\naesthetic_engine = "fallback"\n'
    )
    return config


def comparable_rows(desk: Proofdesk, config: Path) -> list[dict[str, Any]]:
    result = desk("--config", str(config), "rows", "--json")
    assert result.exit_code == 0, result.output
    text = result.stdout.replace(str(desk.cwd), "<desk>")  # incoming and work paths live in each desk
    rows = [{k: v for k, v in row.items() if k not in VOLATILE} for row in json.loads(text)]
    for row in rows:  # when a field was written differs between desks, who wrote it does not
        row["provenance"] = {name: {**item, "at": None} for name, item in row.get("provenance", {}).items()}
    return rows


@pytest.fixture(params=["mysql", "sqlite"])
def storage_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], str]:
    """A fresh, empty queue database per call (MariaDB `pdk_<random>`, dropped afterwards, or a
    SQLite file)."""
    if request.param == "mysql":
        make = request.getfixturevalue("new_mysql_database")
        return lambda name: make()
    return lambda name: f"sqlite:///{tmp_path / name / 'queue.sqlite'}"


@pytest.mark.slow
def test_eight_runs_start_at_once_on_a_fresh_database(tmp_path: Path, storage_urls: Callable[[str], str],
                                                     camera_set: Path) -> None:
    reference = Proofdesk(tmp_path / "reference")
    reference.cwd.mkdir()
    reference_config = write_config(reference, storage_urls("reference-db"))
    clean = reference("--config", str(reference_config), "run", str(camera_set), "--no-review")
    assert clean.exit_code == 0, clean.output
    expected = comparable_rows(reference, reference_config)
    assert len(expected) == 4

    desk = Proofdesk(tmp_path / "contested")
    desk.cwd.mkdir()
    config = write_config(desk, storage_urls("contested-db"))
    command = [sys.executable, "-m", "proofdesk.apps", "--config", str(config), "run", str(camera_set), "--no-review"]
    processes = [subprocess.Popen(command, cwd=desk.cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(8)]
    outcomes = []
    for process in processes:
        _, err = process.communicate(timeout=240)
        outcomes.append((process.returncode, err))
    codes = [code for code, _ in outcomes]
    assert all(code in (0, 3, 5) for code in codes), outcomes  # never 1 (a bug) or 4 (`already exists`)
    assert any(code in (0, 3) for code in codes), outcomes
    for code, err in outcomes:
        if code == 5:
            assert "holds the queue" in err, err

    assert comparable_rows(desk, config) == expected
    sessions = json.loads(desk("--config", str(config), "sessions", "--json").stdout)
    assert len(sessions) == sum(code in (0, 3) for code in codes)
    assert {s["status"] for s in sessions} == {"closed"}
    upgraded = desk("--config", str(config), "db", "upgrade", "--json")
    assert json.loads(upgraded.stdout)["before"] == head_revision()

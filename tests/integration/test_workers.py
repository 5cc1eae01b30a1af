"""Several workers on one MariaDB queue and one shared root, as separate processes with separate
workdirs and host names: every row captioned exactly once, a SIGKILLed worker's rows finished by
the others after its lease, no two near-duplicate captions accepted, and a crashed intake session
rolled back from another machine once its lock's lease expired."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from rapidfuzz import fuzz

from tests.support.distinct_photos import make_distinct_photos
from tests.support.ollama_server import ModelSpec, Reply, ScriptedOllama

ROWS = 60
ADJECTIVES = ["weathered", "gilded", "crumbling", "painted", "towering", "slender", "mossy", "carved", "sunlit", "narrow",
              "ancient", "curved"]
NOUNS = ["archway", "doorway", "belfry", "courtyard", "staircase", "balcony", "fountain", "loggia", "cloister", "portico"]
SETTINGS = ["beside a quiet lane", "above the rooftops", "near a busy market", "behind iron railings", "under old beams",
            "along the city wall"]


def distinct_answer(body: dict[str, Any]) -> str:
    """A different, accepted answer per photo (keyed by its image, stable across repeats)."""
    digest = hashlib.sha256(base64.b64decode(body["messages"][-1]["images"][0])).digest()
    number = int.from_bytes(digest[:4], "big")
    adjective, noun = ADJECTIVES[number % len(ADJECTIVES)], NOUNS[(number // 12) % len(NOUNS)]
    setting = SETTINGS[(number // 120) % len(SETTINGS)]
    tag = digest[4:7].hex()
    return json.dumps({
        "caption": f"A {adjective} {noun} {setting}, item {tag}.",
        "alt_text": f"{adjective.capitalize()} {noun} {tag}",
        "keywords": [adjective, noun, setting.split()[-1]],
        "filename": f"{adjective}-{noun}-{tag}.jpg",
    })


def image_of(body: dict[str, Any]) -> str:
    return hashlib.sha256(base64.b64decode(body["messages"][-1]["images"][0])).hexdigest()


class Cluster:
    """Machines (separate workdirs, host names) on one queue and one shared root."""

    def __init__(self, root: Path, url: str, server: ScriptedOllama, lease_s: float = 2.0) -> None:
        self.root, self.url, self.server, self.lease_s = root, url, server, lease_s
        self.shared = root / "shared"
        self.shared.mkdir(parents=True, exist_ok=True)

    def env(self, host: str, **extra: str) -> dict[str, str]:
        return {**os.environ, "PROOFDESK_STORAGE__URL": self.url, "PROOFDESK_STORAGE__SHARED_ROOT": str(self.shared),
                "PROOFDESK_WORKER__HOST": host, "PROOFDESK_WORKER__LEASE_S": str(self.lease_s),
                "PROOFDESK_WORKER__POLL_S": "0.2", "PROOFDESK_CAPTIONER__BACKEND": "ollama",
                "PROOFDESK_CAPTIONER__URL": self.server.url, "PROOFDESK_CAPTIONER__MODEL": "qwen2.5vl:7b",
                "PROOFDESK_CAPTIONER__RETRIES": "2", "PROOFDESK_SCORING__BRISQUE_ENGINE": "fallback",
                "PROOFDESK_SCORING__AESTHETIC_ENGINE": "fallback", **extra}

    def workdir(self, host: str) -> Path:
        folder = self.root / host
        folder.mkdir(exist_ok=True)
        return folder

    def run(self, host: str, *args: str, timeout: float = 240, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "proofdesk.apps", *args], cwd=self.workdir(host), env=self.env(host, **extra),
                              capture_output=True, text=True, timeout=timeout)

    def start(self, host: str, *args: str, **extra: str) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "proofdesk.apps", *args], cwd=self.workdir(host), env=self.env(host, **extra),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def rows(self) -> list[dict[str, Any]]:
        result = self.run("inspector", "rows", "--json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def status(self) -> dict[str, Any]:
        result = self.run("inspector", "status", "--json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)


def finish(process: subprocess.Popen[str], timeout: float = 240) -> dict[str, Any]:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-3000:]
    return json.loads(out)


@pytest.fixture
def photos(tmp_path: Path, gps_set: Path) -> Path:
    return make_distinct_photos(gps_set, tmp_path / "photos" / "2026-06-12_backlog", ROWS)


@pytest.fixture
def server() -> Any:
    with ScriptedOllama([ModelSpec("qwen2.5vl:7b")]) as running:
        running.script = lambda body, n: Reply(content=distinct_answer(body))
        yield running


def test_three_workers_caption_every_row_exactly_once_from_one_queue_and_shared_root(
    tmp_path: Path, photos: Path, server: ScriptedOllama, new_mysql_database: Any
) -> None:
    cluster = Cluster(tmp_path / "cluster", new_mysql_database(), server)
    intake = cluster.run("machine-a", "run", str(photos), "--until", "queue", "-q")
    assert intake.returncode == 0, intake.stderr
    workers = [cluster.start(f"machine-{name}", "worker", "--batch", "4", "--json") for name in "bcd"]
    reports = [finish(process) for process in workers]

    rows = cluster.rows()
    assert len(rows) == ROWS
    assert all(row["metadata_quality"] == "accepted" and row["status"] == "pending" for row in rows)
    assert all(row["incoming_path"].startswith("incoming/") and row["ollama_path"].startswith("work/") for row in rows)
    assert sum(report["by_stage"].get("caption", 0) for report in reports) == ROWS  # each row written by one worker
    assert all(report["lost"] == [] for report in reports)
    requests = Counter(image_of(body) for body in server.chat_requests())
    assert len(requests) == ROWS and set(requests.values()) == {1}  # every photo asked about exactly once
    assert sum(1 for report in reports if report["rows_done"]) >= 2  # the work was shared
    listed = cluster.status()["workers"]
    assert {w["host"] for w in listed} == {"machine-b", "machine-c", "machine-d"}
    assert all(w["status"] == "stopped" and w["leased_rows"] == 0 for w in listed)


def test_a_killed_workers_rows_are_finished_by_the_others_after_its_lease(
    tmp_path: Path, photos: Path, server: ScriptedOllama, new_mysql_database: Any
) -> None:
    cluster = Cluster(tmp_path / "cluster", new_mysql_database(), server)
    assert cluster.run("machine-a", "run", str(photos), "--until", "queue", "-q").returncode == 0
    prepared = cluster.run("machine-a", "worker", "--stages", "score,scene", "--json")
    assert prepared.returncode == 0, prepared.stderr
    server.script = lambda body, n: Reply(content=distinct_answer(body), delay_s=1.5)
    doomed = cluster.start("machine-b", "worker", "--stages", "caption", "--batch", "6", "--json")
    deadline = time.monotonic() + 60
    while not server.chat_requests() and time.monotonic() < deadline:
        time.sleep(0.05)
    held = [w for w in cluster.status()["workers"] if w["host"] == "machine-b"]
    assert held and held[0]["leased_rows"] == 6
    os.kill(doomed.pid, signal.SIGKILL)  # mid-batch: its claim is held, nothing of it written
    doomed.wait(timeout=10)
    server.script = lambda body, n: Reply(content=distinct_answer(body))
    survivors = [cluster.start(f"machine-{name}", "worker", "--stages", "caption", "--batch", "4", "--json") for name in "cd"]
    reports = [finish(process) for process in survivors]

    rows = cluster.rows()
    assert all(row["metadata_quality"] == "accepted" for row in rows) and len(rows) == ROWS
    assert sum(report["by_stage"].get("caption", 0) for report in reports) == ROWS  # nothing lost, nothing doubled
    assert all(report["lost"] == [] for report in reports)
    lost = [w for w in cluster.status()["workers"] if w["host"] == "machine-b"]
    assert lost[0]["status"] == "lost" and lost[0]["leased_rows"] == 0


def test_two_workers_never_accept_near_duplicate_captions(
    tmp_path: Path, gps_set: Path, server: ScriptedOllama, new_mysql_database: Any
) -> None:
    photos = make_distinct_photos(gps_set, tmp_path / "photos" / "2026-06-12_same", 16)
    cluster = Cluster(tmp_path / "cluster", new_mysql_database(), server)
    assert cluster.run("machine-a", "run", str(photos), "--until", "queue", "-q").returncode == 0
    assert cluster.run("machine-a", "worker", "--stages", "score,scene").returncode == 0

    def same_story(body: dict[str, Any], n: int) -> Reply:
        tag = image_of(body)[:6]  # the file names differ; the captions are near-identical
        return Reply(content=json.dumps({"caption": "A weathered stone archway beside a quiet lane in soft light.",
                                         "alt_text": f"Stone archway {tag}", "keywords": ["archway", "stone", "lane"],
                                         "filename": f"archway-{tag}.jpg"}), delay_s=0.2)

    server.script = same_story
    workers = [cluster.start(f"machine-{name}", "worker", "--stages", "caption", "--batch", "2", "--json",
                             PROOFDESK_CAPTIONER__MAX_REPAIRS="0") for name in "bc"]
    reports = [finish(process) for process in workers]
    assert all(report["rows_done"] for report in reports)  # both worked at once
    rows = cluster.rows()
    accepted = [row["caption"] for row in rows if row["metadata_quality"] == "accepted"]
    assert len(accepted) == 1
    blocked = [row for row in rows if row["metadata_quality"] == "blocked"]
    assert len(blocked) == 15 and all(any(r["rule"] == "duplicate.caption" for r in row["proof_reasons"]) for row in blocked)
    assert not [(a, b) for i, a in enumerate(accepted) for b in accepted[i + 1:] if fuzz.ratio(a, b) >= 95]


def test_a_crashed_intake_is_rolled_back_from_another_machine_once_its_lease_expired(
    tmp_path: Path, photos: Path, server: ScriptedOllama, new_mysql_database: Any
) -> None:
    # The lease is long enough that the first rollback (a new process: 1-4 s to start on a loaded
    # 2-core machine) always runs inside it; the second one runs once it has surely ended.
    lease_s = 10.0
    cluster = Cluster(tmp_path / "cluster", new_mysql_database(), server, lease_s=lease_s)
    crashed = cluster.run("machine-a", "run", str(photos), "--until", "queue", "-q", PROOFDESK_FAULT="stage2.after_copy:5")
    died_by = time.monotonic()  # the lease was last renewed before this
    assert crashed.returncode == -signal.SIGKILL
    assert list((cluster.shared / "incoming").rglob("*.jpg"))  # it copied files before it died

    early = cluster.run("machine-b", "rollback")
    assert early.returncode == 5, early.stdout + early.stderr  # its lease still runs: it may be alive
    assert "machine-a" in early.stderr
    time.sleep(max(0.0, died_by + lease_s + 0.5 - time.monotonic()))
    late = cluster.run("machine-b", "rollback")
    assert late.returncode == 0, late.stdout + late.stderr
    assert cluster.rows() == []
    assert not list((cluster.shared / "incoming").rglob("*.jpg"))  # its copies are gone from the shared root
    again = cluster.run("machine-b", "run", str(photos), "--until", "queue", "-q")
    assert again.returncode == 0, again.stderr
    assert len(cluster.rows()) == ROWS


@pytest.mark.parametrize("backend", ["sqlite", "mysql"])
def test_exact_accepted_file_names_are_unique_by_a_database_constraint(tmp_path: Path, backend: str, new_mysql_database: Any) -> None:
    from proofdesk.adapters.storage.sql import SqlQueueStore
    from proofdesk.core.domain.models import ProofVerdict, Row, RowStatus
    from proofdesk.core.ports.storage import StorageError

    store = SqlQueueStore(f"sqlite:///{tmp_path / 'queue.sqlite'}" if backend == "sqlite" else new_mysql_database())
    try:
        first, second, third = (Row(set_name="s", original_name=f"{n}.jpg", sha256=f"{n:064x}", status=RowStatus.PENDING,
                                    file_name="harbour-at-dawn.jpg") for n in (1, 2, 3))
        with store.unit_of_work() as uow:
            uow.rows.add_many([first, second, third])  # the same name, none accepted yet: allowed
            uow.rows.update(first.changed(metadata_quality=ProofVerdict.ACCEPTED))
            uow.rows.update(third.changed(metadata_quality=ProofVerdict.ACCEPTED, status=RowStatus.REJECTED))
            uow.commit()
        with pytest.raises(StorageError), store.unit_of_work() as uow:
            uow.rows.update(second.changed(metadata_quality=ProofVerdict.ACCEPTED))
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.rows.get("s", "2.jpg").metadata_quality is None  # type: ignore[union-attr]
    finally:
        store.close()

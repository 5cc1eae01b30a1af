"""Two sessions on one queue at once: the second refuses with a clear message (exit 5) naming
the session that holds the queue; rows never interleave."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.integration.conftest import Proofdesk
from tests.integration.test_captioning import answer_for
from tests.support.ollama_server import ModelSpec, Reply, ScriptedOllama


def test_second_run_refuses_while_the_first_holds_the_queue(proofdesk: Proofdesk, gps_set: Path) -> None:
    with ScriptedOllama([ModelSpec("qwen2.5vl:7b")]) as server:
        server.script = lambda body, n: Reply(content=answer_for(body), delay_s=0.4)
        env = {**os.environ, "PROOFDESK_CAPTIONER__URL": server.url, "PROOFDESK_SCORING__BRISQUE_ENGINE": "fallback"}
        first = subprocess.Popen([sys.executable, "-m", "proofdesk.apps", "run", str(gps_set), "--no-review"],
                                 cwd=proofdesk.cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 30
            while not server.chat_requests() and time.monotonic() < deadline:
                time.sleep(0.05)  # the first session is now inside stage 7
            assert server.chat_requests(), "the first session never reached stage 7"
            second = subprocess.run([sys.executable, "-m", "proofdesk.apps", "run", str(gps_set), "--no-review"],
                                    cwd=proofdesk.cwd, env=env, capture_output=True, text=True, timeout=60)
            assert second.returncode == 5, second.stderr
            assert "holds the queue" in second.stderr and f"pid {first.pid}" in second.stderr
        finally:
            out, err = first.communicate(timeout=120)
        assert first.returncode == 0, err
    rows = proofdesk.rows()
    assert len(rows) == 9 and len({r["session_id"] for r in rows}) == 1
    sessions = json.loads(proofdesk("sessions", "--json").stdout)
    assert [s["status"] for s in sessions] == ["closed"]  # the refused run opened nothing


def test_two_publishers_at_once_never_double_publish(proofdesk: Proofdesk, gps_set: Path, tmp_path: Path) -> None:
    import sqlite3

    from tests.support.ftp_server import FtpServer

    offline = {"PROOFDESK_CAPTIONER__BACKEND": "offline", "PROOFDESK_SCORING__BRISQUE_ENGINE": "fallback",
               "PROOFDESK_SCORING__AESTHETIC_ENGINE": "fallback"}
    assert proofdesk("run", str(gps_set), "--no-review", env=offline).exit_code == 0
    assert proofdesk("approve", "--all-accepted").exit_code == 0
    with FtpServer(tmp_path / "ftp-root") as ftp:
        ftp.on_file_received = lambda path: time.sleep(0.3)  # a slow server keeps the first publisher busy
        env = {**os.environ, **offline, **ftp.env()}
        command = [sys.executable, "-m", "proofdesk.apps", "publish", "--yes"]
        first = subprocess.Popen(command, cwd=proofdesk.cwd, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 30
            while not ftp.files() and time.monotonic() < deadline:
                time.sleep(0.05)
            second = subprocess.run(command, cwd=proofdesk.cwd, env=env, capture_output=True, text=True, timeout=60)
            assert second.returncode == 5, second.stderr
            assert "holds the queue" in second.stderr
            blocked_run = subprocess.run([sys.executable, "-m", "proofdesk.apps", "run", str(gps_set), "--no-review"],
                                         cwd=proofdesk.cwd, env=env, capture_output=True, text=True, timeout=60)
            assert blocked_run.returncode == 5, blocked_run.stderr
        finally:
            out, err = first.communicate(timeout=120)
        assert first.returncode == 0, err
        uploaded = ftp.files()
    rows = proofdesk.rows()
    assert all(row["status"] == "published" for row in rows)
    with sqlite3.connect(proofdesk.workdir / "gallery.sqlite") as gallery:
        names = [r[0] for r in gallery.execute("SELECT File_Name FROM gallery")]
    assert sorted(names) == sorted(row["file_name"] for row in rows)  # each row once
    assert len([f for f in uploaded if "thumbs" not in f]) == 9

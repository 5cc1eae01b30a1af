"""`proofdesk review` in a real terminal (tmux): fix a blocked row until its proof passes, approve
it, reject another, regenerate a third, add a word to the project dictionary — then check the
database shows exactly that."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import Proofdesk

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None and os.environ.get("CI", "").lower() not in ("1", "true", "yes"),
    reason="tmux is not installed (CI installs it and runs this test)",
)


class Tmux:
    def __init__(self, name: str, command: str, cwd: Path, env: dict[str, str]) -> None:
        if shutil.which("tmux") is None:
            pytest.fail("tmux is required for the review desk end-to-end test (CI installs it)", pytrace=False)
        self.name = name
        exports = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", name, "-x", "170", "-y", "48",
             f"cd {shlex.quote(str(cwd))} && env TERM=xterm-256color {exports} {command}; echo EXITED; sleep 30"],
            check=True,
        )

    def capture(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True).stdout

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.capture()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} did not appear on the screen:\n{self.capture()}")

    def keys(self, *keys: str, literal: bool = False) -> None:
        args = ["tmux", "send-keys", "-t", self.name]
        if literal:
            args.append("-l")
        subprocess.run([*args, *keys], check=True)
        time.sleep(0.15)

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def test_operator_session_in_tmux(proofdesk: Proofdesk, gps_set: Path, samples: Path, tmp_path: Path) -> None:
    misc = tmp_path / "misc"
    misc.mkdir()
    shutil.copy(samples / "jpg" / "invalid" / "image01551.jpg", misc / "image01551.jpg")
    env = {"PROOFDESK_CAPTIONER__BACKEND": "offline"}
    prepared = proofdesk("run", str(gps_set), str(misc), "--no-review", env=env)
    assert prepared.exit_code == 3, prepared.output  # the misc row is blocked
    before = {row["original_name"]: row for row in proofdesk.rows()}
    assert before["image01551.jpg"]["metadata_quality"] == "blocked"

    command = f"{shlex.quote(sys.executable)} -m proofdesk.apps review"
    tmux = Tmux(f"proofdesk-{os.getpid()}", command, proofdesk.cwd, {**env, "PYTHONPATH": os.environ.get("PYTHONPATH", "")})
    try:
        tmux.wait_for("QC summary")
        tmux.keys("Enter")
        tmux.wait_for("filter: all (10 rows)")
        # 1. fix the blocked row: filter to blocked rows, edit its keywords until the proof passes
        tmux.keys("f")
        tmux.wait_for("filter: blocked (1 rows)")
        tmux.keys("Tab", "Down", "Down")  # caption → alt text → keywords
        tmux.keys("End")
        subprocess.run(["tmux", "send-keys", "-t", tmux.name, "-N", "40", "BSpace"], check=True)
        tmux.keys("frame, landscape, pixels", literal=True)
        tmux.wait_for("Proof (live, unsaved): ACCEPTED")
        tmux.keys("F2")
        tmux.wait_for("saved misc/image01551.jpg: accepted")
        tmux.keys("Tab", "a")
        tmux.wait_for("approve misc/image01551.jpg: now approved")
        # 2. reject another: the first pending row
        tmux.keys("f")
        tmux.wait_for("filter: pending (9 rows)")
        tmux.keys("r")
        tmux.wait_for("reject gps/DSCN0010.jpg: now rejected")
        # 3. regenerate a third (now the first pending row)
        tmux.keys("g")
        tmux.wait_for("generated gps/DSCN0012.jpg")
        # 4. add the first flagged word of this row to the project dictionary
        screen = tmux.wait_for("Spelling?")
        tmux.keys("d")
        tmux.wait_for("to the project dictionary")
        tmux.keys("q")
        tmux.wait_for("EXITED")
    finally:
        tmux.close()

    after = {row["original_name"]: row for row in proofdesk.rows()}
    fixed = after["image01551.jpg"]
    assert fixed["status"] == "approved" and fixed["metadata_quality"] == "accepted"
    assert fixed["keywords"] == ["frame", "landscape", "pixels"] and fixed["edited_fields"] == ["keywords"]
    assert after["DSCN0010.jpg"]["status"] == "rejected"
    regenerated = after["DSCN0012.jpg"]
    assert regenerated["status"] == "pending" and len(regenerated["suggestion_history"]) == 1
    assert regenerated["suggestion_history"][0]["caption"] == before["DSCN0012.jpg"]["caption"]
    words = (proofdesk.workdir / "dictionary.txt").read_text().split()
    assert len(words) == 1 and words[0] in screen
    untouched = set(after) - {"image01551.jpg", "DSCN0010.jpg", "DSCN0012.jpg"}
    for name in untouched:
        for field in ("status", "caption", "alt_text", "keywords", "file_name", "metadata_quality"):
            assert after[name][field] == before[name][field], (name, field)
    assert json.loads(proofdesk("status", "--json").stdout)["status"] == {
        "ingested": 0, "pending": 8, "approved": 1, "rejected": 1, "published": 0}

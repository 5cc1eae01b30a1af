"""Commands run in one process (a library user's loop, the tests' in-process CLI) leave nothing
open behind them: each command's container closes the queue's and the gallery's connection pools."""

from __future__ import annotations

import os
from pathlib import Path

from tests.integration.conftest import Proofdesk

OFFLINE = {"PROOFDESK_CAPTIONER__BACKEND": "offline"}


def _open_files_under(folder: Path) -> list[str]:
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(folder)):
            found.append(target)
    return found


def test_in_process_commands_leave_no_queue_or_gallery_file_open(proofdesk: Proofdesk, gps_set: Path) -> None:
    assert proofdesk("run", str(gps_set), "--no-review", env=OFFLINE).exit_code in (0, 3)
    assert proofdesk("approve", "--all-accepted", env=OFFLINE).exit_code == 0
    assert proofdesk("publish", "--yes", env=OFFLINE).exit_code == 0
    for _ in range(5):
        assert proofdesk("status", env=OFFLINE).exit_code == 0
        assert proofdesk("rows", "--json", env=OFFLINE).exit_code == 0
    assert (proofdesk.workdir / "queue.sqlite").exists() and (proofdesk.workdir / "gallery.sqlite").exists()
    assert _open_files_under(proofdesk.workdir) == []

"""Is the process that holds the queue lock still alive? (POSIX, same host only.)"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from proofdesk.core.ports.storage import LockHolder


def this_host() -> str:
    return socket.gethostname()


def pid_is_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    stat = Path(f"/proc/{pid}/stat")
    try:
        # "pid (comm) S ..." — a zombie (Z) or dead (X) process no longer runs anything
        state = stat.read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def holder_is_alive(holder: LockHolder, host: str | None = None) -> bool:
    """On this host: is its process alive. On another host (its pid cannot be checked from here):
    alive while its lease runs; a holder without a lease counts as alive."""
    if holder.host != (host or this_host()):
        return holder.expires_at is None or holder.expires_at > datetime.now(UTC)
    return pid_is_alive(holder.pid)


def liveness_check(host: str) -> Callable[[LockHolder], bool]:
    """`holder_is_alive` for this machine as it calls itself (`worker.host`)."""

    def is_alive(holder: LockHolder) -> bool:
        return holder_is_alive(holder, host)

    return is_alive

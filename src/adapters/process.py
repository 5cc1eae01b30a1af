"""Is the process that holds the queue lock still alive? (POSIX, same host only.)"""

from __future__ import annotations

import os
import socket
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


def holder_is_alive(holder: LockHolder) -> bool:
    """A holder on another host cannot be checked from here and counts as alive."""
    if holder.host != this_host():
        return True
    return pid_is_alive(holder.pid)

"""Named crash points for fault-injection tests, like the failpoints of storage engines.

Inert unless `PROOFDESK_FAULT` is set: `PROOFDESK_FAULT=stage2.after_copy:3` kills the process
(SIGKILL, no cleanup, like a power loss) the 3rd time that point is reached. An action may follow:
`:kill` (default), `:raise` (raises FaultInjected, a blocking error the session rolls back),
`:interrupt` (raises KeyboardInterrupt, as Ctrl-C does). Several specs are separated by commas.
Every point is listed in POINTS; naming an unknown point is an error, so tests cannot drift.
"""

from __future__ import annotations

import os
import signal
import threading

POINTS: dict[str, str] = {
    "stage2.before_copy": "journal entry committed, copy into incoming not started",
    "stage2.after_copy": "a file was copied into incoming",
    "stage3.after_read": "EXIF of a file was read",
    "stage4.after_insert": "a new queue row was committed",
    "stage4.after_update": "a refreshed queue row was committed",
    "stage5.after_score": "a row's scores were committed",
    "stage6.after_resize": "a model-ready image was written",
    "stage7.after_caption": "a row's caption and proof were committed",
    "session.before_close": "every stage finished, the session is not closed yet",
    "rollback.after_files": "rollback removed the session's files, rows not restored yet",
    "publish.after_upload": "a row's files were uploaded, the gallery not updated yet",
    "publish.after_upsert": "the gallery row was written, the local mirror not updated yet",
    "publish.after_takedown": "a renamed row's old files were taken down, the local mirror not updated yet",
    "unpublish.after_files": "a row's published files were removed, its gallery row not yet",
    "unpublish.after_gallery": "a row's gallery row was removed, the local mirror not updated yet",
}
ENV = "PROOFDESK_FAULT"
ACTIONS = ("kill", "raise", "interrupt")


class FaultInjected(RuntimeError):
    """Raised at a failpoint whose action is `raise`."""


_hits: dict[str, int] = {}
_mutex = threading.Lock()


def _parse(spec: str) -> list[tuple[str, int, str]]:
    parsed = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        parts = item.split(":")
        name = parts[0]
        if name not in POINTS:
            raise ValueError(f"{ENV}: unknown failpoint {name!r}; known: {', '.join(sorted(POINTS))}")
        count = int(parts[1]) if len(parts) > 1 and parts[1] else 1
        action = parts[2] if len(parts) > 2 else "kill"
        if action not in ACTIONS:
            raise ValueError(f"{ENV}: unknown action {action!r} for {name}; use {', '.join(ACTIONS)}")
        parsed.append((name, count, action))
    return parsed


def failpoint(name: str) -> None:
    """Mark a named point; does nothing unless PROOFDESK_FAULT names it."""
    if name not in POINTS:
        raise ValueError(f"unknown failpoint {name!r}")
    spec = os.environ.get(ENV)
    if not spec:
        return
    for point, count, action in _parse(spec):
        if point != name:
            continue
        with _mutex:
            _hits[name] = _hits.get(name, 0) + 1
            reached = _hits[name] == count
        if not reached:
            continue
        if action == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if action == "interrupt":
            raise KeyboardInterrupt(f"failpoint {name}")
        raise FaultInjected(f"failpoint {name} (hit {count})")


def reset() -> None:
    """Forget hit counts (tests running several pipelines in one process)."""
    with _mutex:
        _hits.clear()

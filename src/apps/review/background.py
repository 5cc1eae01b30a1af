"""Slow work of the review desk (Generate, publish, unpublish, decoding a picture) off the screen.

A background is a callable `(work, done)`: it runs `work()` and hands its result, or the exception
it raised, to `done` on the main loop. `run_inline` does both at once (tests, scripted desks);
`ThreadedBackground` runs the work in a thread and hands the result back through a pipe
(`MainLoop.watch_pipe`), so no widget is ever touched from the worker.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import urwid

Background = Callable[[Callable[[], Any], Callable[[Any], None]], None]


def outcome(work: Callable[[], Any]) -> Any:
    """What `work()` returns, or the exception it raised (the desk reports either on screen)."""
    try:
        return work()
    except Exception as exc:  # noqa: BLE001 - reported on screen
        return exc


def run_inline(work: Callable[[], Any], done: Callable[[Any], None]) -> None:
    """Run `work` now and hand its result (or its exception) to `done`."""
    done(outcome(work))


class ThreadedBackground:
    """Runs work in a thread and hands the result to the main loop through a pipe."""

    def __init__(self, loop: urwid.MainLoop) -> None:
        self.loop = loop
        self._results: list[tuple[Callable[[Any], None], Any]] = []
        self._lock = threading.Lock()
        self._fd = loop.watch_pipe(self._deliver)

    def __call__(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        def run() -> None:
            result = outcome(work)
            with self._lock:
                self._results.append((done, result))
            os.write(self._fd, b"x")

        threading.Thread(target=run, daemon=True, name="review-worker").start()

    def _deliver(self, _data: bytes) -> bool:
        with self._lock:
            ready, self._results = self._results, []
        for done, result in ready:
            done(result)
        return True

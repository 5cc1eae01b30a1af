"""Benchmark the review desk: move through a 1,000-row queue, one key at a time, with the picture on.

    .venv/bin/python benchmarks/bench_review_desk.py [--rows 1000] [--keys 300] [--size 160x48]

Builds a SQLite queue of ROWS proven rows whose model-ready images are real JPEG files (24
distinct 1200×800 photos-to-be), opens the desk, and times KEYS presses of `down` (then `up`): the
key itself, delivering finished background decodes to the pane (what the main loop does) and a
full render of the screen. Decodes run in a worker thread, as in the desk. Prints mean, p95 and max
milliseconds per key with the picture on and off; the goal is under 50 ms per key.
"""

from __future__ import annotations

import argparse
import queue
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:
    import proofdesk  # noqa: F401
except ImportError:  # not installed: run from a checkout
    import types

    package = types.ModuleType("proofdesk")
    package.__path__ = [str(Path(__file__).resolve().parents[1] / "src")]  # type: ignore[attr-defined]
    sys.modules["proofdesk"] = package

from PIL import Image
from proofdesk.adapters.memory import FakeSpellchecker
from proofdesk.adapters.storage.sql import SqlQueueStore
from proofdesk.apps.review.desk import DeskWidget, ReviewDesk
from proofdesk.core.domain import queue as row_queue
from proofdesk.core.domain.models import ProofReason, ProofVerdict, Row
from proofdesk.core.services.review import ReviewService

WORDS = {"the", "old", "stone", "bridge", "over", "river", "in", "afternoon", "light", "frame", "of", "arezzo"}


class Worker:
    """The desk's background: work in a thread, results handed back on the main thread."""

    def __init__(self) -> None:
        self.done: queue.SimpleQueue[tuple[Callable[[Any], None], Any]] = queue.SimpleQueue()

    def __call__(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        def run() -> None:
            try:
                result = work()
            except Exception as exc:  # noqa: BLE001 - handed to the pane like the desk does
                result = exc
            self.done.put((done, result))

        threading.Thread(target=run, daemon=True).start()

    def deliver(self) -> int:
        count = 0
        while not self.done.empty():
            done, result = self.done.get()
            done(result)
            count += 1
        return count


def build(rows: int, folder: Path) -> ReviewService:
    images = []
    for i in range(24):
        path = folder / f"photo{i:02d}.jpg"
        Image.new("RGB", (1200, 800), ((i * 37) % 256, (i * 91) % 256, (i * 53) % 256)).save(path, quality=85)
        images.append(path)
    store = SqlQueueStore(f"sqlite:///{folder / 'queue.sqlite'}")
    with store.unit_of_work() as uow:
        for i in range(rows):
            row = Row(set_name="bench", original_name=f"DSC{i:05d}.jpg", sha256=f"{i:064x}",
                      ollama_path=str(images[i % len(images)]),
                      caption=f"The old stone bridge over the river in afternoon light, frame {i} of Arezzo.",
                      alt_text="Old stone bridge over the river", keywords=["bridge", "river", "arezzo"],
                      file_name=f"old-stone-bridge-{i}.jpg", stages_done=["exif", "caption"])
            # a stored verdict (one row in ten blocked), as the caption stage leaves it
            blocked = i % 10 == 0
            row = row_queue.mark_prefilled(row).changed(
                metadata_quality=ProofVerdict.BLOCKED if blocked else ProofVerdict.ACCEPTED,
                proof_reasons=[ProofReason(rule="caption.length", field="caption", message="too long")] if blocked else [])
            uow.rows.add(row)
        uow.commit()
    return ReviewService(store, spellchecker=FakeSpellchecker(WORDS))


def measure(service: ReviewService, keys: int, size: tuple[int, int], preview: bool) -> list[float]:
    worker = Worker()
    desk = ReviewDesk(service, background=worker, preview=preview)
    widget = DeskWidget(desk)
    widget.render(size, focus=True)
    timings = []
    for i in range(keys):
        key = "down" if i < keys // 2 else "up"
        started = time.perf_counter()
        widget.keypress(size, key)
        worker.deliver()
        widget.render(size, focus=True)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def report(label: str, timings: list[float]) -> float:
    p95 = statistics.quantiles(timings, n=20)[-1]
    print(f"{label:12} mean {statistics.mean(timings):6.2f} ms/key   p95 {p95:6.2f}   max {max(timings):6.2f}")
    return p95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--keys", type=int, default=300)
    parser.add_argument("--size", default="160x48")
    args = parser.parse_args()
    size = tuple(int(n) for n in args.size.split("x"))
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        service = build(args.rows, Path(folder))
        print(f"{args.rows} rows, {args.keys} keys, screen {args.size} (queue built in {time.perf_counter() - started:.1f} s)")
        worst = max(report("picture on", measure(service, args.keys, size, True)),  # type: ignore[arg-type]
                    report("picture off", measure(service, args.keys, size, False)))  # type: ignore[arg-type]
    print(f"goal: under 50 ms per key (p95) — {'met' if worst < 50 else 'MISSED'}")
    return 0 if worst < 50 else 1


if __name__ == "__main__":
    sys.exit(main())

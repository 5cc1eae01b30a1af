"""Benchmark `proofdesk run SET --until resize` as a person runs it (defaults: process start, model
loading, stages 1-6 with scoring, the culling measures and the scene signature) against a naive
sequential script doing stages 2-6 without scoring.

    .venv/bin/python benchmarks/bench_run_until_resize.py [--count 60] [--repeat 3] [--photos DIR]

The photos are camera-size JPEGs made the way `bench_stages_3_6.py` makes them (6000x4000, EXIF,
some rotated), kept in --photos when given so later runs reuse them. The naive script, in its own
process: per photo, copy it into an incoming folder, read its EXIF with the same reader, insert a
row into a SQLite table, full decode, `exif_transpose`, LANCZOS resize to 1024 px, JPEG encode
and write. Each approach runs --repeat times, alternating, each in a fresh work directory; prints
every run, the medians and their ratio (target: run <= 0.8 x naive).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

NAIVE = r'''
import io, shutil, sqlite3, sys
from pathlib import Path
from PIL import Image, ImageOps
from proofdesk.adapters.exif.pyexiv2_reader import Pyexiv2ExifReader

photos, work = Path(sys.argv[1]), Path(sys.argv[2])
incoming, model = work / "incoming", work / "model"
incoming.mkdir(parents=True); model.mkdir(parents=True)
db = sqlite3.connect(work / "queue.sqlite")
db.execute("CREATE TABLE rows (name TEXT PRIMARY KEY, captured_at TEXT, model_path TEXT)")
reader = Pyexiv2ExifReader()
for path in sorted(photos.glob("*.jpg")):
    copy = incoming / path.name
    shutil.copyfile(path, copy)                                   # stage 2
    facts = reader.read(str(copy))                                # stage 3
    db.execute("INSERT INTO rows VALUES (?, ?, NULL)", (path.name, str(facts.captured_at)))  # stage 4
    db.commit()
    with Image.open(copy) as opened:                              # stage 6 (no stage 5)
        opened.load()
        image = ImageOps.exif_transpose(opened).convert("RGB")
    scale = 1024 / max(image.size)
    image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    (model / path.name).write_bytes(buffer.getvalue())
    db.execute("UPDATE rows SET model_path = ? WHERE name = ?", (str(model / path.name), path.name))
    db.commit()
'''


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--photos", type=Path, default=None, help="where the photos are kept (made when missing)")
    args = parser.parse_args()
    from bench_stages_3_6 import make_photos

    with tempfile.TemporaryDirectory(prefix="proofdesk-bench-run-") as tmp:
        photos = args.photos or Path(tmp) / "photos"
        photos = photos / f"2026-06-12_bench{args.count}"
        if len(list(photos.glob("*.jpg"))) != args.count:
            make_photos(photos, args.count, (6000, 4000))
        env = {**os.environ}
        runs: dict[str, list[float]] = {"naive": [], "run": []}
        for attempt in range(args.repeat):
            for approach in ("naive", "run"):
                work = Path(tmp) / f"{approach}-{attempt}"
                work.mkdir()
                if approach == "naive":
                    command = [sys.executable, "-c", NAIVE, str(photos), str(work)]
                else:
                    command = [sys.executable, "-m", "proofdesk.apps", "run", str(photos), "--until", "resize", "-q"]
                seconds = timed(command, work, env)
                runs[approach].append(seconds)
                print(f"{approach:>5} run {attempt + 1}: {seconds:6.2f} s", flush=True)
    naive, run = statistics.median(runs["naive"]), statistics.median(runs["run"])
    print(f"{args.count} camera-size JPEGs, median of {args.repeat}: naive stages 2-6 without scoring {naive:.2f} s, "
          f"`run --until resize` {run:.2f} s: {run / naive:.2f} x naive (target <= 0.8)")


if __name__ == "__main__":
    main()

"""Stage 7 concurrency: 40 rows against a scripted Ollama server that takes 0.5 s per answer,
with `captioner.parallel` = 1 and = 4. Prints wall time, rows/s and the speed-up.

    .venv/bin/python benchmarks/bench_caption_parallel.py [--rows 40] [--delay 0.5]

Expected: parallel=4 takes about rows × delay / 4 (≈ 5 s), parallel=1 about rows × delay (≈ 20 s).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from click.testing import CliRunner  # noqa: E402
from proofdesk.apps.cli import main  # noqa: E402
from tests.support.corpus import write_jpeg  # noqa: E402
from tests.support.ollama_server import ModelSpec, Reply, ScriptedOllama  # noqa: E402

SUBJECTS = ["harbour", "lighthouse", "trawler", "dinghy", "quay", "gull", "netting", "rope", "crate", "sail",
            "mast", "buoy", "anchor", "pier", "dune", "cliff", "wave", "rock", "shell", "kite", "heron", "slipway", "jetty"]
PLACES = ["breakwater", "boathouse", "chapel", "cottage", "seawall", "marsh", "cove", "headland", "lagoon",
          "estuary", "beach", "harbour mouth", "fish market", "ferry ramp", "tide pool", "sandbar", "pontoon",
          "lifeboat station", "old fort"]
EXTRAS = ["a red bicycle", "two walkers", "a sleeping dog", "stacked lobster pots", "a painted bench",
          "washing on a line", "a rusty winch", "a chalkboard sign", "a row of kayaks", "an old cannon",
          "a wooden cart", "a stone cross", "a tall flagpole", "a blue door", "a coil of chain", "a bird hide",
          "a tractor"]


def answer(n: int) -> str:
    a, b, c = SUBJECTS[n % 23], PLACES[n % 19], EXTRAS[n % 17]
    return json.dumps({
        "caption": f"A {a} beside the {b} with {c} in view.",
        "alt_text": f"{a.capitalize()} beside the {b} and {c}",
        "keywords": [a, *b.split(), *c.split()[-1:]],
        "filename": f"{a}-{b.replace(' ', '-')}-{n}.jpg",
    })


def run(rows: int, delay: float, parallel: int, set_dir: Path) -> float:
    with ScriptedOllama([ModelSpec("qwen2.5vl:7b")]) as server:
        counter = iter(range(10**9))
        server.script = lambda body, n: Reply(content=answer(next(counter)), delay_s=delay)
        with tempfile.TemporaryDirectory() as work:
            env = {
                "PROOFDESK_WORKDIR": work,
                "PROOFDESK_CAPTIONER__URL": server.url,
                "PROOFDESK_CAPTIONER__PARALLEL": str(parallel),
                "PROOFDESK_SCORING__BRISQUE_ENGINE": "fallback",
            }
            runner = CliRunner()
            prepared = runner.invoke(main, ["run", str(set_dir), "--until", "resize", "-q"], env=env)
            assert prepared.exit_code == 0, prepared.output
            started = time.perf_counter()
            result = runner.invoke(main, ["run", str(set_dir), "--no-review", "-q"], env=env)
            elapsed = time.perf_counter() - started
            assert result.exit_code == 0, result.output
            assert len(server.chat_requests()) == rows, len(server.chat_requests())
    return elapsed


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=40)
    parser.add_argument("--delay", type=float, default=0.5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        set_dir = Path(tmp) / "coast_walk"
        for i in range(args.rows):
            write_jpeg(set_dir / f"img_{i:03d}.jpg", seed=i, size=(160, 120))
        print(f"stage 7 with {args.rows} rows, server delay {args.delay:.2f} s per answer, {os.cpu_count()} cores")
        timings = {}
        for parallel in (1, 4):
            elapsed = run(args.rows, args.delay, parallel, set_dir)
            timings[parallel] = elapsed
            print(f"parallel={parallel}: {elapsed:6.2f} s  ({args.rows / elapsed:5.2f} rows/s; "
                  f"ideal {args.rows * args.delay / parallel:5.2f} s)")
        print(f"speed-up parallel=4 vs 1: {timings[1] / timings[4]:.2f}x")


if __name__ == "__main__":
    main_()

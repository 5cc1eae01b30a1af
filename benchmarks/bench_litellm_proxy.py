"""Stage 7 through a LiteLLM proxy (docs/scale-out.md): 40 rows with `captioner.parallel` = 4 and 8,
against scripted Ollama servers that each answer ONE request at a time (0.5 s per answer, as a
GPU-bound Ollama with OLLAMA_NUM_PARALLEL=1 does). Three set-ups: one server asked directly (the
OpenAI-compatible backend on its /v1), one server behind the proxy, two servers behind the proxy
(`least-busy`). Prints wall time, rows/s, how the requests were split and the two-vs-one ratio.

    .venv/bin/python benchmarks/bench_litellm_proxy.py [--rows 40] [--delay 0.5] [--parallel 4 8]

LiteLLM comes from its own virtual environment (`.venv-litellm`, made by `.ci/run`, or by this
script when missing; PROOFDESK_TEST_LITELLM names another `litellm` program).
Expected: one server ≈ rows × delay (≈ 20 s, 2 rows/s), two servers about half that (target ≥ 1.8x);
with parallel = 4 (two rows queued per server) a server sometimes waits for work, with 8 it does not.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_caption_parallel import answer  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from proofdesk.apps.cli import main  # noqa: E402
from tests.support.corpus import write_jpeg  # noqa: E402
from tests.support.litellm_proxy import LiteLLMProxy, litellm_program  # noqa: E402
from tests.support.ollama_server import ModelSpec, Reply, ScriptedOllama  # noqa: E402

MODEL = "qwen2.5vl:7b"


def run(set_dir: Path, rows: int, delay: float, parallel: int, servers: int, program: Path | None) -> tuple[float, list[int]]:
    """Seconds for the caption run (stages 1-6 done before the clock starts) and the requests each
    server answered. `program` None: the one server is asked directly, without the proxy."""
    counter, lock = itertools.count(), threading.Lock()

    def script(body: object, n: int) -> Reply:
        with lock:
            index = next(counter)
        return Reply(content=answer(index), delay_s=delay)

    with ExitStack() as stack:
        models = [stack.enter_context(ScriptedOllama([ModelSpec(MODEL)], one_at_a_time=True)) for _ in range(servers)]
        for server in models:
            server.script = script
        if program is None:
            url, key = models[0].url, ""
        else:
            proxy = stack.enter_context(LiteLLMProxy(program, MODEL, [server.url for server in models]))
            url, key = proxy.url, proxy.master_key
        with tempfile.TemporaryDirectory() as work:
            env = {
                "PROOFDESK_WORKDIR": work,
                "PROOFDESK_CAPTIONER__BACKEND": "openai",
                "PROOFDESK_CAPTIONER__URL": url,
                "PROOFDESK_CAPTIONER__MODEL": MODEL,
                "PROOFDESK_CAPTIONER__API_KEY": key,
                "PROOFDESK_CAPTIONER__PARALLEL": str(parallel),
                "PROOFDESK_SCORING__BRISQUE_ENGINE": "fallback",
                "PROOFDESK_SCORING__AESTHETIC_ENGINE": "fallback",
            }
            runner = CliRunner()
            prepared = runner.invoke(main, ["run", str(set_dir), "--until", "resize", "-q"], env=env)
            assert prepared.exit_code == 0, prepared.output
            started = time.perf_counter()
            result = runner.invoke(main, ["run", str(set_dir), "--no-review", "-q"], env=env)
            elapsed = time.perf_counter() - started
            assert result.exit_code == 0, result.output
        split = [len(server.chat_requests()) for server in models]
        assert sum(split) == rows, split
    return elapsed, split


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=40)
    parser.add_argument("--delay", type=float, default=0.5)
    parser.add_argument("--parallel", type=int, nargs="+", default=[4, 8], help="captioner.parallel values to measure")
    args = parser.parse_args()
    program = litellm_program()
    with tempfile.TemporaryDirectory() as tmp:
        set_dir = Path(tmp) / "coast_walk"
        for i in range(args.rows):
            write_jpeg(set_dir / f"img_{i:03d}.jpg", seed=i, size=(160, 120))
        print(f"stage 7 with {args.rows} rows, servers answering one request at a time in {args.delay:.2f} s, "
              f"{os.cpu_count()} cores, {program}")
        for parallel in args.parallel:
            rates = {}
            for label, servers, through in (("1 server, direct", 1, None), ("1 server, LiteLLM", 1, program),
                                            ("2 servers, LiteLLM", 2, program)):
                elapsed, split = run(set_dir, args.rows, args.delay, parallel, servers, through)
                rates[label] = args.rows / elapsed
                print(f"parallel={parallel}  {label:<20} {elapsed:6.2f} s  {rates[label]:5.2f} rows/s  "
                      f"requests {'/'.join(map(str, split))}  (ideal {args.rows * args.delay / servers:5.2f} s)")
            print(f"parallel={parallel}  2 servers vs 1 through LiteLLM: "
                  f"{rates['2 servers, LiteLLM'] / rates['1 server, LiteLLM']:.2f}x (target >= 1.8x); "
                  f"LiteLLM on one server: {rates['1 server, direct'] / rates['1 server, LiteLLM']:.2f}x the direct time")


if __name__ == "__main__":
    main_()

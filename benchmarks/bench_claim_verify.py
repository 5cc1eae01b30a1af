"""The cost of `proof.verify = keywords`: a 500-frame shoot captioned by a scripted Ollama server
that invents one object per photo (a balloon, in the caption, the alt text and the keywords) and
answers the yes/no question truthfully. Prints model calls per accepted row with verify off and on,
the yes/no requests, the keywords removed, and the calls of an unchanged rerun.

    .venv/bin/python benchmarks/bench_claim_verify.py [--frames 500]

Expected: off: about 1 call per accepted row (the balloon stays, a `model` claim; a few answers are
repaired as near-duplicates); on: about 3 (the answer, one yes/no request, one repair without the
balloon), every balloon removed; 0 calls on an unchanged rerun.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_caption_parallel import answer  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from proofdesk.apps.cli import main  # noqa: E402
from tests.support.corpus import write_jpeg  # noqa: E402
from tests.support.ollama_server import ModelSpec, Reply, ScriptedOllama  # noqa: E402

INVENTED = "balloon"


def is_probe(body: dict[str, Any]) -> bool:
    schema = body.get("format") or {}
    return isinstance(schema, dict) and "caption" not in schema.get("properties", {})


def prompt_of(body: dict[str, Any]) -> str:
    return str(body["messages"][-1]["content"])


def script() -> Any:
    photos: dict[str, int] = {}  # one subject per photo (by its picture), the same in a repair

    def reply(body: dict[str, Any], n: int) -> Reply:
        if is_probe(body):  # truthful: everything but the invented object is there
            return Reply(content=json.dumps({claim: "no" if claim == INVENTED else "yes"
                                             for claim in body["format"]["properties"]}))
        picture = body["messages"][-1]["images"][0]
        repair = "Your last answer broke these rules" in prompt_of(body)
        photo = photos.setdefault(picture, len(photos))
        if repair and INVENTED in prompt_of(body):  # told the balloon is not there: the same answer without it
            return Reply(content=answer(photo))
        # another repair (of a near-duplicate caption) describes the photo in other words
        honest = json.loads(answer(photo + (7919 if repair else 0)))
        return Reply(content=json.dumps({**honest, "caption": honest["caption"][:-1] + f", under a {INVENTED}.",
                                         "alt_text": honest["alt_text"] + f" under a {INVENTED}",
                                         "keywords": [*honest["keywords"], INVENTED]}))
    return reply


def run(set_dir: Path, verify: str) -> dict[str, Any]:
    with ScriptedOllama([ModelSpec("qwen2.5vl:7b")]) as server, tempfile.TemporaryDirectory() as work:
        server.script = script()
        env = {"PROOFDESK_WORKDIR": work, "PROOFDESK_CAPTIONER__URL": server.url, "PROOFDESK_PROOF__VERIFY": verify,
               "PROOFDESK_SCORING__BRISQUE_ENGINE": "fallback", "PROOFDESK_SCORING__AESTHETIC_ENGINE": "fallback"}
        runner = CliRunner()
        prepared = runner.invoke(main, ["run", str(set_dir), "--until", "resize", "-q"], env=env)
        assert prepared.exit_code == 0, prepared.output
        started = time.perf_counter()
        result = runner.invoke(main, ["run", str(set_dir), "--no-review", "-q"], env=env)
        elapsed = time.perf_counter() - started
        assert result.exit_code in (0, 3), result.output
        summary = json.loads(sorted(Path(work, "runs").glob("*/proof_summary.json"))[-1].read_text())
        rows = json.loads(runner.invoke(main, ["rows", "--json"], env=env).stdout)
        calls = len(server.chat_requests())
        rerun = runner.invoke(main, ["run", str(set_dir), "--no-review", "-q"], env=env)
        assert rerun.exit_code in (0, 3), rerun.output
        return {"elapsed": elapsed, "summary": summary, "calls": calls, "rerun_calls": len(server.chat_requests()) - calls,
                "probes": sum(1 for body in server.chat_requests() if is_probe(body)),
                "with_invented": sum(1 for row in rows if INVENTED in row["keywords"]),
                "captioned": sum(1 for row in rows if row["caption"])}


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        set_dir = Path(tmp) / "coast_walk"
        for i in range(args.frames):
            write_jpeg(set_dir / f"img_{i:04d}.jpg", seed=i, size=(160, 120))
        print(f"{args.frames} frames, a scripted model inventing one object per photo, {os.cpu_count()} cores")
        for verify in ("off", "keywords"):
            got = run(set_dir, verify)
            summary = got["summary"]
            print(f"verify={verify:8s}: {got['captioned']} captioned, {summary['accepted']} accepted, "
                  f"{summary['blocked']} blocked; {got['calls']} model calls ({got['probes']} yes/no) = "
                  f"{summary['model_calls_per_accepted_row']:.2f} per accepted row; "
                  f"{got['with_invented']} rows keep the invented keyword, {summary['claims_removed']} removed; "
                  f"claims by source {summary['claims_by_source']}; rerun: {got['rerun_calls']} calls; "
                  f"stage 7 {got['elapsed']:.1f} s")


if __name__ == "__main__":
    main_()

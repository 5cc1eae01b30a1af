"""Benchmark `proofdesk worker`: several workers captioning one MariaDB queue against a model
server with a fixed latency per answer.

    PROOFDESK_TEST_MYSQL_URL=mysql+pymysql://root@127.0.0.1:3306/test \\
    .venv/bin/python benchmarks/bench_workers.py [--rows 60 --workers 3 --parallel 2] [--latency 1.0] [--batch 8]

Without --rows it runs the cases the targets are set for, one after another: 30, 60 and 240 rows
with 3 workers x parallel 2, and 60 rows with 1 worker x parallel 6.

A fresh database and shared root are made; the rows are taken in (`run --until queue`) and scored
and grouped by one worker first; then the caption workers start as separate processes (their own
workdirs and host names) against a scripted Ollama server that answers every request after
`--latency` seconds (it serves requests concurrently, as a server with enough slots does). The
wall time runs from the first claim to the last commit over all workers; the ideal is
model requests (rows and repairs) x latency / (workers x parallel). Prints both and their ratio
(targets: <= 1.15 from 60 rows up, <= 1.25 at 30 rows), the rows each worker wrote and the model
requests per row (each row captioned exactly once, repairs aside).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


CASES = ((30, 3, 2), (60, 3, 2), (240, 3, 2), (60, 1, 6))  # rows, workers, parallel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--batch", type=int, default=8)
    args = parser.parse_args()
    cases = [(args.rows, args.workers, args.parallel)] if args.rows else list(CASES)
    results = []
    for rows, workers, parallel in cases:
        results.append(run_case(argparse.Namespace(rows=rows, workers=workers, parallel=parallel, latency=args.latency,
                                                   batch=args.batch)))
    if len(results) > 1:
        print("\nrows  workers x parallel  window   ideal   ratio  target  requests  per worker")
        for line in results:
            print(line)


def run_case(args: argparse.Namespace) -> str:
    import sqlalchemy as sa
    from tests.conftest import samples_root
    from tests.integration.test_workers import distinct_answer, image_of
    from tests.support.distinct_photos import make_distinct_photos
    from tests.support.ollama_server import ModelSpec, Reply, ScriptedOllama

    base = sa.engine.make_url(os.environ.get("PROOFDESK_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test"))
    name = f"pdk_bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(base)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory() as tmp, ScriptedOllama([ModelSpec("qwen2.5vl:7b")]) as server:
            images: list[str] = []

            def answer(body: dict[str, Any], n: int) -> Reply:
                images.append(image_of(body))
                return Reply(content=distinct_answer(body), delay_s=args.latency)

            server.script = answer
            photos = make_distinct_photos(samples_root() / "jpg" / "gps", Path(tmp) / "photos" / "2026-06-12_bench", args.rows)

            def env(host: str) -> dict[str, str]:
                return {**os.environ, "PROOFDESK_STORAGE__URL": url, "PROOFDESK_STORAGE__SHARED_ROOT": str(Path(tmp) / "shared"),
                        "PROOFDESK_WORKER__HOST": host, "PROOFDESK_WORKER__POLL_S": "0.2",
                        "PROOFDESK_CAPTIONER__BACKEND": "ollama", "PROOFDESK_CAPTIONER__URL": server.url,
                        "PROOFDESK_CAPTIONER__MODEL": "qwen2.5vl:7b", "PROOFDESK_CAPTIONER__PARALLEL": str(args.parallel),
                        "PROOFDESK_SCORING__BRISQUE_ENGINE": "fallback", "PROOFDESK_SCORING__AESTHETIC_ENGINE": "fallback"}

            def proofdesk(host: str, *command: str) -> subprocess.Popen[str]:
                workdir = Path(tmp) / host
                workdir.mkdir(exist_ok=True)
                return subprocess.Popen([sys.executable, "-m", "proofdesk.apps", *command], cwd=workdir, env=env(host),
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

            for step in (("run", str(photos), "--until", "queue", "-q"), ("worker", "--stages", "score,scene", "-q")):
                process = proofdesk("intake", *step)
                _, err = process.communicate()
                assert process.returncode == 0, err
            started = time.time()
            workers = [proofdesk(f"machine-{i}", "worker", "--stages", "caption", "--batch", str(args.batch), "--json")
                       for i in range(args.workers)]
            reports = []
            for process in workers:
                out, err = process.communicate()
                assert process.returncode == 0, err[-2000:]
                reports.append(json.loads(out))
            captioned = sum(r["by_stage"].get("caption", 0) for r in reports)
            first = min(r["first_claim_at"] for r in reports if r["first_claim_at"])
            last = max(r["last_write_at"] for r in reports if r["last_write_at"])
            requests = len(server.chat_requests())
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        admin.dispose()

    ideal = requests * args.latency / (args.workers * args.parallel)  # every answer, repairs included
    wall = last - first
    target = 1.25 if args.rows < 60 else 1.15
    asked = Counter(images)
    per_worker = "/".join(str(r["by_stage"].get("caption", 0)) for r in reports)
    print(f"{args.workers} workers x parallel {args.parallel}, {args.rows} rows, {args.latency:g} s per answer, batch {args.batch}")
    print(f"rows captioned: {captioned} ({requests} model requests, {len(asked)} photos asked about, "
          f"{sum(1 for n in asked.values() if n > 1)} of them more than once: repairs); per worker: {per_worker}")
    print(f"first claim to last commit: {wall:.2f} s (ideal {ideal:.2f} s): {wall / ideal:.3f} x ideal (target <= {target})")
    print(f"worker start-up (processes, runtime check, place tables) before the first claim: {first - started:.2f} s",
          flush=True)
    return (f"{args.rows:>4}  {args.workers} x {args.parallel:<14} {wall:6.2f}  {ideal:6.2f}  {wall / ideal:5.3f}  "
            f"<= {target:<4}  {requests:>8}  {per_worker}")


if __name__ == "__main__":
    main()

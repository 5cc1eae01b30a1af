"""Benchmark the duplicate index: check new rows against 10,000 indexed rows.

    .venv/bin/python benchmarks/bench_duplicate_index.py [--rows 10000] [--checks 1000] [--seed 7]

Builds an index of ROWS rows (caption, alt text, file name each) from seeded word lists, then
times CHECKS new rows: `check` per field (mean and p95 in microseconds), the per-row total, and
`check_and_claim` for the same rows. One in ten new captions is a near duplicate of an indexed
one, so the hit path is measured too.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

try:
    from proofdesk.core.domain.proof import DuplicateIndex
except ImportError:  # not installed: run from a checkout
    import importlib
    import types

    src = Path(__file__).resolve().parents[1] / "src"
    package = types.ModuleType("proofdesk")
    package.__path__ = [str(src)]  # type: ignore[attr-defined]
    sys.modules["proofdesk"] = package
    DuplicateIndex = importlib.import_module("proofdesk.core.domain.proof").DuplicateIndex

ADJECTIVES = """red blue weathered wooden narrow quiet crowded misty snowy golden rusty white tall old
small bright empty wet frozen sunlit shadowed steep rocky green yellow grey ancient modern busy
calm windswept colourful lonely stone brick painted crooked""".split()
SUBJECTS = """fishing boat rorbu cabin church tower bridge harbour wall lighthouse ferry stockfish rack
market stall bicycle tram cathedral dome olive tree vineyard piazza fountain cat gull heron
fisherman mountain peak fjord beach pier cliff waterfall farmhouse street lamp staircase balcony
archway alley chapel windmill sailboat kayak""".split()
VERBS = """moored beside standing above reflected in leaning against lit by framed by rising over
nestled below hidden behind crossing passing drying near perched on facing""".split(" ")
PLACES = """Reine Hamnøy Svolvær Arezzo Siena Cortona Lisbon Porto Bergen Tromsø Ålesund Florence
Montepulciano Sakrisøy Henningsvær Nusfjord Kotor Dubrovnik Split Hvar Bled Hallstatt Lucca""".split()
SCENES = """the harbour the old town the main square the village the bay the hillside the valley the
quay the river the coast the market the cathedral square the fjord the lagoon""".split(" the ")
TIMES = """under a heavy sky; on a clear autumn afternoon; after the rain; in the morning light; under
low cloud; as the tide turns; beneath snowy peaks; with washing on the line; on market day; in
late summer; at the end of winter; while the ferry leaves""".split("; ")


def caption(rng: random.Random) -> str:
    first = f"{rng.choice(ADJECTIVES).capitalize()} {rng.choice(ADJECTIVES)} {rng.choice(SUBJECTS)}"
    verb = rng.choice(VERBS).strip()
    where = f"{rng.choice(ADJECTIVES)} {rng.choice(SUBJECTS)} in {rng.choice(PLACES)}"
    tail = rng.choice(TIMES).strip()
    extra = f", {rng.randint(2, 40)} {rng.choice(SUBJECTS)}s along {rng.choice(SCENES).strip()}" if rng.random() < 0.6 else ""
    return f"{first} {verb} a {where}{extra} {tail}."


def alt_text(rng: random.Random) -> str:
    first = f"{rng.choice(ADJECTIVES).capitalize()} {rng.choice(SUBJECTS)}"
    second = f"{rng.choice(ADJECTIVES)} {rng.choice(SUBJECTS)}"
    return f"{first} and {second} in {rng.choice(PLACES)} {rng.choice(TIMES).strip()}"


def file_name(rng: random.Random, number: int) -> str:
    return f"{rng.choice(ADJECTIVES)}-{rng.choice(SUBJECTS)}-{rng.choice(PLACES).lower()}-{number}.jpg"


def near_copy(rng: random.Random, text: str) -> str:
    """One small edit: case, punctuation or a single character."""
    position = rng.randrange(len(text))
    return text[:position] + text[position + 1 :] if rng.random() < 0.5 else text.upper().replace(".", "!")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--checks", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threshold", type=float, default=95.0)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    index = DuplicateIndex(threshold=args.threshold)
    indexed: list[tuple[str, str, str]] = []
    started = time.perf_counter()
    for number in range(args.rows):
        owner = f"set-{number // 250:03d}/IMG_{number:05d}.jpg"
        texts = (caption(rng), alt_text(rng), file_name(rng, number))
        indexed.append(texts)
        for field, text in zip(("caption", "alt_text", "file_name"), texts, strict=True):
            index.add(owner, field, text)
    build_s = time.perf_counter() - started

    queries = []
    for number in range(args.checks):
        if rng.random() < 0.1:
            source = rng.choice(indexed)
            texts = (near_copy(rng, source[0]), near_copy(rng, source[1]), source[2])
        else:
            texts = (caption(rng), alt_text(rng), file_name(rng, args.rows + number))
        queries.append((f"new/IMG_{number:05d}.jpg", texts))

    fields = ("caption", "alt_text", "file_name")
    timings: dict[str, list[float]] = {field: [] for field in fields}
    per_row: list[float] = []
    hits = dict.fromkeys(fields, 0)
    for owner, texts in queries:
        row_total = 0.0
        for field, text in zip(fields, texts, strict=True):
            t0 = time.perf_counter_ns()
            reason = index.check(owner, field, text)
            elapsed = (time.perf_counter_ns() - t0) / 1000
            timings[field].append(elapsed)
            row_total += elapsed
            hits[field] += reason is not None
        per_row.append(row_total)

    claim_times: list[float] = []
    for owner, texts in queries:
        t0 = time.perf_counter_ns()
        for field, text in zip(fields, texts, strict=True):
            index.check_and_claim(owner, field, text)
        claim_times.append((time.perf_counter_ns() - t0) / 1000)

    print(f"duplicate index: {args.rows:,} rows indexed in {build_s:.2f} s; {args.checks:,} new rows checked")
    print(f"near-duplicate threshold {args.threshold:g} (caption, alt text); file names exact")
    print(f"{'field':<22}{'mean µs':>10}{'p95 µs':>10}{'max µs':>10}{'duplicates':>12}")
    for field in fields:
        values = timings[field]
        print(f"{field:<22}{statistics.fmean(values):>10.1f}{percentile(values, 0.95):>10.1f}{max(values):>10.1f}{hits[field]:>12}")
    print(f"{'row (3 checks)':<22}{statistics.fmean(per_row):>10.1f}{percentile(per_row, 0.95):>10.1f}{max(per_row):>10.1f}")
    print(f"{'row check_and_claim':<22}{statistics.fmean(claim_times):>10.1f}{percentile(claim_times, 0.95):>10.1f}{max(claim_times):>10.1f}")
    print(f"index now holds {len(index):,} claims")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Offline place and time-zone lookups for 2,000 GPS positions (target: <= 2 s in all).

    .venv/bin/python benchmarks/bench_places.py [--positions 2000] [--seed 1]

Positions are random points on land-heavy latitudes (some at sea). Prints the one-off load of the
GeoNames table and the time-zone data, then the cost of deriving every row's place facts (place,
zone, offset) for all positions, cold and again from the per-position caches.
"""

from __future__ import annotations

import argparse
import random
import time

from proofdesk.adapters.places.geonames import GeoNamesGazetteer
from proofdesk.adapters.places.timezones import TimezoneFinderLookup
from proofdesk.core.domain.models import ExifFacts
from proofdesk.core.services.places import PlaceFacts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--positions", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    positions = [(rng.uniform(-50, 70), rng.uniform(-180, 180)) for _ in range(args.positions)]
    exif = [ExifFacts(captured_at="2026-06-12T12:00:00", gps_latitude=lat, gps_longitude=lon) for lat, lon in positions]

    start = time.perf_counter()
    gazetteer, zones = GeoNamesGazetteer(), TimezoneFinderLookup()
    gazetteer.nearby(0.0, 0.0)  # loads the GeoNames table
    loaded = time.perf_counter() - start
    facts = PlaceFacts(gazetteer, zones)

    start = time.perf_counter()
    cold = [facts.facts_for(e) for e in exif]
    cold_s = time.perf_counter() - start
    start = time.perf_counter()
    warm = [facts.facts_for(e) for e in exif]
    warm_s = time.perf_counter() - start
    assert cold == warm

    named = sum(1 for f in cold if f["place_city"])
    zoned = sum(1 for f in cold if f["time_zone"])
    print(f"positions: {len(positions)} ({named} with a city, {zoned} with a time zone)")
    print(f"load (GeoNames table + zone data): {loaded:.2f} s, once per process")
    print(f"place facts, cold: {cold_s:.2f} s ({cold_s / len(positions) * 1e3:.3f} ms per position)")
    print(f"place facts, cached: {warm_s:.3f} s")
    print(f"total for {len(positions)} positions including the load: {loaded + cold_s:.2f} s (target <= 2 s)")


if __name__ == "__main__":
    main()

"""Benchmark: a camera RAW set of about 1 GB through stage 1 (validate) and stage 2 (incoming).

    .venv/bin/python benchmarks/bench_raw_incoming.py [--size-mb 1024] [--width 6000 --height 4000]

Builds the set in a temp dir: one Bayer-mosaic DNG (12-bit, uncompressed, as a camera writes it;
pidng, from a sample photo upscaled) copied N times with a different capture time each, so every
file is a distinct RAW (sha256) and the set holds `--size-mb` or more. Then, through proofdesk's
own `Pipeline` (SQLite queue, local file store, the Pillow/LibRaw inspector), times:

- validate: every file hashed and its picture checked (these DNGs have no preview, so LibRaw
  unpacks each one's sensor data: the slow case);
- incoming: every file copied streamed (1 MiB chunks) to a temp name, its sha256 computed while
  copying and compared with the validated one, fsynced, renamed (the JPEG path, unchanged);
- a rerun of incoming, where every copy is already there (each re-hashed, nothing copied).

Prints MB/s (10^6 bytes per second) for each. The page cache is warm (the set was just written),
so the figures are the CPU and write costs, not the card reader's speed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "samples" / "exif-samples" / "jpg" / "gps" / "DSCN0010.jpg"
CAPTURED = b"2024:05:04 10:11:12"


def make_set(folder: Path, size_mb: int, width: int, height: int) -> tuple[int, int]:
    """The RAW set: (files, bytes)."""
    sys.path.insert(0, str(ROOT))
    from PIL import Image
    from tests.support.raw_dng import write_dng

    folder.mkdir(parents=True)
    work = folder.parent / "source"
    work.mkdir()
    big = work / "photo.png"
    with Image.open(SAMPLE) as photo:
        photo.convert("RGB").resize((width, height), Image.Resampling.BICUBIC).save(big)
    template = write_dng(big, work / "template.dng", captured_at=CAPTURED.decode(), long_edge=max(width, height))
    data = template.read_bytes()
    assert data.count(CAPTURED) >= 1
    count = max(1, -(-size_mb * 1_000_000 // len(data)))
    for index in range(count):
        stamp = f"2024:05:04 10:{index // 60:02d}:{index % 60:02d}".encode()
        (folder / f"IMG_{index + 1:04d}.DNG").write_bytes(data.replace(CAPTURED, stamp))
    shutil.rmtree(work)
    return count, count * len(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--width", type=int, default=6000)
    parser.add_argument("--height", type=int, default=4000)
    options = parser.parse_args()

    from proofdesk.adapters.memory import RecordingReporter
    from proofdesk.apps.config import load_settings
    from proofdesk.apps.container import build_container
    from proofdesk.core.domain.models import Stage

    class TimingReporter(RecordingReporter):
        """Seconds from each stage's start to its end."""

        def __init__(self) -> None:
            super().__init__()
            self.seconds: dict[str, float] = {}
            self._started: dict[str, float] = {}

        def start_stage(self, stage: str, total: int) -> None:
            self._started[stage] = time.perf_counter()
            super().start_stage(stage, total)

        def end_stage(self, stage: str, summary: str) -> None:
            self.seconds[stage] = time.perf_counter() - self._started[stage]
            super().end_stage(stage, summary)

    with tempfile.TemporaryDirectory(prefix="bench-raw-") as temp:
        root = Path(temp)
        card = root / "card" / "2024-05-04_raw"
        files, total = make_set(card, options.size_mb, options.width, options.height)
        config = root / "proofdesk.toml"
        config.write_text('workdir = "work"\n[captioner]\nbackend = "offline"\n')
        container = build_container(load_settings(str(config)))
        megabytes = total / 1_000_000
        print(f"RAW set: {files} DNG files of {options.width}x{options.height} (12-bit mosaic, no preview), "
              f"{megabytes:,.0f} MB")
        first, second = TimingReporter(), TimingReporter()
        container.pipeline(reporter=first).run([str(card)], until=Stage.INCOMING)
        copied = sum(path.stat().st_size for path in (root / "work" / "incoming").rglob("*.DNG"))
        assert copied == total, (copied, total)
        container.pipeline(reporter=second).run([str(card)], until=Stage.INCOMING)
        assert second.messages("end")[-1].endswith(f"0 copied, {files} already there"), second.messages("end")
        for label, seconds, what in (
            ("validate", first.seconds["validate"], "hash + LibRaw unpack of each file"),
            ("incoming", first.seconds["incoming"], "streamed copy, sha256 verified, fsync, rename"),
            ("rerun", second.seconds["incoming"], "every copy already there, re-hashed"),
        ):
            print(f"{label + ':':10} {seconds:6.2f} s  {megabytes / seconds:7.1f} MB/s  ({what})")


if __name__ == "__main__":
    main()

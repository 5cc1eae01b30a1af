"""Benchmark the scene stage's grouping and ranking of 2,000 frames against the scoring stage.

    .venv/bin/python benchmarks/bench_scenes.py [--frames 2000] [--scoring-frames 80]

1. A burst shoot from the real sample photos (per picture: original, shifted, blurred, noisy,
   under-exposed) is decoded at the model-ready size and measured by the frame analyzer (its time
   per frame is part of stage 5 now: printed apart).
2. 2,000 queue rows are made from those measures and signatures (scenes of five frames a second
   apart, three minutes between scenes) and the scene stage's decision (`decide`: grouping,
   ranking, keepers, cull reasons) is timed over all of them; the scenes found are checked.
3. The scoring stage's work per frame is timed on the same frames: decode at 1024 px, BRISQUE
   (OpenCV, LIVE model) and the CLIP aesthetic (ViT-B-32 architecture, random weights loaded from
   files through the adapter, CPU). Real camera files decode slower than these 640 px samples, so
   the printed share is an upper bound.

Prints ms per frame for each and the grouping's share of the scoring stage's time (target <= 10 %).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=2000)
    parser.add_argument("--scoring-frames", type=int, default=80)
    args = parser.parse_args()

    from bench_stages_3_6 import _import_proofdesk, _scorers, make_models

    _import_proofdesk()
    from proofdesk.adapters.images.frame_analyzer import NumpyFrameAnalyzer
    from proofdesk.adapters.images.pillow_processor import PillowImageProcessor
    from proofdesk.core.domain.models import Row
    from proofdesk.core.domain.scenes import SceneSettings
    from proofdesk.core.services.stages.scene import decide
    from tests.conftest import samples_root
    from tests.support.burst_shoot import make_burst_shoot, real_photos

    processor, analyzer = PillowImageProcessor(), NumpyFrameAnalyzer()
    with tempfile.TemporaryDirectory() as tmp:
        sources = real_photos(samples_root())
        shoot = make_burst_shoot(sources, Path(tmp) / "shoot", max(1, args.scoring_frames // 5))
        names = sorted(shoot.kinds)
        data = [(shoot.folder / name).read_bytes() for name in names]
        decoded = [processor.decode(raw, 1024) for raw in data]

        started = time.perf_counter()
        analyses = [analyzer.analyze(image) for image in decoded]
        analyze_ms = 1000 * (time.perf_counter() - started) / len(decoded)

        # 2,000 rows: the measured frames, scene by scene, cycled; new capture times
        per_scene = [analyses[i:i + 5] for i in range(0, len(analyses), 5)]
        rows: list[Row] = []
        start = datetime(2026, 6, 12, 8, 0, 0)
        for index in range(args.frames):
            scene, frame = divmod(index, 5)
            analysis = per_scene[scene % len(per_scene)][frame]
            moment = start + timedelta(minutes=3 * scene, seconds=frame)
            rows.append(Row(set_name="bench", original_name=f"DSC_{index:05}.jpg", sha256=f"{index:064x}",
                            captured_at=moment.isoformat(), quality_measures=analysis.measures.model_dump(),
                            scene_signature=analysis.signature, brisque_score=30.0, brisque_fallback=False,
                            clip_aesthetic_score=5.0, clip_aesthetic_fallback=False))
        started = time.perf_counter()
        decisions, scenes = decide(rows, SceneSettings())
        group_ms = 1000 * (time.perf_counter() - started) / len(rows)
        expected = (args.frames + 4) // 5
        assert scenes == expected, f"{scenes} scenes found, {expected} made"

        models = make_models(Path(tmp) / "models")
        brisque, clip = _scorers(models, batch_size=16)
        started = time.perf_counter()
        for chunk in range(0, len(data), 16):
            batch = [processor.decode(raw, 1024) for raw in data[chunk:chunk + 16]]
            brisque.score_batch(batch)
            clip.score_batch(batch)
        score_ms = 1000 * (time.perf_counter() - started) / len(data)

    print(f"frames grouped and ranked: {len(rows):,} in {scenes:,} scenes (all found)")
    print(f"scene stage (group + rank + reasons): {group_ms:.3f} ms/frame, {group_ms * len(rows) / 1000:.2f} s for {len(rows):,}")
    print(f"frame analyzer (in stage 5):          {analyze_ms:.2f} ms/frame")
    print(f"scoring stage (decode+BRISQUE+CLIP):  {score_ms:.1f} ms/frame on {len(data)} frames of "
          f"{max(d.width for d in decoded)} px")
    print(f"grouping's share of the scoring stage's time: {100 * group_ms / score_ms:.2f} % (target <= 10 %)")


if __name__ == "__main__":
    main()

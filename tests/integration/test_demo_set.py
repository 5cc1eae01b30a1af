"""The demo builder (`python -m proofdesk.apps.demo`): scikit-image's photos as JPEGs whose EXIF the
project's own reader reads back as one afternoon in Lucca, the same bytes on every build, and a
rebuild that leaves the files alone."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from proofdesk.adapters.exif.pyexiv2_reader import Pyexiv2ExifReader
from proofdesk.adapters.places.geonames import GeoNamesGazetteer
from proofdesk.apps.demo import FRAMES, SET_NAME, build_demo_set
from proofdesk.core.services.places import PlaceFacts


def test_the_module_builds_six_jpegs_and_the_same_bytes_again(tmp_path: Path, demo_set: Path) -> None:
    set_dir = tmp_path / SET_NAME
    result = subprocess.run([sys.executable, "-m", "proofdesk.apps.demo", str(set_dir)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"demo set: 6 photo(s) of Lucca in {set_dir}"
    names = sorted(p.name for p in set_dir.iterdir())
    assert names == sorted(f.name for f in FRAMES) == sorted(p.name for p in demo_set.iterdir())
    assert all((set_dir / name).read_bytes() == (demo_set / name).read_bytes() for name in names)
    assert all((set_dir / name).read_bytes()[:3] == b"\xff\xd8\xff" for name in names)

    stamps = {name: (set_dir / name).stat().st_mtime_ns for name in names}
    build_demo_set(set_dir)
    assert {name: (set_dir / name).stat().st_mtime_ns for name in names} == stamps  # nothing rewritten


def test_usage_without_a_folder() -> None:
    result = subprocess.run([sys.executable, "-m", "proofdesk.apps.demo"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "usage: python -m proofdesk.apps.demo SET_DIR" in result.stderr


def test_each_frame_reads_back_as_an_afternoon_in_lucca(demo_set: Path) -> None:
    reader = Pyexiv2ExifReader()
    places = PlaceFacts(GeoNamesGazetteer())
    for frame in FRAMES:
        facts = reader.read(str(demo_set / frame.name))
        wall = datetime.strptime(frame.taken, "%Y-%m-%d %H:%M:%S")
        assert facts.captured_at == wall.isoformat() and facts.captured_offset == "+02:00"
        assert facts.gps_timestamp_utc == f"{wall - timedelta(hours=2):%Y-%m-%dT%H:%M:%S}Z"
        assert (facts.camera_make, facts.camera_model) == ("proofdesk", "demo builder")
        assert (facts.gps_latitude, facts.gps_longitude) == (frame.latitude, frame.longitude)
        assert 13 <= wall.hour < 18 and wall.date().isoformat() == SET_NAME[:10]
        place = places.facts_for(facts)
        assert (place["place_city"], place["place_region"], place["place_country"]) == ("Lucca", "Tuscany", "Italy"), frame
    left, right = (datetime.strptime(f.taken, "%Y-%m-%d %H:%M:%S") for f in FRAMES if f.source.startswith("motorcycle"))
    assert timedelta(0) < right - left <= timedelta(seconds=5)  # one burst: the scene stage groups them

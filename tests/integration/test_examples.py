"""The library example in examples/ runs as documented."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_library_example_runs_and_publishes(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "library_use.py"), str(tmp_path / "work")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "6 new" in result.stdout and "EXIF reads by my adapter: 6" in result.stdout
    assert "5 published, 0 failed, 0 refused" in result.stdout  # the two-frame scene's keeper, not its other frame
    published = tmp_path / "work" / "state" / "published"
    assert len(list(published.glob("*.jpg"))) == 5 and len(list((published / "thumbs").glob("*.jpg"))) == 5

"""README command 1: `scripts/quickstart.sh` itself, run on a temporary copy of the demo with this
interpreter (PROOFDESK_QUICKSTART_PYTHON: no .venv, no install), builds the demo set from
scikit-image's photos, ends with a published demo gallery, and every line of the README's excerpt is
what it prints."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REVIEW_LINE = "Open the review desk: .venv/bin/proofdesk --config demo/proofdesk.toml review"


def readme_excerpt() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Quick start", 1)[1]
    blocks = re.findall(r"```[^\n]*\n(.*?)```", section, re.S)
    return [line.strip() for line in blocks[1].splitlines() if line.strip()]


def readme_commands() -> list[str]:
    section = (ROOT / "README.md").read_text().split("## Quick start", 1)[1]
    return [line.strip() for line in re.findall(r"```[^\n]*\n(.*?)```", section, re.S)[0].splitlines() if line.strip()]


def test_the_readme_quick_start_commands_are_the_script_and_the_tests() -> None:
    assert readme_commands() == ["bash scripts/quickstart.sh", ".venv/bin/python -m pytest"]
    script = (ROOT / "scripts" / "quickstart.sh").read_text()
    assert "python3 -m venv .venv" in script and "pip install --quiet -e '.[test,ml,demo]'" in script
    assert REVIEW_LINE in readme_excerpt()


def test_quickstart_publishes_the_demo_and_prints_the_readme_excerpt(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    shutil.copy2(ROOT / "scripts" / "quickstart.sh", project / "scripts" / "quickstart.sh")
    # without a demo set built here before: the quick start builds its own
    shutil.copytree(ROOT / "demo", project / "demo", ignore=shutil.ignore_patterns(".proofdesk-demo", "sets"))
    repo_workdir = ROOT / "demo" / ".proofdesk-demo"
    repo_workdir_before = repo_workdir.exists() and sorted(p.name for p in repo_workdir.rglob("*"))

    result = subprocess.run(["bash", str(project / "scripts" / "quickstart.sh")], cwd=tmp_path,
                            env={**os.environ, "PROOFDESK_QUICKSTART_PYTHON": sys.executable},
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (project / ".venv").exists()  # the interpreter given was used: no venv, no install
    printed = [line.strip() for line in (result.stdout + "\n" + result.stderr).splitlines()]
    # The review line names the command that ran the demo: .venv/bin/proofdesk, here this interpreter.
    here = f"Open the review desk: {sys.executable} -m proofdesk.apps --config demo/proofdesk.toml review"
    for line in readme_excerpt():
        expected = here if line == REVIEW_LINE else line
        assert expected in printed, f"README excerpt line not printed by the quick start: {expected!r}\n{result.stdout}"

    built = sorted(p.name for p in (project / "demo" / "sets" / "2019-10-12_lucca").iterdir())
    assert built == [f"DSC_010{n}.jpg" for n in range(1, 7)]
    workdir = project / "demo" / ".proofdesk-demo"
    with sqlite3.connect(workdir / "queue.sqlite") as queue:
        rows = {name: (city, scene, bool(cull), status) for name, city, scene, cull, status in queue.execute(
            "SELECT original_name, place_city, scene_id, cull_suggested, status FROM review_queue")}
    assert len(rows) == 6 and {city for city, *_ in rows.values()} == {"Lucca"}
    pair = "2019-10-12_lucca:DSC_0105.jpg"  # the motorcycle frames, two seconds apart: one scene
    scenes = Counter(scene for _, scene, _, _ in rows.values())
    assert len(scenes) == 5 and {scene: n for scene, n in scenes.items() if n > 1} == {pair: 2}
    # its keeper is published; its other frame waits with a cull suggestion
    assert sorted((cull, status) for _, scene, cull, status in rows.values() if scene == pair) == [
        (False, "published"), (True, "pending")]
    assert Counter(status for *_, status in rows.values()) == {"published": 5, "pending": 1}

    published = sorted(p.name for p in (workdir / "published").glob("*.jpg"))
    assert len(published) == 5 and len(list((workdir / "published" / "thumbs").glob("*.jpg"))) == 5
    with sqlite3.connect(workdir / "gallery.sqlite") as gallery:
        names = sorted(row[0] for row in gallery.execute("SELECT File_Name FROM gallery"))
    assert names == published
    after = repo_workdir.exists() and sorted(p.name for p in repo_workdir.rglob("*"))
    assert after == repo_workdir_before  # nothing landed in the repository's demo

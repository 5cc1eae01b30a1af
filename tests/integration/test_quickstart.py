"""README command 1: the commands of scripts/quickstart.sh, run on a copy of the demo, end with a
published demo gallery, and every line of the README's excerpt is what they print."""

from __future__ import annotations

import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def readme_excerpt() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Quick start", 1)[1]
    blocks = re.findall(r"```[^\n]*\n(.*?)```", section, re.S)
    return [line.strip() for line in blocks[1].splitlines() if line.strip()]


def quickstart_commands() -> list[list[str]]:
    script = (ROOT / "scripts" / "quickstart.sh").read_text()
    assert 'demo=(.venv/bin/proofdesk --config demo/proofdesk.toml)' in script
    return [shlex.split(line)[1:] for line in script.splitlines() if line.startswith('"${demo[@]}"')]


def test_quickstart_publishes_the_demo_and_prints_the_readme_excerpt(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "demo", project / "demo", ignore=shutil.ignore_patterns(".proofdesk-demo"))
    output = []
    for args in quickstart_commands():
        result = subprocess.run([sys.executable, "-m", "proofdesk.apps", "--config", "demo/proofdesk.toml", *args],
                                cwd=project, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, (args, result.stderr)
        output.append(result.stdout + result.stderr)
    script = (ROOT / "scripts" / "quickstart.sh").read_text()
    echoed = [line.split("echo ", 1)[1].strip('"') for line in script.splitlines() if line.startswith("echo \"")]
    printed = [line.strip() for line in "\n".join(output + echoed).splitlines()]
    for line in readme_excerpt():
        assert line in printed, f"README excerpt line not printed by the quick start: {line!r}"
    workdir = project / "demo" / ".proofdesk-demo"
    published = sorted(p.name for p in (workdir / "published").glob("*.jpg"))
    assert len(published) == 4 and len(list((workdir / "published" / "thumbs").glob("*.jpg"))) == 4
    with sqlite3.connect(workdir / "gallery.sqlite") as gallery:
        names = sorted(row[0] for row in gallery.execute("SELECT File_Name FROM gallery"))
    assert names == published

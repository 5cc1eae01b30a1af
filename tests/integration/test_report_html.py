"""The contact sheet in headless Chromium: every `run` writes runs/<session>/report.html and
`proofdesk report` one for the whole queue; one card per row with its thumbnail loaded, the blocked
filter works, and a hostile caption is shown as text."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
HOSTILE = "<script>document.documentElement.dataset.pwned='yes'</script> A stone bridge <b>at dusk</b>"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None and os.environ.get("CI", "").lower() not in ("1", "true", "yes"),
    reason="chromium is not installed (CI installs it and runs this test)",
)


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    if CHROMIUM is None:
        pytest.fail("chromium is required for the contact sheet test (CI installs it)", pytrace=False)
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                           "--allow-file-access-from-files", "--virtual-time-budget=5000", *args],
                          capture_output=True, text=True, timeout=120)


def dom(page: Path, fragment: str = "") -> str:
    result = chromium("--window-size=1200,5000", "--dump-dom", page.as_uri() + fragment)
    assert result.returncode == 0, result.stderr
    return result.stdout


def shown(html: str) -> list[str]:
    return re.findall(r'<article class="card[^"]*" data-groups="[^"]*" data-key="([^"]*)">', html)


def hidden(html: str) -> list[str]:
    return re.findall(r'<article class="card[^"]*" data-groups="[^"]*" data-key="([^"]*)" hidden="">', html)


def cli(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "proofdesk.apps", "--config", "demo/proofdesk.toml", *args],
                          cwd=project, capture_output=True, text=True, timeout=300)


def test_contact_sheet_of_the_demo_in_headless_chromium(tmp_path: Path, demo_set: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "demo", project / "demo", ignore=shutil.ignore_patterns(".proofdesk-demo", "sets"))
    shutil.copytree(demo_set, project / "demo" / "sets" / demo_set.name)
    ran = cli(project, "run", f"demo/sets/{demo_set.name}", "--no-review")
    assert ran.returncode == 0, ran.stderr
    runs = project / "demo" / ".proofdesk-demo" / "runs"
    session_sheet = next(runs.glob("*/report.html"))
    assert "contact sheet: " + str(session_sheet) in ran.stdout
    edited = cli(project, "edit", "DSC_0101.jpg", "--caption", HOSTILE)
    assert edited.returncode == 0, edited.stderr

    sheet = project / "sheet" / "report.html"
    written = cli(project, "report", "-o", str(sheet))
    assert written.returncode == 0, written.stderr
    assert f"contact sheet: {sheet}" in written.stdout
    assert "http://" not in sheet.read_text() and "https://" not in sheet.read_text()  # no network

    for page, rows in ((session_sheet, 6), (sheet, 6)):
        html = dom(page)
        assert len(shown(html)) == rows and not hidden(html)  # one card per row, all shown
        assert f'data-images-total="{rows}"' in html and f'data-images-loaded="{rows}"' in html

    html = dom(sheet)
    assert "data-pwned" not in html
    assert "&lt;script&gt;document.documentElement.dataset.pwned='yes'&lt;/script&gt; A stone bridge " \
           "&lt;b&gt;at dusk&lt;/b&gt;" in html
    blocked = dom(sheet, "#blocked")
    assert 'data-filter="blocked"' in blocked
    assert shown(blocked) == [f"{demo_set.name}/DSC_0101.jpg"] and len(hidden(blocked)) == 5
    approved = dom(sheet, "#approved")
    assert shown(approved) == [] and len(hidden(approved)) == 6

    shot = tmp_path / "sheet.png"
    phone = chromium("--window-size=390,844", f"--screenshot={shot}", sheet.as_uri())
    assert phone.returncode == 0 and shot.stat().st_size > 10_000, phone.stderr
    shot = tmp_path / "wide.png"
    wide = chromium("--window-size=1280,900", f"--screenshot={shot}", sheet.as_uri())
    assert wide.returncode == 0 and shot.stat().st_size > 10_000, wide.stderr

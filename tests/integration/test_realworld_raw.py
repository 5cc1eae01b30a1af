"""RAW files from real cameras (the shared real-world samples, see their MANIFEST.tsv) through the CLI.
proofdesk reads RAW (ADR 0019), but these are exiftool's test files, stripped of their image data:
each is refused, named, in the validation report and in `run --json`, with a reason that names the
missing picture data (not an unsupported format); a JPEG named .nef is told apart; a RAW of a
format LibRaw cannot read (ARRIRAW, Light LRI) is still an unsupported RAW; `--skip-invalid` leaves
them out and runs the rest."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .conftest import Proofdesk

OFFLINE = {"PROOFDESK_CAPTIONER__BACKEND": "offline"}

# the real RAW files (metadata-only: no preview, no sensor data) and what each holds in its place
RAW_SAMPLES = {
    "CanonRaw.cr2": "no embedded preview",
    "CanonRaw.cr3": "no embedded preview",
    "CanonRaw.crw": "no embedded preview",
    "DNG.dng": "no embedded preview",
    "FujiFilm.raf": "its only embedded picture is a 160x120 thumbnail (no preview)",
    "Nikon.nef": "no embedded preview",
    "Panasonic.rw2": "its only embedded picture is an 8x8 thumbnail (no preview)",
    "Minolta.mrw": "no embedded preview",
    "SigmaDP2.x3f": "its only embedded picture is an 8x8 thumbnail (no preview)",
}
# formats LibRaw does not read: written here from a real header's bytes under their extension
UNREAD = {"clip_0001.ari": "ARRIRAW", "shot_0001.lri": "Light LRI"}
JPEG_NAMED_NEF = "Issue 247-1.nef"
PHOTOS = ("Canon EOS 7D.jpg", "Nikon D1X.jpg")


@pytest.fixture
def raw_card(realworld_samples: Path, tmp_path: Path) -> Path:
    """A set holding the nine real RAW headers, two RAW files of formats LibRaw does not read, a
    JPEG named .nef and two real JPEG photos."""
    folder = tmp_path / "raw_card"
    folder.mkdir()
    for name in (*RAW_SAMPLES, JPEG_NAMED_NEF, *PHOTOS):
        shutil.copy2(realworld_samples / name, folder / name)
    for name in UNREAD:
        shutil.copy2(realworld_samples / "Nikon.nef", folder / name)
    return folder


def _assert_no_picture_data(message: str, name: str) -> None:
    assert message.startswith(f"no picture data in this RAW file: {RAW_SAMPLES[name]} and no sensor data"), message
    assert "unsupported" not in message.lower(), message


def test_every_real_raw_header_is_refused_naming_the_missing_picture_data(proofdesk: Proofdesk, raw_card: Path) -> None:
    result = proofdesk("run", str(raw_card), "--until", "validate", env=OFFLINE)
    assert result.exit_code == 2, result.output
    lines = result.output.splitlines()
    for name in RAW_SAMPLES:
        line = next((line for line in lines if f"raw_card/{name}:" in line), None)
        assert line is not None, f"{name} is not in the report:\n{result.output}"
        _assert_no_picture_data(line.split(f"raw_card/{name}: ", 1)[1], name)
    for name, format_name in UNREAD.items():
        extension = Path(name).suffix
        assert f"raw_card/{name}: unsupported image format {extension} (unsupported RAW: {format_name})" in result.output
    assert "not a photo" not in result.output
    assert f"raw_card/{JPEG_NAMED_NEF}: a JPEG named as RAW (.nef)" in result.output
    assert "12 invalid file(s) or set(s)" in result.output and "2 valid photo(s)" in result.output


def test_every_real_raw_header_is_refused_in_run_json(proofdesk: Proofdesk, raw_card: Path) -> None:
    result = proofdesk("run", str(raw_card), "--until", "validate", "--json", env=OFFLINE)
    assert result.exit_code == 2, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is False
    problems = {problem["name"]: problem for problem in report["validation"]["problems"]}
    for name in RAW_SAMPLES:
        assert name in problems, sorted(problems)
        assert problems[name]["set_name"] == "raw_card" and problems[name]["path"].endswith(name)
        _assert_no_picture_data(problems[name]["message"], name)
    for name in UNREAD:
        assert "unsupported RAW" in problems[name]["message"]
    assert "a JPEG named as RAW (.nef)" in problems[JPEG_NAMED_NEF]["message"]
    assert report["validation"]["ignored"] == []
    assert sorted(report["validation"]["valid"]) == [f"raw_card/{name}" for name in sorted(PHOTOS)]


def test_skip_invalid_leaves_the_raw_files_out_names_them_and_runs_the_rest(proofdesk: Proofdesk, raw_card: Path) -> None:
    result = proofdesk("run", str(raw_card), "--until", "queue", "--skip-invalid", "--json", env=OFFLINE)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is True
    skipped = report["skipped"]
    for name in RAW_SAMPLES:
        line = next((line for line in skipped if line.startswith(f"raw_card/{name}: ")), None)
        assert line is not None, skipped
        _assert_no_picture_data(line.split(": ", 1)[1], name)
    assert any(line.startswith(f"raw_card/{JPEG_NAMED_NEF}: a JPEG named as RAW") for line in skipped)
    assert sorted(report["inserted"]) == [f"raw_card/{name}" for name in sorted(PHOTOS)]
    assert sorted(row["original_name"] for row in proofdesk.rows()) == sorted(PHOTOS)

"""RAW files from real cameras (the shared real-world samples, see their MANIFEST.tsv) through the CLI:
until proofdesk reads RAW, each is an unsupported RAW, named, in the validation report and in
`run --json`; a JPEG named .nef is told apart; `--skip-invalid` leaves them out and runs the rest."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .conftest import Proofdesk

OFFLINE = {"PROOFDESK_CAPTIONER__BACKEND": "offline"}

# the real RAW files and the camera format each is
RAW_SAMPLES = {
    "CanonRaw.cr2": "Canon CR2",
    "CanonRaw.cr3": "Canon CR3",
    "CanonRaw.crw": "Canon CRW",
    "DNG.dng": "Adobe DNG",
    "FujiFilm.raf": "Fujifilm RAF",
    "Nikon.nef": "Nikon NEF",
    "Panasonic.rw2": "Panasonic RW2",
    "Minolta.mrw": "Minolta MRW",
    "SigmaDP2.x3f": "Sigma X3F",
}
JPEG_NAMED_NEF = "Issue 247-1.nef"
PHOTOS = ("Canon EOS 7D.jpg", "Nikon D1X.jpg")


@pytest.fixture
def raw_card(realworld_samples: Path, tmp_path: Path) -> Path:
    """A set holding the nine real RAW files, a JPEG named .nef and two real JPEG photos."""
    folder = tmp_path / "raw_card"
    folder.mkdir()
    for name in (*RAW_SAMPLES, JPEG_NAMED_NEF, *PHOTOS):
        shutil.copy2(realworld_samples / name, folder / name)
    return folder


def _assert_unsupported_raw(message: str, name: str) -> None:
    extension = Path(name).suffix
    assert f"unsupported image format {extension} (unsupported RAW: {RAW_SAMPLES[name]})" in message, message


def test_every_real_raw_file_is_an_unsupported_raw_in_the_validation_report(proofdesk: Proofdesk, raw_card: Path) -> None:
    result = proofdesk("run", str(raw_card), "--until", "validate", env=OFFLINE)
    assert result.exit_code == 2, result.output
    lines = result.output.splitlines()
    for name in RAW_SAMPLES:
        line = next((line for line in lines if f"raw_card/{name}:" in line), None)
        assert line is not None, f"{name} is not in the report:\n{result.output}"
        _assert_unsupported_raw(line, name)
    assert "not a photo" not in result.output
    assert f"raw_card/{JPEG_NAMED_NEF}: a JPEG named as RAW (.nef)" in result.output
    assert "10 invalid file(s) or set(s)" in result.output and "2 valid photo(s)" in result.output


def test_every_real_raw_file_is_an_unsupported_raw_in_run_json(proofdesk: Proofdesk, raw_card: Path) -> None:
    result = proofdesk("run", str(raw_card), "--until", "validate", "--json", env=OFFLINE)
    assert result.exit_code == 2, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is False
    problems = {problem["name"]: problem for problem in report["validation"]["problems"]}
    for name in RAW_SAMPLES:
        assert name in problems, sorted(problems)
        assert problems[name]["set_name"] == "raw_card" and problems[name]["path"].endswith(name)
        _assert_unsupported_raw(problems[name]["message"], name)
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
        _assert_unsupported_raw(line, name)
    assert any(line.startswith(f"raw_card/{JPEG_NAMED_NEF}: a JPEG named as RAW") for line in skipped)
    assert sorted(report["inserted"]) == [f"raw_card/{name}" for name in sorted(PHOTOS)]
    assert sorted(row["original_name"] for row in proofdesk.rows()) == sorted(PHOTOS)

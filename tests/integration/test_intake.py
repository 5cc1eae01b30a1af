"""Stages 1-4 end to end through the CLI, on the real GPS samples and on generated bad files."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.contract.exif.contract import GPS_SET
from tests.support.corpus import make_hostile_set, write_jpeg

from .conftest import Proofdesk


def copy_set(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    for path in target.iterdir():
        path.chmod(0o644)
    return target


def test_gps_set_gives_nine_rows_matching_exif_and_rerun_changes_nothing(
    proofdesk: Proofdesk, gps_set: Path, snapshot: Callable[[Proofdesk], dict[str, Any]]
) -> None:
    result = proofdesk("run", str(gps_set), "--until", "queue")
    assert result.exit_code == 0, result.output
    rows = proofdesk.rows()
    assert len(rows) == 9
    for row in rows:
        captured_at, gps_utc, latitude, longitude = GPS_SET[row["original_name"]]
        assert row["set_name"] == "gps"
        assert row["captured_at"] == captured_at
        # the COOLPIX's GPS date runs a day late (22 h from the wall time): ignored, with a note
        assert row["gps_timestamp_utc"] is None
        assert any(gps_utc in note for note in row["metadata_notes"])
        assert row["utc_offset"] == "+02:00" and row["utc_offset_source"] == "gps_zone"
        assert (row["camera_make"], row["camera_model"]) == ("NIKON", "COOLPIX P6000")
        assert row["gps_latitude"] == pytest.approx(latitude, abs=1e-6)
        assert row["gps_longitude"] == pytest.approx(longitude, abs=1e-6)
        assert row["status"] == "ingested" and row["stages_done"] == ["exif"]
        assert Path(row["incoming_path"]).is_file()
    assert len(proofdesk.incoming_files()) == 9
    first = snapshot(proofdesk)

    again = proofdesk("run", str(gps_set), "--until", "queue", "--json")
    assert again.exit_code == 0, again.output
    report = json.loads(again.stdout)
    assert report["inserted"] == [] and report["refreshed"] == [] and len(report["unchanged"]) == 9
    assert snapshot(proofdesk) == first


def test_hostile_set_fails_validation_naming_every_file_and_writes_nothing(
    proofdesk: Proofdesk, tmp_path: Path
) -> None:
    set_dir = tmp_path / "cards" / "2026-06-12_lofoten"
    bad = make_hostile_set(set_dir, tmp_path / "outside")
    result = proofdesk("run", str(set_dir))
    assert result.exit_code == 2
    report = result.stderr
    for name in bad:
        shown = name.replace("\n", "\\n") if "\n" in name else name
        assert any(shown in line or name.splitlines()[0] in line for line in report.splitlines()), (name, report)
    assert "zero-byte" in report and "truncated" in report and "decompression bomb" in report
    assert "symlink leaves the set" in report and "unsafe name" in report and "not an image" in report
    assert "good_1.jpg" not in report
    assert not proofdesk.workdir.exists(), "validation failure must write nothing"

    as_json = proofdesk("run", str(set_dir), "--json")
    assert as_json.exit_code == 2
    problems = json.loads(as_json.stdout)["validation"]["problems"]
    assert sorted(p["name"] for p in problems) == sorted(bad)
    assert not proofdesk.workdir.exists()


def test_skip_invalid_takes_the_good_files_and_lists_the_skips(proofdesk: Proofdesk, tmp_path: Path) -> None:
    set_dir = tmp_path / "cards" / "lofoten"
    bad = make_hostile_set(set_dir, tmp_path / "outside")
    result = proofdesk("run", str(set_dir), "--until", "queue", "--skip-invalid", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert len(report["skipped"]) == len(bad)
    assert sorted(row["original_name"] for row in proofdesk.rows()) == ["good_1.jpg", "good_2.jpg"]
    assert len(proofdesk.incoming_files()) == 2


def test_broken_exif_samples_are_valid_photos_with_empty_or_partial_facts(
    proofdesk: Proofdesk, samples: Path, tmp_path: Path
) -> None:
    set_dir = copy_set(samples / "jpg" / "invalid", tmp_path / "broken_exif")
    shutil.copy(samples / "jpg" / "corrupted.jpg", set_dir / "corrupted.jpg")
    result = proofdesk("run", str(set_dir), "--until", "queue")
    assert result.exit_code == 0, result.output
    rows = {row["original_name"]: row for row in proofdesk.rows()}
    assert len(rows) == 8
    for name, row in rows.items():
        if name == "corrupted.jpg":
            assert row["captured_at"] == "2015-09-08T11:02:17" and row["camera_make"] == "OLYMPUS IMAGING CORP."
        else:
            assert row["captured_at"] is None and row["camera_make"] is None and row["gps_latitude"] is None


def test_validation_problems_with_folders(proofdesk: Proofdesk, tmp_path: Path) -> None:
    empty = tmp_path / "empty_set"
    empty.mkdir()
    (empty / "README.txt").write_text("not a photo")
    result = proofdesk("run", str(tmp_path / "missing_set"), str(empty))
    assert result.exit_code == 2
    assert "missing_set: set folder does not exist" in result.stderr
    assert "empty_set: the set holds no photos" in result.stderr
    assert not proofdesk.workdir.exists()


def test_duplicates_inside_a_set_and_across_sets(proofdesk: Proofdesk, tmp_path: Path) -> None:
    first = tmp_path / "set_a"
    write_jpeg(first / "a.jpg", seed=10)
    write_jpeg(first / "b.jpg", seed=11)
    shutil.copy(first / "a.jpg", first / "a_copy.jpg")
    result = proofdesk("run", str(first))
    assert result.exit_code == 2 and "a_copy.jpg: same image as a.jpg" in result.stderr

    (first / "a_copy.jpg").unlink()
    assert proofdesk("run", str(first), "--until", "queue").exit_code == 0
    second = tmp_path / "set_b"
    write_jpeg(second / "c.jpg", seed=12)
    shutil.copy(first / "a.jpg", second / "same_as_a.jpg")
    result = proofdesk("run", str(second), "--until", "queue", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert any("same_as_a.jpg" in d and "set_a/a.jpg" in d for d in report["duplicates"])
    assert sorted(r["original_name"] for r in proofdesk.rows()) == ["a.jpg", "b.jpg", "c.jpg"]


def test_changed_file_is_refreshed_keeping_human_edits(proofdesk: Proofdesk, tmp_path: Path) -> None:
    from proofdesk.adapters.storage.sql import SqlQueueStore
    from proofdesk.core.domain import queue
    from proofdesk.core.domain.models import ProofVerdict, RowStatus

    set_dir = tmp_path / "set"
    write_jpeg(set_dir / "a.jpg", seed=1)
    write_jpeg(set_dir / "b.jpg", seed=2)
    assert proofdesk("run", str(set_dir), "--until", "queue").exit_code == 0

    store = SqlQueueStore(f"sqlite:///{proofdesk.workdir / 'queue.sqlite'}")
    with store.unit_of_work() as uow:  # as if stage 7 and a reviewer had been through
        row = uow.rows.get("set", "a.jpg")
        row = row.model_copy(update={"status": RowStatus.PENDING, "caption": "AI caption.", "alt_text": "AI alt",
                                     "keywords": ["ai"], "brisque_score": 30.0, "stages_done": ["exif", "score"]})
        row = queue.edit(row, {"caption": "A human wrote this caption."},
                         lambda r: (ProofVerdict.ACCEPTED, []))
        uow.rows.update(queue.approve(row))
        uow.commit()
    store.close()
    old_sha = {r["original_name"]: r["sha256"] for r in proofdesk.rows()}

    write_jpeg(set_dir / "a.jpg", seed=1, quality=70)  # the photographer re-exported a.jpg: same picture, new bytes
    result = proofdesk("run", str(set_dir), "--until", "queue", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["refreshed"] == ["set/a.jpg"] and report["unchanged"] == ["set/b.jpg"]
    rows = {r["original_name"]: r for r in proofdesk.rows()}
    a = rows["a.jpg"]
    assert a["sha256"] != old_sha["a.jpg"] and rows["b.jpg"]["sha256"] == old_sha["b.jpg"]
    assert a["status"] == "ingested"  # approval dropped, back through the stages to review
    assert a["caption"] == "A human wrote this caption." and a["edited_fields"] == ["caption"]
    assert a["alt_text"] is None and a["keywords"] == [] and a["brisque_score"] is None
    assert Path(a["incoming_path"]).read_bytes() == (set_dir / "a.jpg").read_bytes()
    assert len(proofdesk.incoming_files()) == 2  # the superseded copy was removed

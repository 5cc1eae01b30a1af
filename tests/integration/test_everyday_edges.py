"""The small promises of everyday use: a first run that knows what to suggest, doctor and status
that do not trip over what is not there, approvals that leave cull suggestions alone, one message
for a refused export, the contact sheet's filters and a set name that cannot be a path."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.integration.conftest import Proofdesk

OFFLINE = {"PROOFDESK_CAPTIONER__BACKEND": "offline"}
ALL_FRAMES = {**OFFLINE, "PROOFDESK_CAPTIONER__SCOPE": "all"}
NO_SERVER = {"PROOFDESK_CAPTIONER__URL": "http://127.0.0.1:9", "PROOFDESK_CAPTIONER__RETRIES": "1"}


def test_a_first_run_without_a_config_or_a_model_server_says_how_to_caption_offline_or_write_a_config(
    proofdesk: Proofdesk, camera_set: Path
) -> None:
    result = proofdesk("run", str(camera_set), "--no-review", env=NO_SERVER)
    assert result.exit_code == 4, result.output
    assert "Traceback" not in result.output
    assert "http://127.0.0.1:9" in result.output
    assert "PROOFDESK_CAPTIONER__BACKEND=offline" in result.output and "`proofdesk init`" in result.output


def test_a_run_with_a_config_naming_a_model_server_that_is_down_gets_no_first_run_advice(
    proofdesk: Proofdesk, camera_set: Path
) -> None:
    config = proofdesk.cwd / "proofdesk.toml"
    config.write_text('[captioner]\nurl = "http://127.0.0.1:9"\nretries = 1\n', encoding="utf-8")
    result = proofdesk("--config", str(config), "run", str(camera_set), "--no-review")
    assert result.exit_code == 4, result.output
    assert "http://127.0.0.1:9" in result.output and "proofdesk init" not in result.output


def test_doctor_does_not_fail_on_missing_files_of_scoring_engines_that_are_not_configured(proofdesk: Proofdesk) -> None:
    config = proofdesk.cwd / "proofdesk.toml"
    config.write_text(
        '[captioner]\nbackend = "offline"\n\n[scoring]\nbrisque_engine = "fallback"\naesthetic_engine = "fallback"\n'
        'brisque_model = "gone/brisque_model_live.yml"\nbrisque_range = "gone/brisque_range_live.yml"\n'
        'clip_weights = "gone/open_clip.bin"\naesthetic_head = "gone/head.pth"\n', encoding="utf-8")
    result = proofdesk("--config", str(config), "doctor", "--json")
    checks = {check["check"]: check for check in json.loads(result.stdout)["checks"]}
    assert checks["files"]["ok"], checks["files"]
    assert "gone/" not in checks["files"]["detail"]
    assert result.exit_code == 0, result.output


def test_doctor_still_fails_on_a_missing_file_of_a_configured_scoring_engine(proofdesk: Proofdesk) -> None:
    config = proofdesk.cwd / "proofdesk.toml"
    config.write_text('[captioner]\nbackend = "offline"\n\n[scoring]\naesthetic_engine = "open_clip"\n'
                      'clip_weights = "gone/open_clip.bin"\n', encoding="utf-8")
    result = proofdesk("--config", str(config), "doctor", "--json")
    checks = {check["check"]: check for check in json.loads(result.stdout)["checks"]}
    assert not checks["files"]["ok"] and "scoring.clip_weights" in checks["files"]["detail"]
    assert result.exit_code == 4


def test_status_in_an_empty_folder_exits_0_with_empty_counts_and_creates_no_queue(proofdesk: Proofdesk) -> None:
    result = proofdesk("status", "--json")
    assert result.exit_code == 0, result.output
    assert not proofdesk.workdir.exists()
    text = proofdesk("status")
    assert text.exit_code == 0 and "not created yet" in text.output
    assert not proofdesk.workdir.exists()
    assert proofdesk("db", "upgrade").exit_code == 0  # the same counts as an empty queue that exists
    assert json.loads(result.stdout) == proofdesk.status()


def _demo_desk_all_captioned(proofdesk: Proofdesk, demo_set: Path, tmp_path: Path) -> Path:
    """The demo set run with `captioner.scope = all`: every frame captioned, DSC_0105 (the motorcycle
    pair's second frame) suggested for culling; its offline caption near-duplicates its keeper's
    (blocked across the scene), so a person writes its own text and it is accepted."""
    set_dir = tmp_path / demo_set.name
    shutil.copytree(demo_set, set_dir)
    result = proofdesk("run", str(set_dir), "--no-review", env=ALL_FRAMES)
    assert result.exit_code == 3, result.output
    [blocked] = [row for row in proofdesk.rows() if row["metadata_quality"] == "blocked"]
    assert blocked["original_name"] == "DSC_0105.jpg"
    assert any("a frame of the same scene" in reason["message"] for reason in blocked["proof_reasons"])
    edited = proofdesk("edit", "DSC_0105.jpg", "--caption", "A parked motorcycle seen from its left side, a second take.",
                       "--alt-text", "Motorcycle parked on a street, seen from the left", env=ALL_FRAMES)
    assert edited.exit_code == 0, edited.output
    culled = [row for row in proofdesk.rows() if row["cull_suggested"]]
    assert [(row["original_name"], row["metadata_quality"]) for row in culled] == [("DSC_0105.jpg", "accepted")]
    return set_dir


def test_approve_all_accepted_leaves_an_accepted_frame_suggested_for_culling_pending_and_says_so(
    proofdesk: Proofdesk, demo_set: Path, tmp_path: Path
) -> None:
    _demo_desk_all_captioned(proofdesk, demo_set, tmp_path)
    result = proofdesk("approve", "--all-accepted", env=ALL_FRAMES)
    assert result.exit_code == 0, result.output
    status = {row["original_name"]: row["status"] for row in proofdesk.rows()}
    assert status.pop("DSC_0105.jpg") == "pending"
    assert set(status.values()) == {"approved"}
    assert "DSC_0105.jpg" in result.output and "--include-culled" in result.output
    as_json = json.loads(proofdesk("approve", "--all-accepted", "--json", env=ALL_FRAMES).stdout)
    assert as_json["done"] == [] and as_json["skipped_culled"] == ["2019-10-12_lucca/DSC_0105.jpg"]


def test_approve_all_accepted_include_culled_approves_the_frames_suggested_for_culling_too(
    proofdesk: Proofdesk, demo_set: Path, tmp_path: Path
) -> None:
    _demo_desk_all_captioned(proofdesk, demo_set, tmp_path)
    result = proofdesk("approve", "--all-accepted", "--include-culled", env=ALL_FRAMES)
    assert result.exit_code == 0, result.output
    assert {row["status"] for row in proofdesk.rows()} == {"approved"}
    assert proofdesk("reject", "DSC_0101.jpg", "--include-culled", env=ALL_FRAMES).exit_code == 2


def test_export_xmp_with_blocked_rows_says_in_one_message_which_sidecars_it_wrote_and_why_export_json_is_refused(
    proofdesk: Proofdesk, demo_set: Path, tmp_path: Path
) -> None:
    set_dir = tmp_path / demo_set.name
    shutil.copytree(demo_set, set_dir)
    assert proofdesk("run", str(set_dir), "--no-review", env=OFFLINE).exit_code == 0
    assert proofdesk("approve", "DSC_0101.jpg", env=OFFLINE).exit_code == 0
    taken = proofdesk("show", "DSC_0101.jpg", "--json", env=OFFLINE)
    assert proofdesk("edit", "DSC_0102.jpg", "--caption", json.loads(taken.stdout)["caption"], env=OFFLINE).exit_code == 0
    sidecars = tmp_path / "sidecars"
    [run_export] = proofdesk.workdir.rglob("export.json")  # the run's, from before the edit
    before = run_export.read_bytes()
    result = proofdesk("export", "--xmp", str(sidecars), env=OFFLINE)
    assert result.exit_code == 3, result.output
    [message] = result.output.splitlines()
    assert message.startswith(f"proofdesk: wrote 1 XMP sidecar(s) for 1 approved row(s) to {sidecars}; ")
    assert "export.json not written: 1 row(s) are blocked by the proof: 2019-10-12_lucca/DSC_0102.jpg" in message
    assert [p.name for p in sidecars.rglob("*.xmp")] == ["lucca-2019-10-12-1502-dsc-0101.jpg.xmp"]
    assert list(proofdesk.workdir.rglob("export.json")) == [run_export] and run_export.read_bytes() == before


def test_the_contact_sheet_filters_rejected_published_and_culled_rows(
    proofdesk: Proofdesk, demo_set: Path, tmp_path: Path
) -> None:
    set_dir = tmp_path / demo_set.name
    shutil.copytree(demo_set, set_dir)
    assert proofdesk("run", str(set_dir), "--no-review", env=OFFLINE).exit_code == 0  # DSC_0105: cull suggested
    assert proofdesk("approve", "DSC_0101.jpg", env=OFFLINE).exit_code == 0
    assert proofdesk("publish", "--yes", env=OFFLINE).exit_code == 0
    assert proofdesk("reject", "DSC_0103.jpg", env=OFFLINE).exit_code == 0
    sheet = tmp_path / "sheet.html"
    assert proofdesk("report", "--output", str(sheet), env=OFFLINE).exit_code == 0
    page = sheet.read_text(encoding="utf-8")
    for link in ("rejected (1)", "published (1)", "culled (1)"):
        assert f'<a href="#{link.split()[0]}">{link}</a>' in page
    groups = dict((key.rsplit("/", 1)[1], names.split()) for names, key in
                  re.findall(r'data-groups="([^"]*)" data-key="([^"]*)"', page))
    assert "published" in groups["DSC_0101.jpg"] and "rejected" in groups["DSC_0103.jpg"]
    assert [name for name, names in groups.items() if "culled" in names] == ["DSC_0105.jpg"]


@pytest.mark.parametrize("set_name", ["card2/DCIM", "..", "../lucca", "card2\\DCIM"])
def test_a_set_name_with_a_path_separator_or_dots_is_refused_as_a_bad_set_name(
    proofdesk: Proofdesk, camera_set: Path, set_name: str
) -> None:
    result = proofdesk("run", str(camera_set), "--no-review", "--set-name", set_name, env=OFFLINE)
    assert result.exit_code == 2, result.output
    assert f"--set-name {set_name!r} is not a usable set name" in result.output
    assert "set folder" not in result.output and "rename the file" not in result.output
    assert proofdesk.incoming_files() == [] and not proofdesk.workdir.exists()

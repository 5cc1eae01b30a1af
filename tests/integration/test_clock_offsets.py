"""`run --clock-offset`: a camera whose clock ran on another zone. The stated offset is applied to
every time derived from the capture (caption facts, time of day, file name), normalised as typed
("+5" -> "+05:00"), cleared with `none`, and a change on a rerun writes and proves the set's rows
again (a person's text is kept and proven again; an approval is dropped)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.integration.conftest import Proofdesk

OFFLINE = {"PROOFDESK_CAPTIONER__BACKEND": "offline"}


def _card(tmp_path: Path, gps_set: Path) -> Path:
    # DSCN0010: the camera clock says 16:28:39 on 22 October 2008, in Arezzo (CEST, +02:00); its GPS
    # time stamp is a day late and ignored, so nothing but the clock says when
    card = tmp_path / "card" / "arezzo"
    card.mkdir(parents=True)
    shutil.copy(gps_set / "DSCN0010.jpg", card / "DSCN0010.jpg")
    return card


def _row(proofdesk: Proofdesk) -> dict[str, object]:
    (row,) = proofdesk.rows()
    return row


def test_a_stated_clock_offset_moves_every_time_the_caption_and_file_name_say(proofdesk: Proofdesk, tmp_path: Path,
                                                                              gps_set: Path) -> None:
    card = _card(tmp_path, gps_set)
    result = proofdesk("run", str(card), "--no-review", "--clock-offset", "-07:00", env=OFFLINE)
    assert result.exit_code in (0, 3), result.output
    row = _row(proofdesk)
    # the clock ran on -07:00: 16:28 there was 23:28 UTC, 01:28 the next day in Arezzo
    assert (row["clock_offset"], row["utc_offset"], row["utc_offset_source"]) == ("-07:00", "+02:00", "clock_offset")
    assert row["captured_at"] == "2008-10-22T16:28:39"  # the file's own fact stays as recorded
    text = f"{row['caption']} {row['alt_text']} {row['file_name']}"
    assert "01:28" in row["caption"] and "2008-10-23" in row["file_name"] and "0128" in row["file_name"], text
    assert "16:28" not in text and "1628" not in text
    assert "night" in row["keywords"]


def test_an_offset_is_normalised_changed_on_a_rerun_and_cleared_with_none(proofdesk: Proofdesk, tmp_path: Path,
                                                                          gps_set: Path) -> None:
    card = _card(tmp_path, gps_set)
    assert proofdesk("run", str(card), "--no-review", env=OFFLINE).exit_code in (0, 3)
    assert "16:28" in str(_row(proofdesk)["caption"])

    assert proofdesk("run", str(card), "--no-review", "--clock-offset", "+5", env=OFFLINE).exit_code in (0, 3)
    row = _row(proofdesk)
    assert row["clock_offset"] == "+05:00"  # stored normalised, not as typed
    assert "13:28" in str(row["caption"]) and row["metadata_quality"] == "accepted"  # 11:28 UTC, 13:28 in Arezzo

    assert proofdesk("run", str(card), "--no-review", "--clock-offset", "none", env=OFFLINE).exit_code in (0, 3)
    row = _row(proofdesk)
    assert row["clock_offset"] is None and row["utc_offset_source"] == "gps_zone"
    assert "16:28" in str(row["caption"])


def test_a_new_offset_drops_the_approval_and_proves_a_persons_text_again(proofdesk: Proofdesk, tmp_path: Path,
                                                                         gps_set: Path) -> None:
    card = _card(tmp_path, gps_set)
    assert proofdesk("run", str(card), "--no-review", env=OFFLINE).exit_code in (0, 3)
    edited = proofdesk("edit", "DSCN0010.jpg", "--caption", "Late afternoon light on the old town walls of Arezzo.",
                       "--json", env=OFFLINE)
    assert edited.exit_code == 0 and json.loads(edited.stdout)["metadata_quality"] == "accepted", edited.output
    assert proofdesk("approve", "DSCN0010.jpg", env=OFFLINE).exit_code == 0
    assert _row(proofdesk)["status"] == "approved"

    # the clock was on -07:00 after all: it was past one in the morning, not late afternoon
    assert proofdesk("run", str(card), "--no-review", "--clock-offset", "-07:00", env=OFFLINE).exit_code in (0, 3)
    row = _row(proofdesk)
    assert row["caption"] == "Late afternoon light on the old town walls of Arezzo."  # the person's text is kept
    assert row["status"] == "pending"  # the approval is gone
    assert row["metadata_quality"] == "blocked"
    assert any(reason["rule"].startswith("time") for reason in row["proof_reasons"]), row["proof_reasons"]

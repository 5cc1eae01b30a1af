"""Real cards, real mistakes: nothing lost, nothing overwritten. Two cards with the same DCIM
folder name, a replaced photo (the same picture re-exported vs a different picture), edits while a
session is open, relative SQLite URLs, names that differ only in case or accents on MySQL, and
RAW + JPEG pairs (one picture, `intake.raw_pairs`; more in test_raw_originals.py)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

from tests.integration.conftest import Proofdesk

OFFLINE = {"PROOFDESK_CAPTIONER__BACKEND": "offline"}


def card(root: Path, samples: Path, photos: list[str]) -> Path:
    """A card's DCIM/100CANON folder holding the sample photos under IMG_000N.JPG names."""
    folder = root / "DCIM" / "100CANON"
    folder.mkdir(parents=True)
    for number, photo in enumerate(photos, start=1):
        shutil.copy(samples / "jpg" / "gps" / photo, folder / f"IMG_000{number}.JPG")
    return folder


def test_two_cards_with_the_same_folder_name_keep_both_sets(proofdesk: Proofdesk, tmp_path: Path, samples: Path) -> None:
    first = card(tmp_path / "card1", samples, ["DSCN0010.jpg", "DSCN0012.jpg"])
    second = card(tmp_path / "card2", samples, ["DSCN0021.jpg", "DSCN0025.jpg"])
    assert proofdesk("run", str(first), "--no-review", env=OFFLINE).exit_code == 0
    clash = proofdesk("run", str(second), "--no-review", env=OFFLINE)
    assert clash.exit_code == 2
    assert str(first) in clash.output and str(second) in clash.output and "--set-name" in clash.output
    assert len(proofdesk.rows()) == 2  # nothing of the second card was taken in

    assert proofdesk("run", str(second), "--set-name", "100CANON_card2", "--no-review", env=OFFLINE).exit_code == 0
    rows = proofdesk.rows()
    by_set: dict[str, dict[str, str]] = {}
    for row in rows:
        by_set.setdefault(row["set_name"], {})[row["original_name"]] = row["sha256"]
    assert set(by_set) == {"100CANON", "100CANON_card2"}
    assert by_set["100CANON"].keys() == by_set["100CANON_card2"].keys() == {"IMG_0001.JPG", "IMG_0002.JPG"}
    assert set(by_set["100CANON"].values()).isdisjoint(by_set["100CANON_card2"].values())
    assert len(proofdesk.incoming_files()) == 4 and all(Path(r["incoming_path"]).exists() for r in rows)

    assert proofdesk("approve", "--all-accepted", env=OFFLINE).exit_code == 0
    assert proofdesk("publish", "--yes", env=OFFLINE).exit_code == 0
    published = sorted((proofdesk.workdir / "published").glob("*.jpg"))
    assert len(published) == 4  # both cards' images, none replaced by the other
    assert {r["status"] for r in proofdesk.rows()} == {"published"}


def reexport(source: Path, target: Path) -> None:
    """The same picture, saved again (another quality: new bytes, new sha256)."""
    with Image.open(source) as image:
        image.save(target, "JPEG", quality=70, exif=image.info.get("exif", b""))


def test_a_reexport_keeps_the_edits_but_needs_approval_again(proofdesk: Proofdesk, tmp_path: Path, samples: Path) -> None:
    folder = card(tmp_path / "card", samples, ["DSCN0010.jpg"])
    assert proofdesk("run", str(folder), "--no-review", env=OFFLINE).exit_code == 0
    caption = "The old town of Arezzo in the warm light of a late October afternoon."
    assert proofdesk("edit", "IMG_0001.JPG", "--caption", caption, env=OFFLINE).exit_code == 0
    assert proofdesk("approve", "IMG_0001.JPG", env=OFFLINE).exit_code == 0
    reexport(samples / "jpg" / "gps" / "DSCN0010.jpg", folder / "IMG_0001.JPG")
    assert proofdesk("run", str(folder), "--until", "queue", env=OFFLINE).exit_code == 0
    [row] = proofdesk.rows()
    assert row["caption"] == caption and "caption" in row["edited_fields"]
    assert row["status"] != "approved" and row["metadata_quality"] is None and row["history"] == []


def test_a_different_picture_under_the_same_name_is_captioned_anew_and_the_old_text_kept(
    proofdesk: Proofdesk, tmp_path: Path, samples: Path
) -> None:
    folder = card(tmp_path / "card", samples, ["DSCN0010.jpg"])
    assert proofdesk("run", str(folder), "--no-review", env=OFFLINE).exit_code == 0
    caption = "The old town of Arezzo in the warm light of a late October afternoon."
    assert proofdesk("edit", "IMG_0001.JPG", "--caption", caption, env=OFFLINE).exit_code == 0
    assert proofdesk("approve", "IMG_0001.JPG", env=OFFLINE).exit_code == 0
    old_sha = proofdesk.rows()[0]["sha256"]
    shutil.copy(samples / "jpg" / "gps" / "DSCN0042.jpg", folder / "IMG_0001.JPG")  # another picture
    result = proofdesk("run", str(folder), "--no-review", env=OFFLINE)
    assert result.exit_code == 0, result.output
    [row] = proofdesk.rows()
    assert row["caption"] != caption and row["caption_source"] == "offline" and row["edited_fields"] == []
    [old] = row["history"]
    assert old["caption"] == caption and old["sha256"] == old_sha and old["status"] == "approved"
    assert proofdesk("approve", "--all-accepted", env=OFFLINE).exit_code == 0
    assert proofdesk("publish", "--yes", env=OFFLINE).exit_code == 0
    gallery_caption = json.loads(proofdesk("rows", "--json").stdout)[0]["caption"]
    assert gallery_caption != caption  # the old picture's text is never published for the new one


def test_row_commands_on_a_row_of_an_open_session_exit_5(proofdesk: Proofdesk, tmp_path: Path, samples: Path) -> None:
    folder = card(tmp_path / "card", samples, ["DSCN0010.jpg", "DSCN0012.jpg"])
    assert proofdesk("run", str(folder), "--no-review", env=OFFLINE).exit_code == 0
    (folder / "IMG_0003.JPG").write_bytes((samples / "jpg" / "gps" / "DSCN0021.jpg").read_bytes())
    killed = proofdesk.subprocess("run", str(folder), "--no-review",
                                  env={**OFFLINE, "PROOFDESK_FAULT": "stage4.after_insert:1"})
    assert killed.returncode != 0  # the session is left open
    session = proofdesk.status()["open_session"]
    assert session
    edit = proofdesk("edit", "IMG_0003.JPG", "--caption", "A hand-written caption that a rollback would destroy.",
                     env=OFFLINE)
    assert edit.exit_code == 5 and session in edit.output
    assert proofdesk("approve", "IMG_0003.JPG", env=OFFLINE).exit_code == 5
    assert proofdesk("rollback", env=OFFLINE).exit_code == 0
    assert "IMG_0003.JPG" not in {r["original_name"] for r in proofdesk.rows()}


def test_relative_sqlite_urls_are_relative_to_the_config_file(tmp_path: Path, samples: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    config = project / "proofdesk.toml"
    config.write_text('workdir = "work"\n[storage]\nurl = "sqlite:///queue.sqlite"\n'
                      '[gallery]\nurl = "sqlite:///gallery.sqlite"\n[captioner]\nbackend = "offline"\n')
    folder = card(tmp_path / "card", samples, ["DSCN0010.jpg"])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    desk = Proofdesk(elsewhere)
    assert desk("--config", str(config), "run", str(folder), "--no-review").exit_code == 0
    assert (project / "queue.sqlite").exists() and not (elsewhere / "queue.sqlite").exists()
    other = tmp_path / "other"
    other.mkdir()
    assert len(json.loads(Proofdesk(other)("--config", str(config), "rows", "--json").stdout)) == 1


@pytest.mark.skipif(not os.environ.get("PROOFDESK_TEST_MYSQL_URL"), reason="set PROOFDESK_TEST_MYSQL_URL to run MySQL tests")
def test_names_that_differ_only_in_case_or_accents_are_different_rows_on_mysql(
    proofdesk: Proofdesk, tmp_path: Path, samples: Path
) -> None:
    import uuid

    import pymysql

    database = f"pdk_{uuid.uuid4().hex[:10]}"
    connection = pymysql.connect(host="127.0.0.1", user="root", port=3306)
    connection.cursor().execute(f"CREATE DATABASE {database}")
    try:
        folder = tmp_path / "names"
        folder.mkdir()
        for name, photo in (("A.jpg", "DSCN0010.jpg"), ("a.jpg", "DSCN0012.jpg"),
                            ("café.jpg", "DSCN0021.jpg"), ("cafe.jpg", "DSCN0025.jpg")):
            shutil.copy(samples / "jpg" / "gps" / photo, folder / name)
        env = {**OFFLINE, "PROOFDESK_STORAGE__URL": f"mysql+pymysql://root@127.0.0.1:3306/{database}"}
        result = proofdesk("run", str(folder), "--no-review", env=env)
        assert result.exit_code in (0, 3), result.output
        rows = json.loads(proofdesk("rows", "--json", env=env).stdout)
        assert sorted(r["original_name"] for r in rows) == sorted(["A.jpg", "a.jpg", "café.jpg", "cafe.jpg"])
    finally:
        connection.cursor().execute(f"DROP DATABASE {database}")
        connection.close()


def test_a_raw_file_beside_its_jpeg_is_one_picture_with_its_jpeg_and_a_raw_without_data_is_refused(
        proofdesk: Proofdesk, tmp_path: Path, samples: Path) -> None:
    folder = card(tmp_path / "card", samples, ["DSCN0010.jpg"])
    (folder / "IMG_0001.CR2").write_bytes(b"II*\x00 raw sensor data")  # a pair: the JPEG is the picture
    result = proofdesk("run", str(folder), "--until", "queue", env=OFFLINE)
    assert result.exit_code == 0, result.output
    assert "IMG_0001.CR2: raw file of a pair: IMG_0001.JPG beside it is the picture" in result.output
    rows = proofdesk.rows()
    assert [(r["original_name"], r["raw_original_name"]) for r in rows] == [("IMG_0001.JPG", "IMG_0001.CR2")]
    alone = tmp_path / "raw_only"
    alone.mkdir()
    (alone / "IMG_0009.NEF").write_bytes(b"II*\x00 raw sensor data")
    refused = proofdesk("run", str(alone), "--until", "validate", env=OFFLINE)
    assert refused.exit_code == 2 and "IMG_0009.NEF: no picture data in this RAW file" in refused.output
    assert "unsupported image format" not in refused.output

"""Offline facts from GPS, end to end through the CLI: place names on the demo set, no coordinates
in published text or GPS in published copies (unless `publish.keep_gps`), the time zone of photos
written without an offset or a GPS clock, and a model answer naming a far place."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pyexiv2
import pytest
from proofdesk.core.domain.places import find_coordinates

from tests.integration.conftest import Proofdesk
from tests.integration.test_captioning import env_for, server  # noqa: F401 - the scripted Ollama fixture
from tests.support.ollama_server import Reply, ScriptedOllama


def _dms(value: float) -> str:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60 * 100)
    return f"{degrees}/1 {minutes}/1 {seconds}/100"


def photo_at(folder: Path, name: str, samples: Path, latitude: float, longitude: float, wall: str) -> Path:
    """A real JPEG with a GPS position and a DateTimeOriginal, but no OffsetTimeOriginal and no GPS
    time stamp: only the position's time zone can say when it was taken."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes((samples / "jpg" / "Canon_40D.jpg").read_bytes())
    with pyexiv2.Image(str(path)) as image:
        image.modify_exif({
            "Exif.Photo.DateTimeOriginal": wall,
            "Exif.GPSInfo.GPSVersionID": "2 3 0 0",
            "Exif.GPSInfo.GPSLatitudeRef": "N" if latitude >= 0 else "S",
            "Exif.GPSInfo.GPSLatitude": _dms(latitude),
            "Exif.GPSInfo.GPSLongitudeRef": "E" if longitude >= 0 else "W",
            "Exif.GPSInfo.GPSLongitude": _dms(longitude),
        })
        assert "Exif.Photo.OffsetTimeOriginal" not in image.read_exif()
    return path


def demo_config(desk: Proofdesk, keep_gps: bool) -> Path:
    """The desk's own config (beside its ./.proofdesk workdir, so `rows` without --config sees the queue)."""
    config = desk.cwd / "proofdesk.toml"
    config.write_text('[captioner]\nbackend = "offline"\n[publish]\nuploader = "local"\n'
                      f"keep_gps = {'true' if keep_gps else 'false'}\n")
    return config


def gps_tags(path: Path) -> list[str]:
    with pyexiv2.Image(str(path)) as image:
        return [key for key in (*image.read_exif(), *image.read_xmp()) if "GPS" in key]


@pytest.mark.parametrize("keep_gps", [False, True], ids=["default", "keep_gps"])
def test_demo_rows_name_lucca_and_published_text_and_copies_carry_no_position(
    proofdesk: Proofdesk, tmp_path: Path, demo_set: Path, keep_gps: bool
) -> None:
    config = str(demo_config(proofdesk, keep_gps))
    set_dir = tmp_path / demo_set.name
    shutil.copytree(demo_set, set_dir)
    assert proofdesk("--config", config, "run", str(set_dir), "--no-review").exit_code == 0
    rows = proofdesk("--config", config, "rows", "--json")
    rows = json.loads(rows.stdout)
    assert len(rows) == 6 and all((r["place_city"], r["place_region"], r["place_country"]) == ("Lucca", "Tuscany", "Italy")
                                  for r in rows)
    assert all((r["time_zone"], r["utc_offset"], r["utc_offset_source"]) == ("Europe/Rome", "+02:00", "gps_time") for r in rows)
    # the scene's other frame waits for its keeper (captioner.scope = keepers): no caption, no verdict
    captioned = [r for r in rows if not r["cull_suggested"]]
    [culled] = [r["original_name"] for r in rows if r["cull_suggested"]]
    assert culled in ("DSC_0105.jpg", "DSC_0106.jpg")  # a frame of the motorcycle pair
    assert all({"lucca", "tuscany", "italy"} <= set(r["keywords"]) for r in captioned)  # kept by the keyword rule
    assert all(r["metadata_quality"] == "accepted" for r in captioned)

    assert proofdesk("--config", config, "approve", "--all-accepted").exit_code == 0
    assert proofdesk("--config", config, "publish", "--yes").exit_code == 0
    published = sorted((proofdesk.workdir / "published").glob("*.jpg"))
    thumbs = sorted((proofdesk.workdir / "published" / "thumbs").glob("*.jpg"))
    assert len(published) == len(captioned) == len(thumbs) == 5
    for row in json.loads(proofdesk("--config", config, "rows", "--json").stdout):
        if row["status"] != "published":
            continue
        for text in (row["caption"], row["alt_text"], row["file_name"], " ".join(row["keywords"])):
            assert find_coordinates(text) == [], text
        assert str(round(row["gps_latitude"], 3)) not in row["caption"] + row["alt_text"]
    for image in published:
        assert bool(gps_tags(image)) == keep_gps, image
    assert all(gps_tags(thumb) == [] for thumb in thumbs)


def test_time_zone_from_the_position_when_the_file_has_no_offset(proofdesk: Proofdesk, tmp_path: Path,
                                                                 samples: Path) -> None:
    set_dir = tmp_path / "north"
    photo_at(set_dir, "REINE_2300.jpg", samples, 67.9330, 13.0880, "2026:06:12 23:00:00")
    photo_at(set_dir, "REYKJAVIK_1100.jpg", samples, 64.1466, -21.9426, "2026:12:15 11:00:00")
    photo_at(set_dir, "ATSEA_1200.jpg", samples, 45.0, -30.0, "2026:06:12 12:00:00")
    config = str(demo_config(proofdesk, False))
    result = proofdesk("--config", config, "run", str(set_dir), "--no-review")  # offline captions, then edits
    assert result.exit_code in (0, 3), result.output
    rows = {r["original_name"]: r for r in proofdesk.rows()}
    reine, reykjavik, sea = rows["REINE_2300.jpg"], rows["REYKJAVIK_1100.jpg"], rows["ATSEA_1200.jpg"]
    assert (reine["time_zone"], reine["utc_offset"], reine["utc_offset_source"]) == ("Europe/Oslo", "+02:00", "gps_zone")
    assert reine["place_city"] == "Reine" and reine["place_country"] == "Norway"
    assert (reykjavik["time_zone"], reykjavik["utc_offset"], reykjavik["utc_offset_source"]) == (
        "Atlantic/Reykjavik", "+00:00", "gps_zone")
    assert reykjavik["place_city"] == "Reykjavík"
    assert sea["place_city"] is None and sea["place_country"] is None and sea["time_zone"] is None

    def verdict(name: str, caption: str) -> list[str]:
        result = proofdesk("--config", config, "edit", name, "--caption", caption)
        row = {r["original_name"]: r for r in proofdesk.rows()}[name]
        assert result.exit_code in (0, 2), result.output
        return [r["message"] for r in row["proof_reasons"] if r["rule"] == "time_of_day" and r["kind"] == "violation"]

    assert verdict("REINE_2300.jpg", "Fishing boats rest in the harbour on a calm summer evening.") == []
    [night] = verdict("REINE_2300.jpg", "Fishing boats rest in the harbour late at night under the peaks.")
    assert "night" in night and "above the horizon" in night
    assert verdict("REYKJAVIK_1100.jpg", "The harbour wakes at dawn while the sunrise colours the bay.") == []
    [dark] = verdict("REYKJAVIK_1100.jpg", "The harbour lights glow at night over the quiet bay.")
    assert "night" in dark and "below the horizon" in dark


def test_clock_offset_corrects_a_camera_left_on_home_time(proofdesk: Proofdesk, tmp_path: Path,
                                                         samples: Path) -> None:
    set_dir = tmp_path / "reykjavik_trip"
    photo_at(set_dir, "IMG_0001.jpg", samples, 64.1466, -21.9426, "2026:12:15 12:00:00")
    config = str(demo_config(proofdesk, False))
    assert proofdesk("--config", config, "run", str(set_dir), "--until", "queue").exit_code == 0
    assert proofdesk.rows()[0]["utc_offset_source"] == "gps_zone"
    run = proofdesk("--config", config, "run", str(set_dir), "--until", "queue", "--clock-offset", "+01:00")
    assert run.exit_code == 0, run.output
    [row] = proofdesk.rows()
    # the clock ran on +01:00; the capture is read in Reykjavik's own zone (+00:00) from there
    assert (row["clock_offset"], row["utc_offset"], row["utc_offset_source"]) == ("+01:00", "+00:00", "clock_offset")
    again = proofdesk("--config", config, "run", str(set_dir), "--until", "queue")  # kept for the set
    assert again.exit_code == 0 and proofdesk.rows()[0]["clock_offset"] == "+01:00"
    bad = proofdesk("--config", config, "run", str(set_dir), "--until", "queue", "--clock-offset", "soon")
    assert bad.exit_code == 2 and "--clock-offset" in bad.output


def test_a_model_answer_naming_a_far_place_is_blocked_and_the_next_town_passes(
    proofdesk: Proofdesk, tmp_path: Path, samples: Path, server: ScriptedOllama  # noqa: F811
) -> None:
    set_dir = tmp_path / "barcelona_walk"
    photo_at(set_dir, "IMG_0100.jpg", samples, 41.4036, 2.1744, "2026:06:12 16:00:00")
    photo_at(set_dir, "IMG_0101.jpg", samples, 41.4040, 2.1750, "2026:06:12 16:05:00")

    def answer(body: dict, n: int) -> Reply:
        prompt = body["messages"][-1]["content"]
        far = "16:00" in prompt
        where = "Phuket" if far else "Badalona"
        subject = "spires" if far else "towers"
        return Reply(content=json.dumps({
            "caption": f"Tall {subject} of a basilica rise above the rooftops on the way to {where}.",
            "alt_text": f"Basilica {subject} above rooftops",
            "keywords": ["basilica", subject, "rooftops"],
            "filename": f"basilica-{subject}.jpg",
        }))

    server.script = answer
    result = proofdesk("run", str(set_dir), "--no-review", env=env_for(server, PROOFDESK_CAPTIONER__MAX_REPAIRS="0"))
    assert result.exit_code == 3, result.output
    rows = {r["original_name"]: r for r in proofdesk.rows()}
    far, near = rows["IMG_0100.jpg"], rows["IMG_0101.jpg"]
    assert far["metadata_quality"] == "blocked" and near["metadata_quality"] == "accepted"
    [reason] = [r for r in far["proof_reasons"] if r["rule"] == "place.far"]
    assert "Phuket" in reason["message"] and "Barcelona" in reason["message"]
    km = int(re.search(r"([\d,]+) km away", reason["message"]).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert 9500 < km < 10500
    assert "place: Barcelona, Catalonia, Spain" in server.chat_requests()[0]["messages"][-1]["content"]

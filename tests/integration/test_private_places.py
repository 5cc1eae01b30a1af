"""Private places (`places.private`): a photo taken inside one names no place anywhere (facts,
caption, alt text, keywords, file name, gallery title), is published without any position even with
`publish.keep_gps = true`, and a caption naming the private place is blocked (`place.private`).
A photo outside every private place keeps its place and, with `keep_gps`, its position."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

from tests.integration.conftest import Proofdesk

# Arezzo: DSCN0010 and DSCN0012 were taken 37 m apart; DSCN0042 about 450 m away
PRIVATE = [{"lat": 43.46745, "lon": 11.88513, "radius_m": 150, "label": "Villa Rossi"}]
ENV = {
    "PROOFDESK_CAPTIONER__BACKEND": "offline",
    "PROOFDESK_PLACES__PRIVATE": json.dumps(PRIVATE),
    "PROOFDESK_PUBLISH__KEEP_GPS": "true",
}
PLACE_WORDS = ("arezzo", "tuscany", "toscana", "italy", "italia")


def _gps_tags(path: Path) -> list[str]:
    done = subprocess.run(["exiftool", "-j", "-a", "-G1", "-n", str(path)], capture_output=True, text=True, check=True)
    item = json.loads(done.stdout)[0]
    return [key for key in item if any(word in key.lower() for word in ("gps", "latitude", "longitude"))
            and not key.startswith("Composite")]


def test_a_photo_in_a_private_place_names_no_place_and_publishes_no_position(proofdesk: Proofdesk, tmp_path: Path,
                                                                            gps_set: Path) -> None:
    card = tmp_path / "card" / "garden"
    card.mkdir(parents=True)
    for name in ("DSCN0010.jpg", "DSCN0012.jpg", "DSCN0042.jpg"):
        shutil.copy(gps_set / name, card / name)
    result = proofdesk("run", str(card), "--no-review", env=ENV)
    assert result.exit_code in (0, 3), result.output
    rows = {row["original_name"]: row for row in proofdesk.rows()}
    inside = [rows["DSCN0010.jpg"], rows["DSCN0012.jpg"]]
    outside = rows["DSCN0042.jpg"]
    assert outside["place_city"] == "Arezzo"  # only the private circle loses its names
    for row in inside:
        assert (row["place_city"], row["place_region"], row["place_country"]) == (None, None, None)
        assert row["gps_latitude"] is not None  # the queue (local) keeps the position
        published_text = " ".join([row["caption"] or "", row["alt_text"] or "", row["file_name"] or "", *row["keywords"]])
        assert not any(word in published_text.lower() for word in PLACE_WORDS), published_text

    assert proofdesk("approve", "--all-accepted", env=ENV).exit_code == 0
    assert proofdesk("publish", "--yes", env=ENV).exit_code in (0, 3)
    rows = {row["original_name"]: row for row in proofdesk.rows()}
    published = proofdesk.workdir / "published"
    with sqlite3.connect(proofdesk.workdir / "gallery.sqlite") as gallery:
        titles = dict(gallery.execute('SELECT "File_Name", "Title" FROM gallery'))
    for name in ("DSCN0010.jpg", "DSCN0012.jpg"):
        row = rows[name]
        if row["status"] != "published":
            continue
        assert _gps_tags(published / row["file_name"]) == []  # stripped although keep_gps = true
        assert not any(word in titles[row["file_name"]].lower() for word in PLACE_WORDS)
    assert any(rows[name]["status"] == "published" for name in ("DSCN0010.jpg", "DSCN0012.jpg"))
    if rows["DSCN0042.jpg"]["status"] == "published":
        assert _gps_tags(published / rows["DSCN0042.jpg"]["file_name"])  # keep_gps holds outside

    edited = proofdesk("edit", "DSCN0010.jpg", "--caption", "Lunch on the terrace of Villa Rossi in the afternoon.",
                       "--json", env=ENV)
    assert edited.exit_code == 0, edited.output
    row = json.loads(edited.stdout)
    assert row["metadata_quality"] == "blocked"
    assert any(reason["rule"] == "place.private" and "Villa Rossi" in reason["message"] for reason in row["proof_reasons"])

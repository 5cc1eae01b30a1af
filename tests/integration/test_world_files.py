"""The world's files: real JPEG and HEIC files from many cameras, phones and editors (and RAW headers),
run through `run -> approve --all-accepted -> publish -> export --xmp` with the offline captioner,
then read back with exiftool, the reference reader, as other programs read them.

Checked for every file: no traceback and exit codes 0 or 3; for every accepted row, capture time,
offset, make, model, orientation, position, dimensions and exposure equal exiftool's reading of the
original; `exiftool -use MWG` on each published copy and sidecar shows the approved description and
the merged keywords; no published copy, sidecar or thumbnail holds a position in any block or text
field; no evidence string holds a control character; no placeholder is evidence or a keyword; the
gallery's size is the published JPEG's.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from proofdesk.core.domain.coordinates import find_coordinates
from proofdesk.core.domain.mwg import is_placeholder

from tests.integration.conftest import Proofdesk

OFFLINE = {"PROOFDESK_CAPTIONER__BACKEND": "offline"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# tags that name or hold a position, in any group exiftool reads
_POSITION_TAG = re.compile(r"gps|latitude|longitude", re.IGNORECASE)
# groups whose strings are text a person or program wrote (not ICC matrices or white points)
_TEXT_GROUP = re.compile(r"^(IFD0|ExifIFD|IPTC|XMP-[\w-]+|Photoshop|Comment|File:Comment)$")
_TEXT_SKIP = re.compile(r"WhitePoint|YCbCr|Primar|Matrix|Version|Digest|DocumentID|InstanceID", re.IGNORECASE)


def exiftool(*args: str) -> list[dict[str, Any]]:
    done = subprocess.run(["exiftool", "-j", *args], capture_output=True, text=True, timeout=120)
    assert done.stdout, done.stderr
    result: list[dict[str, Any]] = json.loads(done.stdout)
    return result


@dataclass
class World:
    desk: Proofdesk
    cards: Path
    sidecars: Path
    outputs: dict[str, Any]
    rows: list[dict[str, Any]]

    @property
    def published_dir(self) -> Path:
        return self.desk.workdir / "published"

    def accepted(self) -> list[dict[str, Any]]:
        return [row for row in self.rows if row["metadata_quality"] == "accepted"]

    def published(self) -> list[dict[str, Any]]:
        return [row for row in self.rows if row["status"] == "published"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, realworld_samples: Path) -> World:
    if shutil.which("exiftool") is None:
        pytest.fail("exiftool (Debian libimage-exiftool-perl) is the reference reader of this test; install it")
    root = tmp_path_factory.mktemp("world")
    cards = root / "cards" / "realworld"
    cards.mkdir(parents=True)
    for source in sorted(realworld_samples.iterdir()):
        if source.is_file() and source.name not in ("MANIFEST.tsv", "SOURCE.md"):
            shutil.copy(source, cards / source.name)
    (root / "desk").mkdir()
    desk = Proofdesk(root / "desk")
    sidecars = root / "sidecars"
    outputs = {
        "run": desk("run", str(cards), "--no-review", "--skip-invalid", "--json", env=OFFLINE),
        "approve": desk("approve", "--all-accepted", env=OFFLINE),
        "publish": desk("publish", "--yes", env=OFFLINE),
        "export": desk("export", "--xmp", str(sidecars), env=OFFLINE),
    }
    return World(desk, cards, sidecars, outputs, desk.rows())


def test_every_command_ends_with_exit_0_or_3_and_no_traceback(world: World) -> None:
    for command, result in world.outputs.items():
        assert result.exit_code in (0, 3), f"{command}: exit {result.exit_code}\n{result.output}"
        assert "Traceback" not in result.output, f"{command}:\n{result.output}"
    photos = [p for p in world.cards.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".heic")]
    # every decodable JPEG and HEIC is a row; the stub without image data is refused by validation
    assert len(world.rows) >= len(photos) - 3
    assert len(world.published()) >= 45


def _exif_time(value: Any) -> tuple[str | None, str | None]:
    """exiftool's "2008:07:01 17:27:03.02+02:00" -> ("2008-07-01T17:27:03", "+02:00")."""
    text = str(value or "")
    match = re.match(r"^(\d{4}):(\d{2}):(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?(?:\.\d+)?([+-]\d{2}:\d{2}|Z)?", text)
    if not match or match.group(1) == "0000":
        return None, None
    year, month, day, hour, minute, second, zone = match.groups()
    if hour is None:
        return f"{year}-{month}-{day}", None
    return f"{year}-{month}-{day}T{hour}:{minute}:{second}", ("+00:00" if zone == "Z" else zone)


def _one_line(value: Any) -> str | None:
    text = " ".join(str(value).split()) if value is not None else ""
    return text or None


def test_accepted_rows_hold_the_facts_exiftool_reads_from_the_original(world: World) -> None:
    accepted = world.accepted()
    assert len(accepted) >= 45
    originals = [str(world.cards / row["original_name"]) for row in accepted]
    printed = {Path(d["SourceFile"]).name: d for d in exiftool(
        "-use", "MWG", "-Composite:DateTimeOriginal", "-EXIF:OffsetTimeOriginal", "-IFD0:Make", "-IFD0:Model",
        "-ExifIFD:ExposureTime", *originals)}
    numbers = {Path(d["SourceFile"]).name: d for d in exiftool(
        "-n", "-IFD0:Orientation", "-File:ImageWidth", "-File:ImageHeight", "-Composite:GPSLatitude",
        "-Composite:GPSLongitude", "-GPS:GPSStatus", *originals)}
    checked = {"time": 0, "position": 0, "exposure": 0}
    for row in accepted:
        name = row["original_name"]
        text, number = printed[name], numbers[name]
        wall, zone = _exif_time(text.get("DateTimeOriginal"))
        if wall is None or "T" not in wall:
            # no time recorded (a date alone, 0000:00:00): none is invented; a date alone may take
            # the time another block records for the same day
            assert row["captured_at"] is None or (wall is not None and row["captured_at"].startswith(wall)), name
        else:
            assert row["captured_at"] == wall, name
            assert row["captured_offset"] == (zone or text.get("OffsetTimeOriginal")), name
            checked["time"] += 1
        assert row["camera_make"] == _one_line(text.get("Make")), name
        assert row["camera_model"] == _one_line(text.get("Model")), name
        orientation = number.get("Orientation")
        assert row["orientation"] == (orientation if orientation in range(1, 9) else None), name
        assert (row["width"], row["height"]) == (number.get("ImageWidth"), number.get("ImageHeight")), name
        latitude, longitude = number.get("GPSLatitude"), number.get("GPSLongitude")
        no_fix = latitude in (None, "") or longitude in (None, "") or (latitude == 0 and longitude == 0) \
            or str(number.get("GPSStatus", "A")).upper().startswith("V")
        if no_fix:
            assert row["gps_latitude"] is None and row["gps_longitude"] is None, name
        else:
            assert row["gps_latitude"] == pytest.approx(latitude, abs=1e-5), name
            assert row["gps_longitude"] == pytest.approx(longitude, abs=1e-5), name
            checked["position"] += 1
        exposure = text.get("ExposureTime")
        assert row["exposure_time"] == (str(exposure) if exposure not in (None, "", 0, "0") else None), name
        checked["exposure"] += exposure is not None
    assert checked["time"] >= 35 and checked["position"] >= 12 and checked["exposure"] >= 30, checked


def _keywords(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(item) for item in (value if isinstance(value, list) else [value])]


def test_mwg_readers_see_the_approved_description_and_merged_keywords(world: World) -> None:
    published = world.published()
    by_file = {row["file_name"]: row for row in published}
    copies = [str(world.published_dir / name) for name in by_file]
    sidecars = sorted(str(path) for path in world.sidecars.rglob("*.xmp"))
    assert len(sidecars) == len(published)
    read = exiftool("-use", "MWG", "-Description", "-Keywords", *copies, *sidecars)
    for item in read:
        name = Path(item["SourceFile"]).name
        row = by_file[name.removesuffix(".xmp")]
        assert item.get("Description") == row["caption"], name
        wanted = [*row["exif_keywords"], *row["keywords"]]
        found = {keyword.casefold() for keyword in _keywords(item.get("Keywords"))}
        assert {keyword.casefold() for keyword in wanted} == found, name
    # the file's own keywords are kept in their own case (a Lightroom list of 17 and hierarchies)
    lightroom = next(row for row in published if row["original_name"].startswith("Canon EOS-1D Mark III"))
    assert len(lightroom["exif_keywords"]) >= 17
    hierarchy = exiftool("-XMP-lr:HierarchicalSubject", str(world.published_dir / lightroom["file_name"]))[0]
    assert any("|" in path for path in _keywords(hierarchy.get("HierarchicalSubject")))


def _leaks(item: dict[str, Any]) -> list[str]:
    found = []
    for key, value in item.items():
        group, _, tag = key.partition(":")
        if key == "SourceFile" or group in ("System", "File", "Composite", "XMP-proofdesk"):
            continue
        if _POSITION_TAG.search(tag):
            found.append(key)
        elif isinstance(value, str) and _TEXT_GROUP.match(group) and not _TEXT_SKIP.search(tag) and find_coordinates(value):
            found.append(f"{key}={value!r}")
    return found


def test_no_published_copy_sidecar_or_thumbnail_holds_a_position(world: World) -> None:
    published = world.published()
    copies = [world.published_dir / row["file_name"] for row in published]
    thumbs = [world.published_dir / "thumbs" / row["file_name"] for row in published]
    sidecars = sorted(world.sidecars.rglob("*.xmp"))
    with_gps = [row for row in published if row["gps_latitude"] is not None]
    assert len(with_gps) >= 10  # positions were there to leak
    for item in exiftool("-a", "-G1", "-n", *map(str, copies + sidecars)):
        assert _leaks(item) == [], item["SourceFile"]
    for item in exiftool("-a", "-G0", "-EXIF:all", "-IPTC:all", "-XMP:all", "-MakerNotes:all", *map(str, thumbs)):
        assert set(item) == {"SourceFile"}, item  # thumbnails carry no metadata at all
    # the thermal camera's own block (with its GPS) and a UserComment holding coordinates are gone
    originals = exiftool("-a", "-G1", "-n", str(world.cards / "FLIR iPhone device.jpg"), str(world.cards / "Issue 173 (dotnet).jpg"))
    assert all(_leaks(item) for item in originals)  # the originals did hold them


def test_no_evidence_holds_a_control_character_or_a_placeholder(world: World) -> None:
    for row in world.rows:
        camera = (row["camera_make"], row["camera_model"])
        texts = [row["exif_caption"], row["exif_title"], row["exif_alt_text"], row["exif_creator"],
                 row["exif_copyright"], *row["exif_keywords"]]
        for text in texts:
            if text is None:
                continue
            assert not _CONTROL.search(text), (row["original_name"], text)
            assert not is_placeholder(text, camera=camera, brands=False), (row["original_name"], text)
        for keyword in row["keywords"]:
            assert keyword.casefold() not in ("null", "caption", "olympus digital camera", "dcim"), row["original_name"]
    metapm = next(row for row in world.rows if row["original_name"] == "metapm.jpg")
    assert metapm["exif_caption"] == "José Mourinho"  # legacy IPTC read as its XMP says, not 'Jos\x8e'
    olympus = next(row for row in world.rows if row["original_name"] == "Olympus FE230-X790.jpg")
    assert olympus["exif_caption"] is None and "OLYMPUS DIGITAL CAMERA" not in (olympus["caption"] or "")


def test_gallery_size_is_the_published_copys_upright_size(world: World) -> None:
    with sqlite3.connect(world.desk.workdir / "gallery.sqlite") as gallery:
        sizes = {name: (width, height) for name, width, height in gallery.execute(
            'SELECT "File_Name", "Width", "Height" FROM gallery')}
    turned = 0
    for row in world.published():
        with Image.open(world.published_dir / row["file_name"]) as image:
            assert sizes[row["file_name"]] == image.size, row["original_name"]
            if row["orientation"] in (5, 6, 7, 8) and row["original_name"].lower().endswith(".heic"):
                assert image.size == (row["height"], row["width"])  # published upright
                turned += 1
    assert turned >= 1


def test_heic_published_as_jpeg_keeps_its_exif_but_not_its_position(world: World) -> None:
    heic = [row for row in world.published() if row["original_name"].lower().endswith(".heic")]
    assert len(heic) >= 3
    for row in heic:
        original = exiftool("-n", "-EXIF:DateTimeOriginal", "-EXIF:Make", "-EXIF:Model", "-EXIF:ExposureTime",
                            str(world.cards / row["original_name"]))[0]
        copy = exiftool("-n", "-EXIF:DateTimeOriginal", "-EXIF:Make", "-EXIF:Model", "-EXIF:ExposureTime",
                        "-GPS:all", "-ICC_Profile:ProfileDescription", str(world.published_dir / row["file_name"]))[0]
        for tag in ("DateTimeOriginal", "Make", "Model", "ExposureTime"):
            assert copy.get(tag) == original.get(tag), (row["original_name"], tag)
        assert not any(_POSITION_TAG.search(key) for key in copy), row["original_name"]


def test_a_png_published_as_jpeg_keeps_its_exif_and_loses_its_position(tmp_path: Path, gps_set: Path) -> None:
    """A PNG original (EXIF in its eXIf chunk): the published JPEG carries its capture time, camera
    and exposure, upright sRGB pixels and no position."""
    source = gps_set / "DSCN0010.jpg"
    with Image.open(source) as image:
        exif = image.getexif()
        png = tmp_path / "card" / "scan"
        png.mkdir(parents=True)
        image.save(png / "DSCN0010.png", "PNG", exif=exif.tobytes())
    desk_dir = tmp_path / "desk"
    desk_dir.mkdir()
    desk = Proofdesk(desk_dir)
    assert desk("run", str(png), "--no-review", env=OFFLINE).exit_code in (0, 3)
    assert desk("approve", "--all-accepted", env=OFFLINE).exit_code == 0
    assert desk("publish", "--yes", env=OFFLINE).exit_code == 0
    (row,) = desk.rows()
    copy = desk.workdir / "published" / row["file_name"]
    assert row["file_name"].endswith(".jpg") and copy.read_bytes()[:3] == b"\xff\xd8\xff"
    tags = ("-EXIF:DateTimeOriginal", "-EXIF:Make", "-EXIF:Model", "-EXIF:ExposureTime", "-EXIF:FNumber")
    original = exiftool(*tags, str(source))[0]
    published = exiftool(*tags, "-GPS:all", "-XMP:all", str(copy))[0]
    for tag in ("DateTimeOriginal", "Make", "Model", "ExposureTime", "FNumber"):
        assert published.get(tag) == original.get(tag), tag
    assert not any(_POSITION_TAG.search(key) for key in published)
    assert published.get("Description") == row["caption"]

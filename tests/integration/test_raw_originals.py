"""Camera RAW originals (ADR 0019), on real RAW files (../shared/samples/raw: a Canon EOS 6D lossy DNG
with its preview, a Blackmagic CinemaDNG frame without preview or camera tags, metadata-only CR2,
CR3 and NEF headers) and on Bayer-mosaic DNGs written from the sample photos with pidng (one with
Orientation 6), through the CLI, read back with exiftool, the reference reader:

- a RAW-only set runs `run -> approve --all-accepted -> publish -> export --xmp`: every row holds
  the capture time, camera and size exiftool reads; every published JPEG opens upright at the
  gallery's size; sidecars are named per config and read by exiftool; the RAW files are unchanged;
- metadata-only headers are refused, naming the missing picture data;
- a RAW + JPEG card gives one row per picture, `intake.raw_pairs` deciding which file it is.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from tests.integration.conftest import Proofdesk
from tests.support.raw_dng import write_dng

OFFLINE = {"PROOFDESK_CAPTIONER__BACKEND": "offline"}
SIDECARS = {**OFFLINE, "PROOFDESK_SIDECARS__NAMING": "both", "PROOFDESK_SIDECARS__NAME_FROM": "original"}
REAL_PICTURES = ("canon_eos_6d.dng", "Blackmagic.dng")
HEADERS = ("CanonRaw.cr2", "CanonRaw.cr3", "Nikon.nef")
# DNGs written from the sample photos: name -> (photo, orientation, capture time)
WRITTEN = {
    "IMG_0101.dng": ("DSCN0010.jpg", 1, "2024:05:04 10:11:12"),
    "IMG_0102.DNG": ("DSCN0021.jpg", 6, "2024:07:19 18:40:05"),
}


def exiftool(*args: str) -> list[dict[str, Any]]:
    done = subprocess.run(["exiftool", "-j", *args], capture_output=True, text=True, timeout=120)
    assert done.stdout, done.stderr
    result: list[dict[str, Any]] = json.loads(done.stdout)
    return result


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def exiftool_present() -> None:
    if shutil.which("exiftool") is None:
        pytest.fail("exiftool (Debian libimage-exiftool-perl) is the reference reader of this test; install it")


def raw_set(folder: Path, raw_samples: Path, samples: Path) -> Path:
    folder.mkdir(parents=True)
    for name in REAL_PICTURES:
        shutil.copy(raw_samples / name, folder / name)
    for name, (photo, orientation, captured_at) in WRITTEN.items():
        write_dng(samples / "jpg" / "gps" / photo, folder / name, orientation=orientation, captured_at=captured_at)
    return folder


@dataclass
class RawWorld:
    desk: Proofdesk
    card: Path
    sidecars: Path
    outputs: dict[str, Any]
    rows: list[dict[str, Any]]
    hashes_before: dict[str, str]


@pytest.fixture(scope="module")
def raw_world(tmp_path_factory: pytest.TempPathFactory, raw_samples: Path, samples: Path, exiftool_present: None) -> RawWorld:
    root = tmp_path_factory.mktemp("raw_world")
    card = raw_set(root / "cards" / "2024-05-04_raw-walk", raw_samples, samples)
    hashes = {path.name: sha256(path) for path in card.iterdir()}
    (root / "desk").mkdir()
    desk = Proofdesk(root / "desk")
    sidecars = root / "sidecars"
    outputs = {
        "run": desk("run", str(card), "--no-review", "--json", env=SIDECARS),
        "approve": desk("approve", "--all-accepted", env=SIDECARS),
        "publish": desk("publish", "--yes", env=SIDECARS),
        "export": desk("export", "--xmp", str(sidecars), env=SIDECARS),
    }
    return RawWorld(desk, card, sidecars, outputs, desk.rows(), hashes)


def test_a_raw_only_set_runs_approves_publishes_and_exports(raw_world: RawWorld) -> None:
    for command, result in raw_world.outputs.items():
        assert result.exit_code == 0, f"{command}: exit {result.exit_code}\n{result.output}"
        assert "Traceback" not in result.output
    names = sorted(row["original_name"] for row in raw_world.rows)
    assert names == sorted([*REAL_PICTURES, *WRITTEN])
    assert all(row["status"] == "published" for row in raw_world.rows), [(r["original_name"], r["status"]) for r in raw_world.rows]
    for row in raw_world.rows:  # scores, culling measures and the model-ready picture from one decode
        assert row["brisque_score"] is not None and row["clip_aesthetic_score"] is not None
        assert row["quality_measures"] and row["scene_signature"] and row["caption"]


def test_every_raw_row_holds_the_capture_time_camera_and_size_exiftool_reads(raw_world: RawWorld) -> None:
    read = {Path(item["SourceFile"]).name: item for item in exiftool(
        "-n", "-DateTimeOriginal", "-Make", "-Model", "-ImageWidth", "-ImageHeight", "-Orientation", "-Composite:ImageSize",
        *(str(raw_world.card / row["original_name"]) for row in raw_world.rows))}
    for row in raw_world.rows:
        facts = read[row["original_name"]]
        expected_time = str(facts["DateTimeOriginal"]).replace(":", "-", 2).replace(" ", "T")[:19] \
            if "DateTimeOriginal" in facts else None
        assert row["captured_at"] == expected_time, row["original_name"]
        assert row["camera_make"] == facts.get("Make") and row["camera_model"] == facts.get("Model"), row["original_name"]
        width, height = (int(part) for part in str(facts["ImageSize"]).split())
        assert (row["width"], row["height"]) == (width, height), row["original_name"]
        assert row["orientation"] == facts.get("Orientation", 1)
    by_name = {row["original_name"]: row for row in raw_world.rows}
    assert by_name["canon_eos_6d.dng"]["captured_at"] == "2019-06-06T07:29:51"
    assert by_name["canon_eos_6d.dng"]["camera_model"] == "Canon EOS 6D"
    assert by_name["Blackmagic.dng"]["camera_make"] is None and by_name["Blackmagic.dng"]["captured_at"] is None
    assert (by_name["Blackmagic.dng"]["width"], by_name["Blackmagic.dng"]["height"]) == (4128, 2176)


def test_published_raw_copies_are_upright_jpegs_of_the_gallery_size(raw_world: RawWorld) -> None:
    published = raw_world.desk.workdir / "published"
    with sqlite3.connect(raw_world.desk.workdir / "gallery.sqlite") as gallery:
        sizes = {name: (width, height) for name, width, height in gallery.execute(
            'SELECT "File_Name", "Width", "Height" FROM gallery')}
    for row in raw_world.rows:
        assert row["file_name"].endswith(".jpg")
        with Image.open(published / row["file_name"]) as image:
            assert image.format == "JPEG"
            assert sizes[row["file_name"]] == image.size, row["original_name"]
            upright = (row["height"], row["width"]) if row["orientation"] in (5, 6, 7, 8) else (row["width"], row["height"])
            assert image.size == upright, row["original_name"]  # publish.max_edge unset: the RAW's full size
            assert image.getexif().get(0x0112, 1) == 1  # pixels upright, no orientation left to apply


def _correlation(first: Image.Image, second: Image.Image) -> float:
    size = (64, 48) if first.width >= first.height else (48, 64)
    a = np.asarray(first.convert("L").resize(size), dtype=np.float64).ravel()
    b = np.asarray(second.convert("L").resize(size), dtype=np.float64).ravel()
    return float(np.corrcoef(a, b)[0, 1])


def test_a_dng_with_orientation_6_is_published_turned_once(raw_world: RawWorld, samples: Path) -> None:
    row = next(row for row in raw_world.rows if row["original_name"] == "IMG_0102.DNG")
    assert row["orientation"] == 6
    with Image.open(samples / "jpg" / "gps" / WRITTEN["IMG_0102.DNG"][0]) as photo:
        upright = photo.convert("RGB").transpose(Image.Transpose.ROTATE_270)  # what a viewer shows for 6
    with Image.open(raw_world.desk.workdir / "published" / row["file_name"]) as copy:
        assert copy.height > copy.width
        assert _correlation(copy, upright) > 0.9
        assert _correlation(copy, upright.transpose(Image.Transpose.ROTATE_180)) < 0.5


def test_published_raw_copies_carry_the_raws_exif_and_the_approved_description(raw_world: RawWorld) -> None:
    published = raw_world.desk.workdir / "published"
    by_name = {row["original_name"]: row for row in raw_world.rows}
    canon, written = by_name["canon_eos_6d.dng"], by_name["IMG_0101.dng"]
    read = {Path(item["SourceFile"]).name: item for item in exiftool(
        "-use", "MWG", "-EXIF:DateTimeOriginal", "-EXIF:Make", "-EXIF:Model", "-Description", "-EXIF:DNGVersion",
        str(published / canon["file_name"]), str(published / written["file_name"]))}
    assert read[canon["file_name"]]["Model"] == "Canon EOS 6D"
    assert read[canon["file_name"]]["DateTimeOriginal"] == "2019:06:06 07:29:51"
    assert read[written["file_name"]]["DateTimeOriginal"] == "2024:05:04 10:11:12"  # from the DNG's IFD0
    for row in (canon, written):
        assert read[row["file_name"]]["Description"] == row["caption"]
        assert "DNGVersion" not in read[row["file_name"]]  # the RAW's structure stays behind


def test_raw_sidecars_are_named_per_config_and_read_by_exiftool(raw_world: RawWorld) -> None:
    folder = raw_world.sidecars  # DIR given: the sidecars go straight into it
    expected = sorted(name for row in raw_world.rows
                      for name in (f"{row['original_name']}.xmp", f"{row['original_name'].rsplit('.', 1)[0]}.xmp"))
    assert sorted(path.name for path in folder.iterdir()) == expected  # IMG_0102.DNG.xmp: the extension's case kept
    read = {Path(item["SourceFile"]).name: item for item in exiftool("-use", "MWG", "-Description", str(folder))}
    for row in raw_world.rows:
        assert read[f"{row['original_name']}.xmp"]["Description"] == row["caption"]


def test_raw_originals_are_never_modified(raw_world: RawWorld) -> None:
    assert {path.name: sha256(path) for path in raw_world.card.iterdir()} == raw_world.hashes_before
    for row in raw_world.rows:
        assert sha256(Path(row["incoming_path"]) if Path(row["incoming_path"]).is_absolute()
                      else raw_world.desk.workdir / row["incoming_path"]) == row["sha256"]


def test_metadata_only_raw_headers_are_refused_naming_the_missing_picture_data(
        proofdesk: Proofdesk, raw_samples: Path, tmp_path: Path) -> None:
    card = tmp_path / "headers"
    card.mkdir()
    for name in (*HEADERS, "canon_eos_6d.dng"):
        shutil.copy(raw_samples / name, card / name)
    result = proofdesk("run", str(card), "--until", "validate", "--json", env=OFFLINE)
    assert result.exit_code == 2, result.output
    report = json.loads(result.stdout)
    problems = {problem["name"]: problem["message"] for problem in report["validation"]["problems"]}
    assert sorted(problems) == sorted(HEADERS)
    for message in problems.values():
        assert message.startswith("no picture data in this RAW file: no embedded preview and no sensor data"), message
        assert "unsupported" not in message.lower()
    assert report["validation"]["valid"] == ["headers/canon_eos_6d.dng"]


def _pair_card(root: Path, samples: Path) -> Path:
    """IMG_0001.CR2-style pairs: a DNG and a JPEG of the same stem (different case), and a lone JPEG."""
    card = root / "DCIM" / "100PAIRS"
    card.mkdir(parents=True)
    write_dng(samples / "jpg" / "gps" / "DSCN0010.jpg", card / "IMG_0001.DNG", captured_at="2024:05:04 10:11:12")
    shutil.copy(samples / "jpg" / "gps" / "DSCN0010.jpg", card / "img_0001.jpg")
    write_dng(samples / "jpg" / "gps" / "DSCN0021.jpg", card / "IMG_0002.dng", captured_at="2024:05:04 12:00:00")
    shutil.copy(samples / "jpg" / "gps" / "DSCN0021.jpg", card / "IMG_0002.JPG")
    shutil.copy(samples / "jpg" / "gps" / "DSCN0025.jpg", card / "IMG_0003.JPG")
    return card


def test_a_raw_and_jpeg_card_gives_one_row_per_picture_the_jpeg_by_default(
        proofdesk: Proofdesk, tmp_path: Path, samples: Path) -> None:
    card = _pair_card(tmp_path / "card", samples)
    result = proofdesk("run", str(card), "--until", "queue", env=OFFLINE)
    assert result.exit_code == 0, result.output
    rows = {row["original_name"]: row for row in proofdesk.rows()}
    assert sorted(rows) == ["IMG_0002.JPG", "IMG_0003.JPG", "img_0001.jpg"]
    assert rows["img_0001.jpg"]["raw_original_name"] == "IMG_0001.DNG"
    assert rows["IMG_0002.JPG"]["raw_original_name"] == "IMG_0002.dng"
    assert rows["IMG_0003.JPG"]["raw_original_name"] is None
    assert all(row["jpeg_original_name"] is None for row in rows.values())
    for raw, jpeg in (("IMG_0001.DNG", "img_0001.jpg"), ("IMG_0002.dng", "IMG_0002.JPG")):  # listed as left out
        assert f"100PAIRS/{raw}: raw file of a pair: {jpeg} beside it is the picture (intake.raw_pairs = jpeg)" in result.output
    assert len(proofdesk.incoming_files()) == 3  # the RAW of a pair is not copied


def test_raw_pairs_raw_makes_the_raw_the_picture_and_names_the_jpeg(
        proofdesk: Proofdesk, tmp_path: Path, samples: Path) -> None:
    card = _pair_card(tmp_path / "card", samples)
    env = {**OFFLINE, "PROOFDESK_INTAKE__RAW_PAIRS": "raw"}
    result = proofdesk("run", str(card), "--until", "queue", env=env)
    assert result.exit_code == 0, result.output
    assert "100PAIRS/img_0001.jpg: JPEG of a pair: IMG_0001.DNG beside it is the picture" in result.output
    rows = {row["original_name"]: row for row in proofdesk.rows()}
    assert sorted(rows) == ["IMG_0001.DNG", "IMG_0002.dng", "IMG_0003.JPG"]
    assert rows["IMG_0001.DNG"]["jpeg_original_name"] == "img_0001.jpg"
    assert rows["IMG_0002.dng"]["jpeg_original_name"] == "IMG_0002.JPG"
    assert all(row["raw_original_name"] is None for row in rows.values())
    assert (rows["IMG_0001.DNG"]["width"], rows["IMG_0001.DNG"]["height"]) == (640, 480)
    assert rows["IMG_0001.DNG"]["captured_at"] == "2024-05-04T10:11:12"


# ---------------------------------------------------------------- the LibRaw image processor


class _Spy:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from proofdesk.adapters.images import libraw

        self.calls: list[dict[str, Any]] = []
        develop = libraw.develop

        def spy(data: bytes, **kwargs: Any) -> Image.Image:
            self.calls.append(kwargs)
            return develop(data, **kwargs)

        monkeypatch.setattr(libraw, "develop", spy)


def test_models_see_the_preview_when_it_is_large_enough_else_a_half_size_demosaic(
        raw_samples: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from proofdesk.adapters.images.pillow_processor import PillowImageProcessor

    spy = _Spy(monkeypatch)
    processor = PillowImageProcessor()
    canon = processor.decode((raw_samples / "canon_eos_6d.dng").read_bytes(), 1024)
    assert (canon.width, canon.height, canon.source_width, canon.source_height) == (1024, 683, 1224, 816)
    assert spy.calls == []  # its 1024 px preview
    cinema = processor.decode((raw_samples / "Blackmagic.dng").read_bytes(), 1024)
    assert (cinema.width, cinema.height, cinema.source_width, cinema.source_height) == (1024, 540, 4128, 2176)
    assert spy.calls == [{"half_size": True, "long_edge": 1024}]


def test_publish_raw_render_preview_or_develop_capped_at_max_edge(raw_samples: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from proofdesk.adapters.images import libraw
    from proofdesk.adapters.images.pillow_processor import PillowImageProcessor

    spy = _Spy(monkeypatch)
    data = (raw_samples / "canon_eos_6d.dng").read_bytes()
    processor = PillowImageProcessor()

    def published(**options: Any) -> Image.Image:
        return Image.open(io.BytesIO(processor.publish_jpeg(data, 92, **options)))

    assert published().size == (1224, 816)  # the 1024 px preview is smaller than the RAW: developed
    assert spy.calls == [{"half_size": False, "long_edge": 1224}]
    preview = published(max_edge=1024)
    assert preview.size == (1024, 683) and len(spy.calls) == 1  # the camera's own JPEG
    assert _correlation(preview, libraw.preview_image(libraw.read_raw(data))) > 0.99
    assert published(raw_render="develop", max_edge=1024).size == (1024, 683)
    assert spy.calls[-1] == {"half_size": False, "long_edge": 1024}


def test_publish_max_edge_and_raw_render_from_the_config_shape_the_published_jpeg(
        proofdesk: Proofdesk, tmp_path: Path, samples: Path) -> None:
    card = tmp_path / "2024-05-04_small"
    card.mkdir()
    write_dng(samples / "jpg" / "gps" / "DSCN0010.jpg", card / "IMG_0201.dng")  # 640x480, no preview
    env = {**OFFLINE, "PROOFDESK_PUBLISH__MAX_EDGE": "320", "PROOFDESK_PUBLISH__RAW_RENDER": "develop"}
    for command in (("run", str(card), "--no-review"), ("approve", "--all-accepted"), ("publish", "--yes")):
        result = proofdesk(*command, env=env)
        assert result.exit_code == 0, result.output
    [row] = proofdesk.rows()
    assert row["status"] == "published" and (row["width"], row["height"]) == (640, 480)
    with Image.open(proofdesk.workdir / "published" / row["file_name"]) as image:
        assert image.format == "JPEG" and image.size == (320, 240)


def test_a_raws_preview_is_turned_by_its_orientation_once(raw_samples: Path, tmp_path: Path, exiftool_present: None) -> None:
    import io

    from proofdesk.adapters.images import libraw
    from proofdesk.adapters.images.pillow_processor import PillowImageProcessor

    turned = tmp_path / "canon_eos_6d_turned.dng"
    shutil.copy(raw_samples / "canon_eos_6d.dng", turned)
    turned.chmod(0o644)
    done = subprocess.run(["exiftool", "-q", "-overwrite_original", "-n", "-IFD0:Orientation=6", str(turned)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    data = turned.read_bytes()
    processor = PillowImageProcessor()
    model = processor.decode(data, 1024)  # from the 1024x683 preview, turned
    assert (model.width, model.height, model.source_width, model.source_height) == (683, 1024, 816, 1224)
    model_picture = Image.frombuffer("RGB", (model.width, model.height), model.rgb, "raw", "RGB", 0, 1)
    with Image.open(io.BytesIO(libraw.read_raw(data).preview_jpeg or b"")) as stored:
        upright = stored.convert("RGB").transpose(Image.Transpose.ROTATE_270)  # EXIF 6: 90 degrees clockwise
    assert _correlation(model_picture, upright) > 0.99
    published = Image.open(io.BytesIO(processor.publish_jpeg(data, 92, max_edge=1024)))
    assert published.size == (683, 1024) and _correlation(published, upright) > 0.99
    developed = Image.open(io.BytesIO(processor.publish_jpeg(data, 92)))
    assert developed.size == (816, 1224) and _correlation(developed, upright) > 0.9


def test_the_contact_sheet_and_the_desk_draw_a_published_raw_from_its_original(raw_world: RawWorld, tmp_path: Path) -> None:
    from proofdesk.apps.review.preview import decode

    assert all(row["ollama_path"] is None for row in raw_world.rows)  # model-ready copies cleaned after publish
    sheet = tmp_path / "sheet" / "report.html"
    result = raw_world.desk("report", "--output", str(sheet), env=SIDECARS)
    assert result.exit_code == 0, result.output
    thumbs = sorted((sheet.parent / "thumbs").glob("*.jpg"))
    assert len(thumbs) == len(raw_world.rows)
    for thumb in thumbs:
        with Image.open(thumb) as image:
            assert max(image.size) > 100
    turned = next(row for row in raw_world.rows if row["original_name"] == "IMG_0102.DNG")
    incoming = Path(turned["incoming_path"]) if Path(turned["incoming_path"]).is_absolute() \
        else raw_world.desk.workdir / turned["incoming_path"]
    pixels = decode(str(incoming), 40, 20)
    assert pixels.height > pixels.width > 0  # upright (portrait), from the RAW itself


def test_a_jpeg_paired_with_a_raw_gets_the_raws_sidecars_too(proofdesk: Proofdesk, tmp_path: Path, samples: Path,
                                                            exiftool_present: None) -> None:
    card = _pair_card(tmp_path / "card", samples)
    before = {path.name: sha256(path) for path in card.iterdir()}
    for command in (("run", str(card), "--no-review"), ("approve", "--all-accepted")):
        result = proofdesk(*command, env=SIDECARS)
        assert result.exit_code == 0, result.output
    result = proofdesk("export", "--xmp", str(card), env=SIDECARS)  # beside the originals, where the tools look
    assert result.exit_code == 0, result.output
    written = sorted(path.name for path in card.glob("*.xmp"))
    assert written == sorted(["img_0001.jpg.xmp", "img_0001.xmp", "IMG_0001.DNG.xmp", "IMG_0001.xmp",
                              "IMG_0002.JPG.xmp", "IMG_0002.dng.xmp", "IMG_0002.xmp",
                              "IMG_0003.JPG.xmp", "IMG_0003.xmp"])
    rows = {row["original_name"]: row for row in proofdesk.rows()}
    read = {Path(item["SourceFile"]).name: item for item in exiftool("-use", "MWG", "-Description", *map(str, card.glob("*.xmp")))}
    assert read["IMG_0001.DNG.xmp"]["Description"] == rows["img_0001.jpg"]["caption"]
    assert {path.name: sha256(path) for path in card.iterdir() if path.suffix != ".xmp"} == before  # originals untouched

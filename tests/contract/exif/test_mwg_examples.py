"""The MWG guidelines' own reconciliation cases (Guidelines for Handling Image Metadata 2.0, the
"reading" rules for Description and Keywords), each built into a real JPEG with exiftool and read
by proofdesk's reader and by `exiftool -use MWG`, which must agree:

- EXIF ImageDescription present: EXIF wins;
- IPTC and XMP, IPTC digest matching: XMP wins (it is in step with the IPTC);
- IPTC and XMP, IPTC digest not matching (a program unaware of XMP changed the IPTC): IPTC wins;
- IPTC and XMP, no digest stored: XMP wins;
- XMP only, IPTC only: that block;
- a placeholder (camera default) is removed before precedence, so the next block's real value is read.

Also the writer: after publishing a copy of each case, `exiftool -use MWG` reads the new text.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from proofdesk.adapters.exif.pyexiv2_reader import Pyexiv2ExifReader, _pyexiv2
from proofdesk.adapters.exif.pyexiv2_writer import Pyexiv2MetadataWriter
from proofdesk.core.domain.publishing import PublishedMetadata


@pytest.fixture(scope="module", autouse=True)
def _exiftool() -> None:
    if shutil.which("exiftool") is None:
        pytest.fail("exiftool (Debian libimage-exiftool-perl) is the reference MWG reader of these tests")


def _jpeg(path: Path) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (90, 120, 160)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def _exiftool_write(path: Path, *assignments: str) -> None:
    done = subprocess.run(["exiftool", "-q", "-overwrite_original", *assignments, str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _mwg(path: Path) -> dict[str, Any]:
    done = subprocess.run(["exiftool", "-j", "-use", "MWG", "-Description", "-Keywords", str(path)],
                          capture_output=True, text=True, check=True)
    item: dict[str, Any] = json.loads(done.stdout)[0]
    keywords = item.get("Keywords", [])
    item["Keywords"] = [str(k) for k in (keywords if isinstance(keywords, list) else [keywords])]
    return item


def _edit_iptc_unaware_of_xmp(path: Path, caption: str, keywords: list[str]) -> None:
    """What an IPTC-only program does: change the IPTC and leave the stored digest as it was."""
    image = _pyexiv2().ImageData(path.read_bytes())
    try:
        image.modify_iptc({"Iptc.Application2.Caption": caption, "Iptc.Application2.Keywords": keywords})
        path.write_bytes(bytes(image.get_bytes()))
    finally:
        image.close()


CASES = {
    "exif_wins": (
        ["-EXIF:ImageDescription=EXIF text", "-IPTC:Caption-Abstract=IPTC text", "-XMP-dc:Description=XMP text",
         "-IPTC:Keywords=iptc", "-XMP-dc:Subject=xmp"],
        None, "EXIF text", ["xmp"],
    ),
    "digest_matches_xmp_wins": (
        ["-IPTC:Caption-Abstract=IPTC text", "-XMP-dc:Description=XMP text", "-IPTC:Keywords=iptc one",
         "-XMP-dc:Subject=xmp one", "-XMP-dc:Subject=xmp two", "-Photoshop:IPTCDigest=new"],
        None, "XMP text", ["xmp one", "xmp two"],
    ),
    "digest_does_not_match_iptc_wins": (
        ["-IPTC:Caption-Abstract=IPTC text", "-XMP-dc:Description=XMP text", "-IPTC:Keywords=iptc one",
         "-XMP-dc:Subject=xmp one", "-Photoshop:IPTCDigest=new"],
        ("IPTC changed later", ["iptc changed"]), "IPTC changed later", ["iptc changed"],
    ),
    "no_digest_xmp_wins": (
        ["-IPTC:Caption-Abstract=IPTC text", "-XMP-dc:Description=XMP text", "-IPTC:Keywords=iptc",
         "-XMP-dc:Subject=xmp"],
        None, "XMP text", ["xmp"],
    ),
    "xmp_only": (["-XMP-dc:Description=XMP text", "-XMP-dc:Subject=xmp"], None, "XMP text", ["xmp"]),
    "iptc_only": (["-IPTC:Caption-Abstract=IPTC text", "-IPTC:Keywords=iptc"], None, "IPTC text", ["iptc"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_reader_reconciles_like_exiftool_mwg(case: str, tmp_path: Path) -> None:
    assignments, later_iptc_edit, description, keywords = CASES[case]
    path = _jpeg(tmp_path / f"{case}.jpg")
    _exiftool_write(path, *assignments)
    if later_iptc_edit is not None:
        _edit_iptc_unaware_of_xmp(path, *later_iptc_edit)
    reference = _mwg(path)
    assert (reference.get("Description"), reference["Keywords"]) == (description, keywords)  # the guideline's answer
    facts = Pyexiv2ExifReader().read(str(path))
    assert facts.exif_caption == description
    assert facts.exif_keywords == keywords


def test_a_placeholder_is_removed_before_precedence(tmp_path: Path) -> None:
    path = _jpeg(tmp_path / "olympus.jpg")
    _exiftool_write(path, "-EXIF:Make=OLYMPUS IMAGING CORP.", "-EXIF:ImageDescription=OLYMPUS DIGITAL CAMERA",
                    "-XMP-dc:Description=Harbour at dawn", "-XMP-dc:Subject=null", "-XMP-dc:Subject=harbour")
    assert _mwg(path)["Description"] == "OLYMPUS DIGITAL CAMERA"  # exiftool takes the camera's default
    facts = Pyexiv2ExifReader().read(str(path))
    assert facts.exif_caption == "Harbour at dawn"  # proofdesk reads past it to the real text
    assert facts.exif_keywords == ["harbour"]
    assert any("OLYMPUS DIGITAL CAMERA" in note for note in facts.metadata_notes)


def test_extra_placeholder_text_from_the_settings_is_no_evidence(tmp_path: Path) -> None:
    path = _jpeg(tmp_path / "studio.jpg")
    _exiftool_write(path, "-XMP-dc:Description=Studio Rossi export", "-XMP-dc:Subject=studio rossi export")
    assert Pyexiv2ExifReader().read(str(path)).exif_caption == "Studio Rossi export"
    facts = Pyexiv2ExifReader(placeholder_text=["studio rossi export"]).read(str(path))
    assert facts.exif_caption is None and facts.exif_keywords == []


@pytest.mark.parametrize("case", sorted(CASES))
def test_published_copy_reads_back_the_approved_text_in_every_mwg_reader(case: str, tmp_path: Path) -> None:
    assignments, later_iptc_edit, _, own_keywords = CASES[case]
    path = _jpeg(tmp_path / f"{case}.jpg")
    _exiftool_write(path, *assignments)
    if later_iptc_edit is not None:
        _edit_iptc_unaware_of_xmp(path, *later_iptc_edit)
    metadata = PublishedMetadata(title="Harbour", caption="Fishing boats in the harbour at dawn.",
                                 keywords=[*own_keywords, "boats"], alt_text="Boats moored in a harbour")
    copy = tmp_path / f"{case}-published.jpg"
    copy.write_bytes(Pyexiv2MetadataWriter().embed(path.read_bytes(), metadata))
    reference = _mwg(copy)
    assert reference["Description"] == "Fishing boats in the harbour at dawn."
    assert reference["Keywords"] == [*own_keywords, "boats"]
    digests = json.loads(subprocess.run(["exiftool", "-j", "-IPTCDigest", "-CurrentIPTCDigest", str(copy)],
                                        capture_output=True, text=True, check=True).stdout)[0]
    assert digests["IPTCDigest"] == digests["CurrentIPTCDigest"]  # fresh: no reader prefers stale IPTC
    facts = Pyexiv2ExifReader().read(str(copy))
    assert facts.exif_caption == "Fishing boats in the harbour at dawn."

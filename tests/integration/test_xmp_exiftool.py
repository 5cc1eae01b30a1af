"""Metadata other programs read, checked with exiftool (Debian's libimage-exiftool-perl, installed by
`.ci/run`): XMP sidecars from `proofdesk export --xmp`, the published copies and their uploaded
sidecars carry each field under the tag names Lightroom, darktable, digiKam and Immich read, with
non-ASCII text intact; a person's caption survives a rerun, a refresh of the same picture and
Generate, and says so; Lightroom-style sidecars beside the originals are evidence; writing into an
existing sidecar changes only our tags."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .conftest import Proofdesk

EXIFTOOL = shutil.which("exiftool") or "/usr/bin/exiftool"
OFFLINE = {
    "PROOFDESK_CAPTIONER__BACKEND": "offline",
    "PROOFDESK_SCORING__BRISQUE_ENGINE": "fallback",
    "PROOFDESK_SCORING__AESTHETIC_ENGINE": "fallback",
}
CAPTION = "Tür am Markt, ø-Brücke und 東京 Laternen in Arezzo."
EDITED = "DSCN0010.jpg"
LR_SIDECAR_OF = "DSCN0012.jpg"
LR_KEYWORDS = ["Piazza Grande", "Ölmühle"]


@pytest.fixture(scope="module", autouse=True)
def _exiftool() -> None:
    if not Path(EXIFTOOL).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("exiftool is missing: .ci/run installs Debian's libimage-exiftool-perl")
        pytest.skip("exiftool (libimage-exiftool-perl) is not installed")


def exiftool(*paths: Path) -> list[dict[str, Any]]:
    result = subprocess.run([EXIFTOOL, "-j", "-G1", "-a", "-charset", "iptc=UTF8", *map(str, paths)],
                            capture_output=True, text=True, encoding="utf-8", check=True)
    return list(json.loads(result.stdout))


def tags(path: Path) -> dict[str, Any]:
    return exiftool(path)[0]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def ok(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return result


def row_of(desk: Proofdesk, name: str) -> dict[str, Any]:
    return next(row for row in desk.rows() if row["original_name"] == name)


def approve_accepted(desk: Proofdesk) -> list[str]:
    names = [row["original_name"] for row in desk.rows()
             if row["status"] == "pending" and row["metadata_quality"] == "accepted"]
    ok(desk("approve", *names))
    return names


@pytest.fixture
def card(tmp_path: Path, gps_set: Path) -> Path:
    """The GPS set, with a Lightroom-style sidecar (NAME.xmp) beside one original."""
    folder = tmp_path / "cards" / "2008-10-22_arezzo"
    shutil.copytree(gps_set, folder)
    sidecar = folder / (Path(LR_SIDECAR_OF).stem + ".xmp")
    # as Lightroom Classic writes one for a raw file: camera facts, develop settings, keywords
    subprocess.run([EXIFTOOL, "-q", *(f"-XMP-dc:Subject={k}" for k in LR_KEYWORDS),
                    "-XMP-lr:HierarchicalSubject=Places|Italy|Arezzo|Piazza Grande",
                    "-XMP-tiff:Make=NIKON", "-XMP-tiff:Model=COOLPIX P6000",
                    "-XMP-exif:DateTimeOriginal=2008:10:22 16:29:49", "-XMP-exif:GPSLatitude=43.4674",
                    "-XMP-exif:GPSLatitudeRef=N", "-XMP-crs:Exposure2012=+0.35", "-XMP-crs:Contrast2012=+12",
                    "-XMP-xmpMM:DocumentID=xmp.did:5b7c1e2f", str(sidecar)], check=True)
    return folder


def test_sidecars_published_copies_and_provenance_read_back_with_exiftool(proofdesk: Proofdesk, card: Path) -> None:
    desk = proofdesk
    env = {**OFFLINE, "PROOFDESK_PUBLISH__SIDECARS": "true"}
    ok(desk("run", str(card), "--no-review", "-q", env=env))

    # A Lightroom sidecar beside an original: its keywords are evidence (like embedded IPTC/XMP).
    evidence = row_of(desk, LR_SIDECAR_OF)["exif_keywords"]
    assert all(keyword in evidence for keyword in LR_KEYWORDS), evidence

    # A person writes the caption (non-ASCII) and the keywords.
    edited = json.loads(ok(desk("edit", EDITED, "--caption", CAPTION, "--keywords", "arezzo, tuscany, tür, 東京",
                                "--json", env=env)).stdout)
    assert edited["metadata_quality"] == "accepted", edited["proof_reasons"]
    assert edited["provenance"]["caption"]["by"] == "person"
    keywords = edited["keywords"]
    assert {"tür", "東京"} <= set(keywords)
    assert edited["provenance"]["alt_text"]["by"] == "offline"

    # A rerun keeps it.
    ok(desk("run", str(card), "--no-review", "-q", env=env))
    assert row_of(desk, EDITED)["caption"] == CAPTION
    # A refresh of the same picture (new bytes, same pixels) keeps it.
    subprocess.run([EXIFTOOL, "-q", "-overwrite_original", "-Artist=Someone Else", str(card / EDITED)], check=True)
    ok(desk("run", str(card), "--no-review", "-q", env=env))
    refreshed = row_of(desk, EDITED)
    assert refreshed["caption"] == CAPTION and refreshed["provenance"]["caption"]["by"] == "person"
    # Generate only suggests.
    ok(desk("generate", EDITED, env=env))
    generated = row_of(desk, EDITED)
    assert generated["caption"] == CAPTION and generated["provenance"]["caption"]["by"] == "person"
    assert generated["pending_suggestion"].get("caption") not in (None, CAPTION)

    approved = approve_accepted(desk)
    assert EDITED in approved and len(approved) >= 5

    # Sidecars: one per approved row, every field under the names other programs read.
    ok(desk("export", "--xmp", env=env))
    folder = desk.workdir / "sidecars" / card.name
    written = sorted(folder.glob("*.xmp"))
    assert len(written) == len(approved)
    file_name = row_of(desk, EDITED)["file_name"]
    for found in exiftool(*written):
        for tag in ("XMP-dc:Description", "XMP-dc:Subject", "XMP-dc:Title", "XMP-lr:HierarchicalSubject",
                    "XMP-digiKam:TagsList", "XMP-iptcCore:AltTextAccessibility", "XMP-photoshop:City",
                    "XMP-photoshop:State", "XMP-photoshop:Country", "XMP-proofdesk:CaptionBy"):
            assert found.get(tag), (found["SourceFile"], tag)
        assert "XMP-xmp:Rating" not in found  # off by default
    mine = tags(folder / f"{file_name}.xmp")
    assert mine["XMP-dc:Description"] == CAPTION
    assert as_list(mine["XMP-dc:Subject"]) == keywords
    assert "Places|Italy|Tuscany|Arezzo" in as_list(mine["XMP-lr:HierarchicalSubject"])
    assert "Places/Italy/Tuscany/Arezzo" in as_list(mine["XMP-digiKam:TagsList"])
    assert "東京" in as_list(mine["XMP-lr:HierarchicalSubject"])
    assert mine["XMP-proofdesk:CaptionBy"] == "person"
    assert mine["XMP-proofdesk:AltTextBy"] == "offline"
    assert row_of(desk, EDITED)["provenance"]["caption"]["by"] == "person"

    # Published copies (and the sidecar uploaded beside each): the same fields, IPTC included.
    ok(desk("publish", "--yes", env=env))
    published = desk.workdir / "published"
    copy = tags(published / file_name)
    assert copy["IPTC:Caption-Abstract"] == CAPTION
    assert as_list(copy["IPTC:Keywords"]) == keywords
    assert copy["XMP-dc:Description"] == CAPTION
    assert as_list(copy["XMP-dc:Subject"]) == keywords
    assert "Places|Italy|Tuscany|Arezzo" in as_list(copy["XMP-lr:HierarchicalSubject"])
    assert "Places/Italy/Tuscany/Arezzo" in as_list(copy["XMP-digiKam:TagsList"])
    assert copy["XMP-iptcCore:AltTextAccessibility"] == row_of(desk, EDITED)["alt_text"]
    assert copy["XMP-proofdesk:CaptionBy"] == "person"
    uploaded = tags(published / f"{file_name}.xmp")
    assert uploaded["XMP-dc:Description"] == CAPTION and uploaded["XMP-proofdesk:CaptionBy"] == "person"
    for other in approved:
        name = row_of(desk, other)["file_name"]
        found = tags(published / name)
        for tag in ("IPTC:Caption-Abstract", "IPTC:Keywords", "XMP-dc:Description", "XMP-dc:Subject",
                    "XMP-lr:HierarchicalSubject", "XMP-digiKam:TagsList", "XMP-iptcCore:AltTextAccessibility"):
            assert found.get(tag), (name, tag)

    # Accepting Generate's suggestion replaces the person's caption; the model wrote it now.
    ok(desk("accept-suggestion", EDITED, env=env))
    accepted = row_of(desk, EDITED)
    assert accepted["caption"] == generated["pending_suggestion"]["caption"]
    assert accepted["provenance"]["caption"]["by"] == "offline"


def test_writing_into_an_existing_sidecar_changes_only_our_tags(proofdesk: Proofdesk, card: Path,
                                                                 gps_set: Path) -> None:
    """A raw file's sidecar (develop settings, a rating, someone's label): an exiftool diff after
    `export --xmp` into the originals' folder shows only proofdesk's fields changed."""
    desk = proofdesk
    env = {**OFFLINE, "PROOFDESK_SIDECARS__NAMING": "stem", "PROOFDESK_SIDECARS__NAME_FROM": "original"}
    ok(desk("run", str(card), "--no-review", "-q", env=env))
    approve_accepted(desk)
    sidecar = card / (Path(LR_SIDECAR_OF).stem + ".xmp")
    subprocess.run([EXIFTOOL, "-q", "-overwrite_original", "-XMP-xmp:Rating=3", "-XMP-xmp:Label=Red",
                    "-XMP-crs:WhiteBalance=Custom", "-XMP-dc:Creator=Ana Ødegård", str(sidecar)], check=True)
    before = tags(sidecar)
    ok(desk("export", "--xmp", str(card), "--set", card.name, env=env))
    after = tags(sidecar)
    ours = {"XMP-dc:Description", "XMP-dc:Subject", "XMP-dc:Title", "XMP-lr:HierarchicalSubject",
            "XMP-digiKam:TagsList", "XMP-iptcCore:AltTextAccessibility", "XMP-photoshop:City",
            "XMP-photoshop:State", "XMP-photoshop:Country"}
    volatile = {"System:FileSize", "System:FileModifyDate", "System:FileAccessDate", "System:FileInodeChangeDate",
                "XMP-x:XMPToolkit"}
    changed = {key for key in before.keys() | after.keys()
               if before.get(key) != after.get(key) and key not in volatile}
    assert changed, "nothing was written"
    assert all(key in ours or key.startswith("XMP-proofdesk:") for key in changed), sorted(changed - ours)
    for key in ("XMP-crs:Exposure2012", "XMP-crs:WhiteBalance", "XMP-xmp:Rating", "XMP-xmp:Label", "XMP-dc:Creator"):
        assert after[key] == before[key], key
    assert after["XMP-dc:Creator"] == "Ana Ødegård"
    assert after["XMP-proofdesk:CaptionBy"] == "offline"
    # the original image beside it is untouched
    assert (card / LR_SIDECAR_OF).read_bytes() == (gps_set / LR_SIDECAR_OF).read_bytes()

"""Stage 1 and RAW files: the domain's one table of RAW extensions (checked against the installed
exiftool); a RAW format the inspector does not read (the fake reads none; LibRaw reads all but
`LIBRAW_NEEDS`'s) reported as an unsupported RAW whatever `intake.extensions` says; a RAW it reads
taken as a picture, or paired with the JPEG of the same name by `intake.raw_pairs`; a JPEG under a
RAW extension told apart by its first bytes, and the scanner that reads them."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from proofdesk.adapters.files.scanner import LocalSetScanner
from proofdesk.adapters.memory import FakeImageInspector, FakeSetScanner
from proofdesk.core.domain.intake import (
    JPEG_MAGIC,
    LIBRAW_NEEDS,
    RAW_EXTENSIONS,
    RAW_FORMATS,
    ImageCheck,
    IntakeRules,
    SetEntry,
    raw_format_readable,
    raw_pairs,
)
from proofdesk.core.services.validate import validate_sets

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# exiftool's file types whose description says RAW, without the RAW *video* ones (not photos)
EXIFTOOL_RAW_TYPES = r"""
for my $ext (sort keys %Image::ExifTool::fileTypeLookup) {
    my $entry = $Image::ExifTool::fileTypeLookup{$ext};
    $entry = $Image::ExifTool::fileTypeLookup{$entry} unless ref $entry;
    next unless ref $entry eq 'ARRAY';
    my $description = $entry->[1] // '';
    print lc($ext), "\n" if $description =~ /\bRAW\b/i and $description !~ /(video|movie)/i;
}
"""


def exiftool_raw_extensions() -> set[str]:
    if shutil.which("exiftool") is None or shutil.which("perl") is None:
        message = "exiftool is not installed (apt-get install libimage-exiftool-perl)"
        if IN_CI:
            pytest.fail("CI=true: " + message, pytrace=False)
        pytest.skip(message)
    result = subprocess.run(["perl", "-MImage::ExifTool", "-e", EXIFTOOL_RAW_TYPES],
                            capture_output=True, text=True, check=True)
    return {f".{line.strip()}" for line in result.stdout.splitlines() if line.strip()}


def test_every_raw_format_the_installed_exiftool_knows_is_in_the_intake_raw_table() -> None:
    known = exiftool_raw_extensions()
    assert len(known) > 25, known  # the query found exiftool's RAW types, not nothing
    assert known - RAW_EXTENSIONS == set()
    # and the ones exiftool names otherwise but that are raw sensor data too
    assert {".dng", ".fff", ".mos", ".ori", ".ciff", ".crw", ".mrw", ".x3f"} <= RAW_EXTENSIONS
    # RAW video is not a photo
    assert not {".crm", ".r3d"} & RAW_EXTENSIONS


def test_the_raw_table_lists_lower_case_extensions_each_with_a_name_a_person_knows() -> None:
    assert RAW_EXTENSIONS == frozenset(RAW_FORMATS)
    for extension, name in RAW_FORMATS.items():
        assert extension.startswith(".") and extension == extension.lower()
        assert name and name.strip() == name


def _validate(entries: list[SetEntry], rules: IntakeRules | None = None,  # type: ignore[no-untyped-def]
              inspector: FakeImageInspector | None = None):
    scanner = FakeSetScanner()
    scanner.add("/cards/shoot", entries)
    return validate_sets(["/cards/shoot"], scanner, inspector or FakeImageInspector(), rules or IntakeRules())


class RawReadingInspector(FakeImageInspector):
    """The fake inspector that reads DNG and CR2 (as LibRaw would), with registered checks."""

    def raw_formats(self) -> frozenset[str]:
        return frozenset({".dng", ".cr2"})


def _entry(name: str, head: bytes = b"II*\x00\x08\x00\x00\x00") -> SetEntry:
    return SetEntry(name, f"/cards/shoot/{name}", "file", 4096, head=head)


def _picture(name: str, image_format: str = "RAW") -> tuple[str, ImageCheck]:
    return f"/cards/shoot/{name}", ImageCheck(name.lower().ljust(64, "0"), 4096, image_format, 6000, 4000)


@pytest.mark.parametrize("extension", sorted(RAW_EXTENSIONS))
def test_each_raw_extension_alone_is_an_unsupported_raw_when_the_inspector_reads_no_raw(extension: str) -> None:
    for name in (f"IMG_0001{extension}", f"IMG_0001{extension.upper()}"):
        report = _validate([SetEntry(name, f"/cards/shoot/{name}", "file", 4096, head=b"II*\x00\x08\x00\x00\x00")])
        assert [p.name for p in report.problems] == [name]
        message = report.problems[0].message
        assert f"unsupported image format {extension}" in message and "unsupported RAW" in message
        assert RAW_FORMATS[extension] in message
        assert report.ignored == []


def test_a_raw_extension_in_intake_extensions_is_still_an_unsupported_raw_when_not_read() -> None:
    rules = IntakeRules(extensions=[".jpg", ".dng", ".crw"])
    entries = [SetEntry(name, f"/cards/shoot/{name}", "file", 4096, head=b"II*\x00") for name in ("a.dng", "b.CRW")]
    report = _validate(entries, rules)
    assert sorted(p.name for p in report.problems) == ["a.dng", "b.CRW"]
    assert all("unsupported RAW" in p.message for p in report.problems)


def test_a_raw_named_file_that_holds_a_jpeg_is_reported_as_a_jpeg_named_as_raw() -> None:
    head = JPEG_MAGIC + b"\xe1\x00\x10Exif\x00\x00II*"
    report = _validate([SetEntry("DSC_0001.NEF", "/cards/shoot/DSC_0001.NEF", "file", 382_419, head=head)])
    assert [p.name for p in report.problems] == ["DSC_0001.NEF"]
    assert "a JPEG named as RAW (.nef)" in report.problems[0].message
    assert "rename it to .jpg" in report.problems[0].message


def test_an_unread_raw_file_beside_its_jpeg_is_still_skipped_and_listed() -> None:
    report = _validate([
        SetEntry("IMG_0001.CRW", "/cards/shoot/IMG_0001.CRW", "file", 4096, head=b"II\x1a\x00\x00\x00HEAPCCDR"),
        SetEntry("IMG_0001.JPG", "/cards/shoot/IMG_0001.JPG", "file", 4096, head=JPEG_MAGIC),
    ])
    assert [p.name for p in report.ignored] == ["IMG_0001.CRW"]
    assert report.ignored[0].message.startswith("raw file skipped: IMG_0001.JPG beside it")
    assert not any(p.name == "IMG_0001.CRW" for p in report.problems)


def test_the_scanner_records_the_first_bytes_of_each_file(tmp_path: Path) -> None:
    folder = tmp_path / "shoot"
    folder.mkdir()
    (folder / "jpeg.nef").write_bytes(JPEG_MAGIC + b"\xe0" + b"x" * 100)
    (folder / "raw.mrw").write_bytes(b"\x00MRM" + b"\x00" * 100)
    (folder / "empty.x3f").write_bytes(b"")
    (folder / "sub").mkdir()
    entries = {entry.name: entry for entry in LocalSetScanner().scan(str(folder)).entries}
    assert entries["jpeg.nef"].head.startswith(JPEG_MAGIC) and len(entries["jpeg.nef"].head) == 16
    assert entries["raw.mrw"].head.startswith(b"\x00MRM")
    assert entries["empty.x3f"].head == b""
    assert entries["sub"].head == b""


def test_libraw_reads_every_raw_format_but_those_needing_a_part_it_lacks() -> None:
    readable = {suffix for suffix in RAW_EXTENSIONS if raw_format_readable(suffix, frozenset())}
    assert {".cr2", ".cr3", ".nef", ".nrw", ".arw", ".dng", ".raf", ".rw2", ".orf", ".pef", ".srw"} <= readable
    assert readable == RAW_EXTENSIONS - set(LIBRAW_NEEDS)
    assert raw_format_readable(".x3f", frozenset({"X3FTOOLS"}))
    assert not raw_format_readable(".ari", frozenset({"X3FTOOLS"})) and not raw_format_readable(".jpg", frozenset())


def test_raw_pairs_match_stems_case_insensitively_and_keep_each_name_as_written() -> None:
    names = ["IMG_0001.CR2", "img_0001.jpg", "IMG_0002.dng", "IMG_0002.JPEG", "IMG_0003.NEF", "IMG_0004.JPG", "notes.txt"]
    assert raw_pairs(names) == {"IMG_0001.CR2": "img_0001.jpg", "IMG_0002.dng": "IMG_0002.JPEG"}


def test_a_raw_the_inspector_reads_is_a_picture_whatever_intake_extensions_says() -> None:
    inspector = RawReadingInspector(dict([_picture("IMG_0001.CR2")]))
    report = _validate([_entry("IMG_0001.CR2")], IntakeRules(extensions=[".jpg"]), inspector)
    assert report.problems == [] and [(f.name, f.format, f.width) for f in report.files] == [("IMG_0001.CR2", "RAW", 6000)]
    assert report.files[0].raw_original_name is None and report.files[0].jpeg_original_name is None


def test_a_raw_without_picture_data_is_refused_with_the_inspectors_reason() -> None:
    reason = "no picture data in this RAW file: no embedded preview and no sensor data"
    inspector = RawReadingInspector({"/cards/shoot/IMG_0001.CR2": ImageCheck("a" * 64, 4096, problem=reason)})
    report = _validate([_entry("IMG_0001.CR2")], inspector=inspector)
    assert [(p.name, p.message) for p in report.problems] == [("IMG_0001.CR2", reason)]


@pytest.mark.parametrize("mode", ["jpeg", "raw"])
def test_a_pair_is_one_picture_and_raw_pairs_decides_which(mode: str) -> None:
    inspector = RawReadingInspector(dict([_picture("IMG_0001.CR2"), _picture("img_0001.jpg", "JPEG")]))
    entries = [_entry("IMG_0001.CR2"), _entry("img_0001.jpg", JPEG_MAGIC)]
    report = _validate(entries, IntakeRules(raw_pairs=mode), inspector)  # type: ignore[arg-type]
    assert report.problems == []
    [picture] = report.files
    [other] = report.ignored
    if mode == "jpeg":
        assert (picture.name, picture.raw_original_name, picture.jpeg_original_name) == ("img_0001.jpg", "IMG_0001.CR2", None)
        assert other.name == "IMG_0001.CR2" and "intake.raw_pairs = jpeg" in other.message
    else:
        assert (picture.name, picture.raw_original_name, picture.jpeg_original_name) == ("IMG_0001.CR2", None, "img_0001.jpg")
        assert other.name == "img_0001.jpg" and "intake.raw_pairs = raw" in other.message


def test_with_raw_pairs_raw_a_raw_without_picture_data_is_reported_and_its_jpeg_stands_in() -> None:
    inspector = RawReadingInspector({"/cards/shoot/IMG_0001.CR2": ImageCheck("a" * 64, 4096, problem="no picture data"),
                                     **dict([_picture("IMG_0001.JPG", "JPEG")])})
    report = _validate([_entry("IMG_0001.CR2"), _entry("IMG_0001.JPG", JPEG_MAGIC)], IntakeRules(raw_pairs="raw"), inspector)
    assert [p.name for p in report.problems] == ["IMG_0001.CR2"]
    assert [(f.name, f.raw_original_name) for f in report.files] == [("IMG_0001.JPG", "IMG_0001.CR2")]


def test_a_jpeg_named_as_raw_beside_its_jpeg_is_skipped_and_listed_not_paired() -> None:
    inspector = RawReadingInspector(dict([_picture("DSC_0001.JPG", "JPEG")]))
    report = _validate([_entry("DSC_0001.DNG", JPEG_MAGIC + b"\xe1"), _entry("DSC_0001.JPG", JPEG_MAGIC)], inspector=inspector)
    assert report.problems == [] and [(f.name, f.raw_original_name) for f in report.files] == [("DSC_0001.JPG", None)]
    assert [(p.name, p.message) for p in report.ignored] == [
        ("DSC_0001.DNG", "raw file skipped: DSC_0001.JPG beside it is the picture proofdesk captions (it holds a JPEG, not RAW data)")]

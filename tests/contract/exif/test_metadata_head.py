"""The EXIF reader reads a JPEG's marker segments only (everything up to the start of the scan),
not its picture data: on every real sample JPEG the facts equal those of a whole-file read."""

from __future__ import annotations

from pathlib import Path

import pytest
from proofdesk.adapters.exif import pyexiv2_reader

JPEG_SUFFIXES = (".jpg", ".jpeg", ".jpe")


def sample_jpegs(samples: Path) -> list[Path]:
    root = samples.parent  # exif-samples, realworld, raw
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in JPEG_SUFFIXES)


def test_every_sample_jpeg_reads_the_same_from_its_head_as_from_the_whole_file(
    samples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = sample_jpegs(samples)
    assert len(files) >= 50
    reader = pyexiv2_reader.Pyexiv2ExifReader()
    from_head = {path: reader.read(str(path)) for path in files}
    shortened = [path for path in files if len(pyexiv2_reader._metadata_bytes(str(path))) < path.stat().st_size]
    assert len(shortened) >= 0.9 * len(files)  # the picture data is left unread for nearly all
    monkeypatch.setattr(pyexiv2_reader, "_metadata_bytes", lambda path: Path(path).read_bytes())
    differing = [str(path) for path in files if reader.read(str(path)) != from_head[path]]
    assert differing == []

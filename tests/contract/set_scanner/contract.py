"""Set-scanner behaviour: what a set folder holds, without following links out of it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from proofdesk.core.ports.files import SetScanner

from tests.support.corpus import write_jpeg


def make_set(root: Path) -> Path:
    """photo.jpg, notes.txt, a sub-folder, a link out of the set, a looping pair of links."""
    folder = root / "2026-06-12_lofoten"
    write_jpeg(folder / "photo.jpg", seed=1)
    (folder / "notes.txt").write_text("shot list")
    (folder / "selects").mkdir()
    write_jpeg(root / "outside.jpg", seed=2)
    os.symlink(root / "outside.jpg", folder / "link_out.jpg")
    os.symlink(folder / "loop_b.jpg", folder / "loop_a.jpg")
    os.symlink(folder / "loop_a.jpg", folder / "loop_b.jpg")
    return folder


EXPECTED_KINDS = {"photo.jpg": "file", "notes.txt": "file", "selects": "dir", "link_out.jpg": "symlink_outside",
                  "loop_a.jpg": "symlink_loop", "loop_b.jpg": "symlink_loop"}


class SetScannerContract:
    @pytest.fixture
    def scanner_and_set(self, tmp_path: Path) -> tuple[SetScanner, Path]:  # pragma: no cover - bound by subclasses
        raise NotImplementedError

    def test_entries_and_their_kinds(self, scanner_and_set: tuple[SetScanner, Path]) -> None:
        scanner, folder = scanner_and_set
        listing = scanner.scan(str(folder))
        assert listing.problem is None and listing.name == "2026-06-12_lofoten"
        assert {entry.name: entry.kind for entry in listing.entries} == EXPECTED_KINDS
        photo = next(entry for entry in listing.entries if entry.name == "photo.jpg")
        assert photo.size_bytes == (folder / "photo.jpg").stat().st_size

    def test_missing_folder_is_a_problem_not_an_exception(self, scanner_and_set: tuple[SetScanner, Path]) -> None:
        scanner, folder = scanner_and_set
        listing = scanner.scan(str(folder.parent / "nope"))
        assert listing.problem == "set folder does not exist" and listing.entries == ()

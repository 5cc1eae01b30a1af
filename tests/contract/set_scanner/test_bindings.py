from __future__ import annotations

from pathlib import Path

import pytest
from proofdesk.adapters.files.scanner import LocalSetScanner
from proofdesk.adapters.memory import FakeSetScanner
from proofdesk.core.domain.intake import SetEntry
from proofdesk.core.ports.files import SetScanner

from .contract import EXPECTED_KINDS, SetScannerContract, make_set


class TestLocalSetScanner(SetScannerContract):
    @pytest.fixture
    def scanner_and_set(self, tmp_path: Path) -> tuple[SetScanner, Path]:
        return LocalSetScanner(), make_set(tmp_path)

    def test_not_a_folder(self, tmp_path: Path) -> None:
        (tmp_path / "file.jpg").write_bytes(b"x")
        assert LocalSetScanner().scan(str(tmp_path / "file.jpg")).problem == "not a folder"


class TestFakeSetScanner(SetScannerContract):
    @pytest.fixture
    def scanner_and_set(self, tmp_path: Path) -> tuple[SetScanner, Path]:
        folder = make_set(tmp_path)
        scanner = FakeSetScanner()
        scanner.add(str(folder), [
            SetEntry(name, str(folder / name), kind, (folder / name).stat().st_size if kind == "file" else 0)
            for name, kind in EXPECTED_KINDS.items()
        ])
        return scanner, folder

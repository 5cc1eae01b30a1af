"""The behaviour every Uploader shows (local folder, FTP, FTPS, the in-memory fake).

Bindings provide three fixtures: `uploader` (the implementation), `remote_bytes(path) -> bytes |
None` (what really arrived, read from the server's side) and `plant(path, data)` (put a file on
the server's side behind the uploader's back, e.g. a temp file an interrupted upload left).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from proofdesk.core.ports.publishing import TEMP_PREFIX, PublishFailure, Uploader

RemoteBytes = Callable[[str], bytes | None]
Plant = Callable[[str, bytes], None]


class UploaderContract:
    @pytest.fixture
    def uploader(self) -> Uploader:  # pragma: no cover - bound by subclasses
        raise NotImplementedError

    @pytest.fixture
    def remote_bytes(self) -> RemoteBytes:  # pragma: no cover
        raise NotImplementedError

    @pytest.fixture
    def plant(self) -> Plant:  # pragma: no cover
        raise NotImplementedError

    def test_put_stores_the_exact_bytes_and_reports_the_size(self, uploader: Uploader, remote_bytes: RemoteBytes) -> None:
        data = bytes(range(256)) * 700  # binary, not text: no newline translation
        assert uploader.put("/gallery/photo.jpg", data) == len(data)
        assert remote_bytes("/gallery/photo.jpg") == data
        assert uploader.size("/gallery/photo.jpg") == len(data)
        assert uploader.exists("/gallery/photo.jpg")

    def test_put_creates_missing_folders(self, uploader: Uploader, remote_bytes: RemoteBytes) -> None:
        uploader.put("/a/b/c/deep.jpg", b"deep")
        uploader.put("/a/b/other.jpg", b"other")
        assert remote_bytes("/a/b/c/deep.jpg") == b"deep"
        assert uploader.list_dir("/a/b") == ["other.jpg"]  # folders are not files
        assert uploader.list_dir("/a/b/c") == ["deep.jpg"]

    def test_put_replaces_an_existing_file(self, uploader: Uploader, remote_bytes: RemoteBytes) -> None:
        uploader.put("/gallery/same.jpg", b"first version, longer")
        uploader.put("/gallery/same.jpg", b"second")
        assert remote_bytes("/gallery/same.jpg") == b"second"
        assert uploader.list_dir("/gallery") == ["same.jpg"]

    def test_no_temp_file_is_left_after_puts(self, uploader: Uploader) -> None:
        for index in range(3):
            uploader.put(f"/gallery/p{index}.jpg", b"x" * (index + 1) * 1000)
        names = uploader.list_dir("/gallery")
        assert names == ["p0.jpg", "p1.jpg", "p2.jpg"]
        assert not any(name.startswith(TEMP_PREFIX) for name in names)

    def test_empty_file(self, uploader: Uploader, remote_bytes: RemoteBytes) -> None:
        assert uploader.put("/gallery/empty.jpg", b"") == 0
        assert remote_bytes("/gallery/empty.jpg") == b""
        assert uploader.size("/gallery/empty.jpg") == 0

    def test_remove_exists_and_size_of_missing(self, uploader: Uploader, remote_bytes: RemoteBytes) -> None:
        uploader.put("/gallery/gone.jpg", b"bytes")
        assert uploader.remove("/gallery/gone.jpg") is True
        assert uploader.remove("/gallery/gone.jpg") is False
        assert remote_bytes("/gallery/gone.jpg") is None
        assert uploader.size("/gallery/gone.jpg") is None
        assert not uploader.exists("/gallery/never.jpg")

    def test_listing_a_missing_folder_is_empty(self, uploader: Uploader) -> None:
        assert uploader.list_dir("/no/such/folder") == []

    def test_stale_temp_files_are_swept(self, uploader: Uploader, plant: Plant) -> None:
        uploader.put("/gallery/kept.jpg", b"kept")
        plant(f"/gallery/{TEMP_PREFIX}dead0001-half.jpg", b"half an upload")
        assert f"{TEMP_PREFIX}dead0001-half.jpg" in uploader.list_dir("/gallery")
        assert uploader.remove_stale_temp("/gallery") == [f"{TEMP_PREFIX}dead0001-half.jpg"]
        assert uploader.list_dir("/gallery") == ["kept.jpg"]
        assert uploader.remove_stale_temp("/missing") == []

    @pytest.mark.parametrize("path", ["/gallery/../escape.jpg", "/gallery/./x.jpg", "", "/", "/a//b.jpg", "/bad\x00name.jpg"])
    def test_unsafe_paths_are_refused(self, uploader: Uploader, path: str) -> None:
        with pytest.raises(PublishFailure, match="unsafe remote path"):
            uploader.put(path, b"x")

    def test_unicode_file_name(self, uploader: Uploader, remote_bytes: RemoteBytes) -> None:
        uploader.put("/gallery/città-vecchia.jpg", b"utf8")
        assert remote_bytes("/gallery/città-vecchia.jpg") == b"utf8"
        assert uploader.list_dir("/gallery") == ["città-vecchia.jpg"]

"""The gallery lifecycle's pure parts: what a File_Name's remote files are, the --verify
comparison, the redirect map and its formats, and how set folders are stored."""

from __future__ import annotations

import pytest
from proofdesk.core.domain.lifecycle import find_orphans, published_files, redirect_map, render_redirects
from proofdesk.core.domain.models import Row
from proofdesk.core.domain.publishing import GalleryEntry, GalleryRecord, PublishOptions
from proofdesk.core.services.sets import SetPaths

OPTIONS = PublishOptions(full_dir="/gallery", thumb_dir="/gallery/thumbs")


def record(name: str, remote_id: str) -> GalleryRecord:
    return GalleryRecord(remote_id=remote_id, entry=GalleryEntry(file_name=name, sha256="a" * 64))


def test_a_file_name_s_remote_files_are_image_thumbnail_and_sidecars_under_either_naming() -> None:
    assert published_files("a-b.jpg", OPTIONS) == [
        "/gallery/a-b.jpg", "/gallery/thumbs/a-b.jpg", "/gallery/a-b.jpg.xmp", "/gallery/a-b.xmp"]


def test_verify_finds_strays_files_two_rows_claim_foreign_gallery_ids_and_missing_files() -> None:
    holdings = [("one.jpg", "1"), ("two.jpg", "2"), ("two.jpg", "3")]
    listed = {"/gallery": ["one.jpg", "two.jpg", "stray.jpg", ".proofdesk-part-x-one.jpg"],
              "/gallery/thumbs": ["two.jpg"]}
    report = find_orphans(holdings, [record("one.jpg", "9"), record("two.jpg", "2"), record("gone.jpg", "4")],
                          listed, OPTIONS)
    assert report.stray_files == ["/gallery/.proofdesk-part-x-one.jpg", "/gallery/stray.jpg", "/gallery/two.jpg",
                                  "/gallery/thumbs/two.jpg"]
    assert report.stray_gallery == ["gone.jpg", "one.jpg", "two.jpg"]  # no owner, another id, two owners
    assert report.missing_files == ["/gallery/thumbs/one.jpg"] and not report.ok
    clean = find_orphans([("one.jpg", "1")], [record("one.jpg", "1")],
                         {"/gallery": ["one.jpg", "one.jpg.xmp"], "/gallery/thumbs": ["one.jpg"]}, OPTIONS)
    assert clean.ok and "no orphans" in clean.render()


def test_redirects_list_former_names_of_rows_still_published_in_three_formats() -> None:
    rows = [
        Row(set_name="s", original_name="a.jpg", sha256="a" * 64, published_file_name="new, name.jpg",
            former_file_names=["old.jpg"]),
        Row(set_name="s", original_name="b.jpg", sha256="b" * 64, former_file_names=["gone.jpg"]),  # unpublished
    ]
    options = OPTIONS.model_copy(update={"image_base_url": "https://example.org/photos"})
    pairs = redirect_map(rows, options)
    assert pairs == [("https://example.org/photos/old.jpg", "https://example.org/photos/new, name.jpg"),
                     ("https://example.org/photos/thumbs/old.jpg", "https://example.org/photos/thumbs/new, name.jpg")]
    assert render_redirects(pairs, "csv").splitlines()[1] == \
        'https://example.org/photos/old.jpg,"https://example.org/photos/new, name.jpg"'
    assert render_redirects(pairs, "nginx").splitlines()[0] == \
        "location = /photos/old.jpg { return 301 https://example.org/photos/new, name.jpg; }"
    assert render_redirects(pairs, "apache").splitlines()[0] == \
        "Redirect 301 /photos/old.jpg https://example.org/photos/new, name.jpg"
    with pytest.raises(ValueError):
        render_redirects(pairs, "iis")


def test_set_folders_inside_or_beside_the_project_are_stored_relative_others_in_full() -> None:
    paths = SetPaths("/home/ana/shoots/desk")
    assert paths.stored("/home/ana/shoots/desk/sets/lucca") == "sets/lucca"
    assert paths.stored("/home/ana/shoots/desk/../gps") == "../gps"
    assert paths.stored("/media/ana/EOS/DCIM/100CANON") == "/media/ana/EOS/DCIM/100CANON"
    assert paths.stored("/home/ana/other/x") == "/home/ana/other/x"
    assert SetPaths("/mnt/disk2/shoots/desk").local("../gps") == "/mnt/disk2/shoots/gps"
    assert paths.local("/media/ana/EOS/DCIM/100CANON") == "/media/ana/EOS/DCIM/100CANON"

"""The gallery's lifecycle on the real servers of the suite (pyftpdlib FTP, MariaDB gallery):
unpublish (and its faults: the FTP connection dropped right after a file delete, MariaDB gone
after the file delete, the process killed between the files and the gallery row; a rerun
converges), rename of a published row (old file gone, new one present, gallery id kept, redirect
listed), a replaced picture (its old image taken down when the new one is published). After every
step, `publish --verify` finds every file and gallery row owned by exactly one published row."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.support.ftp_server import FtpServer
from tests.support.tcp_proxy import TcpProxy

from .conftest import Proofdesk
from .test_publish import FAST_GALLERY, OFFLINE, gallery_rows, prepare


def by_name(desk: Proofdesk) -> dict[str, dict[str, Any]]:
    return {row["original_name"]: row for row in desk.rows()}


def assert_no_orphans(desk: Proofdesk, env: dict[str, str], ftp: FtpServer | None, url: str) -> None:
    """`publish --verify` says so, and the servers agree: files == holding rows x 2, gallery rows ==
    holding rows, each under the row's id."""
    verify = desk("publish", "--verify", env=env)
    assert verify.exit_code == 0, verify.output
    assert "no orphans" in verify.stdout
    holding = {row["published_file_name"]: row for row in desk.rows() if row["published_file_name"]}
    assert {g["File_Name"]: str(g["id"]) for g in gallery_rows(url)} == {
        name: row["remote_id"] for name, row in holding.items()}
    if ftp is not None:
        assert ftp.files() == sorted([f"gallery/{name}" for name in holding] + [f"gallery/thumbs/{name}" for name in holding])


@pytest.fixture
def published(proofdesk: Proofdesk, gps_set: Path, tmp_path: Path, mysql_database_url: str) -> Any:
    """Seven rows published to a real FTP server and a MariaDB gallery."""
    approved = prepare(proofdesk, gps_set)
    ftp = FtpServer(tmp_path / "ftp-root").__enter__()
    env = {**OFFLINE, **ftp.env(PROOFDESK_PUBLISH__FTP__RETRIES="2"), **FAST_GALLERY,
           "PROOFDESK_GALLERY__URL": mysql_database_url}
    result = proofdesk("publish", "--yes", env=env)
    assert result.exit_code == 0, result.output
    yield proofdesk, ftp, env, approved
    ftp.__exit__(None, None, None)


# ---------------------------------------------------------------- unpublish


def test_unpublish_takes_the_image_thumbnail_and_gallery_row_down_and_sends_the_row_back_to_review(
    published: Any, mysql_database_url: str
) -> None:
    desk, ftp, env, approved = published
    name = approved[0]
    row = by_name(desk)[name]
    assert (ftp.root / "gallery" / row["file_name"]).is_file()

    dry = desk("unpublish", name, "--dry-run", env=env)
    assert dry.exit_code == 0, dry.output
    assert f"would unpublish gps/{name}" in dry.stdout
    assert by_name(desk)[name] == row and (ftp.root / "gallery" / row["file_name"]).is_file()

    assert desk("unpublish", name, env=env).exit_code == 2  # not on a terminal: --yes is needed
    result = desk("unpublish", name, "--yes", env=env)
    assert result.exit_code == 0, result.output
    after = by_name(desk)[name]
    assert after["status"] == "pending" and after["remote_id"] is None and after["published_file_name"] is None
    assert not (ftp.root / "gallery" / row["file_name"]).exists()
    assert not (ftp.root / "gallery" / "thumbs" / row["file_name"]).exists()
    assert row["file_name"] not in {g["File_Name"] for g in gallery_rows(mysql_database_url)}
    assert_no_orphans(desk, env, ftp, mysql_database_url)

    again = desk("publish", "--yes", "--json", env=env)  # pending: the next publish does not put it back
    assert again.exit_code == 0 and json.loads(again.stdout)["published"] == 0
    twice = desk("unpublish", name, "--yes", env=env)  # not published: nothing changes, exit 0
    assert twice.exit_code == 0 and "not published" in twice.stdout
    assert by_name(desk)[name] == after

    rejected = desk("unpublish", approved[1], "--yes", "--reject", env=env)
    assert rejected.exit_code == 0, rejected.output
    assert by_name(desk)[approved[1]]["status"] == "rejected"
    assert_no_orphans(desk, env, ftp, mysql_database_url)


def test_ftp_dropped_right_after_the_file_delete_then_a_rerun_finishes(published: Any, mysql_database_url: str) -> None:
    desk, ftp, env, approved = published
    name = approved[2]
    row = by_name(desk)[name]

    def drop(path: str) -> None:
        ftp.down = True

    ftp.on_file_deleted = drop
    first = desk("unpublish", name, "--yes", "--json", env=env)
    assert first.exit_code == 4, first.output
    assert json.loads(first.stdout)["blocking_error"]
    assert len(ftp.deleted) == 1 and not (ftp.root / "gallery" / row["file_name"]).exists()
    kept = by_name(desk)[name]
    assert kept["status"] == "published" and kept["published_file_name"] == row["file_name"]  # still its own
    assert row["file_name"] in {g["File_Name"] for g in gallery_rows(mysql_database_url)}

    ftp.on_file_deleted = None
    ftp.down = False
    second = desk("unpublish", name, "--yes", env=env)
    assert second.exit_code == 0, second.output
    assert by_name(desk)[name]["status"] == "pending"
    assert_no_orphans(desk, env, ftp, mysql_database_url)


def test_mariadb_gone_after_the_file_delete_then_a_rerun_finishes(published: Any, mysql_database_url: str) -> None:
    desk, ftp, env, approved = published
    name = approved[3]
    row = by_name(desk)[name]
    real = sa.engine.make_url(mysql_database_url)
    with TcpProxy(real.host or "127.0.0.1", real.port or 3306) as proxy:
        through = {**env, "PROOFDESK_GALLERY__URL": real.set(host="127.0.0.1", port=proxy.port)
                   .render_as_string(hide_password=False)}
        ftp.on_file_deleted = lambda path: proxy.cut()
        first = desk("unpublish", name, "--yes", "--reject", "--json", env=through)
        assert first.exit_code == 4, first.output
        assert "after 2 attempt" in json.loads(first.stdout)["blocking_error"]
        assert not (ftp.root / "gallery" / row["file_name"]).exists()  # the files went first
        assert row["file_name"] in {g["File_Name"] for g in gallery_rows(mysql_database_url)}
        assert by_name(desk)[name]["remote_id"] == row["remote_id"]

        ftp.on_file_deleted = None
        proxy.restore()
        second = desk("unpublish", name, "--yes", "--reject", env=through)
        assert second.exit_code == 0, second.output
    after = by_name(desk)[name]
    assert after["status"] == "rejected" and after["remote_id"] is None
    assert_no_orphans(desk, env, ftp, mysql_database_url)


@pytest.mark.parametrize("point", ["unpublish.after_files:1", "unpublish.after_gallery:1"])
def test_killed_between_the_files_and_the_gallery_row_then_a_rerun_finishes(
    published: Any, mysql_database_url: str, point: str
) -> None:
    desk, ftp, env, approved = published
    name = approved[4]
    killed = desk.subprocess("unpublish", name, "--yes", env={**env, "PROOFDESK_FAULT": point})
    assert killed.returncode == -9, killed.stderr
    assert by_name(desk)[name]["published_file_name"]  # the row still owns what is left
    rerun = desk("unpublish", name, "--yes", env=env)  # takes over the dead process's lock
    assert rerun.exit_code == 0, rerun.output
    assert by_name(desk)[name]["status"] == "pending"
    assert_no_orphans(desk, env, ftp, mysql_database_url)


# ---------------------------------------------------------------- rename


@pytest.mark.parametrize("kill", [None, "publish.after_upsert:1", "publish.after_takedown:1"])
def test_a_published_row_renamed_moves_its_files_keeps_its_gallery_id_and_lists_a_redirect(
    published: Any, mysql_database_url: str, kill: str | None
) -> None:
    desk, ftp, env, approved = published
    name = approved[0]
    row = by_name(desk)[name]
    old, new = row["file_name"], "arezzo-piazza-" + row["file_name"].rsplit("-", 1)[-1]
    old_id = {g["File_Name"]: g["id"] for g in gallery_rows(mysql_database_url)}[old]

    edited = desk("edit", name, "--file-name", new, env=env)
    assert edited.exit_code == 0, edited.output  # was refused: "a published row's file_name cannot change"
    assert by_name(desk)[name]["published_file_name"] == old
    status = desk("status", env=env)
    assert f"still published under the old name: gps/{name} ({old} -> {new})" in status.stdout
    assert desk("approve", name, env=env).exit_code == 0
    dry = desk("publish", "--dry-run", env=env)
    assert f"renamed from {old}" in dry.stdout
    if kill:
        killed = desk.subprocess("publish", "--yes", env={**env, "PROOFDESK_FAULT": kill})
        assert killed.returncode == -9, killed.stderr
    result = desk("publish", "--yes", "--json", env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["published"] == 1

    assert not (ftp.root / "gallery" / old).exists() and not (ftp.root / "gallery" / "thumbs" / old).exists()
    assert (ftp.root / "gallery" / new).is_file() and (ftp.root / "gallery" / "thumbs" / new).is_file()
    gallery = {g["File_Name"]: g for g in gallery_rows(mysql_database_url)}
    assert old not in gallery and gallery[new]["id"] == old_id  # the same gallery row, moved in place
    after = by_name(desk)[name]
    assert after["status"] == "published" and after["remote_id"] == str(old_id)
    assert after["former_file_names"] == [old] and after["published_file_name"] == new
    redirects = desk("redirects", "--format", "csv", env=env)
    assert redirects.exit_code == 0
    assert f"/gallery/{old},/gallery/{new}" in redirects.stdout.splitlines()
    nginx = desk("redirects", "--format", "nginx", env=env).stdout
    assert f"location = /gallery/{old} {{ return 301 /gallery/{new}; }}" in nginx
    assert f"Redirect 301 /gallery/{old} /gallery/{new}" in desk("redirects", "--format", "apache", env=env).stdout
    assert_no_orphans(desk, env, ftp, mysql_database_url)


# ---------------------------------------------------------------- a replaced picture


def test_a_replaced_picture_s_old_image_is_taken_down_when_the_new_one_is_published(
    proofdesk: Proofdesk, tmp_path: Path, samples: Path, mysql_database_url: str
) -> None:
    folder = tmp_path / "card" / "DCIM" / "100CANON"
    folder.mkdir(parents=True)
    shutil.copy(samples / "jpg" / "gps" / "DSCN0010.jpg", folder / "IMG_0001.JPG")
    shutil.copy(samples / "jpg" / "gps" / "DSCN0021.jpg", folder / "IMG_0002.JPG")
    with FtpServer(tmp_path / "ftp-root") as ftp:
        env = {**OFFLINE, **ftp.env(), "PROOFDESK_GALLERY__URL": mysql_database_url}
        assert proofdesk("run", str(folder), "--no-review", env=env).exit_code == 0
        assert proofdesk("approve", "--all-accepted", env=env).exit_code == 0
        assert proofdesk("publish", "--yes", env=env).exit_code == 0
        before = by_name(proofdesk)["IMG_0001.JPG"]
        old_name, old_sha = before["file_name"], before["sha256"]

        shutil.copy(samples / "jpg" / "gps" / "DSCN0042.jpg", folder / "IMG_0001.JPG")  # another picture
        assert proofdesk("run", str(folder), "--no-review", env=env).exit_code == 0
        replaced = by_name(proofdesk)["IMG_0001.JPG"]
        assert replaced["sha256"] != old_sha and replaced["published_file_name"] == old_name
        assert (ftp.root / "gallery" / old_name).is_file()  # still online, and still owned
        status = proofdesk("status", env=env)
        assert f"replaced picture, old image still published: 100CANON/IMG_0001.JPG ({old_name})" in status.stdout
        assert_no_orphans(proofdesk, env, ftp, mysql_database_url)

        assert proofdesk("approve", "--all-accepted", env=env).exit_code == 0
        assert proofdesk("publish", "--yes", env=env).exit_code == 0
        after = by_name(proofdesk)["IMG_0001.JPG"]
        assert after["status"] == "published" and after["file_name"] != old_name
        assert not (ftp.root / "gallery" / old_name).exists() and not (ftp.root / "gallery" / "thumbs" / old_name).exists()
        gallery = {g["File_Name"]: g for g in gallery_rows(mysql_database_url)}
        assert old_name not in gallery and gallery[after["file_name"]]["Sha256"] == after["sha256"]
        assert after["former_file_names"] == []  # another picture: no redirect to it
        assert "replaced picture" not in proofdesk("status", env=env).stdout
        assert_no_orphans(proofdesk, env, ftp, mysql_database_url)


def test_verify_names_each_stray_file_and_gallery_row_and_exits_3(published: Any, mysql_database_url: str) -> None:
    from proofdesk.adapters.gallery.sql import SqlGallery

    from tests.contract.gallery.contract import make_entry

    desk, ftp, env, _ = published
    (ftp.root / "gallery" / "left-behind.jpg").write_bytes(b"stray")
    squatter = SqlGallery(mysql_database_url)
    squatter.upsert(make_entry("nobody-owns-this.jpg", sha256="0" * 64))
    squatter.close()
    result = desk("publish", "--verify", env=env)
    assert result.exit_code == 3, result.output
    assert "stray file: /gallery/left-behind.jpg" in result.stdout
    assert "stray gallery File_Name: nobody-owns-this.jpg" in result.stdout


def test_sidecars_move_with_a_rename_and_leave_with_unpublish_in_a_local_folder(proofdesk: Proofdesk, gps_set: Path) -> None:
    """The default target (a folder, a SQLite gallery) with XMP sidecars under both namings."""
    approved = prepare(proofdesk, gps_set)
    env = {**OFFLINE, "PROOFDESK_PUBLISH__SIDECARS": "true", "PROOFDESK_SIDECARS__NAMING": "both"}
    assert proofdesk("publish", "--yes", env=env).exit_code == 0
    folder = proofdesk.workdir / "published"
    row = by_name(proofdesk)[approved[0]]
    old = row["file_name"]
    stem = old.rsplit(".", 1)[0]
    assert (folder / f"{old}.xmp").is_file() and (folder / f"{stem}.xmp").is_file()

    new = "arezzo-sidecar-" + old.rsplit("-", 1)[-1]
    assert proofdesk("edit", approved[0], "--file-name", new, env=env).exit_code == 0
    assert proofdesk("approve", approved[0], env=env).exit_code == 0
    assert proofdesk("publish", "--yes", env=env).exit_code == 0
    assert not list(folder.glob(f"{stem}*")) and (folder / f"{new}.xmp").is_file()
    verify = proofdesk("publish", "--verify", env=env)
    assert verify.exit_code == 0 and "no orphans" in verify.stdout

    assert proofdesk("unpublish", approved[0], "--yes", env=env).exit_code == 0
    new_stem = new.rsplit(".", 1)[0]
    assert not list(folder.glob(f"{new_stem}*")) and not list((folder / "thumbs").glob(f"{new_stem}*"))
    gallery = gallery_rows(f"sqlite:///{proofdesk.workdir / 'gallery.sqlite'}")
    assert new not in {g["File_Name"] for g in gallery} and len(gallery) == len(approved) - 1
    assert proofdesk("publish", "--verify", env=env).exit_code == 0
    assert proofdesk("redirects", env=env).stdout.strip() == "old_url,new_url"  # taken down: nothing to redirect to

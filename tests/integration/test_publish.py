"""Publish end to end on real servers: the GPS set through `proofdesk run` (offline captioner),
rows approved through the library, then `proofdesk publish` to a pyftpdlib server (plain and TLS)
and a MariaDB gallery. Only approved rows leave; metadata is readable back from the file that
arrived; ids are mirrored; a rerun changes nothing remote. Faults (connection dropped mid-upload,
against a SQLite gallery so they run without MySQL; MariaDB gone at upsert; the process killed
between upload and upsert) end, after a rerun, with every approved row published exactly once and
the mirror agreeing with the remote."""

from __future__ import annotations

import hashlib
import io
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from proofdesk.adapters.storage.sql import SqlQueueStore
from proofdesk.core.domain import queue
from proofdesk.core.ports.publishing import TEMP_PREFIX

from tests.support.ftp_server import PASSWORD, FtpServer
from tests.support.tcp_proxy import TcpProxy

from .conftest import Proofdesk

OFFLINE = {
    "PROOFDESK_CAPTIONER__BACKEND": "offline",
    "PROOFDESK_SCORING__BRISQUE_ENGINE": "fallback",
    "PROOFDESK_SCORING__AESTHETIC_ENGINE": "fallback",
}
REJECTED = "DSCN0010.jpg"
PENDING = "DSCN0012.jpg"
# Retries fast; the faults here are refused or cut connections, which fail at once whatever the
# timeout. The timeout stays generous: on a busy shared MariaDB (a full suite's DROP DATABASE of the
# test before) a CREATE TABLE can wait more than 5 s, which a read timeout would call a lost server.
FAST_GALLERY = {"PROOFDESK_GALLERY__RETRIES": "2", "PROOFDESK_GALLERY__BACKOFF_S": "0.05",
                "PROOFDESK_GALLERY__TIMEOUT_S": "30"}


# ---------------------------------------------------------------- helpers


def prepare(desk: Proofdesk, gps_set: Path) -> list[str]:
    """Run the GPS set, approve every accepted row but one rejected and one left pending;
    returns the approved rows' original names."""
    result = desk("run", str(gps_set), "--no-review", "-q", env=OFFLINE)
    assert result.exit_code == 0, result.output
    store = SqlQueueStore(f"sqlite:///{desk.workdir / 'queue.sqlite'}")
    approved = []
    with store.unit_of_work() as uow:
        for row in uow.rows.list():
            if row.original_name == REJECTED:
                uow.rows.update(queue.reject(row))
            elif row.original_name != PENDING and row.has_current_accepted_proof():
                uow.rows.update(queue.approve(row))
                approved.append(row.original_name)
        uow.commit()
    store.close()
    assert len(approved) == 7
    return sorted(approved)


def gallery_rows(url: str) -> list[dict[str, Any]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("gallery"):
                return []
            return [dict(r) for r in connection.execute(sa.text("SELECT * FROM gallery ORDER BY id")).mappings()]
    finally:
        engine.dispose()


def remote_state(ftp: FtpServer, url: str) -> dict[str, Any]:
    files = {name: (hashlib.sha256((ftp.root / name).read_bytes()).hexdigest(), (ftp.root / name).stat().st_mtime_ns)
             for name in ftp.files()}
    return {"files": files, "gallery": gallery_rows(url)}


def assert_mirror_agrees(desk: Proofdesk, ftp: FtpServer, url: str, approved: list[str]) -> None:
    rows = desk.rows()
    published = {row["file_name"]: row for row in rows if row["status"] == "published"}
    assert sorted(row["original_name"] for row in published.values()) == approved
    assert [row for row in rows if row["status"] == "approved"] == []
    gallery = gallery_rows(url)
    assert len(gallery) == len(approved)  # exactly once each
    assert {g["File_Name"]: str(g["id"]) for g in gallery} == {name: row["remote_id"] for name, row in published.items()}
    assert {g["File_Name"]: g["Sha256"] for g in gallery} == {name: row["sha256"] for name, row in published.items()}
    expected = sorted([f"gallery/{name}" for name in published] + [f"gallery/thumbs/{name}" for name in published])
    assert ftp.files() == expected  # files == published rows x 2, no temp file anywhere
    assert not any(Path(name).name.startswith(TEMP_PREFIX) for name in ftp.files())


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def ftp(tmp_path: Path) -> Iterator[FtpServer]:
    with FtpServer(tmp_path / "ftp-root") as server:
        yield server


# ---------------------------------------------------------------- the happy path


@pytest.mark.parametrize("tls", [False, True], ids=["ftp", "ftps"])
def test_approved_rows_reach_ftp_and_mariadb_and_a_rerun_changes_nothing(
    proofdesk: Proofdesk, gps_set: Path, tmp_path: Path, mysql_database_url: str, tls: bool
) -> None:
    import pyexiv2
    from PIL import Image

    approved = prepare(proofdesk, gps_set)
    with FtpServer(tmp_path / "ftp-root", tls=tls) as ftp:
        env = {**OFFLINE, **ftp.env(), "PROOFDESK_GALLERY__URL": mysql_database_url}

        dry = proofdesk("publish", "--dry-run", env=env)
        assert dry.exit_code == 0, dry.output
        assert dry.stdout.count("would publish") == 7 and REJECTED not in dry.stdout and PENDING not in dry.stdout
        assert ftp.files() == [] and gallery_rows(mysql_database_url) == []  # a dry run writes nothing
        assert not list((proofdesk.workdir / "runs").glob("publish-*"))

        result = proofdesk("publish", "--yes", "--json", env=env)
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["published"] == 7 and report["failed"] == 0 and report["ok"] is True
        assert PASSWORD not in result.output
        if tls:
            assert ftp.secure_data_transfers == 14

        assert_mirror_agrees(proofdesk, ftp, mysql_database_url, approved)
        rows = {row["original_name"]: row for row in proofdesk.rows()}
        for name in (REJECTED, PENDING):  # never sent
            assert rows[name]["file_name"] not in json.dumps(ftp.files()) and rows[name]["remote_id"] is None
            assert rows[name]["ollama_path"] and Path(rows[name]["ollama_path"]).is_file()  # kept for Generate
        gallery = {g["File_Name"]: g for g in gallery_rows(mysql_database_url)}
        for name in approved:
            row = rows[name]
            assert row["ollama_path"] is None and row["publish_error"] is None
            full = (ftp.root / "gallery" / row["file_name"]).read_bytes()
            image = pyexiv2.ImageData(full)
            iptc, xmp = image.read_iptc(), image.read_xmp()
            image.close()
            assert iptc["Iptc.Application2.Caption"] == row["caption"]
            assert iptc["Iptc.Application2.Keywords"] == row["keywords"]
            assert iptc["Iptc.Application2.ObjectName"]
            assert xmp["Xmp.dc.description"] == {'lang="x-default"': row["caption"]}
            assert xmp["Xmp.dc.subject"] == row["keywords"]
            assert xmp["Xmp.dc.title"] == {'lang="x-default"': iptc["Iptc.Application2.ObjectName"]}
            assert xmp["Xmp.iptc.AltTextAccessibility"] == {'lang="x-default"': row["alt_text"]}
            original = Path(row["incoming_path"]).read_bytes()
            assert hashlib.sha256(original).hexdigest() == row["sha256"]  # the original is untouched
            assert row["caption"].encode() not in original  # metadata went into the copy only
            with Image.open(io.BytesIO(full)) as decoded_full, Image.open(io.BytesIO(original)) as decoded_original:
                assert decoded_full.size == decoded_original.size and decoded_full.format == "JPEG"
                assert decoded_full.tobytes() == decoded_original.tobytes()  # a JPEG is not re-encoded
            with Image.open(ftp.root / "gallery" / "thumbs" / row["file_name"]) as thumb:
                assert thumb.format == "JPEG" and max(thumb.size) == 400
            entry = gallery[row["file_name"]]
            assert entry["Caption"] == row["caption"] and entry["Alt_Text"] == row["alt_text"]
            assert entry["Keywords"] == ", ".join(row["keywords"]) and entry["Set_Name"] == "gps"
            assert entry["Width"] == 640 and entry["Height"] == 480
            assert entry["Image_URL"] == f"/gallery/{row['file_name']}"
        [report_file] = (proofdesk.workdir / "runs").glob("publish-*/publish_report.json")
        assert json.loads(report_file.read_text())["published"] == 7

        before = remote_state(ftp, mysql_database_url)
        again = proofdesk("publish", "--yes", "--json", env=env)
        assert again.exit_code == 0, again.output
        assert json.loads(again.stdout)["published"] == 0
        assert remote_state(ftp, mysql_database_url) == before  # same files, same rows, same ids
        assert_mirror_agrees(proofdesk, ftp, mysql_database_url, approved)


def test_publish_refuses_without_yes_when_not_on_a_terminal(proofdesk: Proofdesk, gps_set: Path) -> None:
    prepare(proofdesk, gps_set)
    result = proofdesk("publish", env=OFFLINE)
    assert result.exit_code == 2
    assert "--yes" in result.stderr
    assert not (proofdesk.workdir / "published").exists() and not (proofdesk.workdir / "gallery.sqlite").exists()
    assert all(row["status"] != "published" for row in proofdesk.rows())


def test_the_default_publishes_locally_and_refuses_a_file_name_owned_by_another_image(
    proofdesk: Proofdesk, gps_set: Path
) -> None:
    """No server configured: a folder and a SQLite gallery in the workdir (the demo path)."""
    approved = prepare(proofdesk, gps_set)
    rows = {row["original_name"]: row for row in proofdesk.rows()}
    victim = rows[approved[0]]
    gallery_url = f"sqlite:///{proofdesk.workdir / 'gallery.sqlite'}"
    from proofdesk.adapters.gallery.sql import SqlGallery

    from tests.contract.gallery.contract import make_entry

    squatter = SqlGallery(gallery_url)
    squatter.ensure_table()
    squatter.upsert(make_entry(victim["file_name"], sha256="0" * 64))  # another image holds the name
    squatter.close()

    result = proofdesk("publish", "--yes", env=OFFLINE)
    assert result.exit_code == 3, result.output  # refused rows: exit 3, as `run` for blocked rows
    assert "refused" in result.stdout and "choose a new file name" in result.stdout
    after = {row["original_name"]: row for row in proofdesk.rows()}
    refused = after[approved[0]]
    assert refused["status"] == "pending" and refused["metadata_quality"] == "blocked"
    assert any(reason["rule"] == "file_name.gallery_conflict" for reason in refused["proof_reasons"])
    assert [after[name]["status"] for name in approved[1:]] == ["published"] * 6
    published_dir = proofdesk.workdir / "published"
    assert sorted(p.name for p in published_dir.glob("*.jpg")) == sorted(after[name]["file_name"] for name in approved[1:])
    assert len(list((published_dir / "thumbs").glob("*.jpg"))) == 6
    names = {g["File_Name"]: g["Sha256"] for g in gallery_rows(gallery_url)}
    assert names[victim["file_name"]] == "0" * 64  # never overwritten


# ---------------------------------------------------------------- proven again before anything is written

FIRST, BLOCKED, LAST, TAKER = "DSCN0010.jpg", "DSCN0012.jpg", "DSCN0021.jpg", "DSCN0025.jpg"


def approve_three_then_block_one(desk: Proofdesk, how: str) -> dict[str, dict[str, Any]]:
    """Three rows approved through the CLI, then the middle one's proof turned blocked:
    `taken_meanwhile` (another row was edited into its caption), `resaved` (and then it re-saved
    its own unchanged caption), `edited` (it was edited into another row's caption)."""
    result = desk("run", str(desk.cwd.parent / "gps"), "--no-review", "-q", env=OFFLINE)
    assert result.exit_code == 0, result.output
    approved = desk("approve", FIRST, BLOCKED, LAST)
    assert approved.exit_code == 0, approved.output
    rows = {row["original_name"]: row for row in desk.rows()}
    if how == "edited":
        edits = [(BLOCKED, rows[TAKER]["caption"])]
    else:
        edits = [(TAKER, rows[BLOCKED]["caption"])] + ([(BLOCKED, rows[BLOCKED]["caption"])] if how == "resaved" else [])
    for name, caption in edits:
        edited = desk("edit", name, "--caption", caption)
        assert edited.exit_code == 0, edited.output
    rows = {row["original_name"]: row for row in desk.rows()}
    assert rows[TAKER]["metadata_quality"] == "blocked" or how == "edited"
    # before the fix a re-saved row stayed approved with a blocked proof; now only a person re-approves it
    assert rows[BLOCKED]["status"] == ("approved" if how == "taken_meanwhile" else "pending")
    return rows


@pytest.fixture
def gps_copy(proofdesk: Proofdesk, gps_set: Path) -> Path:
    """The GPS set beside the desk (`gps`, as `prepare` names it)."""
    import shutil

    target = proofdesk.cwd.parent / "gps"
    shutil.copytree(gps_set, target)
    return target


@pytest.mark.parametrize(("how", "where"), [
    ("taken_meanwhile", "local"), ("resaved", "local"), ("edited", "local"), ("taken_meanwhile", "ftp+mariadb"),
])
def test_three_approved_one_blocked_after_approval_only_the_other_two_reach_the_gallery_and_the_folder(
    proofdesk: Proofdesk, gps_copy: Path, tmp_path: Path, request: pytest.FixtureRequest, how: str, where: str
) -> None:
    """The publish test of the issue: a blocked row is refused before its first upload or gallery
    write and sent back to review; the rows after it publish; --dry-run says so first; exit 3."""
    rows = approve_three_then_block_one(proofdesk, how)
    env = dict(OFFLINE)
    ftp = None
    if where == "local":
        gallery_url = f"sqlite:///{proofdesk.workdir / 'gallery.sqlite'}"
        full_dir = proofdesk.workdir / "published"
    else:
        gallery_url = request.getfixturevalue("mysql_database_url")
        ftp = FtpServer(tmp_path / "ftp-root").__enter__()
        request.addfinalizer(lambda: ftp.__exit__(None, None, None))
        env.update(ftp.env(), PROOFDESK_GALLERY__URL=gallery_url)
        full_dir = ftp.root / "gallery"
    refused = how == "taken_meanwhile"  # otherwise the row left the approved ones when it was blocked
    published_names = sorted(rows[name]["file_name"] for name in (FIRST, LAST))

    dry = proofdesk("publish", "--dry-run", env=env)
    assert dry.exit_code == (3 if refused else 0), dry.output
    assert f"would publish gps/{FIRST}" in dry.stdout and f"would publish gps/{LAST}" in dry.stdout
    assert f"would publish gps/{BLOCKED}" not in dry.stdout
    if refused:
        assert f"would refuse gps/{BLOCKED}: duplicate.caption" in dry.stdout and f"gps/{TAKER}" in dry.stdout
    assert "dry run: 2 row(s) would be published, " + ("1" if refused else "0") + " refused" in dry.stdout
    assert not full_dir.exists() or not any(full_dir.rglob("*.jpg"))  # a dry run writes nothing
    assert gallery_rows(gallery_url) == []
    assert {row["original_name"]: row for row in proofdesk.rows()} == rows  # nothing sent back either

    result = proofdesk("publish", "--yes", "--json", env=env)
    assert result.exit_code == (3 if refused else 0), result.output
    report = json.loads(result.stdout)
    assert (report["published"], report["failed"], report["refused"]) == (2, 0, 1 if refused else 0)
    if refused:
        [refusal] = report["refusals"]
        assert refusal["row"] == f"gps/{BLOCKED}" and refusal["file_name"] == rows[BLOCKED]["file_name"]
        assert [reason["rule"] for reason in refusal["reasons"]] == ["duplicate.caption"]
        assert f"gps/{TAKER}" in refusal["reasons"][0]["message"]

    assert sorted(p.name for p in full_dir.glob("*.jpg")) == published_names  # the blocked one in neither
    assert sorted(p.name for p in (full_dir / "thumbs").glob("*.jpg")) == published_names
    assert sorted(g["File_Name"] for g in gallery_rows(gallery_url)) == published_names
    after = {row["original_name"]: row for row in proofdesk.rows()}
    assert [after[name]["status"] for name in (FIRST, LAST)] == ["published", "published"]
    blocked = after[BLOCKED]
    assert blocked["status"] == "pending" and blocked["metadata_quality"] == "blocked"
    assert blocked["remote_id"] is None and blocked["caption"] == rows[BLOCKED]["caption"]
    assert "duplicate.caption" in {reason["rule"] for reason in blocked["proof_reasons"]}
    assert (blocked["publish_error"] is not None) == refused

    if how == "taken_meanwhile":  # the other row gives the caption up: a person approves, it publishes
        assert proofdesk("reject", TAKER).exit_code == 0
        assert proofdesk("approve", BLOCKED).exit_code == 2  # its stored proof is blocked until proven again
        assert proofdesk("edit", BLOCKED, "--caption", rows[BLOCKED]["caption"]).exit_code == 0
        assert proofdesk("approve", BLOCKED).exit_code == 0
        again = proofdesk("publish", "--yes", "--json", env=env)
        assert again.exit_code == 0, again.output
        assert json.loads(again.stdout)["published"] == 1
        assert sorted(g["File_Name"] for g in gallery_rows(gallery_url)) == sorted(
            [*published_names, rows[BLOCKED]["file_name"]])


def test_the_review_desk_s_publish_refuses_the_blocked_row_and_publishes_the_others(
    proofdesk: Proofdesk, gps_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The desk's publish key runs `container.desk_publisher()`: the same check, the paragraph it
    shows names the refused row and why."""
    from proofdesk.apps.config import load_settings
    from proofdesk.apps.container import build_container

    rows = approve_three_then_block_one(proofdesk, "taken_meanwhile")
    config = proofdesk.cwd / "proofdesk.toml"
    config.write_text('workdir = ".proofdesk"\n')
    for name, value in OFFLINE.items():
        monkeypatch.setenv(name, value)
    text = build_container(load_settings(config)).desk_publisher()()
    assert text.startswith("2 published, 0 failed, 1 refused"), text
    assert f"refused: gps/{BLOCKED}: duplicate.caption" in text
    published = proofdesk.workdir / "published"
    assert sorted(p.name for p in published.glob("*.jpg")) == sorted(rows[name]["file_name"] for name in (FIRST, LAST))
    assert {row["original_name"]: row["status"] for row in proofdesk.rows()}[BLOCKED] == "pending"


# ---------------------------------------------------------------- faults


def sqlite_gallery(tmp_path: Path) -> str:
    """The FTP fault tests' gallery: SQLite, so they run on a newcomer's machine without MySQL."""
    return f"sqlite:///{tmp_path / 'fault-gallery.sqlite'}"


def test_the_ftp_fault_tests_need_no_mysql() -> None:
    """Dropped uploads are the FTP adapter's fault, not the database's: the tests that script them
    must not ask for a MySQL fixture (which skips without PROOFDESK_TEST_MYSQL_URL)."""
    import inspect

    faults = {name: test for name, test in globals().items()
              if name.startswith("test_") and callable(test) and "drop_uploads" in inspect.getsource(test)}
    assert len(faults) >= 2, sorted(faults)
    for name, test in faults.items():
        mysql = [p for p in inspect.signature(test).parameters if "mysql" in p]
        assert mysql == [], f"{name} asks for {mysql}"


def test_ftp_connection_dropped_mid_upload_then_a_rerun_finishes(
    proofdesk: Proofdesk, gps_set: Path, ftp: FtpServer, tmp_path: Path
) -> None:
    approved = prepare(proofdesk, gps_set)
    gallery_url = sqlite_gallery(tmp_path)
    env = {**OFFLINE, **ftp.env(PROOFDESK_PUBLISH__FTP__RETRIES="2"), "PROOFDESK_GALLERY__URL": gallery_url}

    def arm(path: str) -> None:  # after three rows (six files) the network starts dropping uploads
        if len(ftp.received) == 6:
            ftp.drop_uploads = 2

    ftp.on_file_received = arm
    first = proofdesk("publish", "--yes", "--json", env=env)
    assert first.exit_code == 4, first.output
    report = json.loads(first.stdout)
    assert report["published"] == 3 and report["blocking_error"] and "failed after 2 attempt" in report["blocking_error"]
    assert ftp.dropped == 2
    rows = proofdesk.rows()
    failed = [row for row in rows if row["publish_error"]]
    assert len(failed) == 1 and failed[0]["status"] == "approved"
    assert len(gallery_rows(gallery_url)) == 3
    assert [r for r in rows if r["status"] == "approved" and r["remote_id"]] == []

    ftp.on_file_received = None
    second = proofdesk("publish", "--yes", "--json", env=env)
    assert second.exit_code == 0, second.output
    assert json.loads(second.stdout)["published"] == 4
    assert_mirror_agrees(proofdesk, ftp, gallery_url, approved)


def test_ftp_drop_is_retried_within_one_publish(
    proofdesk: Proofdesk, gps_set: Path, ftp: FtpServer, tmp_path: Path
) -> None:
    approved = prepare(proofdesk, gps_set)
    gallery_url = sqlite_gallery(tmp_path)
    ftp.drop_uploads = 2  # the first upload is cut twice; the third attempt gets through
    result = proofdesk("publish", "--yes", env={**OFFLINE, **ftp.env(), "PROOFDESK_GALLERY__URL": gallery_url})
    assert result.exit_code == 0, result.output
    assert ftp.dropped == 2
    assert_mirror_agrees(proofdesk, ftp, gallery_url, approved)


def test_mariadb_gone_at_upsert_then_a_rerun_finishes(
    proofdesk: Proofdesk, gps_set: Path, ftp: FtpServer, mysql_database_url: str
) -> None:
    approved = prepare(proofdesk, gps_set)
    real = sa.engine.make_url(mysql_database_url)
    with TcpProxy(real.host or "127.0.0.1", real.port or 3306) as proxy:
        through_proxy = real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        env = {**OFFLINE, **ftp.env(), **FAST_GALLERY, "PROOFDESK_GALLERY__URL": through_proxy}

        def cut(path: str) -> None:  # row 4's files arrived: the database goes away before its upsert
            if len(ftp.received) == 8:
                proxy.cut()

        ftp.on_file_received = cut
        first = proofdesk("publish", "--yes", "--json", env=env)
        assert first.exit_code == 4, first.output
        report = json.loads(first.stdout)
        assert report["published"] == 3 and "after 2 attempt" in report["blocking_error"]
        assert len(gallery_rows(mysql_database_url)) == 3
        failed = [row for row in proofdesk.rows() if row["publish_error"]]
        assert len(failed) == 1 and failed[0]["status"] == "approved" and failed[0]["remote_id"] is None
        assert (ftp.root / "gallery" / failed[0]["file_name"]).is_file()  # uploaded, never upserted

        ftp.on_file_received = None
        proxy.restore()
        second = proofdesk("publish", "--yes", "--json", env=env)
        assert second.exit_code == 0, second.output
        assert json.loads(second.stdout)["published"] == 4
    assert_mirror_agrees(proofdesk, ftp, mysql_database_url, approved)


def test_mariadb_unreachable_from_the_start_touches_nothing(
    proofdesk: Proofdesk, gps_set: Path, ftp: FtpServer, mysql_database_url: str
) -> None:
    approved = prepare(proofdesk, gps_set)
    closed = sa.engine.make_url(mysql_database_url).set(host="127.0.0.1", port=closed_port())
    env = {**OFFLINE, **ftp.env(), **FAST_GALLERY,
           "PROOFDESK_GALLERY__URL": closed.render_as_string(hide_password=False)}
    dry = proofdesk("publish", "--dry-run", env=env)
    assert dry.exit_code == 4 and "gallery not readable" in dry.stderr
    first = proofdesk("publish", "--yes", env=env)
    assert first.exit_code == 4, first.output
    assert "failed after 2 attempt" in first.stdout
    assert ftp.files() == []
    assert [row["status"] for row in proofdesk.rows() if row["original_name"] in approved] == ["approved"] * 7

    second = proofdesk("publish", "--yes", env={**env, "PROOFDESK_GALLERY__URL": mysql_database_url})
    assert second.exit_code == 0, second.output
    assert_mirror_agrees(proofdesk, ftp, mysql_database_url, approved)


@pytest.mark.parametrize("point", ["publish.after_upload:3", "publish.after_upsert:3"])
def test_killed_between_upload_and_upsert_then_a_rerun_publishes_each_row_once(
    proofdesk: Proofdesk, gps_set: Path, ftp: FtpServer, mysql_database_url: str, point: str
) -> None:
    approved = prepare(proofdesk, gps_set)
    env = {**OFFLINE, **ftp.env(), "PROOFDESK_GALLERY__URL": mysql_database_url}
    killed = proofdesk.subprocess("publish", "--yes", env={**env, "PROOFDESK_FAULT": point})
    assert killed.returncode == -9, killed.stderr
    published = [row for row in proofdesk.rows() if row["status"] == "published"]
    assert len(published) == 2
    assert len(ftp.files("gallery/thumbs")) == 3  # the third row's files arrived before the kill
    assert len(gallery_rows(mysql_database_url)) == (2 if point.startswith("publish.after_upload") else 3)

    rerun = proofdesk("publish", "--yes", "--json", env=env)  # takes over the dead publisher's lock
    assert rerun.exit_code == 0, rerun.output
    assert json.loads(rerun.stdout)["published"] == 5
    assert_mirror_agrees(proofdesk, ftp, mysql_database_url, approved)

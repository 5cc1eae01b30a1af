"""Ordinary mistakes get a clear message and the right exit code (2 bad input or config, 4 a failing
service), never a traceback; doctor checks what the run and the publish will need."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from proofdesk.apps.reporting import current_item

from tests.integration.conftest import Proofdesk
from tests.support.ftp_server import USER, FtpServer

OFFLINE = {"PROOFDESK_CAPTIONER__BACKEND": "offline"}


class _Wrong(BaseHTTPRequestHandler):
    body = b""
    content_type = "text/html"

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    do_POST = do_GET  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(params=["html", "json-list"])
def wrong_server(request: pytest.FixtureRequest) -> Iterator[str]:
    handler = type("Handler", (_Wrong,), {
        "body": b"<html><body>Welcome to nginx!</body></html>" if request.param == "html" else b'["not", "ollama"]',
        "content_type": "text/html" if request.param == "html" else "application/json",
    })
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@pytest.mark.parametrize("command", ["run", "doctor"])
def test_a_web_server_that_is_not_a_model_server_exits_4_naming_the_url(
    proofdesk: Proofdesk, camera_set: Path, wrong_server: str, command: str
) -> None:
    env = {"PROOFDESK_CAPTIONER__URL": wrong_server, "PROOFDESK_CAPTIONER__RETRIES": "1"}
    args = ["run", str(camera_set), "--no-review"] if command == "run" else ["doctor"]
    result = proofdesk(*args, env=env)
    assert result.exit_code == 4, result.output
    assert wrong_server in result.output
    assert ("text/html" in result.output) or ("JSON list" in result.output)
    assert "Traceback" not in result.output


def test_a_run_without_its_model_server_stops_before_copying_anything(proofdesk: Proofdesk, camera_set: Path) -> None:
    result = proofdesk("run", str(camera_set), "--no-review",
                       env={"PROOFDESK_CAPTIONER__URL": "http://127.0.0.1:9", "PROOFDESK_CAPTIONER__RETRIES": "1"})
    assert result.exit_code == 4
    assert "rolled back" not in result.output and "incoming" not in result.output
    assert proofdesk.incoming_files() == [] and not (proofdesk.workdir / "work").exists()


@pytest.mark.parametrize(("env", "expected"), [
    ({"PROOFDESK_STORAGE__URL": "mysql://root@127.0.0.1/test"}, "use mysql+pymysql://"),
    ({"PROOFDESK_GALLERY__URL": "mysql+mysqldb://root@127.0.0.1/test"}, "use mysql+pymysql://"),
    ({"PROOFDESK_CAPTIONR__BACKEND": "offline"}, "PROOFDESK_CAPTIONR__BACKEND: unknown section 'captionr'"),
    ({"PROOFDESK_CAPTIONER__BACKND": "offline"}, "captioner.backnd: unknown key"),
    ({"PROOFDESK_CAPTIONER__URL": "notaurl"}, "captioner.url"),
    ({"PROOFDESK_CAPTIONER__URL": "http://127.0.0.1:99999"}, "captioner.url"),
], ids=["mysql-no-driver", "mysql-other-driver", "unknown-section", "unknown-key", "not-a-url", "port-99999"])
def test_config_mistakes_exit_2_naming_the_key(proofdesk: Proofdesk, env: dict[str, str], expected: str) -> None:
    result = proofdesk("status", env=env)
    assert result.exit_code == 2, result.output
    assert expected in result.output


def test_other_proofdesk_variables_are_not_config_keys(proofdesk: Proofdesk) -> None:
    env = {"PROOFDESK_TEST_MYSQL_URL": "mysql://x", "PROOFDESK_FAULT": "", "PROOFDESK_SOMETHING_ELSE": "1"}
    assert proofdesk("status", env=env).exit_code == 0


def test_a_list_in_the_environment_may_be_comma_separated(proofdesk: Proofdesk, tmp_path: Path, camera_set: Path) -> None:
    set_dir = tmp_path / "mixed"
    set_dir.mkdir()
    for photo in sorted(camera_set.iterdir())[:2]:
        shutil.copy(photo, set_dir / photo.name)
    (set_dir / "notes.png").write_bytes(b"not really")  # a .png: outside .jpg-only extensions it is ignored
    env = {**OFFLINE, "PROOFDESK_INTAKE__EXTENSIONS": ".jpg, .jpeg"}
    result = proofdesk("run", str(set_dir), "--until", "validate", env=env)
    assert result.exit_code == 0, result.output
    as_json = proofdesk("run", str(set_dir), "--until", "validate", env={**OFFLINE, "PROOFDESK_INTAKE__EXTENSIONS": '[".jpg"]'})
    assert as_json.exit_code == 0, as_json.output


def test_a_password_in_the_storage_url_of_the_file_is_refused(proofdesk: Proofdesk) -> None:
    config = proofdesk.cwd / "proofdesk.toml"
    config.write_text('[storage]\nurl = "mysql+pymysql://proofdesk:hunter2@127.0.0.1/test"\n')
    result = proofdesk("--config", str(config), "status")
    assert result.exit_code == 2
    assert "PROOFDESK_STORAGE__URL" in result.output and "hunter2" not in result.output


def test_a_missing_ftp_password_says_which_variable_to_set(proofdesk: Proofdesk, tmp_path: Path) -> None:
    with FtpServer(tmp_path / "ftp-root") as ftp:
        env = {**OFFLINE, "PROOFDESK_PUBLISH__UPLOADER": "ftp", "PROOFDESK_PUBLISH__FTP__PORT": str(ftp.port),
               "PROOFDESK_PUBLISH__FTP__USER": USER, "PROOFDESK_PUBLISH__FTP__RETRIES": "1"}
        result = proofdesk("doctor", env=env)
    assert result.exit_code == 4
    assert "FAIL uploader" in result.output and "PROOFDESK_PUBLISH__FTP__PASSWORD" in result.output


@pytest.mark.skipif(not os.environ.get("PROOFDESK_TEST_MYSQL_URL"), reason="set PROOFDESK_TEST_MYSQL_URL to run MySQL tests")
def test_a_missing_gallery_password_says_which_variable_to_set(proofdesk: Proofdesk) -> None:
    env = {**OFFLINE, "PROOFDESK_GALLERY__URL": "mysql+pymysql://proofdesk_nobody@127.0.0.1:3306/test",
           "PROOFDESK_GALLERY__RETRIES": "1"}
    result = proofdesk("doctor", env=env)
    assert result.exit_code == 4
    assert "FAIL gallery" in result.output and "PROOFDESK_GALLERY__PASSWORD" in result.output


def test_doctor_fails_on_missing_weight_and_glossary_files(proofdesk: Proofdesk) -> None:
    env = {**OFFLINE, "PROOFDESK_SCORING__CLIP_WEIGHTS": "/nonexistent/clip.pt",
           "PROOFDESK_CAPTIONER__GLOSSARY_FILE": "/nonexistent/glossary.txt"}
    result = proofdesk("doctor", "--json", env=env)
    assert result.exit_code == 4
    checks = {c["check"]: c for c in json.loads(result.stdout)["checks"]}
    assert not checks["files"]["ok"]
    assert "scoring.clip_weights" in checks["files"]["detail"] and "captioner.glossary_file" in checks["files"]["detail"]


def _mount_read_only(mount_point: Path) -> bool:
    if os.geteuid() != 0:
        return False
    mount_point.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)], capture_output=True).returncode:
        return False
    subprocess.run(["mount", "-o", "remount,ro", str(mount_point)], check=True)
    return True


def test_doctor_fails_when_the_publish_folder_is_read_only(proofdesk: Proofdesk, tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    if not _mount_read_only(folder):
        if os.environ.get("CI") == "true":
            pytest.fail("CI must be able to mount a read-only tmpfs (root)")
        pytest.skip("needs root to mount a read-only tmpfs")
    try:
        result = proofdesk("doctor", env={**OFFLINE, "PROOFDESK_PUBLISH__LOCAL__DIR": str(folder)})
    finally:
        subprocess.run(["umount", str(folder)], check=False)
    assert result.exit_code == 4
    assert "FAIL uploader" in result.output


def test_doctor_prints_a_failing_service_once_and_never_advises_running_doctor(proofdesk: Proofdesk, tmp_path: Path) -> None:
    env = {**OFFLINE, "PROOFDESK_PUBLISH__UPLOADER": "ftp", "PROOFDESK_PUBLISH__FTP__PORT": "9",
           "PROOFDESK_PUBLISH__FTP__RETRIES": "3", "PROOFDESK_PUBLISH__FTP__BACKOFF_S": "0"}
    result = proofdesk.subprocess("doctor", env=env)
    assert result.returncode == 4
    output = result.stdout + result.stderr
    assert output.count("127.0.0.1:9") == 1, output
    down = proofdesk.subprocess("doctor", env={"PROOFDESK_CAPTIONER__URL": "http://127.0.0.1:9",
                                               "PROOFDESK_CAPTIONER__RETRIES": "1"})
    assert "proofdesk doctor" not in down.stdout + down.stderr


def _approved_and_blocked(proofdesk: Proofdesk, camera_set: Path) -> list[str]:
    assert proofdesk("run", str(camera_set), "--no-review", env=OFFLINE).exit_code == 0
    names = sorted(row["original_name"] for row in proofdesk.rows())
    edit = proofdesk("edit", names[1], "--caption", "Image of a thing.", env=OFFLINE)
    assert edit.exit_code in (0, 2)
    assert {r["original_name"]: r for r in proofdesk.rows()}[names[1]]["metadata_quality"] == "blocked"
    return names


def test_approve_is_all_or_nothing(proofdesk: Proofdesk, camera_set: Path) -> None:
    a, b, c = _approved_and_blocked(proofdesk, camera_set)[:3]
    result = proofdesk("approve", a, b, c, env=OFFLINE)
    assert result.exit_code == 2
    assert "nothing was approved" in result.output
    assert {r["status"] for r in proofdesk.rows()} == {"pending"}


def test_publish_dry_run_exits_as_the_publish_would(proofdesk: Proofdesk, camera_set: Path) -> None:
    import sqlite3

    names = _approved_and_blocked(proofdesk, camera_set)
    assert proofdesk("approve", names[0], env=OFFLINE).exit_code == 0
    assert proofdesk("publish", "--dry-run", env=OFFLINE).exit_code == 0  # nothing would be refused
    assert proofdesk("publish", "--yes", env=OFFLINE).exit_code == 0
    # Someone else's image takes the next row's file name in the gallery after it was approved.
    assert proofdesk("approve", names[2], env=OFFLINE).exit_code == 0
    taken = {r["original_name"]: r for r in proofdesk.rows()}[names[2]]["file_name"]
    with sqlite3.connect(proofdesk.workdir / "gallery.sqlite") as gallery:
        columns = [c[1] for c in gallery.execute("PRAGMA table_info(gallery)") if c[1] != "id"]
        row = dict(zip(columns, gallery.execute(f"SELECT {', '.join(columns)} FROM gallery").fetchone(), strict=True))
        row.update(File_Name=taken, Sha256="f" * 64)
        gallery.execute(f"INSERT INTO gallery ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})", list(row.values()))
    dry = proofdesk("publish", "--dry-run", env=OFFLINE)
    real = proofdesk("publish", "--yes", env=OFFLINE)
    assert (dry.exit_code, real.exit_code) == (3, 3), dry.output  # refused, as `run` exits for blocked rows


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to mount a tiny tmpfs")
def test_sqlite_disk_full_exits_4_saying_disk_full(proofdesk: Proofdesk, tmp_path: Path, camera_set: Path) -> None:
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs", str(tiny)], check=True)
    try:
        result = proofdesk("run", str(camera_set), "--no-review",
                           env={**OFFLINE, "PROOFDESK_STORAGE__URL": f"sqlite:///{tiny}/queue.sqlite"})
    finally:
        subprocess.run(["umount", str(tiny)], check=False)
    assert result.exit_code == 4
    assert "disk full" in result.output


def test_progress_keeps_the_file_name_whole_and_shortens_the_set_name_in_the_middle() -> None:
    item = current_item("2026-06-12_lofoten_reine_harbour_walk/DSC_0413.JPG: brisque 12.3 (model)", width=40)
    assert item.endswith("/DSC_0413.JPG") and len(item) <= 40
    assert item.startswith("2026-06-12") and "…" in item and item.split("/")[0].endswith("walk")
    assert current_item("gps/DSCN0010.jpg: aesthetic 4.2") == "gps/DSCN0010.jpg"


def test_a_failed_stage_shows_a_cross_not_a_tick(proofdesk: Proofdesk, tmp_path: Path) -> None:
    import io

    from proofdesk.apps.reporting import ConsoleReporter

    stream = io.StringIO()
    reporter = ConsoleReporter(tmp_path / "runs", stream=stream)
    reporter.start_stage("score", 4)
    reporter.stage_failed("ImageDecodeError: broken.jpg")
    reporter.start_stage("resize", 4)
    reporter.end_stage("resize", "4 written")
    text = stream.getvalue()
    assert "✗ score" in text and "✓ score" not in text and "✓ resize" in text


def test_the_qc_table_counts_rows_not_findings(capsys: pytest.CaptureFixture[str]) -> None:
    from proofdesk.apps.cli.run import print_qc_table

    findings = [{"row": f"s/{n}.jpg", "rule": rule} for n in range(3) for rule in ("duplicate.caption", "duplicate.alt_text")]
    print_qc_table({"duplicates": findings})
    line = next(line for line in capsys.readouterr().err.splitlines() if "duplicates" in line)
    assert " 3 " in line and " 6 " not in line

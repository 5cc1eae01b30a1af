"""The web desk over a real SQLite queue (the demo shoot, queued offline), through Starlette's test
client: the security list of ADR 0024 (token, Host, CSRF, no path outside the queue, hostile text as
text, no lost update), decisions visible in `proofdesk rows --json`, stars written as xmp:Rating,
undo, the scene key, and `proofdesk serve`'s one line."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from proofdesk.apps.cli import main
from proofdesk.apps.web.app import desk_from_container
from proofdesk.apps.web.security import DeskKeys
from starlette.testclient import TestClient

from tests.support.web_desk import desk_container, prepare_demo_queue

BASE = "http://127.0.0.1:8765"
SET = "2019-10-12_lucca"
HOSTILE = 'A <script>alert(1)</script> tower <img src=x onerror=alert(2)> see javascript:alert(3) now.'


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory, demo_set: Path) -> Path:
    return prepare_demo_queue(tmp_path_factory.mktemp("web-desk-queue"), demo_set).parent


@pytest.fixture
def config(prepared: Path, tmp_path: Path) -> Path:
    """A fresh copy of the prepared project for each test (paths in the queue are relative)."""
    root = tmp_path / "project"
    shutil.copytree(prepared, root)
    return root / "proofdesk.toml"


@pytest.fixture
def desk(config: Path) -> Iterator[tuple[TestClient, DeskKeys]]:
    app, keys = desk_from_container(desk_container(config), "127.0.0.1", 8765)
    with TestClient(app, base_url=BASE) as client:
        yield client, keys


def cli(config: Path, *args: str) -> Any:
    result = CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)
    assert result.exit_code in (0, 3), result.output
    return result


def rows_json(config: Path) -> dict[str, dict[str, Any]]:
    return {f"{r['set_name']}/{r['original_name']}": r for r in json.loads(cli(config, "rows", "--json").stdout)}


def signed_in(client: TestClient, keys: DeskKeys) -> TestClient:
    answer = client.get(f"/?token={keys.token}", follow_redirects=False)
    assert answer.status_code == 200 and "proofdesk_desk=" in answer.headers["set-cookie"]
    return client


def listed(client: TestClient) -> dict[str, dict[str, Any]]:
    return {row["key"]: row for row in client.get("/api/rows").json()["rows"]}


def post(client: TestClient, keys: DeskKeys, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
    return client.post(path, json=body or {}, headers={"X-CSRF-Token": keys.csrf})


def test_without_the_token_pages_api_and_images_are_401(desk: tuple[TestClient, DeskKeys]) -> None:
    client, keys = desk
    for path in ("/", "/api/rows", "/api/rows/1", "/img/1/thumb", "/img/1/original", "/static/desk.js", "/?token=wrong"):
        assert client.get(path).status_code == 401, path
    assert client.get("/api/rows", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_the_url_token_becomes_an_httponly_strict_cookie_and_scripts_may_use_bearer(desk: tuple[TestClient, DeskKeys]) -> None:
    client, keys = desk
    answer = client.get(f"/?token={keys.token}", follow_redirects=False)
    cookie = answer.headers["set-cookie"]
    assert answer.status_code == 200 and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert client.get("/").status_code == 200  # the cookie from here on
    api = TestClient(client.app, base_url=BASE)  # a script: the token in the URL answers at once
    assert api.get(f"/api/rows?token={keys.token}", follow_redirects=False).json()["count"] == 6
    bare = TestClient(client.app, base_url=BASE)
    assert bare.get("/api/rows", headers={"Authorization": f"Bearer {keys.token}"}).json()["count"] == 6


def test_a_wrong_host_header_is_refused_even_with_the_token(desk: tuple[TestClient, DeskKeys]) -> None:
    client = signed_in(*desk)
    for host in ("evil.example", "evil.example:8765", "127.0.0.1.nip.io:8765", "localhost:9999", "10.0.0.7:8765", ""):
        assert client.get("/api/rows", headers={"Host": host}).status_code == 400, host
    for host in ("localhost:8765", "127.0.0.1:8765", "127.0.0.1", "[::1]:8765", "LOCALHOST:8765"):
        assert client.get("/api/rows", headers={"Host": host}).status_code == 200, host


def test_bound_to_every_address_the_desk_answers_ip_addresses_but_no_host_name() -> None:
    from proofdesk.apps.web.security import HostPolicy

    everywhere = HostPolicy("0.0.0.0", 8765)
    assert all(everywhere.allows(h) for h in ("127.0.0.1:8765", "192.168.1.20:8765", "[fe80::1]:8765", "localhost:8765"))
    assert not any(everywhere.allows(h) for h in ("evil.example:8765", "desk.lan:8765", "192.168.1.20:80"))
    lan = HostPolicy("192.168.1.20", 8765)
    assert lan.allows("192.168.1.20:8765") and not lan.allows("192.168.1.21:8765") and not lan.allows("rebind.example:8765")


def test_a_post_without_the_csrf_header_is_403_before_anything_else_even_when_stale(
        desk: tuple[TestClient, DeskKeys], config: Path) -> None:
    client = signed_in(*desk)
    row = listed(client)[f"{SET}/DSC_0101.jpg"]
    for headers in ({}, {"X-CSRF-Token": "wrong"}):
        answer = client.post(f"/api/rows/{row['id']}/approve", json={"version": "stale"}, headers=headers)
        assert answer.status_code == 403, headers
    assert client.post("/api/undo").status_code == 403
    assert rows_json(config)[f"{SET}/DSC_0101.jpg"]["status"] == "pending"
    assert client.put("/api/rows").status_code in (403, 405)


def test_a_write_without_the_row_s_version_is_refused_and_changes_nothing(desk: tuple[TestClient, DeskKeys], config: Path) -> None:
    client, keys = desk
    client = signed_in(client, keys)
    row = listed(client)[f"{SET}/DSC_0101.jpg"]
    answer = post(client, keys, f"/api/rows/{row['id']}/approve", {})
    assert answer.status_code == 428 and "version" in answer.json()["error"]
    assert rows_json(config)[f"{SET}/DSC_0101.jpg"]["status"] == "pending"


def test_paths_outside_the_queue_are_404_and_images_carry_no_file_path(desk: tuple[TestClient, DeskKeys]) -> None:
    client = signed_in(*desk)
    for path in ("/img/99999/thumb", "/img/1/secret", "/img/..%2F..%2Fetc%2Fpasswd/thumb", "/etc/passwd",
                 "/static/../../pyproject.toml", "/static/desk.html", "/incoming/x.jpg", "/api/nothing",
                 "/api/rows/", "/img/1/thumb/", "/favicon.ico"):
        assert client.get(path, follow_redirects=False).status_code == 404, path
    assert client.get("/static/favicon.svg").headers["content-type"] == "image/svg+xml"
    page = client.get("/").text
    sources = re.findall(r'src="([^"]+)"', page)
    assert sources and all(re.fullmatch(r"/img/\d+/thumb|/static/desk\.js", src) for src in sources), sources
    first = listed(client)[f"{SET}/DSC_0101.jpg"]["id"]
    assert client.get(f"/img/{first}/preview").headers["content-type"] == "image/jpeg"
    assert client.get(f"/img/{first}/original").status_code == 200


def test_hostile_captions_render_as_text_and_the_page_runs_only_its_own_script(
        desk: tuple[TestClient, DeskKeys], config: Path) -> None:
    client = signed_in(*desk)
    cli(config, "edit", "DSC_0101.jpg", "--caption", HOSTILE, "--file-name", "javascript:alert(4).jpg")
    answer = client.get("/")
    page = answer.text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;img src=x onerror=alert(2)&gt;" in page
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/desk.js" defer>']
    assert 'href="javascript' not in page and 'src="javascript' not in page
    csp = answer.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    row = listed(client)[f"{SET}/DSC_0101.jpg"]
    assert row["caption"] == HOSTILE  # the API gives the text as it is; the page sets it with textContent
    script = client.get("/static/desk.js").text
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script and "eval(" not in script


def test_a_stale_edit_is_409_with_the_newer_row_and_nothing_is_lost(desk: tuple[TestClient, DeskKeys], config: Path) -> None:
    client, keys = signed_in(*desk), desk[1]
    shown = listed(client)[f"{SET}/DSC_0102.jpg"]
    theirs = "The cathedral facade of Lucca glows in the warm afternoon sun."
    cli(config, "edit", "DSC_0102.jpg", "--caption", theirs)  # another desk (the CLI) saves first
    mine = "My own caption of the cathedral in Lucca, written in the browser."
    answer = post(client, keys, f"/api/rows/{shown['id']}/edit", {"version": shown["version"], "fields": {"caption": mine}})
    assert answer.status_code == 409
    assert answer.json()["row"]["caption"] == theirs and "changed elsewhere" in answer.json()["message"]
    assert rows_json(config)[f"{SET}/DSC_0102.jpg"]["caption"] == theirs
    newer = answer.json()["row"]["version"]
    saved = post(client, keys, f"/api/rows/{shown['id']}/edit", {"version": newer, "fields": {"caption": mine}})
    assert saved.status_code == 200 and rows_json(config)[f"{SET}/DSC_0102.jpg"]["caption"] == mine


def test_decisions_through_the_api_show_in_rows_json(desk: tuple[TestClient, DeskKeys], config: Path) -> None:
    client, keys = signed_in(*desk), desk[1]
    rows = listed(client)
    for name, action in (("DSC_0101.jpg", "approve"), ("DSC_0102.jpg", "reject"), ("DSC_0105.jpg", "keeper")):
        row = rows[f"{SET}/{name}"]
        answer = post(client, keys, f"/api/rows/{row['id']}/{action}", {"version": row["version"]})
        assert answer.status_code == 200, answer.json()
    stored = rows_json(config)
    assert stored[f"{SET}/DSC_0101.jpg"]["status"] == "approved"
    assert stored[f"{SET}/DSC_0102.jpg"]["status"] == "rejected"
    assert stored[f"{SET}/DSC_0105.jpg"]["keeper"] is True and stored[f"{SET}/DSC_0105.jpg"]["keeper_chosen_by"] == "person"
    assert stored[f"{SET}/DSC_0106.jpg"]["keeper"] is False
    back = listed(client)[f"{SET}/DSC_0101.jpg"]
    assert post(client, keys, f"/api/rows/{back['id']}/pending", {"version": back["version"]}).status_code == 200
    assert rows_json(config)[f"{SET}/DSC_0101.jpg"]["status"] == "pending"


def test_undo_takes_back_the_last_decision(desk: tuple[TestClient, DeskKeys], config: Path) -> None:
    client, keys = signed_in(*desk), desk[1]
    row = listed(client)[f"{SET}/DSC_0103.jpg"]
    assert post(client, keys, f"/api/rows/{row['id']}/reject", {"version": row["version"]}).status_code == 200
    assert rows_json(config)[f"{SET}/DSC_0103.jpg"]["status"] == "rejected"
    undone = post(client, keys, "/api/undo")
    assert undone.status_code == 200 and undone.json()["message"] == f"undone: reject {SET}/DSC_0103.jpg"
    assert rows_json(config)[f"{SET}/DSC_0103.jpg"]["status"] == "pending"
    assert post(client, keys, "/api/undo").status_code == 422  # nothing left


def test_the_scene_key_approves_the_keeper_and_culls_its_frames(desk: tuple[TestClient, DeskKeys], config: Path) -> None:
    client, keys = signed_in(*desk), desk[1]
    rows = listed(client)
    frame, keeper = rows[f"{SET}/DSC_0105.jpg"], rows[f"{SET}/DSC_0106.jpg"]
    assert keeper["keeper"] and not frame["keeper"] and frame["scene_id"] == keeper["scene_id"]
    answer = post(client, keys, f"/api/rows/{frame['id']}/scene", {"version": frame["version"]})
    assert answer.status_code == 200, answer.json()
    stored = rows_json(config)
    assert stored[f"{SET}/DSC_0106.jpg"]["status"] == "approved" and stored[f"{SET}/DSC_0105.jpg"]["status"] == "rejected"
    assert stored[f"{SET}/DSC_0101.jpg"]["status"] == "pending"


def test_stars_are_written_as_xmp_rating_in_the_published_copy_and_its_sidecar(
        desk: tuple[TestClient, DeskKeys], config: Path) -> None:
    client, keys = signed_in(*desk), desk[1]
    row = listed(client)[f"{SET}/DSC_0101.jpg"]
    rated = post(client, keys, f"/api/rows/{row['id']}/rate", {"version": row["version"], "stars": 4})
    assert rated.status_code == 200 and rated.json()["row"]["rating"] == 4
    out_of_range = {"version": rated.json()["row"]["version"], "stars": 9}
    assert post(client, keys, f"/api/rows/{row['id']}/rate", out_of_range).status_code == 422
    approved = post(client, keys, f"/api/rows/{row['id']}/approve", {"version": rated.json()["row"]["version"]})
    assert approved.status_code == 200
    assert client.get("/api/publish").json()["approved"] == 1
    assert post(client, keys, "/api/publish", {}).status_code == 422  # no confirmation, nothing published
    assert post(client, keys, "/api/publish", {"confirm": True}).status_code == 202
    deadline = time.monotonic() + 60
    while (state := client.get("/api/publish").json())["running"] or state["result"] is None:
        assert time.monotonic() < deadline, state
        time.sleep(0.2)
    assert not state["result"]["error"], state
    published = rows_json(config)[f"{SET}/DSC_0101.jpg"]
    assert published["status"] == "published" and published["rating"] == 4
    folder = config.parent / ".proofdesk" / "published"
    image = next(p for p in folder.rglob(published["file_name"]) if p.is_file())
    sidecar = next(p for p in folder.rglob(published["file_name"] + ".xmp"))
    for path in (image, sidecar):
        read = subprocess.run(["exiftool", "-s3", "-XMP-xmp:Rating", str(path)], capture_output=True, text=True, timeout=60)
        assert read.stdout.strip() == "4", (path, read.stdout, read.stderr)


def test_serve_prints_one_line_with_the_url_once_it_answers_on_it(config: Path) -> None:
    process = subprocess.Popen([sys.executable, "-m", "proofdesk.apps", "--config", str(config), "serve", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline().rstrip("\n")  # type: ignore[union-attr]
        match = re.fullmatch(r"proofdesk desk: (http://127\.0\.0\.1:(\d+)/\?token=([\w-]+))", line)
        assert match and match[2] != "0", line  # port 0: the free port it got
        # no retry: the socket listens before the line is printed
        answer = httpx.get(f"http://127.0.0.1:{match[2]}/api/rows", headers={"Authorization": f"Bearer {match[3]}"})
        assert answer.status_code == 200 and answer.json()["count"] == 6
        page = httpx.get(match[1])  # the printed URL itself, as a browser opens it
        assert page.status_code == 200 and 'data-row="' in page.text
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    assert out == "" and "warning" not in err  # one line only; loopback says nothing more


def test_a_non_loopback_host_must_be_named_and_says_so_on_stderr(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import proofdesk.apps.web.server as server

    monkeypatch.setattr(server, "serve_forever", lambda container, host, port: (lambda: None, server.desk_url(host, port, "T")))
    result = CliRunner().invoke(main, ["--config", str(config), "serve", "--host", "0.0.0.0", "--port", "9999"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "proofdesk desk: http://0.0.0.0:9999/?token=T\n"
    assert "warning: the desk listens on 0.0.0.0" in result.stderr
    quiet = CliRunner().invoke(main, ["--config", str(config), "serve", "--port", "9999"])
    assert quiet.stdout.count("\n") == 1 and quiet.stderr == ""

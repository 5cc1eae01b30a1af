"""Secrets: the FTP and MySQL passwords never appear in logs, artifacts, exceptions or `--json`
output — not on success and not when the servers refuse them. Every file proofdesk wrote is read."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.integration.conftest import Proofdesk
from tests.support.ftp_server import PASSWORD as FTP_PASSWORD
from tests.support.ftp_server import FtpServer

MYSQL_PASSWORD = "My-Sql-" + secrets.token_hex(6)
OFFLINE = {"PROOFDESK_CAPTIONER__BACKEND": "offline", "PROOFDESK_SCORING__BRISQUE_ENGINE": "fallback",
           "PROOFDESK_SCORING__AESTHETIC_ENGINE": "fallback", "PROOFDESK_GALLERY__RETRIES": "1",
           "PROOFDESK_PUBLISH__FTP__RETRIES": "1"}


@pytest.fixture
def mysql_user(mysql_database_url: str) -> Iterator[str]:
    """A MariaDB user with a password on the test database; yields the URL *without* the password."""
    url = sa.engine.make_url(mysql_database_url)
    user = f"pd_{secrets.token_hex(3)}"
    admin = sa.create_engine(url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE USER '{user}'@'%%' IDENTIFIED BY '{MYSQL_PASSWORD}'")
        connection.exec_driver_sql(f"CREATE USER '{user}'@'localhost' IDENTIFIED BY '{MYSQL_PASSWORD}'")
        connection.exec_driver_sql(f"GRANT ALL ON `{url.database}`.* TO '{user}'@'%%'")
        connection.exec_driver_sql(f"GRANT ALL ON `{url.database}`.* TO '{user}'@'localhost'")
    try:
        yield url.set(username=user, password=None).render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP USER IF EXISTS '{user}'@'%%'")
            connection.exec_driver_sql(f"DROP USER IF EXISTS '{user}'@'localhost'")
        admin.dispose()


def everything_written(desk: Proofdesk) -> str:
    chunks = []
    for path in desk.workdir.rglob("*"):
        if path.is_file() and path.suffix not in (".jpg", ".sqlite", ".sqlite-wal", ".sqlite-shm"):
            chunks.append(path.read_text(errors="replace"))
    for database in desk.workdir.rglob("*.sqlite"):
        chunks.append(database.read_bytes().decode("latin-1"))
    return "\n".join(chunks)


def test_passwords_never_leak(proofdesk: Proofdesk, gps_set: Path, tmp_path: Path, mysql_user: str) -> None:
    outputs: list[str] = []
    last_stdout: list[str] = []

    def cli(*args: str, env: dict[str, str]) -> int:
        result = proofdesk(*args, env=env)
        outputs.append(result.output)
        last_stdout[:] = [result.stdout]
        return result.exit_code

    with FtpServer(tmp_path / "ftp-root") as ftp:
        good = {**OFFLINE, **ftp.env(), "PROOFDESK_GALLERY__URL": mysql_user, "PROOFDESK_GALLERY__PASSWORD": MYSQL_PASSWORD}
        assert ftp.env()["PROOFDESK_PUBLISH__FTP__PASSWORD"] == FTP_PASSWORD
        assert cli("run", str(gps_set), "--no-review", "--json", env=good) == 0
        assert cli("approve", "--all-accepted", "--json", env=good) == 0
        assert cli("publish", "--yes", "--json", env=good) == 0
        for command in (("rows", "--json"), ("status", "--json"), ("sessions", "--json"), ("doctor", "--json")):
            cli(*command, env=good)
        # the servers refuse the passwords: the errors must still not show them
        wrong_ftp = {**good, "PROOFDESK_PUBLISH__FTP__PASSWORD": FTP_PASSWORD + "-wrong"}
        wrong_db = {**good, "PROOFDESK_GALLERY__PASSWORD": MYSQL_PASSWORD + "-wrong"}
        assert cli("edit", "DSCN0012.jpg", "--caption", "The bell tower of Arezzo over red roofs in afternoon light.",
                   env=good) == 0
        assert cli("approve", "DSCN0012.jpg", env=good) == 0
        assert cli("publish", "--yes", "--json", env=wrong_db) == 4
        assert cli("publish", "--dry-run", env=wrong_db) == 4
        assert cli("publish", "--yes", "--json", env=wrong_ftp) == 4
    published = [row for row in proofdesk.rows() if row["status"] == "published"]
    assert len(published) == 8
    leaked_text = "\n".join(outputs) + everything_written(proofdesk)
    for secret in (FTP_PASSWORD, MYSQL_PASSWORD):
        assert secret not in leaked_text
    failed = {row["original_name"]: row for row in proofdesk.rows()}["DSCN0012.jpg"]
    assert failed["status"] == "approved"  # refused credentials: the edited row was not republished
    assert json.loads(last_stdout[0])["ok"] is False

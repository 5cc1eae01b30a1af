"""Binds the gallery contract to the in-memory fake, SQLite (a file) and a real MariaDB/MySQL
server (PROOFDESK_TEST_MYSQL_URL, a fresh database per test); plus the SQL adapter's own
behaviour: configurable table and columns, unreachable servers, no secrets in messages."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from proofdesk.adapters.gallery.sql import SqlGallery
from proofdesk.adapters.memory import InMemoryGallery
from proofdesk.core.ports.publishing import Gallery, ServiceUnavailable

from .contract import GalleryContract, make_entry


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TestInMemoryGallery(GalleryContract):
    @pytest.fixture
    def gallery(self) -> Gallery:
        return InMemoryGallery()


class _SqlBinding(GalleryContract):
    @pytest.fixture
    def url(self) -> str:  # pragma: no cover
        raise NotImplementedError

    @pytest.fixture
    def gallery(self, url: str) -> Iterator[SqlGallery]:
        gallery = SqlGallery(url, backoff_s=0.01)
        yield gallery
        gallery.close()

    def test_table_and_columns_are_configurable(self, url: str) -> None:
        gallery = SqlGallery(url, table="photos", columns={"title": "Headline", "lens": "", "id": "photo_id"})
        gallery.ensure_table()
        remote_id = gallery.upsert(make_entry(lens="ignored: the column is left out"))
        columns = {column["name"] for column in sa.inspect(gallery.engine).get_columns("photos")}
        assert {"photo_id", "File_Name", "Headline", "Sha256"} <= columns
        assert "Lens" not in columns and "Title" not in columns
        record = gallery.lookup("arezzo-bell-tower.jpg")
        assert record is not None and record.remote_id == remote_id and record.entry.title == "Arezzo bell tower"
        assert record.entry.lens is None
        unique = sa.inspect(gallery.engine).get_unique_constraints("photos") + [
            index for index in sa.inspect(gallery.engine).get_indexes("photos") if index.get("unique")
        ]
        assert any(item["column_names"] == ["File_Name"] for item in unique)
        gallery.close()

    @pytest.mark.parametrize(("table", "columns"), [("gal lery", {}), ("gallery", {"caption": "Cap;tion"}),
                                                     ("gallery", {"file_name": ""}), ("gallery", {"nope": "x"})])
    def test_bad_identifiers_are_refused(self, url: str, table: str, columns: dict[str, str]) -> None:
        with pytest.raises(ValueError):
            SqlGallery(url, table=table, columns=columns)

    def test_reads_create_nothing(self, gallery: SqlGallery) -> None:
        assert gallery.file_names() == [] and gallery.lookup("x.jpg") is None
        assert gallery.records() == []
        if gallery.backend != "sqlite":
            assert not sa.inspect(gallery.engine).has_table("gallery")


class TestSqliteGallery(_SqlBinding):
    @pytest.fixture
    def url(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / 'nested' / 'gallery.sqlite'}"

    def test_a_missing_file_is_not_created_by_reads(self, url: str, tmp_path: Path) -> None:
        gallery = SqlGallery(url)
        assert gallery.file_names() == [] and gallery.lookup("x.jpg") is None
        assert not (tmp_path / "nested" / "gallery.sqlite").exists()
        gallery.ensure_table()
        assert (tmp_path / "nested" / "gallery.sqlite").exists()
        assert gallery.dialect == "sqlite"


class TestMysqlGallery(_SqlBinding):
    """The same contract against a real MariaDB/MySQL server."""

    @pytest.fixture
    def url(self, mysql_database_url: str) -> str:
        return mysql_database_url

    def test_the_dialect_is_mysql(self, gallery: SqlGallery) -> None:
        assert gallery.dialect == "mysql"  # MariaDB reports the mysql dialect
        gallery.ensure_table()
        with gallery.engine.connect() as connection:
            charset = connection.exec_driver_sql(
                "SELECT CCSA.character_set_name FROM information_schema.TABLES T JOIN "
                "information_schema.COLLATION_CHARACTER_SET_APPLICABILITY CCSA "
                "ON CCSA.collation_name = T.table_collation WHERE T.table_schema = DATABASE() "
                "AND T.table_name = 'gallery'"
            ).scalar()
        assert charset == "utf8mb4"

    def test_an_unreachable_server_is_unavailable_without_the_password(self, url: str) -> None:
        closed = sa.engine.make_url(url).set(host="127.0.0.1", port=_closed_port())
        gallery = SqlGallery(closed.render_as_string(hide_password=False), password="hunter2-db-secret",
                             retries=2, backoff_s=0.01, timeout_s=2)
        with pytest.raises(ServiceUnavailable, match="after 2 attempt") as caught:
            gallery.ensure_table()
        assert "hunter2-db-secret" not in str(caught.value)
        assert "hunter2-db-secret" not in gallery.description
        with pytest.raises(ServiceUnavailable):
            gallery.lookup("x.jpg")

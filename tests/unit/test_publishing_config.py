"""Publishing settings and wiring: defaults need no server, backends by config, secrets from the
environment only, bad identifiers named with their key."""

from __future__ import annotations

from pathlib import Path

import pytest
from proofdesk.adapters.gallery.sql import SqlGallery
from proofdesk.adapters.uploader.ftp import FtpUploader
from proofdesk.adapters.uploader.local import LocalUploader
from proofdesk.apps.config import ConfigError, load_settings
from proofdesk.apps.container import build_container, check_ports
from proofdesk.core.domain.publishing import GalleryEntry


def test_defaults_publish_to_a_folder_and_a_sqlite_gallery_in_the_workdir(tmp_path: Path) -> None:
    config = tmp_path / "proofdesk.toml"
    config.write_text('workdir = "desk"\n')
    container = build_container(load_settings(config))
    check_ports(container)
    uploader, gallery = container.uploader(), container.gallery()
    assert isinstance(uploader, LocalUploader) and uploader.root == tmp_path / "desk" / "published"
    assert isinstance(gallery, SqlGallery) and gallery.url.database == str(tmp_path / "desk" / "gallery.sqlite")
    assert container.publisher(reporter=None).options.thumb_dir == "/thumbs"
    assert not (tmp_path / "desk").exists()  # building the wiring writes nothing


def test_ftp_and_mysql_are_chosen_by_config_with_secrets_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "proofdesk.toml"
    config.write_text(
        '[publish]\nuploader = "ftp"\n[publish.ftp]\nhost = "ftp.example.org"\nuser = "me"\ntls = true\n'
        'ca_file = "certs/ca.pem"\n[gallery]\nurl = "mysql+pymysql://me@db.example.org/photos"\n'
        'table = "photos"\n[gallery.columns]\ntitle = "Headline"\n'
    )
    monkeypatch.setenv("PROOFDESK_PUBLISH__FTP__PASSWORD", "ftp-secret-value")
    monkeypatch.setenv("PROOFDESK_GALLERY__PASSWORD", "db-secret-value")
    settings = load_settings(config)
    container = build_container(settings)
    uploader, gallery = container.uploader(), container.gallery()
    assert isinstance(uploader, FtpUploader) and uploader.tls and uploader.ca_file == str(tmp_path / "certs" / "ca.pem")
    assert "ftp-secret-value" not in repr(uploader) + uploader.description
    assert gallery.url.password == "db-secret-value" and gallery.backend == "mysql"
    assert "db-secret-value" not in gallery.description and gallery.table.name == "photos"
    assert "Headline" in gallery.table.c
    assert "secret-value" not in str(settings.redacted())


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[publish.ftp]\npassword = "x"\n', "PROOFDESK_PUBLISH__FTP__PASSWORD"),
        ('[gallery]\nurl = "mysql+pymysql://me:pw@db/photos"\n', "PROOFDESK_GALLERY__PASSWORD"),
        ('[gallery]\npassword = "x"\n', "PROOFDESK_GALLERY__PASSWORD"),
        ('[gallery]\nurl = "postgresql://db/photos"\n', "gallery.url"),
    ],
)
def test_secrets_in_the_file_and_bad_urls_are_refused(tmp_path: Path, text: str, needle: str) -> None:
    config = tmp_path / "proofdesk.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=needle):
        load_settings(config)


def test_a_bad_column_name_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "proofdesk.toml"
    config.write_text('[gallery.columns]\ncaption = "Cap tion"\n')
    with pytest.raises(ConfigError, match="gallery.columns.caption"):
        build_container(load_settings(config)).gallery()


def test_the_caption_stage_reads_the_gallery_names(tmp_path: Path) -> None:
    config = tmp_path / "proofdesk.toml"
    config.write_text('workdir = "desk"\n')
    container = build_container(load_settings(config))
    stage = container.caption_stage()
    assert list(stage.gallery_names()) == []  # no gallery yet: nothing read, nothing created
    gallery = container.gallery()
    gallery.ensure_table()
    gallery.upsert(GalleryEntry(file_name="owned-elsewhere.jpg", sha256="0" * 64))
    assert list(stage.gallery_names()) == ["owned-elsewhere.jpg"]


def test_the_desk_publisher_publishes_and_returns_a_paragraph(tmp_path: Path) -> None:
    config = tmp_path / "proofdesk.toml"
    config.write_text('workdir = "desk"\n')
    container = build_container(load_settings(config))
    text = container.desk_publisher()()
    assert text.startswith("0 published, 0 failed, 0 refused") and "publish_report.json" in text
    [report] = (tmp_path / "desk" / "runs").glob("publish-*/publish_report.json")
    assert report.is_file()

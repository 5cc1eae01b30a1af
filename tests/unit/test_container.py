"""The composition root: backends chosen from the settings, nothing built before it is asked for."""

from __future__ import annotations

from pathlib import Path

import pytest
from proofdesk.adapters.captioner.offline import OfflineCaptioner
from proofdesk.adapters.captioner.openai_compat import OpenAICompatCaptioner
from proofdesk.adapters.memory import InMemoryQueueStore
from proofdesk.adapters.scoring.fallback import FallbackQualityScorer
from proofdesk.adapters.storage.sql import SqlQueueStore
from proofdesk.adapters.uploader.ftp import FtpUploader
from proofdesk.adapters.uploader.local import LocalUploader
from proofdesk.apps.config import load_settings
from proofdesk.apps.container import build_container

SRC = Path(__file__).resolve().parents[2] / "src"


def _container(tmp_path: Path, toml: str = ""):  # type: ignore[no-untyped-def]
    config = tmp_path / "proofdesk.toml"
    config.write_text(f'workdir = "{tmp_path / "wd"}"\n' + toml)
    return build_container(load_settings(config))


def test_building_the_container_builds_nothing(tmp_path: Path) -> None:
    # an unreachable MySQL queue, FTP and gallery: building must not connect to any of them
    container = _container(tmp_path, '[storage]\nurl = "mysql+pymysql://u@127.0.0.1:1/none"\n'
                                     '[publish]\nuploader = "ftp"\n[publish.ftp]\nhost = "127.0.0.1"\nport = 1\n')
    assert not (tmp_path / "wd").exists()
    assert isinstance(container.uploader(), FtpUploader)


@pytest.mark.parametrize("url", [None, "sqlite:///{tmp}/q.sqlite"])
def test_one_sql_queue_store_for_every_database_url(tmp_path: Path, url: str | None) -> None:
    toml = f'[storage]\nurl = "{url.format(tmp=tmp_path)}"\n' if url else ""
    store = _container(tmp_path, toml).queue_store()
    assert isinstance(store, SqlQueueStore)


def test_memory_queue_store(tmp_path: Path) -> None:
    assert isinstance(_container(tmp_path, '[storage]\nurl = "memory://"\n').queue_store(), InMemoryQueueStore)


def test_backends_follow_the_config(tmp_path: Path) -> None:
    container = _container(tmp_path, '[captioner]\nbackend = "openai"\n[scoring]\nbrisque = false\n')
    assert isinstance(container.captioner(), OpenAICompatCaptioner)
    assert isinstance(container.quality_scorer(), FallbackQualityScorer)
    assert isinstance(container.uploader(), LocalUploader)
    offline = _container(tmp_path, '[captioner]\nbackend = "offline"\n')
    assert isinstance(offline.captioner(), OfflineCaptioner)
    assert offline.caption_stage().settings.model == "offline"


def test_cli_modules_stay_small() -> None:
    sizes = {path.name: len(path.read_text().splitlines()) for path in (SRC / "apps" / "cli").glob("*.py")}
    assert all(lines <= 250 for lines in sizes.values()), sizes

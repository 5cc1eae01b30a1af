"""A queue for the web desk's tests, built offline as the quick start builds the demo: the demo set
(six photos of Lucca, DSC_0105/DSC_0106 one two-frame scene) through `proofdesk run` with the offline
captioner, a local publish folder and XMP sidecars. `start_web_desk` serves it in a thread."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner
from proofdesk.apps.cli import main
from proofdesk.apps.config import load_settings
from proofdesk.apps.container import Container, build_container
from proofdesk.apps.web.server import RunningDesk, start_desk

CONFIG = """workdir = ".proofdesk"
[captioner]
backend = "offline"
[publish]
uploader = "local"
sidecars = true
[publish.local]
dir = "published"
"""


def prepare_demo_queue(root: Path, demo_set: Path) -> Path:
    """The demo set queued, scored, grouped into scenes and captioned under `root`; returns the config file."""
    set_dir = root / "sets" / demo_set.name
    shutil.copytree(demo_set, set_dir)
    config = root / "proofdesk.toml"
    config.write_text(CONFIG)
    result = CliRunner().invoke(main, ["--config", str(config), "run", str(set_dir), "--no-review"], catch_exceptions=False)
    assert result.exit_code in (0, 3), result.output
    return config


def desk_container(config: Path) -> Container:
    return build_container(load_settings(config))


def start_web_desk(config: Path, host: str = "127.0.0.1") -> RunningDesk:
    """The desk on a free port; `.url` carries the token, `.keys.csrf` the CSRF token, `.stop()` ends it."""
    return start_desk(desk_container(config), host=host)

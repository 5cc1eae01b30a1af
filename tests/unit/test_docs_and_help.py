"""Help for every command, the config reference covers every key, `init` writes a valid config."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from proofdesk.apps.cli import main
from proofdesk.apps.config import Settings, load_settings
from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[2]


def dotted_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys.extend(dotted_keys(annotation, f"{prefix}{name}."))
        else:
            keys.append(f"{prefix}{name}")
    return keys


def test_configuration_reference_documents_every_key() -> None:
    reference = (ROOT / "docs" / "configuration.md").read_text()
    missing = [key for key in dotted_keys(Settings) if f"`{key}`" not in reference]
    assert missing == [], f"docs/configuration.md does not document: {missing}"


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found.extend(all_commands(command, (*prefix, name)))
    return found


@pytest.mark.parametrize("command", all_commands(main), ids=" ".join)
def test_every_command_has_help(command: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    summary = result.output.split("\n\n")[1].strip()
    assert len(summary) > 15, f"`proofdesk {' '.join(command)}` has no real help text"


def test_init_writes_a_config_that_loads(tmp_path: Path) -> None:
    target = tmp_path / "proofdesk.toml"
    result = CliRunner().invoke(main, ["init", str(target)])
    assert result.exit_code == 0, result.output
    settings = load_settings(target)
    assert settings.workdir_path == tmp_path / ".proofdesk" and settings.captioner.backend == "ollama"
    again = CliRunner().invoke(main, ["init", str(target)])
    assert again.exit_code == 2 and "exists" in again.output


def test_config_is_accepted_before_or_after_the_command(tmp_path: Path) -> None:
    config = tmp_path / "cfg.toml"
    config.write_text(f'workdir = "{tmp_path / "wd"}"\n')
    for args in (["--config", str(config), "status"], ["status", "--config", str(config)],
                 ["status", f"--config={config}"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, (args, result.output)
        assert f"queue: sqlite:///{tmp_path / 'wd' / 'queue.sqlite'}" in result.output  # the file's workdir

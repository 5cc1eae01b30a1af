"""Every config key given a wrong value, through the TOML file and through the environment: the
answer is a clear error (exit 2, or 4 for a service that a wrong value points at), never a crash
(exit 1) or a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import tomli_w
from click.testing import CliRunner
from proofdesk.apps.cli import main
from proofdesk.apps.config import Settings, env_name

from tests.unit.test_docs_and_help import dotted_keys

KEYS = [key for key in dotted_keys(Settings) if key != "config_file"]
# Wrong in kind for almost every key: a number where text goes, text where a number goes, a table
# where a single value goes, a negative count, and text that parses as nothing at all.
WRONG_VALUES: list[Any] = ["][not a value", -7, {"nested": "table"}]
ENV_WRONG_VALUES = ("][not a value", "-7", "{not json")
# `doctor` builds and probes everything the settings describe (storage, files, captioner, scorers,
# uploader, gallery); a quick offline captioner and one attempt per service keep it fast.
QUIET = {"PROOFDESK_CAPTIONER__BACKEND": "offline", "PROOFDESK_PUBLISH__FTP__RETRIES": "1",
         "PROOFDESK_GALLERY__RETRIES": "1", "PROOFDESK_PUBLISH__FTP__TIMEOUT_S": "2"}


def _env_for(key: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {name: value for name, value in QUIET.items() if name != env_name(key)} | (extra or {})


def _nested(key: str, value: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    node = data
    *parents, last = key.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    return data


def _invoke(args: list[str], env: dict[str, str], cwd: Path) -> Any:
    import os

    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, args, env=env, catch_exceptions=True)
    finally:
        os.chdir(old)


@pytest.mark.parametrize("key", KEYS)
def test_a_wrong_value_in_the_toml_file_is_never_a_crash(key: str, tmp_path: Path) -> None:
    codes = []
    for number, value in enumerate(WRONG_VALUES):
        config = tmp_path / f"wrong-{number}.toml"
        config.write_bytes(tomli_w.dumps(_nested(key, value)).encode())
        result = _invoke(["--config", str(config), "doctor"], _env_for(key), tmp_path)
        assert result.exit_code != 1, (key, value, result.output, result.exception)
        assert result.exception is None or isinstance(result.exception, SystemExit), (key, value, result.exception)
        assert "Traceback" not in result.output
        codes.append(result.exit_code)
    assert 2 in codes, f"{key}: no wrong value was refused ({codes})"


@pytest.mark.parametrize("key", KEYS)
def test_a_wrong_value_in_the_environment_is_never_a_crash(key: str, tmp_path: Path) -> None:
    for value in ENV_WRONG_VALUES:
        result = _invoke(["doctor"], _env_for(key, {env_name(key): value}), tmp_path)
        assert result.exit_code != 1, (key, value, result.output, result.exception)
        assert result.exception is None or isinstance(result.exception, SystemExit), (key, value, result.exception)
        assert "Traceback" not in result.output

"""Configuration: TOML + PROOFDESK_* overrides, secrets from the environment only, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from proofdesk.apps.config import ConfigError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "proofdesk.toml"
    path.write_text(text)
    return path


def test_defaults_work_in_dot_proofdesk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.workdir_path == tmp_path / ".proofdesk"
    assert settings.storage_url == f"sqlite:///{tmp_path / '.proofdesk' / 'queue.sqlite'}"
    assert settings.storage.backend == "sqlite"


def test_file_values_and_relative_workdir(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, 'workdir = "wd"\n[captioner]\nbackend = "offline"\nparallel = 4\n'))
    assert settings.workdir_path == tmp_path / "wd"
    assert settings.captioner.backend == "offline" and settings.captioner.parallel == 4


def test_environment_overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROOFDESK_CAPTIONER__BACKEND", "openai")
    monkeypatch.setenv("PROOFDESK_STORAGE__URL", "mysql+pymysql://u@h/db")
    monkeypatch.setenv("PROOFDESK_PUBLISH__FTP__PASSWORD", "s3cret")
    settings = load_settings(write(tmp_path, '[captioner]\nbackend = "offline"\n'))
    assert settings.captioner.backend == "openai"
    assert settings.storage.backend == "mysql"
    assert settings.publish.ftp.password is not None
    assert settings.publish.ftp.password.get_secret_value() == "s3cret"
    assert "s3cret" not in str(settings.redacted()) and "s3cret" not in repr(settings)


def test_password_in_file_is_refused_naming_the_variable(tmp_path: Path) -> None:
    path = write(tmp_path, '[publish.ftp]\nhost = "ftp.example.org"\npassword = "hunter2"\n')
    with pytest.raises(ConfigError) as error:
        load_settings(path)
    message = str(error.value)
    assert "publish.ftp.password" in message and "PROOFDESK_PUBLISH__FTP__PASSWORD" in message
    assert "hunter2" not in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[captioner]\nbackend = "gpt"\n', "captioner.backend"),
        ('[captioner]\nparallel = 0\n', "captioner.parallel"),
        ('[storage]\nurl = "oracle://x"\n', "storage.url"),
        ('[captioner]\nmodle = "x"\n', "captioner.modle: unknown key"),
        ("workdir = \n", "not valid TOML"),
    ],
)
def test_bad_config_names_the_key(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected.replace(".", r"\.")):
        load_settings(write(tmp_path, text))


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_digest_changes_with_results_relevant_settings(tmp_path: Path) -> None:
    a = load_settings(write(tmp_path, '[captioner]\nmodel = "a"\n'))
    b = load_settings(write(tmp_path, '[captioner]\nmodel = "b"\n'))
    assert a.digest() != b.digest()

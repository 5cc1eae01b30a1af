"""Configuration: one TOML file plus `PROOFDESK_*` environment overrides (pydantic-settings).

Nested keys are joined by `__` in the environment (`PROOFDESK_STORAGE__URL`). Environment values
win over the file. Secrets (passwords) come from the environment only: a password written into
the TOML file is refused with a message naming the variable to set. Every key is documented in
`docs/configuration.md`.
"""

from __future__ import annotations

import codecs
import os
import tomllib
from pathlib import Path
from typing import Any

from proofdesk.apps.config.sections import (
    CaptionerSettings,
    ClassifierSettings,
    ConfigError,
    FtpSettings,
    GalleryColumns,
    GallerySettings,
    LocalPublishSettings,
    LoggingSettings,
    PlacesSettings,
    PublishSettings,
    ReviewSettings,
    SceneSettings,
    ScoringSettings,
    SidecarSettings,
    StorageSettings,
    WorkerSettings,
    check_http_url,
    database_backend,
)
from proofdesk.apps.config.settings import DEFAULT_WORKDIR, ENV_PREFIX, Settings
from pydantic import BaseModel, ValidationError
from pydantic_settings import SettingsError

SECRET_KEYS = {"password", "passwd", "secret", "token", "api_key"}

__all__ = [
    "DEFAULT_WORKDIR", "ENV_PREFIX", "SECRET_KEYS", "SECTIONS", "CaptionerSettings", "ClassifierSettings",
    "ConfigError", "FtpSettings", "GalleryColumns", "GallerySettings", "LocalPublishSettings", "LoggingSettings",
    "PlacesSettings", "PublishSettings", "ReviewSettings", "SceneSettings", "ScoringSettings", "Settings",
    "SidecarSettings", "StorageSettings", "WorkerSettings", "check_http_url", "config_text", "database_backend",
    "env_name", "load_settings", "unknown_env_sections",
]


def _find_secrets(data: Any, prefix: str = "") -> list[str]:
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            dotted = f"{prefix}.{key}" if prefix else str(key)
            if str(key).lower() in SECRET_KEYS and value not in (None, ""):
                found.append(dotted)
            found.extend(_find_secrets(value, dotted))
    return found


def _url_has_password(url: object) -> bool:
    if not isinstance(url, str) or "://" not in url:
        return False
    from urllib.parse import urlsplit

    try:
        return bool(urlsplit(url).password)
    except ValueError:
        return False


def env_name(dotted_key: str) -> str:
    return ENV_PREFIX + "__".join(dotted_key.upper().split("."))


def _format_validation_error(exc: ValidationError, source: str) -> str:
    lines = [f"invalid configuration ({source}):"]
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown key (see docs/configuration.md for the keys proofdesk reads)"
        value = error.get("input")
        shown = "" if isinstance(value, dict) or error["type"] == "extra_forbidden" else f" (got {value!r})"
        lines.append(f"  {key}: {message}{shown}; environment override: {env_name(key)}")
    return "\n".join(lines)


def load_settings(config_file: str | os.PathLike[str] | None = None) -> Settings:
    """Read the TOML file (optional) and the environment into Settings, or raise ConfigError."""
    data: dict[str, Any] = {}
    source = "defaults + environment"
    if config_file is not None:
        path = Path(config_file)
        source = str(path)
        try:
            data = tomllib.loads(config_text(path.read_bytes(), path))
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist (create one with `proofdesk init`)") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
        secrets = _find_secrets(data)
        if secrets:
            raise ConfigError(
                f"{path}: secrets are read from the environment only; remove "
                + ", ".join(secrets)
                + " from the file and set "
                + ", ".join(env_name(key) for key in secrets)
                + " instead"
            )
        storage = data.get("storage")
        if _url_has_password(storage.get("url") if isinstance(storage, dict) else None):
            raise ConfigError(
                f"{path}: storage.url carries a password; secrets are read from the environment only: "
                f"remove the URL from the file and set {env_name('storage.url')} (with its password) instead"
            )
        if _url_has_password(data.get("gallery", {}).get("url") if isinstance(data.get("gallery"), dict) else None):
            raise ConfigError(
                f"{path}: gallery.url carries a password; secrets are read from the environment only: "
                f"remove it from the URL and set {env_name('gallery.password')} instead"
            )
        data["config_file"] = str(path.absolute())
    unknown = unknown_env_sections(os.environ)
    if unknown:
        raise ConfigError(
            "invalid configuration (environment):\n" + "\n".join(
                f"  {name}: unknown section {name[len(ENV_PREFIX):].split('__')[0].lower()!r} "
                f"(sections: {', '.join(sorted(SECTIONS))}; see docs/configuration.md)" for name in unknown)
        )
    try:
        settings = Settings(**data)
        _ = settings.storage.backend  # validates the URL scheme
        _ = settings.gallery.backend
    except ValidationError as exc:
        raise ConfigError(_format_validation_error(exc, source)) from None
    except SettingsError as exc:
        raise ConfigError(f"invalid configuration (environment): {exc}") from None
    return settings


def config_text(raw: bytes, path: Path) -> str:
    """A config file's text. TOML is UTF-8, but editors on Windows save a UTF-8 byte-order mark
    (Notepad) or UTF-16 ("Unicode"): the mark is dropped and UTF-16 (with its mark, or without one
    when every other byte is NUL, which no TOML text has) is read as such; anything else that is
    not UTF-8 is refused naming the byte."""
    if raw.startswith(codecs.BOM_UTF8):
        raw, encoding = raw[len(codecs.BOM_UTF8):], "utf-8"
    elif raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        encoding = "utf-32"
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif len(raw) >= 2 and raw[1] == 0 and raw[0] != 0:
        encoding = "utf-16-le"
    elif len(raw) >= 2 and raw[0] == 0 and raw[1] != 0:
        encoding = "utf-16-be"
    else:
        encoding = "utf-8"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        name = "UTF-8" if encoding == "utf-8" else encoding.upper().replace("-LE", " (little-endian)").replace(
            "-BE", " (big-endian)")
        raise ConfigError(
            f"config file {path} is not {name} text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8, the encoding TOML files use"
        ) from None


# Sections of the settings: `PROOFDESK_<SECTION>__<KEY>` names configure them.
SECTIONS = frozenset(name for name, field in Settings.model_fields.items()
                     if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel))


def unknown_env_sections(environ: Any) -> list[str]:
    """`PROOFDESK_<SECTION>__<KEY>` names whose section proofdesk does not have. Other `PROOFDESK_*`
    names (no `__`: the tests' PROOFDESK_TEST_MYSQL_URL, PROOFDESK_FAULT, …) are not config keys."""
    found = []
    for name in environ:
        upper = name.upper()
        if upper.startswith(ENV_PREFIX) and "__" in upper[len(ENV_PREFIX):]:
            section = upper[len(ENV_PREFIX):].split("__")[0].lower()
            if section not in SECTIONS:
                found.append(name)
    return sorted(found)

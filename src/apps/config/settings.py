"""`Settings`: every section, where the values come from (the environment over the TOML file), and
the values derived from them (absolute paths, the engines actually chosen, worker counts) that
the container builds the adapters with."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from proofdesk.apps.config.sections import (
    CaptionerSettings,
    ClassifierSettings,
    GallerySettings,
    LoggingSettings,
    PlacesSettings,
    PublishSettings,
    ReviewSettings,
    SceneSettings,
    ScoringSettings,
    SidecarSettings,
    StorageSettings,
    WorkerSettings,
)
from proofdesk.core.domain.intake import IntakeRules
from proofdesk.core.domain.proof import ProofConfig
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

ENV_PREFIX = "PROOFDESK_"
DEFAULT_WORKDIR = ".proofdesk"


class _EnvSource(EnvSettingsSource):
    """The environment, where a list may also be written comma-separated
    (`PROOFDESK_INTAKE__EXTENSIONS=.jpg,.png`) as well as JSON (`[".jpg", ".png"]`)."""

    def decode_complex_value(self, field_name: str, field: Any, value: Any) -> Any:
        try:
            return super().decode_complex_value(field_name, field, value)
        except ValueError:
            if isinstance(value, str) and not value.lstrip().startswith(("[", "{")):
                return [part.strip() for part in value.split(",") if part.strip()]
            raise


class Settings(BaseSettings):
    """All of proofdesk's settings. Build with `load_settings()`."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        case_sensitive=False,
    )

    workdir: str = Field(
        default=DEFAULT_WORKDIR,
        description="Where proofdesk keeps its queue, incoming and work areas, run artifacts and logs.",
    )
    storage: StorageSettings = StorageSettings()
    intake: IntakeRules = IntakeRules()
    captioner: CaptionerSettings = CaptionerSettings()
    scoring: ScoringSettings = ScoringSettings()
    scenes: SceneSettings = SceneSettings()
    publish: PublishSettings = PublishSettings()
    sidecars: SidecarSettings = SidecarSettings()
    gallery: GallerySettings = GallerySettings()
    logging: LoggingSettings = LoggingSettings()
    proof: ProofConfig = ProofConfig()
    places: PlacesSettings = PlacesSettings()
    review: ReviewSettings = ReviewSettings()
    worker: WorkerSettings = WorkerSettings()
    classifier: ClassifierSettings = ClassifierSettings()

    # where the file came from, for messages and relative paths; not a key
    config_file: str | None = Field(default=None, exclude=True)

    @field_validator("workdir")
    @classmethod
    def _workdir_not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment overrides the TOML file (passed as init kwargs).
        return (_EnvSource(settings_cls), init_settings)

    # ---- derived values

    @property
    def workdir_path(self) -> Path:
        return self.resolve_path(self.workdir)

    @property
    def files_root(self) -> Path:
        """Where the incoming and work areas and the caches live: `storage.shared_root`, else the workdir."""
        return self.resolve_path(self.storage.shared_root) if self.storage.shared_root else self.workdir_path

    @property
    def storage_url(self) -> str:
        return self.resolve_sqlite_url(self.storage.url) or f"sqlite:///{self.workdir_path / 'queue.sqlite'}"

    @property
    def gallery_url(self) -> str:
        return self.resolve_sqlite_url(self.gallery.url) or f"sqlite:///{self.workdir_path / 'gallery.sqlite'}"

    def resolve_sqlite_url(self, url: str | None) -> str | None:
        """A SQLite URL's relative file path is relative to the config file's folder (like every
        other path in the config), never to the directory the command runs in."""
        if not url or not url.startswith("sqlite:///") or url.startswith("sqlite:////"):
            return url
        path, query = url[len("sqlite:///"):], ""
        if "?" in path:
            path, query = path.split("?", 1)
            query = "?" + query
        if not path or path == ":memory:":
            return url
        return f"sqlite:///{self.resolve_path(path)}{query}"

    def resolve_path(self, value: str) -> Path:
        """A path from the config: relative paths are relative to the config file's folder."""
        path = Path(value).expanduser()
        if not path.is_absolute() and self.config_file:
            path = Path(self.config_file).parent / path
        return path.absolute()

    @property
    def dictionary_path(self) -> Path:
        if self.review.dictionary:
            return self.resolve_path(self.review.dictionary)
        return self.workdir_path / "dictionary.txt"

    @property
    def runs_dir(self) -> Path:
        return self.workdir_path / "runs"

    @property
    def glossary_path(self) -> Path | None:
        """`captioner.glossary_file` resolved (read by the spelling adapter with the inline terms)."""
        return self.resolve_path(self.captioner.glossary_file) if self.captioner.glossary_file else None

    def _file(self, value: str | None) -> str | None:
        return str(self.resolve_path(value)) if value else value

    # ---- what the container builds the adapters with

    @property
    def project_root(self) -> str:
        """Set folders are stored relative to it: the config file's folder, or the workdir's parent."""
        return str(Path(self.config_file).absolute().parent) if self.config_file else str(self.workdir_path.parent)

    @property
    def session_lease_s(self) -> float | None:
        """A session keeps a lease on the queue lock only where other machines can see it."""
        return self.worker.lease_s if self.storage.backend == "mysql" else None

    @property
    def queue_backend(self) -> str:
        return "memory" if self.storage.backend == "memory" else "sql"

    @property
    def local_publish_root(self) -> Path:
        root = Path(self.publish.local.dir).expanduser()
        return root if root.is_absolute() else self.workdir_path / root

    @property
    def ftp_ca_file(self) -> str | None:
        return self._file(self.publish.ftp.ca_file)

    @property
    def publish_full_dir(self) -> str:
        return self.publish.ftp.remote_dir if self.publish.uploader == "ftp" else "/"

    @property
    def publish_thumb_dir(self) -> str:
        if self.publish.uploader == "ftp":
            return self.publish.ftp.thumb_dir
        return "/" + self.publish.local.thumb_dir.strip("/")

    @property
    def brisque_engine(self) -> str:
        return self.scoring.brisque_engine if self.scoring.brisque else "fallback"

    @property
    def brisque_fallback_reason(self) -> str:
        return "scoring.brisque_engine = fallback" if self.scoring.brisque else "scoring.brisque = false"

    @property
    def brisque_model(self) -> str | None:
        return self._file(self.scoring.brisque_model)

    @property
    def brisque_range(self) -> str | None:
        return self._file(self.scoring.brisque_range)

    @property
    def brisque_threads(self) -> int:
        return self.scoring.threads or max(1, os.cpu_count() or 1)

    @property
    def scoring_workers(self) -> int:
        return self.scoring.workers or min(4, max(1, os.cpu_count() or 1))

    @property
    def clip_model(self) -> str:
        """A built-in open_clip name as it is, or a model-config JSON path resolved like other paths."""
        model = self.scoring.clip_model
        return str(self.resolve_path(model)) if model.endswith(".json") else model

    @property
    def clip_weights(self) -> str | None:
        return self._file(self.scoring.clip_weights)

    @property
    def aesthetic_head(self) -> str | None:
        return self._file(self.scoring.aesthetic_head)

    @property
    def classifier_switch(self) -> str:
        return "on" if self.classifier.enabled else "off"

    @property
    def places_switch(self) -> str:
        return "on" if self.places.enabled else "off"

    @property
    def caption_model(self) -> str:
        return "offline" if self.captioner.backend == "offline" else self.captioner.model

    @property
    def caption_fallback_model(self) -> str | None:
        return None if self.captioner.backend == "offline" else self.captioner.fallback_model

    def digest(self) -> str:
        """A digest of the settings that shape results (recorded on each session)."""
        payload = self.model_dump(mode="json", exclude={"logging"})
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def revealed(self) -> dict[str, Any]:
        """Settings as a dict with the secrets' values, for the adapters that need them (the container)."""
        values = self.model_dump()
        for section, key in (("captioner", "api_key"), ("gallery", "password")):
            secret = getattr(getattr(self, section), key)
            values[section][key] = secret.get_secret_value() if secret else None
        password = self.publish.ftp.password
        values["publish"]["ftp"]["password"] = password.get_secret_value() if password else None
        return values

    def redacted(self) -> dict[str, Any]:
        """Settings as a dict with every secret masked (for logs and `--json`)."""
        return self.model_dump(mode="json")  # SecretStr dumps as '**********'


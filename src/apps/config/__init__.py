"""Configuration: one TOML file plus `PROOFDESK_*` environment overrides (pydantic-settings).

Nested keys are joined by `__` in the environment (`PROOFDESK_STORAGE__URL`). Environment values
win over the file. Secrets (passwords) come from the environment only: a password written into
the TOML file is refused with a message naming the variable to set. Every key is documented in
`docs/configuration.md`.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from proofdesk.core.domain.intake import IntakeRules
from proofdesk.core.domain.private_places import PrivatePlace
from proofdesk.core.domain.proof import ProofConfig
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

ENV_PREFIX = "PROOFDESK_"
DEFAULT_WORKDIR = ".proofdesk"
SECRET_KEYS = {"password", "passwd", "secret", "token", "api_key"}


class ConfigError(Exception):
    """The configuration is unusable; the message names the key and the problem (exit code 2)."""


def database_backend(key: str, url: str | None) -> str:
    """`sqlite` (also for no URL: the default file database) or `mysql`, from a SQLAlchemy URL."""
    if url is None or url.startswith("sqlite"):
        return "sqlite"
    if url.startswith(("mysql", "mariadb")):
        scheme = url.split(":", 1)[0]
        driver = scheme.partition("+")[2]
        if driver != "pymysql":
            said = f"{scheme}://" if not driver else f"the driver {driver!r}"
            raise ConfigError(f"{key}: {said} needs a MySQL driver proofdesk does not ship; "
                              "use mysql+pymysql://user@host/database")
        return "mysql"
    raise ConfigError(f"{key}: unsupported database {url.split(':', 1)[0]!r}; use sqlite:/// or mysql+pymysql://")


def check_http_url(value: str) -> str:
    """An http(s) URL with a host and, if given, a port in 1-65535 (else a ValueError saying so)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
        port = parts.port  # raises ValueError when out of range or not a number
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a usable URL ({exc}); e.g. http://127.0.0.1:11434") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) URL with a host; e.g. http://127.0.0.1:11434")
    if port == 0:
        raise ValueError(f"{value!r}: port 0 is not a port; e.g. http://127.0.0.1:11434")
    return value


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StorageSettings(_Section):
    url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the review queue; default sqlite:///<workdir>/queue.sqlite. "
        "mysql+pymysql://user@host/db shares one queue between machines.",
    )
    batch_size: int = Field(
        default=100, ge=1, le=10_000,
        description="Rows a pipeline stage writes per transaction (one commit per batch).",
    )
    shared_root: str | None = Field(
        default=None,
        description="A folder every machine mounts (e.g. a NAS): incoming and model-ready files and the answer and "
        "score caches live there, and rows store their paths relative to it.",
    )

    @property
    def backend(self) -> str:
        if self.url is not None and self.url.startswith("memory"):
            return "memory"
        return database_backend("storage.url", self.url)


class CaptionerSettings(_Section):
    backend: Literal["ollama", "openai", "offline"] = "ollama"
    url: str = "http://127.0.0.1:11434"
    model: str = "qwen2.5vl:7b"
    fallback_model: str | None = None
    parallel: int = Field(default=1, ge=1, le=64)
    max_repairs: int = Field(default=2, ge=0, le=10)
    scope: Literal["keepers", "all"] = Field(
        default="keepers", description="Caption one frame per scene (its keeper) or every frame.")
    timeout_s: float = Field(default=300.0, gt=0, description="Seconds to wait for one answer.")
    retries: int = Field(default=3, ge=1, le=20, description="Attempts on connection errors, timeouts and 5xx.")
    keep_alive: str = Field(default="10m", description="Ollama keep_alive: how long the model stays loaded.")
    num_ctx: int | None = Field(default=None, ge=512, description="Ollama context length (options.num_ctx).")
    glossary: list[str] = Field(default=[], description="Names and terms that count as identifier evidence.")
    glossary_file: str | None = Field(default=None, description="A text file, one glossary term per line.")
    api_key: SecretStr | None = Field(default=None, description="OpenAI-compatible servers only; from PROOFDESK_CAPTIONER__API_KEY.")

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return check_http_url(value)


class SceneSettings(_Section):
    max_hash_distance: int = Field(default=12, ge=0, le=64,
                                   description="Most bits between two frames' shift-tolerant hashes for one scene.")
    max_gap_s: float = Field(default=30.0, ge=0, description="Most seconds between two frames of one scene.")


class ScoringSettings(_Section):
    brisque: bool = True
    clip_model: str = "ViT-B-32"
    clip_weights: str | None = None
    aesthetic_head: str | None = None
    # stages 5-6: the BRISQUE and aesthetic engines, their model files, resize and thumbnails
    brisque_engine: Literal["opencv", "fallback"] = "opencv"
    brisque_model: str = "/usr/share/opencv4/quality/brisque_model_live.yml"
    brisque_range: str = "/usr/share/opencv4/quality/brisque_range_live.yml"
    aesthetic_engine: Literal["open_clip", "fallback"] = "open_clip"
    device: Literal["cpu", "cuda", "auto"] = "cpu"
    batch_size: int = Field(default=16, ge=1, le=1024)
    threads: int = Field(default=0, ge=0, le=256)
    workers: int = Field(default=0, ge=0, le=64)
    resize_long_edge: int = Field(default=1024, ge=64, le=8192)
    thumbnail_size: int = Field(default=400, ge=16, le=4096)
    jpeg_quality: int = Field(default=90, ge=1, le=100)


class FtpSettings(_Section):
    host: str = "127.0.0.1"
    port: int = 21
    user: str = "anonymous"
    password: SecretStr | None = Field(default=None, description="From PROOFDESK_PUBLISH__FTP__PASSWORD only.")
    tls: bool = Field(default=False, description="FTPS (explicit TLS, AUTH TLS + PROT P); the certificate is verified.")
    ca_file: str | None = Field(default=None, description="Extra CA (or self-signed certificate) PEM file to trust for FTPS.")
    remote_dir: str = "/gallery"
    thumb_dir: str = "/gallery/thumbs"
    timeout_s: float = Field(default=30.0, gt=0, description="Socket timeout of one FTP operation.")
    retries: int = Field(default=3, ge=1, le=20, description="Attempts on connection errors, timeouts and 4xx replies.")
    backoff_s: float = Field(default=0.5, ge=0, le=60, description="First wait between attempts (doubles each time).")
    passive: bool = True


class LocalPublishSettings(_Section):
    dir: str = Field(default="published", description="Folder for the `local` uploader; relative to the workdir.")
    thumb_dir: str = Field(default="thumbs", description="Thumbnails' folder inside `dir`.")


class PublishSettings(_Section):
    uploader: Literal["ftp", "local"] = "local"
    ftp: FtpSettings = FtpSettings()
    local: LocalPublishSettings = LocalPublishSettings()
    jpeg_quality: int = Field(default=92, ge=1, le=100, description="JPEG quality of full images re-encoded from originals that are not JPEGs.")
    clean_model_files: bool = Field(default=True, description="Remove published rows' model-ready files after a publish.")
    keep_gps: bool = Field(default=False, description="Keep the GPS position in the published copies' metadata "
                           "(default: removed, as galleries and stock sites expect).")
    sidecars: bool = Field(default=False, description="Also upload an XMP sidecar beside each published image "
                           "(named by `sidecars.naming`).")
    raw_render: Literal["preview", "develop"] = Field(default="preview", description=(
        "A camera RAW original is published as a JPEG: `preview` uses the camera's embedded JPEG when its long edge "
        "is at least the published long edge and its crop is the RAW's, else a LibRaw development; `develop` always "
        "develops (camera white balance, sRGB)."))
    max_edge: int | None = Field(default=None, ge=16, description=(
        "The long edge (px) of a RAW original's published JPEG; none: the RAW's full size."))
    keywords: Literal["merge", "replace"] = Field(default="merge", description=(
        "Keywords of published copies and sidecars: `merge` keeps the photo's own keywords (flat and hierarchical, "
        "placeholders left out) and adds the approved ones, de-duplicated case-insensitively; `replace` writes the "
        "approved ones only."))


class SidecarSettings(_Section):
    naming: Literal["ext", "stem", "both"] = Field(default="ext", description="XMP sidecar names: `ext` "
                                                   "NAME.jpg.xmp (darktable, digiKam), `stem` NAME.xmp (Lightroom, "
                                                   "raw files) or `both`.")
    name_from: Literal["published", "original"] = Field(default="published", description="Name sidecars after "
                                                        "the approved file name or the original's name.")
    place_hierarchy: str = Field(default="Places|{place_country}|{place_region}|{place_city}", description=(
        "lr:hierarchicalSubject path of the place ({place_country}, {place_region}, {place_city}, "
        "{place_country_code}; unknown levels left out; empty: no place path)."))
    keyword_root: str = Field(default="", description="Put each keyword under this hierarchy root "
                              "(ROOT|keyword); empty: keywords are top-level.")
    rating_score: Literal["off", "clip_aesthetic", "brisque"] = Field(default="off", description=(
        "Write xmp:Rating from this score (fallback scores never rate); `off` writes no rating."))
    rating_thresholds: list[float] = Field(default_factory=lambda: [3.0, 4.0, 5.0, 6.0, 7.0], description=(
        "The score each star needs (clip_aesthetic: at least; brisque: at most), five ascending values."))


class PlacesSettings(_Section):
    enabled: bool = Field(default=True, description="Name the place (GeoNames) and the time zone of photos with GPS, "
                          "offline; place names become keyword evidence and prompt facts.")
    max_city_km: float = Field(default=25.0, gt=0, description="Beyond this distance from any town the row gets no "
                               "city (at sea, in the wild).")
    max_region_km: float = Field(default=100.0, gt=0, description="Beyond this distance from any place the row gets "
                                 "no region or country either.")
    private: list[PrivatePlace] = Field(default_factory=list, description=(
        "Private places, each {lat, lon, radius_m, label}: a photo inside one gets no place names (facts, text, "
        "title, file name), is published without any position even with `publish.keep_gps`, and text naming "
        "the label is blocked (`place.private`)."))


class GalleryColumns(_Section):
    """Column names of the gallery table ("" leaves an optional column out)."""

    id: str = "id"
    file_name: str = "File_Name"
    title: str = "Title"
    caption: str = "Caption"
    alt_text: str = "Alt_Text"
    keywords: str = "Keywords"
    set_name: str = "Set_Name"
    width: str = "Width"
    height: str = "Height"
    captured_at: str = "Captured_At"
    camera: str = "Camera"
    lens: str = "Lens"
    image_url: str = "Image_URL"
    thumb_url: str = "Thumb_URL"
    brisque_score: str = "Brisque_Score"
    aesthetic_score: str = "Aesthetic_Score"
    sha256: str = "Sha256"
    updated_at: str = "Updated_At"


class GallerySettings(_Section):
    url: str | None = Field(default=None, description="SQLAlchemy URL; default sqlite:///<workdir>/gallery.sqlite.")
    table: str = "gallery"
    base_url: str = Field(default="", description="Public URL of the full images' folder (Image_URL = base_url/File_Name).")
    thumb_base_url: str = Field(default="", description="Public URL of the thumbnails' folder; default <base_url>/thumbs.")
    password: SecretStr | None = Field(default=None, description="From PROOFDESK_GALLERY__PASSWORD only; added to the URL.")
    columns: GalleryColumns = GalleryColumns()
    timeout_s: float = Field(default=30.0, gt=0, description="Connect/read/write timeout (MySQL).")
    retries: int = Field(default=3, ge=1, le=20, description="Attempts on connection errors.")
    backoff_s: float = Field(default=0.5, ge=0, le=60)

    @property
    def backend(self) -> str:
        return database_backend("gallery.url", self.url)


class ClassifierSettings(_Section):
    enabled: bool = Field(default=False, description="CLIP zero-shot classifier hints for the caption prompt.")
    vocabulary: list[str] = Field(default_factory=list, description="Labels to choose from; empty = the built-in list.")
    template: str = Field(default="a photo of a {}", description="Text prompt for each label ({} is the label).")
    top_k: int = Field(default=5, ge=1, le=50, description="At most this many hints per photo.")
    min_probability: float = Field(default=0.05, ge=0, le=1, description="Hints below this probability are left out.")


class ReviewSettings(_Section):
    dictionary: str | None = Field(
        default=None,
        description="Project dictionary file (one word per line) for spellcheck only (keywords a person always "
        "allows are captioner.glossary); default <workdir>/dictionary.txt.",
    )
    language: str = Field(default="en", description="pyspellchecker language of the standard word list.")


class WorkerSettings(_Section):
    host: str | None = Field(default=None, description="The name this machine goes by in locks and the worker list "
                                                        "(default: its host name).")
    lease_s: float = Field(default=60.0, gt=0, le=3600, description="Seconds a claim or the queue lock stays held "
                                                                    "without renewal (renewed every third of it).")
    batch: int = Field(default=8, ge=1, le=10_000, description="Score rows a worker claims at a time; for captions the "
                                                               "most rows its first claim takes (the rest: one per free slot).")
    poll_s: float = Field(default=1.0, gt=0, le=600, description="Seconds a worker waits before asking again.")


class LoggingSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


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

    def glossary(self) -> tuple[str, ...]:
        terms = list(self.captioner.glossary)
        if self.captioner.glossary_file:
            path = self.resolve_path(self.captioner.glossary_file)
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise ConfigError(f"captioner.glossary_file: cannot read {path}: {exc.strerror or exc}") from None
            terms.extend(line.strip() for line in lines if line.strip() and not line.startswith("#"))
        # The project dictionary (`review.dictionary`) is for spelling only: no keyword evidence.
        return tuple(dict.fromkeys(terms))

    @property
    def dictionary_path(self) -> Path:
        if self.review.dictionary:
            return self.resolve_path(self.review.dictionary)
        return self.workdir_path / "dictionary.txt"

    @property
    def runs_dir(self) -> Path:
        return self.workdir_path / "runs"

    def digest(self) -> str:
        """A digest of the settings that shape results (recorded on each session)."""
        payload = self.model_dump(mode="json", exclude={"logging"})
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def redacted(self) -> dict[str, Any]:
        """Settings as a dict with every secret masked (for logs and `--json`)."""
        return self.model_dump(mode="json")  # SecretStr dumps as '**********'


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

"""The settings' sections, one pydantic model per TOML table (`[storage]`, `[captioner]`, …), with
their defaults, bounds and descriptions (docs/configuration.md lists every key)."""

from __future__ import annotations

from typing import Literal

from proofdesk.core.domain.private_places import PrivatePlace
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


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


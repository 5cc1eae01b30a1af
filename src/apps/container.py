"""The composition root: builds every adapter from the settings (dependency-injector).

Backends are chosen by config with `providers.Selector` (dependency-injector's movie-lister
example). Nothing is built at import time: providers create objects on first call, and the CLI
imports this module only inside commands that need it, so `proofdesk --help` stays fast.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from dependency_injector import containers, providers
from proofdesk.adapters.cache import FileAnswerCache
from proofdesk.adapters.captioner.offline import OfflineCaptioner
from proofdesk.adapters.captioner.ollama import OllamaCaptioner
from proofdesk.adapters.captioner.openai_compat import OpenAICompatCaptioner
from proofdesk.adapters.clock import SystemClock
from proofdesk.adapters.exif.pyexiv2_reader import Pyexiv2ExifReader
from proofdesk.adapters.exif.pyexiv2_writer import Pyexiv2MetadataWriter
from proofdesk.adapters.files.local import LocalFileStore
from proofdesk.adapters.files.scanner import LocalSetScanner
from proofdesk.adapters.gallery.sql import SqlGallery
from proofdesk.adapters.images.pillow_inspector import PillowImageInspector
from proofdesk.adapters.images.pillow_processor import PillowImageProcessor
from proofdesk.adapters.memory import InMemoryQueueStore
from proofdesk.adapters.process import holder_is_alive, this_host
from proofdesk.adapters.scoring.clip_aesthetic import OpenClipAestheticScorer
from proofdesk.adapters.scoring.clip_classifier import (
    DEFAULT_VOCABULARY,
    OpenClipClassifier,
)
from proofdesk.adapters.scoring.fallback import (
    FallbackAestheticScorer,
    FallbackQualityScorer,
)
from proofdesk.adapters.scoring.opencv_brisque import OpenCvBrisqueScorer
from proofdesk.adapters.spelling.pyspell import PySpellchecker
from proofdesk.adapters.storage.sql import SqlQueueStore
from proofdesk.adapters.uploader.ftp import FtpUploader
from proofdesk.adapters.uploader.local import LocalUploader
from proofdesk.apps.config import Settings
from proofdesk.apps.review.desk import UrwidReviewer
from proofdesk.core.domain.models import Row, Stage
from proofdesk.core.domain.proof import DuplicateIndex
from proofdesk.core.domain.publishing import PublishOptions
from proofdesk.core.domain.scoring import ScoringOptions
from proofdesk.core.ports.captioning import Captioner
from proofdesk.core.ports.files import ExifReader, FileStore, ImageInspector, SetScanner
from proofdesk.core.ports.media import AestheticScorer, ImageProcessor, QualityScorer
from proofdesk.core.ports.publishing import Gallery, MetadataWriter, Uploader
from proofdesk.core.ports.review import Reviewer, Spellchecker
from proofdesk.core.ports.storage import QueueStore
from proofdesk.core.ports.system import Clock
from proofdesk.core.services.pipeline import Pipeline
from proofdesk.core.services.publish import Publisher
from proofdesk.core.services.review import ReviewService
from proofdesk.core.services.stages.base import RowStage
from proofdesk.core.services.stages.caption import CaptionSettings, CaptionStage
from proofdesk.core.services.stages.scoring import ScoringStages


def _storage_backend(settings: Settings) -> str:
    return settings.storage.backend


def _caption_settings(settings: Settings) -> CaptionSettings:
    captioner = settings.captioner
    return CaptionSettings(
        model=captioner.model if captioner.backend != "offline" else "offline",
        fallback_model=captioner.fallback_model if captioner.backend != "offline" else None,
        max_repairs=captioner.max_repairs,
        parallel=captioner.parallel,
        glossary=settings.glossary(),
        num_ctx=captioner.num_ctx,
        hint_count=settings.classifier.top_k,
    )


def _scoring_path(settings: Settings, value: str | None) -> str | None:
    """A model file path from the config: relative paths are relative to the config file's folder."""
    return str(settings.resolve_path(value)) if value else value


def _clip_model(settings: Settings) -> str:
    """A built-in open_clip name as it is, or a model-config JSON path resolved like other paths."""
    model = settings.scoring.clip_model
    return str(_scoring_path(settings, model)) if model.endswith(".json") else model


def _brisque_engine(settings: Settings) -> str:
    return settings.scoring.brisque_engine if settings.scoring.brisque else "fallback"


def _cores() -> int:
    return max(1, os.cpu_count() or 1)


def _scoring_options(settings: Settings) -> ScoringOptions:
    scoring = settings.scoring
    return ScoringOptions(
        long_edge=scoring.resize_long_edge,
        jpeg_quality=scoring.jpeg_quality,
        batch_size=scoring.batch_size,
        workers=scoring.workers or min(4, _cores()),
    )


def _suggester(caption_stage: providers.Provider[CaptionStage]) -> Callable[[Row, DuplicateIndex], Row]:
    """Generate for one row: the caption stage's per-row flow, built only when first used."""

    def suggest(row: Row, index: DuplicateIndex) -> Row:
        return caption_stage().suggest(row, index)[0]

    return suggest


# ---------------------------------------------------------------- publishing (issue 8, ADR 0009)


def _gallery_url(settings: Settings) -> str:
    return settings.gallery.url or f"sqlite:///{settings.workdir_path / 'gallery.sqlite'}"


def _make_gallery(settings: Settings) -> SqlGallery:
    from proofdesk.apps.config import ConfigError

    gallery = settings.gallery
    try:
        return SqlGallery(
            url=_gallery_url(settings),
            table=gallery.table,
            columns=gallery.columns.model_dump(),
            password=gallery.password.get_secret_value() if gallery.password else None,
            timeout_s=gallery.timeout_s,
            retries=gallery.retries,
            backoff_s=gallery.backoff_s,
        )
    except ValueError as exc:  # a bad table/column name or URL
        raise ConfigError(str(exc)) from None


def _make_ftp_uploader(settings: Settings) -> FtpUploader:
    ftp = settings.publish.ftp
    return FtpUploader(
        host=ftp.host,
        port=ftp.port,
        user=ftp.user,
        password=ftp.password.get_secret_value() if ftp.password else None,
        tls=ftp.tls,
        ca_file=str(settings.resolve_path(ftp.ca_file)) if ftp.ca_file else None,
        timeout_s=ftp.timeout_s,
        retries=ftp.retries,
        backoff_s=ftp.backoff_s,
        passive=ftp.passive,
    )


def _local_publish_root(settings: Settings) -> Path:
    path = Path(settings.publish.local.dir).expanduser()
    return path if path.is_absolute() else settings.workdir_path / path


def _publish_options(settings: Settings) -> PublishOptions:
    publish = settings.publish
    if publish.uploader == "ftp":
        full_dir, thumb_dir = publish.ftp.remote_dir, publish.ftp.thumb_dir
    else:
        full_dir, thumb_dir = "/", "/" + publish.local.thumb_dir.strip("/")
    return PublishOptions(
        full_dir=full_dir,
        thumb_dir=thumb_dir,
        image_base_url=settings.gallery.base_url,
        thumb_base_url=settings.gallery.thumb_base_url,
        thumbnail_size=settings.scoring.thumbnail_size,
        thumbnail_quality=settings.scoring.jpeg_quality,
        jpeg_quality=publish.jpeg_quality,
        clean_model_files=publish.clean_model_files,
    )


def _gallery_names(gallery: providers.Provider[Gallery]) -> Callable[[], list[str]]:
    """The published mirror's names for the proof, read from the gallery when asked (not at build)."""

    def names() -> list[str]:
        return gallery().file_names()

    return names


def _desk_publisher(publisher: providers.Provider[Publisher], settings: Settings) -> Callable[[], str]:
    """What the review desk's publish key runs (in its worker thread): publish, return a paragraph."""

    def publish() -> str:
        import io

        from proofdesk.apps.reporting import ConsoleReporter
        from proofdesk.core.services.publish import publish_approved

        reporter = ConsoleReporter(settings.runs_dir, quiet=True, stream=io.StringIO())
        try:
            return publish_approved(publisher(reporter=reporter)).render()
        finally:
            reporter.close()

    return publish


def _row_stages(
    score: RowStage | None = None, resize: RowStage | None = None, caption: RowStage | None = None
) -> list[tuple[Stage, RowStage]]:
    """The stages after stage 4, in pipeline order (a missing one is skipped)."""
    stages = [(Stage.SCORE, score), (Stage.RESIZE, resize), (Stage.CAPTION, caption)]
    return [(stage, run) for stage, run in stages if run is not None]


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    clock = providers.Singleton(SystemClock)

    queue_store = providers.Selector(
        providers.Callable(_storage_backend, settings),
        sqlite=providers.Singleton(
            SqlQueueStore, url=providers.Callable(lambda s: s.storage_url, settings), clock=clock
        ),
        mysql=providers.Singleton(
            SqlQueueStore, url=providers.Callable(lambda s: s.storage_url, settings), clock=clock
        ),
        memory=providers.Singleton(InMemoryQueueStore, clock=clock),
    )

    file_store = providers.Singleton(
        LocalFileStore, root=providers.Callable(lambda s: s.workdir_path, settings)
    )

    exif_reader = providers.Singleton(Pyexiv2ExifReader)

    set_scanner = providers.Singleton(LocalSetScanner)

    image_inspector = providers.Singleton(PillowImageInspector)

    image_processor = providers.Singleton(
        PillowImageProcessor, max_image_pixels=providers.Callable(lambda s: s.intake.max_image_pixels, settings)
    )

    quality_scorer = providers.Selector(
        providers.Callable(_brisque_engine, settings),
        opencv=providers.Singleton(
            OpenCvBrisqueScorer,
            model_path=providers.Callable(lambda s: _scoring_path(s, s.scoring.brisque_model), settings),
            range_path=providers.Callable(lambda s: _scoring_path(s, s.scoring.brisque_range), settings),
            threads=providers.Callable(lambda s: s.scoring.threads or _cores(), settings),
        ),
        fallback=providers.Singleton(
            FallbackQualityScorer,
            reason=providers.Callable(
                lambda s: "scoring.brisque = false" if not s.scoring.brisque else "scoring.brisque_engine = fallback",
                settings,
            ),
        ),
    )

    aesthetic_scorer = providers.Selector(
        providers.Callable(lambda s: s.scoring.aesthetic_engine, settings),
        open_clip=providers.Singleton(
            OpenClipAestheticScorer,
            model=providers.Callable(_clip_model, settings),
            weights=providers.Callable(lambda s: _scoring_path(s, s.scoring.clip_weights), settings),
            head=providers.Callable(lambda s: _scoring_path(s, s.scoring.aesthetic_head), settings),
            batch_size=providers.Callable(lambda s: s.scoring.batch_size, settings),
            threads=providers.Callable(lambda s: s.scoring.threads, settings),
            device=providers.Callable(lambda s: s.scoring.device, settings),
        ),
        fallback=providers.Singleton(FallbackAestheticScorer),
    )

    # One per pipeline: it carries the decode hand-over from stage 5 to stage 6 of one run.
    scoring_stages = providers.Factory(
        ScoringStages,
        processor=image_processor,
        quality=quality_scorer,
        aesthetic=aesthetic_scorer,
        files=file_store,
        options=providers.Callable(_scoring_options, settings),
        cache=providers.Singleton(
            FileAnswerCache, root=providers.Callable(lambda s: s.workdir_path / "cache" / "scores", settings)
        ),
    )

    captioner = providers.Selector(
        providers.Callable(lambda s: s.captioner.backend, settings),
        ollama=providers.Singleton(
            OllamaCaptioner,
            url=providers.Callable(lambda s: s.captioner.url, settings),
            keep_alive=providers.Callable(lambda s: s.captioner.keep_alive, settings),
            timeout_s=providers.Callable(lambda s: s.captioner.timeout_s, settings),
            retries=providers.Callable(lambda s: s.captioner.retries, settings),
        ),
        openai=providers.Singleton(
            OpenAICompatCaptioner,
            url=providers.Callable(lambda s: s.captioner.url, settings),
            timeout_s=providers.Callable(lambda s: s.captioner.timeout_s, settings),
            retries=providers.Callable(lambda s: s.captioner.retries, settings),
            api_key=providers.Callable(
                lambda s: s.captioner.api_key.get_secret_value() if s.captioner.api_key else None, settings
            ),
        ),
        offline=providers.Singleton(OfflineCaptioner),
    )

    answer_cache = providers.Singleton(
        FileAnswerCache, root=providers.Callable(lambda s: s.workdir_path / "cache" / "answers", settings)
    )

    gallery = providers.Selector(
        providers.Callable(lambda s: s.gallery.backend, settings),
        sqlite=providers.Singleton(_make_gallery, settings),
        mysql=providers.Singleton(_make_gallery, settings),
    )

    classifier = providers.Selector(
        providers.Callable(lambda s: "on" if s.classifier.enabled else "off", settings),
        on=providers.Singleton(
            OpenClipClassifier,
            model=providers.Callable(_clip_model, settings),
            weights=providers.Callable(lambda s: _scoring_path(s, s.scoring.clip_weights), settings),
            vocabulary=providers.Callable(lambda s: s.classifier.vocabulary or DEFAULT_VOCABULARY, settings),
            template=providers.Callable(lambda s: s.classifier.template, settings),
            min_probability=providers.Callable(lambda s: s.classifier.min_probability, settings),
            device=providers.Callable(lambda s: s.scoring.device, settings),
            threads=providers.Callable(lambda s: s.scoring.threads, settings),
        ),
        off=providers.Object(None),
    )

    caption_stage = providers.Factory(
        CaptionStage,
        classifier=classifier,
        captioner=captioner,
        settings=providers.Callable(_caption_settings, settings),
        cache=answer_cache,
        files=file_store,
        proof_config=providers.Callable(lambda s: s.proof, settings),
        gallery_names=providers.Callable(_gallery_names, gallery.provider),
    )

    spellchecker = providers.Singleton(
        PySpellchecker,
        dictionary_path=providers.Callable(lambda s: s.dictionary_path, settings),
        language=providers.Callable(lambda s: s.review.language, settings),
    )

    review_service = providers.Singleton(
        ReviewService,
        store=queue_store,
        proof_config=providers.Callable(lambda s: s.proof, settings),
        glossary=providers.Callable(lambda s: s.glossary, settings),
        gallery_names=providers.Callable(_gallery_names, gallery.provider),
        suggester=providers.Callable(_suggester, caption_stage.provider),
        spellchecker=spellchecker,
    )

    uploader = providers.Selector(
        providers.Callable(lambda s: s.publish.uploader, settings),
        ftp=providers.Singleton(_make_ftp_uploader, settings),
        local=providers.Singleton(LocalUploader, root=providers.Callable(_local_publish_root, settings)),
    )

    metadata_writer = providers.Singleton(Pyexiv2MetadataWriter)

    # The front end passes its Reporter: `publish_approved(container.publisher(reporter=...))`.
    publisher = providers.Factory(
        Publisher,
        store=queue_store,
        uploader=uploader,
        gallery=gallery,
        processor=image_processor,
        writer=metadata_writer,
        files=file_store,
        clock=clock,
        options=providers.Callable(_publish_options, settings),
        pid=providers.Callable(os.getpid),
        host=providers.Callable(this_host),
        is_alive=providers.Object(holder_is_alive),
    )

    # The review desk's publish key (`proofdesk review` looks this provider up by name).
    desk_publisher = providers.Callable(_desk_publisher, publisher.provider, settings)

    reviewer = providers.Singleton(UrwidReviewer, publisher=desk_publisher)

    # The front end passes its Reporter when it asks for a pipeline: `container.pipeline(reporter=...)`.
    pipeline = providers.Factory(
        Pipeline,
        store=queue_store,
        files=file_store,
        exif=exif_reader,
        scanner=set_scanner,
        inspector=image_inspector,
        clock=clock,
        rules=providers.Callable(lambda s: s.intake, settings),
        pid=providers.Callable(os.getpid),
        host=providers.Callable(this_host),
        is_alive=providers.Object(holder_is_alive),
        config_digest=providers.Callable(lambda s: s.digest(), settings),
        row_stages=providers.Callable(
            lambda stages, caption: _row_stages(score=stages.score_stage, resize=stages.resize_stage, caption=caption),
            scoring_stages,
            caption_stage,
        ),
    )


def build_container(settings: Settings) -> Container:
    container = Container(settings=settings)
    return container


def check_ports(container: Container) -> None:
    """Fail early, naming the provider, if a provider gives something that is not its port."""
    for name, port in (
        ("clock", Clock),
        ("queue_store", QueueStore),
        ("file_store", FileStore),
        ("exif_reader", ExifReader),
        ("set_scanner", SetScanner),
        ("image_inspector", ImageInspector),
        ("captioner", Captioner),
        ("spellchecker", Spellchecker),
        ("reviewer", Reviewer),
        ("image_processor", ImageProcessor),
        ("quality_scorer", QualityScorer),
        ("aesthetic_scorer", AestheticScorer),
        ("uploader", Uploader),
        ("gallery", Gallery),
        ("metadata_writer", MetadataWriter),
    ):
        instance = getattr(container, name)()
        if not isinstance(instance, port):
            raise TypeError(f"container.{name} built {type(instance).__name__}, not a {port.__name__}")

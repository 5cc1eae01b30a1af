"""The composition root: builds every adapter from the settings (dependency-injector).

`build_container(settings)` feeds the validated settings into `config` (a
`providers.Configuration`); the values derived from them (absolute paths, the engines actually
chosen, worker counts) are `Settings` properties, read through `settings.provided`. Backends
are chosen with `providers.Selector` over a config value. Nothing is built at import time or by
`build_container`: providers create objects on first call, and the CLI imports this module only
inside commands that need it, so `proofdesk --help` stays fast.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

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
from proofdesk.adapters.images import libraw
from proofdesk.adapters.images.frame_analyzer import NumpyFrameAnalyzer
from proofdesk.adapters.images.pillow_inspector import PillowImageInspector
from proofdesk.adapters.images.pillow_processor import PillowImageProcessor, raw_picture
from proofdesk.adapters.memory import InMemoryQueueStore
from proofdesk.adapters.places.geonames import GeoNamesGazetteer
from proofdesk.adapters.places.timezones import TimezoneFinderLookup
from proofdesk.adapters.process import liveness_check, this_host
from proofdesk.adapters.scoring.clip_aesthetic import OpenClipAestheticScorer
from proofdesk.adapters.scoring.clip_classifier import DEFAULT_VOCABULARY, OpenClipClassifier
from proofdesk.adapters.scoring.fallback import FallbackAestheticScorer, FallbackQualityScorer
from proofdesk.adapters.scoring.opencv_brisque import OpenCvBrisqueScorer
from proofdesk.adapters.spelling.pyspell import PySpellchecker, read_glossary
from proofdesk.adapters.storage.sql import SqlQueueStore
from proofdesk.adapters.storage.work_queue import SqlWorkQueue
from proofdesk.adapters.uploader.ftp import FtpUploader
from proofdesk.adapters.uploader.local import LocalUploader
from proofdesk.apps.config import Settings, env_name
from proofdesk.apps.reporting import desk_publisher, desk_unpublisher
from proofdesk.apps.review.desk import UrwidReviewer
from proofdesk.core.domain.models import Row, Stage
from proofdesk.core.domain.proof import DuplicateIndex
from proofdesk.core.domain.publishing import PublishOptions
from proofdesk.core.domain.scenes import SceneSettings as DomainSceneSettings
from proofdesk.core.domain.scoring import ScoringOptions
from proofdesk.core.domain.xmp import XmpOptions
from proofdesk.core.ports.captioning import Captioner
from proofdesk.core.ports.files import ExifReader, FileStore, ImageInspector, SetScanner
from proofdesk.core.ports.media import AestheticScorer, ImageProcessor, QualityScorer
from proofdesk.core.ports.publishing import Gallery, MetadataWriter, Uploader
from proofdesk.core.ports.review import Reviewer, Spellchecker
from proofdesk.core.ports.storage import QueueStore
from proofdesk.core.ports.system import Clock
from proofdesk.core.ports.work import WorkQueue
from proofdesk.core.services.pipeline import Pipeline
from proofdesk.core.services.places import PlaceAllowances, PlaceFacts
from proofdesk.core.services.publish import Publisher
from proofdesk.core.services.review import ReviewService
from proofdesk.core.services.review_actions import ReviewActions
from proofdesk.core.services.sets import SetPaths
from proofdesk.core.services.stages.base import RowStage
from proofdesk.core.services.stages.caption import CaptionSettings, CaptionStage
from proofdesk.core.services.stages.scene import SceneStage
from proofdesk.core.services.stages.scoring import ScoringStages
from proofdesk.core.services.worker_stages import build_worker


def _vocabulary(configured: list[str]) -> list[str]:
    return configured or list(DEFAULT_VOCABULARY)


def _host_name(configured: str | None) -> str:
    return configured or this_host()


def _sql_gallery(**kwargs: Any) -> SqlGallery:
    from proofdesk.apps.config import ConfigError

    try:
        return SqlGallery(**kwargs)
    except ValueError as exc:  # a bad table/column name or URL
        raise ConfigError(str(exc)) from None


def _suggester(caption_stage: providers.Provider[CaptionStage]) -> Callable[[Row, DuplicateIndex, Row | None], Row]:
    """Generate for one row: the caption stage's per-row flow, built only when first used."""

    def suggest(row: Row, index: DuplicateIndex, keeper: Row | None = None) -> Row:
        return caption_stage().suggest(row, index, keeper)[0]

    return suggest


def _gallery_names(gallery: providers.Provider[Gallery]) -> Callable[[], list[str]]:
    """The published mirror's names for the proof, read from the gallery when asked (not at build)."""

    def names() -> list[str]:
        return gallery().file_names()

    return names


def _row_stages(scoring: ScoringStages, scene: RowStage, caption: RowStage | None) -> list[tuple[Stage, RowStage]]:
    """The stages after stage 4, in pipeline order (a missing one is skipped)."""
    stages = [(Stage.SCORE, scoring.score_stage), (Stage.RESIZE, scoring.resize_stage), (Stage.SCENE, scene),
              (Stage.CAPTION, caption)]
    return [(stage, run) for stage, run in stages if run is not None]


def _shared_work_queue(store: QueueStore, work_queue: Callable[[], WorkQueue]) -> WorkQueue | None:
    if isinstance(store, SqlQueueStore) and store.dialect in ("mysql", "mariadb"):
        return work_queue()
    return None


class Container(containers.DeclarativeContainer):
    """Build with `build_container(settings)`; swap an adapter with `container.NAME.override(...)`."""

    config = providers.Configuration()
    # The settings object itself: what is not a plain value (intake rules, proof config, digest) and
    # the values derived from the keys (`settings.provided.storage_url`, …), read when first needed.
    settings = providers.Dependency(instance_of=Settings)
    # terms that count as identifier evidence: `captioner.glossary` and the lines of its file
    glossary = providers.Callable(read_glossary, config.captioner.glossary, settings.provided.glossary_path)

    clock = providers.Singleton(SystemClock)
    # the name this machine goes by in locks and the worker list, and how it judges another holder
    host = providers.Callable(_host_name, config.worker.host)
    is_alive = providers.Callable(liveness_check, host)

    queue_store = providers.Selector(
        settings.provided.queue_backend,
        sql=providers.Singleton(SqlQueueStore, url=settings.provided.storage_url, clock=clock),  # sqlite or MySQL
        memory=providers.Singleton(InMemoryQueueStore, clock=clock),
    )

    # rows store paths relative to the files root (the workdir, or the shared root): a project folder
    # moved or copied elsewhere works as it is
    file_store = providers.Singleton(LocalFileStore, root=settings.provided.files_root, relative_paths=True)
    exif_reader = providers.Singleton(Pyexiv2ExifReader, placeholder_text=config.intake.placeholder_text)
    set_scanner = providers.Singleton(LocalSetScanner)
    image_inspector = providers.Singleton(PillowImageInspector)
    libraw_version = providers.Callable(libraw.libraw_version)  # None: camera RAW files are refused
    image_processor = providers.Singleton(PillowImageProcessor, max_image_pixels=config.intake.max_image_pixels)

    quality_scorer = providers.Selector(
        settings.provided.brisque_engine,
        opencv=providers.Singleton(OpenCvBrisqueScorer, model_path=settings.provided.brisque_model,
                                   range_path=settings.provided.brisque_range, threads=settings.provided.brisque_threads),
        fallback=providers.Singleton(FallbackQualityScorer, reason=settings.provided.brisque_fallback_reason),
    )

    aesthetic_scorer = providers.Selector(
        config.scoring.aesthetic_engine,
        open_clip=providers.Singleton(
            OpenClipAestheticScorer,
            model=settings.provided.clip_model,
            weights=settings.provided.clip_weights,
            head=settings.provided.aesthetic_head,
            batch_size=config.scoring.batch_size,
            threads=config.scoring.threads,
            device=config.scoring.device,
        ),
        fallback=providers.Singleton(FallbackAestheticScorer),
    )

    frame_analyzer = providers.Singleton(NumpyFrameAnalyzer)

    # One per pipeline: it carries the decode hand-over from stage 5 to stage 6 of one run.
    scoring_stages = providers.Factory(
        ScoringStages,
        analyzer=frame_analyzer, processor=image_processor, quality=quality_scorer, aesthetic=aesthetic_scorer,
        files=file_store,
        options=providers.Factory(ScoringOptions, long_edge=config.scoring.resize_long_edge,
                                  jpeg_quality=config.scoring.jpeg_quality, batch_size=config.scoring.batch_size,
                                  workers=settings.provided.scoring_workers),
        cache=providers.Singleton(FileAnswerCache, root=providers.Callable(Path.joinpath, settings.provided.files_root,
                                                                           "cache", "scores")),
    )

    captioner = providers.Selector(
        config.captioner.backend,
        ollama=providers.Singleton(
            OllamaCaptioner,
            url=config.captioner.url,
            keep_alive=config.captioner.keep_alive,
            timeout_s=config.captioner.timeout_s,
            retries=config.captioner.retries,
        ),
        openai=providers.Singleton(
            OpenAICompatCaptioner,
            url=config.captioner.url,
            timeout_s=config.captioner.timeout_s,
            retries=config.captioner.retries,
            api_key=config.captioner.api_key,
        ),
        offline=providers.Singleton(OfflineCaptioner),
    )

    answer_cache = providers.Singleton(
        FileAnswerCache, root=providers.Callable(Path.joinpath, settings.provided.files_root, "cache", "answers")
    )

    # sqlite or MySQL, both through SQLAlchemy
    gallery = providers.Singleton(
        _sql_gallery,
        url=settings.provided.gallery_url,
        table=config.gallery.table,
        columns=config.gallery.columns,
        password=config.gallery.password,
        password_hint=f"set {env_name('gallery.password')}",
        timeout_s=config.gallery.timeout_s,
        retries=config.gallery.retries,
        backoff_s=config.gallery.backoff_s,
    )

    classifier = providers.Selector(
        settings.provided.classifier_switch,
        on=providers.Singleton(
            OpenClipClassifier,
            model=settings.provided.clip_model,
            weights=settings.provided.clip_weights,
            vocabulary=providers.Callable(_vocabulary, config.classifier.vocabulary),
            template=config.classifier.template,
            min_probability=config.classifier.min_probability,
            device=config.scoring.device,
            threads=config.scoring.threads,
        ),
        off=providers.Object(None),
    )

    # Offline facts from GPS: loaded on first use, so a run without GPS never pays for them.
    place_facts = providers.Selector(
        settings.provided.places_switch,
        on=providers.Singleton(
            PlaceFacts,
            gazetteer=providers.Singleton(GeoNamesGazetteer, min_population=config.proof.place_min_population),
            zones=providers.Singleton(TimezoneFinderLookup),
            max_city_km=config.places.max_city_km,
            max_region_km=config.places.max_region_km,
            # ordinary words are the standard word list's: a word added for spelling is no evidence
            dictionary=providers.Singleton(PySpellchecker, dictionary_path=None, language=config.review.language),
            store=queue_store,  # the place names a person vouched for (`places allow`)
            private=config.places.private,
        ),
        off=providers.Singleton(PlaceFacts),
    )
    place_allowances = providers.Factory(PlaceAllowances, store=queue_store)

    scene_stage = providers.Factory(
        SceneStage,
        settings=providers.Factory(DomainSceneSettings, max_hash_distance=config.scenes.max_hash_distance,
                                   max_gap_s=config.scenes.max_gap_s),
        files=file_store,
        processor=image_processor,
        analyzer=frame_analyzer,
        long_edge=config.scoring.resize_long_edge,
    )

    caption_stage = providers.Factory(
        CaptionStage,
        classifier=classifier,
        captioner=captioner,
        settings=providers.Factory(
            CaptionSettings,
            model=settings.provided.caption_model,
            fallback_model=settings.provided.caption_fallback_model,
            max_repairs=config.captioner.max_repairs,
            scope=config.captioner.scope,
            parallel=config.captioner.parallel,
            glossary=glossary,
            num_ctx=config.captioner.num_ctx,
            hint_count=config.classifier.top_k,
            image_long_edge=config.scoring.resize_long_edge,
            image_quality=config.scoring.jpeg_quality,
        ),
        cache=answer_cache,
        files=file_store,
        proof_config=settings.provided.proof,
        gallery_names=providers.Callable(_gallery_names, gallery.provider),
        places=place_facts,
    )

    spellchecker = providers.Singleton(
        PySpellchecker, dictionary_path=settings.provided.dictionary_path, language=config.review.language
    )

    review_service = providers.Singleton(
        ReviewService,
        store=queue_store,
        proof_config=settings.provided.proof,
        glossary=glossary.provider,
        gallery_names=providers.Callable(_gallery_names, gallery.provider),
        suggester=providers.Callable(_suggester, caption_stage.provider),
        spellchecker=spellchecker,
        places=place_facts,
    )

    uploader = providers.Selector(
        config.publish.uploader,
        ftp=providers.Singleton(
            FtpUploader,
            host=config.publish.ftp.host,
            port=config.publish.ftp.port,
            user=config.publish.ftp.user,
            password=config.publish.ftp.password,
            password_hint=f"set {env_name('publish.ftp.password')}",
            tls=config.publish.ftp.tls,
            ca_file=settings.provided.ftp_ca_file,
            timeout_s=config.publish.ftp.timeout_s,
            retries=config.publish.ftp.retries,
            backoff_s=config.publish.ftp.backoff_s,
            passive=config.publish.ftp.passive,
        ),
        local=providers.Singleton(LocalUploader, root=settings.provided.local_publish_root),
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
        # every row is proven again, as the review proves an edit, right before it is written
        prover=review_service.provided.proven,
        options=providers.Factory(
            PublishOptions,
            full_dir=settings.provided.publish_full_dir,
            thumb_dir=settings.provided.publish_thumb_dir,
            image_base_url=config.gallery.base_url,
            thumb_base_url=config.gallery.thumb_base_url,
            thumbnail_size=config.scoring.thumbnail_size,
            thumbnail_quality=config.scoring.jpeg_quality,
            jpeg_quality=config.publish.jpeg_quality,
            clean_model_files=config.publish.clean_model_files,
            keep_gps=config.publish.keep_gps,
            private_places=config.places.private,
            sidecars=config.publish.sidecars,
            raw_render=config.publish.raw_render,
            max_edge=config.publish.max_edge,
            xmp=providers.Factory(
                XmpOptions,
                naming=config.sidecars.naming,
                name_from=config.sidecars.name_from,
                place_hierarchy=config.sidecars.place_hierarchy,
                keyword_root=config.sidecars.keyword_root,
                rating_score=config.sidecars.rating_score,
                rating_thresholds=config.sidecars.rating_thresholds,
                keywords=config.publish.keywords,
            ),
        ),
        pid=providers.Callable(os.getpid),
        host=host,
        is_alive=is_alive,
    )

    # The review desk's publish key (`proofdesk review` looks this provider up by name).
    desk_publisher = providers.Callable(desk_publisher, publisher.provider, settings.provided.runs_dir)

    desk_unpublisher = providers.Callable(desk_unpublisher, publisher.provider, settings.provided.runs_dir)

    reviewer = providers.Singleton(UrwidReviewer, publisher=desk_publisher, unpublisher=desk_unpublisher)

    # the web desk's actions (`proofdesk serve`): one instance per desk, so its undo history is its own
    review_actions = providers.Factory(ReviewActions, review=review_service, publish_approved=desk_publisher,
                                       take_down=desk_unpublisher, places=place_allowances)

    # The front end passes its Reporter when it asks for a pipeline: `container.pipeline(reporter=...)`.
    # set folders relative to the project folder (the config file's, or the workdir's parent)
    set_paths = providers.Singleton(SetPaths, root=settings.provided.project_root)

    pipeline = providers.Factory(
        Pipeline,
        store=queue_store,
        files=file_store,
        exif=exif_reader,
        scanner=set_scanner,
        inspector=image_inspector,
        clock=clock,
        rules=settings.provided.intake,
        pid=providers.Callable(os.getpid),
        host=host,
        is_alive=is_alive,
        config_digest=settings.provided.digest.call(),
        row_stages=providers.Callable(_row_stages, scoring_stages, scene_stage, caption_stage),
        places=place_facts,
        batch_size=config.storage.batch_size,
        lease_s=settings.provided.session_lease_s,
        set_paths=set_paths,
    )

    # `proofdesk worker`: claims on the shared MySQL/MariaDB queue (`shared_work_queue` is None for
    # SQLite, where `proofdesk run` does every stage on one machine)
    work_queue = providers.Singleton(SqlWorkQueue, store=queue_store)
    shared_work_queue = providers.Callable(_shared_work_queue, queue_store, work_queue.provider)
    # the front end passes its reporter and the work: `container.worker(reporter=..., stages=[...], ...)`
    worker = providers.Factory(
        build_worker, store=queue_store, queue=shared_work_queue, clock=clock, host=host,
        scoring=scoring_stages.provider, scene=scene_stage.provider, caption=caption_stage.provider,
        gallery_names=providers.Callable(_gallery_names, gallery.provider), proof_config=settings.provided.proof,
        lease_s=config.worker.lease_s, batch=config.worker.batch, scope=config.captioner.scope,
        poll_s=config.worker.poll_s, storage_batch=config.storage.batch_size, caption_slots=config.captioner.parallel,
    )


def build_container(settings: Settings) -> Container:
    """The container for these settings (no adapter is built until a provider is called)."""
    container = Container(settings=settings)
    container.config.from_dict(settings.revealed())
    # rows hold paths relative to the workdir (or the shared root): the desk and the contact sheet
    # find the pictures through the file store
    from proofdesk.apps.review.preview import use_path_resolver, use_raw_reader

    use_path_resolver(container.file_store().resolve)
    use_raw_reader(raw_picture)  # the desk draws a camera RAW original through the image adapter
    return container


# the port each of these providers must give (`check_ports`)
PORTS: Mapping[str, type] = {
    "clock": Clock, "queue_store": QueueStore, "file_store": FileStore, "exif_reader": ExifReader,
    "set_scanner": SetScanner, "image_inspector": ImageInspector, "captioner": Captioner,
    "spellchecker": Spellchecker, "reviewer": Reviewer, "image_processor": ImageProcessor,
    "quality_scorer": QualityScorer, "aesthetic_scorer": AestheticScorer, "uploader": Uploader, "gallery": Gallery,
    "metadata_writer": MetadataWriter,
}


def release(container: Container) -> None:
    """Close what the container's long-lived adapters hold open (the queue's and the gallery's
    connection pools); a front end calls it when it is done, so many containers in one process (a
    library user's, the tests' in-process commands) leave no connection or file behind."""
    for name in ("queue_store", "gallery"):
        try:
            instance = getattr(container, name)()
        except Exception:  # noqa: BLE001 - never built and cannot be: it holds nothing open
            continue
        instance.close()


def check_ports(container: Container) -> None:
    """Fail early, naming the provider, if a provider gives something that is not its port."""
    for name, port in PORTS.items():
        instance = getattr(container, name)()
        if not isinstance(instance, port):
            raise TypeError(f"container.{name} built {type(instance).__name__}, not a {port.__name__}")

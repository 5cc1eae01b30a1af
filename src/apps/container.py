"""The composition root: builds every adapter from the settings (dependency-injector).

Backends are chosen by config with `providers.Selector` (dependency-injector's movie-lister
example). Nothing is built at import time: providers create objects on first call, and the CLI
imports this module only inside commands that need it, so `proofdesk --help` stays fast.
"""

from __future__ import annotations

import os

from dependency_injector import containers, providers

from proofdesk.adapters.cache import FileAnswerCache
from proofdesk.adapters.captioner.offline import OfflineCaptioner
from proofdesk.adapters.captioner.ollama import OllamaCaptioner
from proofdesk.adapters.captioner.openai_compat import OpenAICompatCaptioner
from proofdesk.adapters.clock import SystemClock
from proofdesk.adapters.exif.pyexiv2_reader import Pyexiv2ExifReader
from proofdesk.adapters.files.local import LocalFileStore
from proofdesk.adapters.files.scanner import LocalSetScanner
from proofdesk.adapters.images.pillow_inspector import PillowImageInspector
from proofdesk.adapters.memory import InMemoryQueueStore
from proofdesk.adapters.process import holder_is_alive, this_host
from proofdesk.adapters.storage.sql import SqlQueueStore
from proofdesk.apps.config import Settings
from proofdesk.core.caption_stage import CaptionSettings, CaptionStage
from proofdesk.core.captioning import Captioner
from proofdesk.core.intake import ImageInspector, SetScanner
from proofdesk.core.models import Stage
from proofdesk.core.pipeline import Pipeline, RowStage
from proofdesk.core.ports import Clock, ExifReader, FileStore, QueueStore


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
    )


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

    caption_stage = providers.Factory(
        CaptionStage,
        captioner=captioner,
        settings=providers.Callable(_caption_settings, settings),
        cache=answer_cache,
        files=file_store,
        proof_config=providers.Callable(lambda s: s.proof, settings),
    )

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
        row_stages=providers.Callable(_row_stages, caption=caption_stage),
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
    ):
        instance = getattr(container, name)()
        if not isinstance(instance, port):
            raise TypeError(f"container.{name} built {type(instance).__name__}, not a {port.__name__}")

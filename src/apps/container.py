"""The composition root: builds every adapter from the settings (dependency-injector).

Backends are chosen by config with `providers.Selector` (dependency-injector's movie-lister
example). Nothing is built at import time: providers create objects on first call, and the CLI
imports this module only inside commands that need it, so `proofdesk --help` stays fast.
"""

from __future__ import annotations

import os

from dependency_injector import containers, providers

from proofdesk.adapters.clock import SystemClock
from proofdesk.adapters.exif.pyexiv2_reader import Pyexiv2ExifReader
from proofdesk.adapters.files.local import LocalFileStore
from proofdesk.adapters.files.scanner import LocalSetScanner
from proofdesk.adapters.images.pillow_inspector import PillowImageInspector
from proofdesk.adapters.memory import InMemoryQueueStore
from proofdesk.adapters.process import holder_is_alive, this_host
from proofdesk.adapters.storage.sql import SqlQueueStore
from proofdesk.apps.config import Settings
from proofdesk.core.intake import ImageInspector, SetScanner
from proofdesk.core.pipeline import Pipeline
from proofdesk.core.ports import Clock, ExifReader, FileStore, QueueStore


def _storage_backend(settings: Settings) -> str:
    return settings.storage.backend


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
    ):
        instance = getattr(container, name)()
        if not isinstance(instance, port):
            raise TypeError(f"container.{name} built {type(instance).__name__}, not a {port.__name__}")

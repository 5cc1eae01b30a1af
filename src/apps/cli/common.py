"""What every command module shares: exit codes, the lazily built settings and container, error
mapping to exit codes and JSON output."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from proofdesk.apps.config import Settings
    from proofdesk.apps.container import Container

EXIT_OK = 0
EXIT_BUG = 1
EXIT_BAD_INPUT = 2
EXIT_BLOCKED = 3
EXIT_EXTERNAL = 4
EXIT_LOCKED = 5
EXIT_INTERRUPTED = 130

F = TypeVar("F", bound=Callable[..., Any])


class CliContext:
    """The state one invocation shares between the group and its command (`ctx.obj`)."""

    def __init__(self, config_file: Path | None) -> None:
        self.config_file = config_file
        self._settings: Settings | None = None
        self._container: Container | None = None
        self.quiet = False

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from proofdesk.apps.config import load_settings

            self._settings = load_settings(self.config_file)
        return self._settings

    @property
    def container(self) -> Container:
        if self._container is None:
            from proofdesk.apps.container import build_container

            queue_file = self.sqlite_queue_file()
            if queue_file is not None and queue_file.parent.is_dir():
                _probe_writable(queue_file.parent)
            self._container = build_container(self.settings)
        return self._container

    def close(self) -> None:
        """Release the container's connections when the command is done (`ctx.call_on_close`)."""
        if self._container is not None:
            from proofdesk.apps.container import release

            release(self._container)
            self._container = None

    def sqlite_queue_file(self) -> Path | None:
        """The queue's SQLite file when the queue is one (None for MySQL/MariaDB or in memory)."""
        url = self.settings.storage_url
        if not url.startswith("sqlite:///"):
            return None
        database = url[len("sqlite:///"):].split("?", 1)[0]
        return Path(database) if database and database != ":memory:" else None


def _probe_writable(folder: Path) -> None:
    """SQLite writes its journal beside the queue even to read it, and fails with a bare "unable to
    open database file" on a read-only file system: try a temporary file first, so the error names
    the folder (an OSError that `handle_errors` renders with what to do)."""
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(folder)) from exc


def fail(code: int, message: str) -> None:
    click.echo(f"proofdesk: {message}", err=True)
    sys.exit(code)


def handle_errors(func: F) -> F:
    """Map domain and adapter errors to the documented exit codes with a one-line message."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from proofdesk.apps.config import ConfigError
        from proofdesk.core.domain.errors import (
            DomainError,
            ExternalFailure,
            SessionLocked,
        )

        try:
            return func(*args, **kwargs)
        except (ConfigError, DomainError) as exc:
            fail(EXIT_BAD_INPUT, str(exc))
        except SessionLocked as exc:
            fail(EXIT_LOCKED, str(exc))
        except ExternalFailure as exc:
            fail(EXIT_EXTERNAL, str(exc))
        except OSError as exc:
            if not isinstance(exc.filename, (str, bytes, os.PathLike)):  # no file named: a bug, with its traceback
                raise
            logging.getLogger(__name__).debug("file system error", exc_info=True)
            fail(EXIT_EXTERNAL, file_system_failure(exc))
        except KeyboardInterrupt:
            fail(EXIT_INTERRUPTED, "interrupted")

    return wrapper  # type: ignore[return-value]


# What to do when an `--output FILE` cannot be written.
OTHER_OUTPUT = "choose an --output in a folder that exists on a writable file system"


def file_system_failure(exc: OSError, target: Path | None = None, advice: str | None = None) -> str:
    """One line for a file the system refused (a read-only or full file system, a missing folder,
    no permission): the path (`target`, what the command was writing, when it is not the path that
    failed), the reason and what to do; under the work directory, that is to point `workdir` at a
    writable folder."""
    path = Path(os.fsdecode(exc.filename)).absolute()
    reason = exc.strerror or type(exc).__name__
    if target is not None and target.absolute() != path:
        reason = f"{reason} ({path})"
        path = target.absolute()
    if advice is None:
        ctx = click.get_current_context(silent=True)
        cli = ctx.find_object(CliContext) if ctx is not None else None
        workdir = cli._settings.workdir_path if cli is not None and cli._settings is not None else None
        if workdir is not None and (path == workdir or workdir in path.parents or path in workdir.parents):
            from proofdesk.apps.config import env_name

            advice = (f"the work directory {workdir} must be on a writable file system: set `workdir` in the "
                      f"config file (or {env_name('workdir')}) to a folder you can write")
        else:
            advice = "check that its folder exists and that you can write there (not a read-only or full file system)"
    return f"cannot write {path}: {reason}; {advice}"


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def on_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


# `--set NAME`, shared by the commands that name rows.
set_option = click.option("--set", "set_name", default=None, help="The set, when two sets share a file name.")

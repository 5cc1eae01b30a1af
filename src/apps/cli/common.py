"""What every command module shares: exit codes, the lazily built settings and container, error
mapping to exit codes, JSON output and a unit of work on the queue."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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

            self._container = build_container(self.settings)
        return self._container


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
        except KeyboardInterrupt:
            fail(EXIT_INTERRUPTED, "interrupted")

    return wrapper  # type: ignore[return-value]


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@contextmanager
def unit_of_work(cli: CliContext) -> Iterator[Any]:
    with cli.container.queue_store().unit_of_work() as uow:
        yield uow


def on_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


# `--set NAME`, shared by the commands that name rows.
set_option = click.option("--set", "set_name", default=None, help="The set, when two sets share a file name.")

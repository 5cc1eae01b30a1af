"""Errors the core raises, grouped by what the user should do (each maps to one CLI exit code)."""

from __future__ import annotations


class ProofdeskError(Exception):
    """Base of proofdesk's own errors."""


class DomainError(ProofdeskError):
    """The user asked for something that is not allowed or not valid: exit code 2."""


class InputError(DomainError):
    """Bad input (a set that fails validation, an unknown row): exit code 2."""


class RowChanged(DomainError):
    """A row was written by someone else (the CLI, a desk, a worker) between reading it and writing it
    back: the write is refused so nothing is lost (exit code 2; read it again and redo the change)."""

    def __init__(self, key: str) -> None:
        super().__init__(f"{key} was changed elsewhere since it was read (by the CLI, a review desk or a worker); "
                         "nothing was written: look at it again and redo the change")
        self.key = key


class SessionLocked(ProofdeskError):
    """Another live session holds the queue: exit code 5."""


class ExternalFailure(ProofdeskError):
    """A service or resource failed (disk, database, model server): exit code 4."""

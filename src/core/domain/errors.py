"""Errors the core raises, grouped by what the user should do (each maps to one CLI exit code)."""

from __future__ import annotations


class ProofdeskError(Exception):
    """Base of proofdesk's own errors."""


class DomainError(ProofdeskError):
    """The user asked for something that is not allowed or not valid: exit code 2."""


class InputError(DomainError):
    """Bad input (a set that fails validation, an unknown row): exit code 2."""


class SessionLocked(ProofdeskError):
    """Another live session holds the queue: exit code 5."""


class ExternalFailure(ProofdeskError):
    """A service or resource failed (disk, database, model server): exit code 4."""

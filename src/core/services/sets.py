"""Where each set's photos come from: set folders stored so a moved project works as it is, the
list of sets (`proofdesk sets`), and pointing a set at its new source (`proofdesk sets move`).

A set folder inside the project folder (the config file's folder, or the folder proofdesk runs in
without one) or beside it is stored relative to that folder, so the project and its sets copied or
moved elsewhere together need no command. A set elsewhere (a memory card, another disk) is stored
by its full path; when it is mounted at another path, `move_set` points the set at it after
checking, by sha256, that the files there are the set's own.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from proofdesk.core.domain.errors import InputError
from proofdesk.core.domain.models import PhotoSet
from proofdesk.core.ports.storage import QueueStore


class SetPaths:
    """A set folder as the queue stores it, and back (`root`: the project folder; None stores
    full paths, as before)."""

    def __init__(self, root: str | None = None) -> None:
        self.root = os.path.abspath(root) if root else None

    def stored(self, path: str) -> str:
        full = os.path.normpath(os.path.abspath(path))
        if self.root is None:
            return full
        relative = os.path.relpath(full, self.root)
        parts = relative.split(os.sep)
        # inside the project folder or beside it (one level up), never further out
        if parts.count("..") <= 1 and all(part == ".." for part in parts[:parts.count("..")]):
            return relative.replace(os.sep, "/")
        return full

    def local(self, stored: str) -> str:
        """The full path of a stored set folder on this machine, as it is now."""
        if os.path.isabs(stored) or self.root is None:
            return os.path.normpath(stored)
        return os.path.normpath(os.path.join(self.root, stored))

    def same_folder(self, stored: str, path: str) -> bool:
        return os.path.realpath(self.local(stored)) == os.path.realpath(path)


@dataclass
class SetSource:
    """One set as `proofdesk sets` lists it."""

    name: str
    path: str  # full path on this machine
    stored: str  # as the queue holds it (relative to the project folder when inside or beside it)
    exists: bool
    rows: int


def list_sets(store: QueueStore, paths: SetPaths) -> list[SetSource]:
    """Every recorded set with its source folder, sorted by name."""
    with store.unit_of_work() as uow:
        sets = uow.sets.list()
        counts: dict[str, int] = {}
        for row in uow.rows.list():
            counts[row.set_name] = counts.get(row.set_name, 0) + 1
    return [SetSource(name=s.name, path=paths.local(s.path), stored=s.path,
                      exists=os.path.isdir(paths.local(s.path)), rows=counts.get(s.name, 0)) for s in sets]


@dataclass
class SetMove:
    """What `move_set` found and did."""

    name: str
    old_path: str
    new_path: str
    matching: list[str] = field(default_factory=list)  # the set's photos found there, same sha256
    missing: list[str] = field(default_factory=list)  # the set's photos not there (deleted from the card)


def _sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def move_set(store: QueueStore, paths: SetPaths, name: str, new_path: str,
             sha256_of: Callable[[str], str] = _sha256_of) -> SetMove:
    """Point set `name` at `new_path` (a card mounted elsewhere, a folder moved alone): every photo
    of the set found there must be the same file (sha256), and at least one must be there. Refused
    (InputError, nothing written) naming each file that differs. New photos there are fine: the
    next `run` takes them in."""
    folder = os.path.abspath(new_path)
    if not os.path.isdir(folder):
        raise InputError(f"sets move: {new_path} is not a folder")
    with store.unit_of_work() as uow:
        photo_set = uow.sets.get(name)
        if photo_set is None:
            known = ", ".join(s.name for s in uow.sets.list()) or "none"
            raise InputError(f"sets move: no set named {name!r} (known: {known})")
        rows = uow.rows.list(set_name=name)
    move = SetMove(name=name, old_path=paths.local(photo_set.path), new_path=folder)
    differing = []
    for row in sorted(rows, key=lambda r: r.original_name):
        candidate = os.path.join(folder, row.original_name)
        if not os.path.isfile(candidate):
            move.missing.append(row.original_name)
            continue
        found = sha256_of(candidate)
        if found != row.sha256:
            differing.append(f"{row.original_name} (sha256 {found[:12]}… there, {row.sha256[:12]}… in the set)")
        else:
            move.matching.append(row.original_name)
    if differing:
        raise InputError(f"sets move: {folder} holds other pictures than set {name!r} under its names: "
                         + "; ".join(differing) + " (nothing changed; take that folder in as its own set: "
                         "proofdesk run FOLDER --set-name NEW_NAME)")
    if rows and not move.matching:
        raise InputError(f"sets move: none of the {len(rows)} photo(s) of set {name!r} is in {folder} "
                         "(nothing changed)")
    with store.unit_of_work() as uow:
        uow.sets.delete(name)
        uow.sets.add(PhotoSet(name=name, path=paths.stored(folder)))
        for row in uow.rows.list(set_name=name):
            if row.original_name in move.matching:
                uow.rows.update(row.changed(source_path=os.path.join(folder, row.original_name)))
        uow.commit()
    return move

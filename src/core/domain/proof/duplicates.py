"""Exact and near-duplicate captions, alt texts and file names across the queue and the gallery.

The index holds one text per (owner, field); an owner is a row key ("set/original.jpg") or any
string naming a published gallery entry. Near duplicates (caption and alt text only) are found
with rapidfuzz `fuzz.ratio` on normalised text; file names are compared exactly (lowercased), so
`boat-1.jpg` and `boat-2.jpg` are different names, as they should be.

Cost per check (ADR 0006): an exact dict lookup, then - for near matches - only the texts whose
length can reach the threshold at all (ratio >= t bounds the length ratio: Indel distance is at
least the length difference), kept sorted by length so the candidates are one contiguous slice,
scored by rapidfuzz `process.extractOne` with `score_cutoff` in C++. No pairwise pass over the
queue. Every public method takes one re-entrant lock, so check-and-claim is atomic: two rows
claiming the same caption at once cannot both get it; `lock` lets a caller group several steps.

Across a scene (`set_scene`): the frames of one scene show one moment, so each frame's caption and alt
text are also compared with the other frames of its scene at `scene_threshold`, when that is lower than the
index's own (the offline backend's index counts only exact duplicates, as its texts of different
photos differ by a few characters; two frames of one picture with such texts tell one story twice).
"""

from __future__ import annotations

import math
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from proofdesk.core.domain.models import ProofReason
from proofdesk.core.domain.proof.text import (
    normalise_for_duplicates,
    quote,
    split_extension,
)
from rapidfuzz import fuzz, process

FIELDS: tuple[str, ...] = ("caption", "alt_text", "file_name")
NEAR_FIELDS: tuple[str, ...] = ("caption", "alt_text")
FIELD_LABELS = {"caption": "caption", "alt_text": "alt text", "file_name": "file name"}


@dataclass(frozen=True)
class DuplicateMatch:
    """Another owner holds the same (score 100) or a near text (score >= threshold)."""

    field: str
    owner: str
    text: str  # the other owner's text, as it was added
    score: float
    same_scene: bool = False  # found by the check across the owner's scene

    @property
    def exact(self) -> bool:
        return self.score >= 100.0

    def reason(self) -> ProofReason:
        label = FIELD_LABELS.get(self.field, self.field)
        owner = f"{self.owner}, a frame of the same scene" if self.same_scene else self.owner
        if self.exact:
            message = f"{label} is already used by {owner}: {quote(self.text)}"
        else:
            message = f"{label} is a near duplicate ({self.score:.0f}% similar) of {owner}: {quote(self.text)}"
        return ProofReason(rule=f"duplicate.{self.field}", field=self.field, message=message)


@dataclass
class _FieldIndex:
    near: bool
    owners: dict[str, set[str]] = field(default_factory=dict)  # normalised key -> owners
    display: dict[str, str] = field(default_factory=dict)  # normalised key -> text as added
    # near fields only: distinct keys sorted by (length, key), with parallel lists for slicing
    sorted_keys: list[tuple[int, str]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)

    def add(self, key: str, owner: str, text: str) -> None:
        holders = self.owners.get(key)
        if holders is None:
            self.owners[key] = {owner}
            self.display[key] = text
            if self.near:
                position = bisect_left(self.sorted_keys, (len(key), key))
                self.sorted_keys.insert(position, (len(key), key))
                self.texts.insert(position, key)
                self.lengths.insert(position, len(key))
        else:
            holders.add(owner)

    def remove(self, key: str, owner: str) -> None:
        holders = self.owners.get(key)
        if holders is None:
            return
        holders.discard(owner)
        if holders:
            return
        del self.owners[key]
        del self.display[key]
        if self.near:
            position = bisect_left(self.sorted_keys, (len(key), key))
            del self.sorted_keys[position], self.texts[position], self.lengths[position]

    def position(self, key: str) -> int | None:
        position = bisect_left(self.sorted_keys, (len(key), key))
        if position < len(self.sorted_keys) and self.sorted_keys[position][1] == key:
            return position
        return None


def length_window(length: int, threshold: float) -> tuple[int, int]:
    """Lengths a text can have and still reach `threshold` (0-100) with `fuzz.ratio`.

    ratio = 100 * (1 - indel / (a + b)) and indel >= |a - b|, so ratio >= t needs
    b >= a * t / (2 - t) and b <= a * (2 - t) / t (t as a fraction).
    """
    fraction = threshold / 100
    if fraction <= 0:
        return 0, 1 << 30
    low = math.floor(length * fraction / (2 - fraction) - 1e-9)
    high = math.ceil(length * (2 - fraction) / fraction + 1e-9)
    return max(low, 0), high


class DuplicateIndex:
    """Who holds which caption, alt text and file name; atomic check-and-claim.

    The domain has no threads: a caller that claims from several threads passes a lock
    (`threading.RLock()`, reentrant), which every read and claim then holds."""

    def __init__(
        self,
        threshold: float = 95.0,
        near_fields: Iterable[str] = NEAR_FIELDS,
        lock: AbstractContextManager[Any] | None = None,
        scene_threshold: float | None = None,
    ) -> None:
        if not 0 < threshold <= 100:
            raise ValueError(f"near-duplicate threshold must be in (0, 100], got {threshold}")
        self.threshold = float(threshold)
        self.scene_threshold = min(float(scene_threshold), self.threshold) if scene_threshold else self.threshold
        self._scene_of: dict[str, str] = {}  # owner -> scene
        self._scene_members: dict[str, set[str]] = {}  # scene -> owners
        self._keepers: set[str] = set()  # owners that are their scene's keeper
        self.lock: AbstractContextManager[Any] = lock if lock is not None else nullcontext()
        near = set(near_fields)
        self._fields = {name: _FieldIndex(near=name in near) for name in FIELDS}
        self._claims: dict[str, dict[str, str]] = {}  # owner -> field -> normalised key

    # ------------------------------------------------------------------ normalising

    def normalise(self, field_name: str, text: str | None) -> str:
        """The comparison form: file names lowercased; captions/alt texts `normalise_for_duplicates`."""
        if not text:
            return ""
        if field_name == "file_name":
            return unicodedata.normalize("NFC", text).strip().lower()
        return normalise_for_duplicates(text)

    def _index(self, field_name: str) -> _FieldIndex:
        try:
            return self._fields[field_name]
        except KeyError:
            raise ValueError(f"unknown field {field_name!r}: expected one of {', '.join(FIELDS)}") from None

    # ------------------------------------------------------------------ loading and releasing

    def add(self, owner: str, field_name: str, text: str | None) -> None:
        """Record that `owner` holds `text` (no check): loading the queue and the gallery."""
        with self.lock:
            index = self._index(field_name)
            self.release(owner, field_name)
            key = self.normalise(field_name, text)
            if not key:
                return
            index.add(key, owner, text or "")
            self._claims.setdefault(owner, {})[field_name] = key

    replace = add

    def load(self, entries: Iterable[tuple[str, str, str | None]]) -> None:
        """Add many (owner, field, text) entries."""
        with self.lock:
            for owner, field_name, text in entries:
                self.add(owner, field_name, text)

    def release(self, owner: str, field_name: str | None = None) -> None:
        """Forget what `owner` holds (one field, or all of them)."""
        with self.lock:
            held = self._claims.get(owner)
            if not held:
                return
            for name in [field_name] if field_name else list(held):
                key = held.pop(name, None)
                if key is not None:
                    self._fields[name].remove(key, owner)
            if not held:
                del self._claims[owner]

    def set_scene(self, owner: str, scene: str, keeper: bool = False) -> None:
        """`owner` is a frame of `scene` (its keeper when `keeper`): see the check across the scene."""
        with self.lock:
            previous = self._scene_of.get(owner)
            if previous is not None:
                self._scene_members[previous].discard(owner)
            self._scene_of[owner] = scene
            self._scene_members.setdefault(scene, set()).add(owner)
            if keeper:
                self._keepers.add(owner)
            else:
                self._keepers.discard(owner)

    # ------------------------------------------------------------------ queries

    def find(self, owner: str, field_name: str, text: str | None) -> DuplicateMatch | None:
        """The other owner whose text equals or nearly equals `text`, if any (the owner's own
        current entry never counts); for a frame of a scene (its keeper or another), also another
        frame of that scene whose text reaches `scene_threshold`."""
        key = self.normalise(field_name, text)
        if not key:
            return None
        with self.lock:
            return self._find(owner, field_name, key) or self._find_in_scene(owner, field_name, key)

    def _find_in_scene(self, owner: str, field_name: str, key: str) -> DuplicateMatch | None:
        if self.scene_threshold >= self.threshold or owner not in self._scene_of or field_name not in NEAR_FIELDS:
            return None
        index = self._index(field_name)
        best: DuplicateMatch | None = None
        for other in sorted(self._scene_members.get(self._scene_of[owner], set()) - {owner}):
            held = self._claims.get(other, {}).get(field_name)
            if held is None:
                continue
            score = float(fuzz.ratio(key, held))
            if score >= self.scene_threshold and (best is None or score > best.score):
                best = DuplicateMatch(field_name, other, index.display[held], score, same_scene=True)
        return best

    def _find(self, owner: str, field_name: str, key: str) -> DuplicateMatch | None:
        """The index-wide check (the caller holds the lock)."""
        index = self._index(field_name)
        others = index.owners.get(key, set()) - {owner}
        if others:
            return DuplicateMatch(field_name, min(others), index.display[key], 100.0)
        if not index.near:
            return None
        low, high = length_window(len(key), self.threshold)
        start, end = bisect_left(index.lengths, low), bisect_right(index.lengths, high)
        # the owner's own entries are skipped by cutting them out of the candidate slice
        skip = sorted(
            position
            for own in {key, self._claims.get(owner, {}).get(field_name)}
            if own is not None and index.owners.get(own) == {owner}
            for position in [index.position(own)]
            if position is not None and start <= position < end
        )
        if skip:
            candidates: list[str] = []
            previous = start
            for position in skip:
                candidates.extend(index.texts[previous:position])
                previous = position + 1
            candidates.extend(index.texts[previous:end])
        else:
            candidates = index.texts[start:end]
        if not candidates:
            return None
        best = process.extractOne(
            key, candidates, scorer=fuzz.ratio, processor=None, score_cutoff=self.threshold
        )
        if best is None:
            return None
        match_key, score = best[0], float(best[1])
        return DuplicateMatch(field_name, min(index.owners[match_key] - {owner}), index.display[match_key], score)

    def check(self, owner: str, field_name: str, text: str | None) -> ProofReason | None:
        """A `duplicate.<field>` reason when another owner holds the same or a near text."""
        match = self.find(owner, field_name, text)
        return match.reason() if match else None

    def check_and_claim(self, owner: str, field_name: str, text: str | None) -> ProofReason | None:
        """Atomically: if no other owner holds `text` (or a near one), `owner` now holds it.

        The index mirrors what each row currently says: a duplicate (or empty) text leaves the
        owner holding nothing for that field, so its previous text is free for others.
        """
        with self.lock:
            match = self.find(owner, field_name, text)
            if match is not None or not self.normalise(field_name, text):
                self.release(owner, field_name)
                return match.reason() if match else None
            self.add(owner, field_name, text)
            return None

    def owners_of(self, field_name: str, text: str | None) -> set[str]:
        """Owners holding exactly this (normalised) text."""
        with self.lock:
            return set(self._index(field_name).owners.get(self.normalise(field_name, text), set()))

    def held_by(self, owner: str) -> dict[str, str]:
        """field -> normalised text that `owner` holds."""
        with self.lock:
            return dict(self._claims.get(owner, {}))

    def __len__(self) -> int:
        with self.lock:
            return sum(len(held) for held in self._claims.values())

    # ------------------------------------------------------------------ file names

    def unique_file_name(self, owner: str, file_name: str, max_chars: int | None = None) -> str:
        """`file_name` if no other owner holds it, else the first free `stem-2.ext`, `stem-3.ext` …"""
        with self.lock:
            taken = self._fields["file_name"].owners
            if not (taken.get(self.normalise("file_name", file_name), set()) - {owner}):
                return file_name
            stem, extension = split_extension(file_name)
            number = 2
            while True:
                suffix = f"-{number}"
                room = (max_chars - len(suffix) - len(extension)) if max_chars else len(stem)
                candidate = f"{stem[: max(room, 1)].rstrip('-')}{suffix}{extension}"
                if not (taken.get(self.normalise("file_name", candidate), set()) - {owner}):
                    return candidate
                number += 1

    def claim_unique_file_name(self, owner: str, file_name: str, max_chars: int | None = None) -> str:
        """Atomically pick `unique_file_name` and claim it for `owner`."""
        with self.lock:
            name = self.unique_file_name(owner, file_name, max_chars)
            self.add(owner, "file_name", name)
            return name

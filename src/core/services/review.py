"""Review use cases (stage 8): what the urwid desk and the scriptable CLI commands both call.

Every edit re-runs the proof against the rest of the queue and the gallery; approving needs an
accepted proof of the row's current metadata (the state machine checks it), and an approved row
whose re-proof blocks it or changes its text is back to pending (`queue.reproven`); publishing
re-proves each row through `proven` before it writes it. Generate asks the captioner again for one
row and keeps the previous suggestion so the operator can go back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from proofdesk.core.domain import queue
from proofdesk.core.domain.errors import DomainError, InputError, RowChanged, SessionLocked
from proofdesk.core.domain.models import (
    EDITABLE_FIELDS,
    ProofReason,
    ProofVerdict,
    Row,
    RowStatus,
    SessionStatus,
    Stage,
)
from proofdesk.core.domain.proof import (
    DuplicateIndex,
    Evidence,
    ProofConfig,
    ProofResult,
    apply_proof,
    proof,
)
from proofdesk.core.domain.proof.text import SPELLING_WORD
from proofdesk.core.domain.provenance import clean_changes, entry, person_fields, written_by_person
from proofdesk.core.domain.queue import IllegalTransition
from proofdesk.core.ports.review import Spellchecker
from proofdesk.core.ports.storage import QueueStore
from proofdesk.core.services.duplicates import build_duplicate_index
from proofdesk.core.services.places import PlaceFacts

FILTERS: dict[str, Callable[[Row], bool]] = {
    "all": lambda row: True,
    "blocked": queue.is_blocked,
    "pending": lambda row: row.status == RowStatus.PENDING,
    "approved": lambda row: row.status == RowStatus.APPROVED,
    "rejected": lambda row: row.status == RowStatus.REJECTED,
    "published": lambda row: row.status == RowStatus.PUBLISHED,
}


@dataclass
class BatchResult:
    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


# Generate for one row: (row, duplicate index, the keeper of its scene when it is another frame) -> new row
Suggester = Callable[[Row, DuplicateIndex, Row | None], Row]


# [key, version] a front end expects the row it acts on to have, until an action first reads it
# (ReviewService.expecting); an action's later writes are covered by the version it read.
_EXPECTED: ContextVar[list[str] | None] = ContextVar("expected_row_version", default=None)


class ReviewService:
    def __init__(
        self,
        store: QueueStore,
        proof_config: ProofConfig | None = None,
        glossary: Callable[[], Sequence[str]] = lambda: (),
        gallery_names: Callable[[], Sequence[str]] = lambda: (),
        suggester: Suggester | None = None,
        spellchecker: Spellchecker | None = None,
        places: PlaceFacts | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.now = now
        self.places = places or PlaceFacts()
        self.proof_config = proof_config or ProofConfig()
        self.glossary = glossary
        self.gallery_names = gallery_names
        self.suggester = suggester
        self.spellchecker = spellchecker

    # ---------------------------------------------------------------- reading

    def rows(self, filter_name: str = "all") -> list[Row]:
        if filter_name not in FILTERS:
            raise InputError(f"unknown filter {filter_name!r}; choose one of {', '.join(FILTERS)}")
        with self.store.unit_of_work() as uow:
            return [row for row in uow.rows.list() if FILTERS[filter_name](row)]

    def get(self, key: str) -> Row:
        set_name, _, original_name = key.partition("/")
        with self.store.unit_of_work() as uow:
            row = uow.rows.get(set_name, original_name)
        if row is None:
            raise InputError(f"no row {key!r}")
        return row

    def _changeable(self, key: str) -> Row:
        """The row, unless a session that is still open (running, or killed and not rolled back)
        wrote it: its rollback would destroy the change, so the change is refused (exit 5)."""
        row = self.get(key)
        expected = _EXPECTED.get()
        if expected and expected[0] == key:
            if expected[1] != queue.row_version(row):
                raise RowChanged(key)
            expected.clear()  # checked on the action's first read
        if row.session_id is None:
            return row
        with self.store.unit_of_work() as uow:
            session = uow.sessions.get(row.session_id)
        if session is not None and session.status == SessionStatus.OPEN:
            raise SessionLocked(
                f"{key} belongs to session {session.id}, which is still open (running, or interrupted: "
                "then `proofdesk rollback` it); change the row once the session has finished"
            )
        return row

    def find(self, name: str, set_name: str | None = None) -> Row:
        from proofdesk.core.services.status import find_row

        with self.store.unit_of_work() as uow:
            return find_row(uow, name, set_name)

    # ---------------------------------------------------------------- proof

    def index_without(self, row: Row, gallery_names: Sequence[str] | None = None,
                      config: ProofConfig | None = None) -> DuplicateIndex:
        """The duplicate index over the queue as it is now, `row` left out, and the gallery's names
        (`gallery_names` when the caller has read them, else the gallery is asked)."""
        with self.store.unit_of_work() as uow:
            everything = uow.rows.list()
        names = list(self.gallery_names()) if gallery_names is None else list(gallery_names)
        return build_duplicate_index(everything, {row.key}, names, config or self._config(row))

    def _config(self, row: Row) -> ProofConfig:
        """The proof settings for `row`'s text: the offline captioner's, until a person writes
        one of its texts, counts only exact duplicates (as the caption stage does)."""
        offline = row.caption_source == "offline" and not person_fields(row)
        return self.proof_config.exact_duplicates_only() if offline else self.proof_config

    def evidence(self, row: Row) -> Evidence:
        from proofdesk.core.services.culling import scene_keeper

        return self.places.evidence(row, glossary=tuple(self.glossary()), scene_keeper=scene_keeper(self.store, row))

    def choose_keeper(self, key: str) -> list[Row]:
        """Make the row its scene's keeper (kept by reruns); returns the scene's rows."""
        from proofdesk.core.services.culling import choose_keeper

        return choose_keeper(self.store, self._changeable(key))

    def preview(self, row: Row, changes: dict[str, Any], index: DuplicateIndex | None = None) -> ProofResult:
        """The proof of `row` with `changes` applied, without storing anything (live verdict)."""
        candidate = row.changed(**clean_changes(row, changes))
        config = self.proof_config if changes else self._config(row)  # a draft is a person's text
        return proof(candidate, self.evidence(candidate), index or self.index_without(row, config=config), config, claim=False)

    def proven(self, row: Row, *, gallery_names: Sequence[str] | None = None) -> Row:
        """`row` proven again against the queue as it is now, the gallery and the glossary,
        nothing stored: what publishing checks right before it writes a row (it passes the
        gallery's names it holds, less the row's own entry). The result is what a re-proof keeps:
        an approved row that the proof blocks, or whose text it changes, is pending."""
        human_keywords = row.keywords if "keywords" in row.edited_fields else None
        return self._prove_edit(row, human_keywords, gallery_names)

    def _prove_edit(self, row: Row, human_keywords: list[str] | None, gallery_names: Sequence[str] | None = None) -> Row:
        """The row with a fresh proof; an approval survives only an accepted proof of the same text."""
        return queue.reproven(row, self._proof_of(row, human_keywords, gallery_names))

    def _proof_of(self, row: Row, human_keywords: list[str] | None, gallery_names: Sequence[str] | None) -> Row:
        result = proof(row, self.evidence(row), self.index_without(row, gallery_names), self._config(row), claim=False)
        proven = apply_proof(row, result)
        if human_keywords is None:
            return proven
        # A keyword a human typed is never dropped silently: without evidence it stays and blocks.
        dropped = [fix.before for fix in result.fixes if fix.rule == "keywords.evidence" and fix.before]
        if not dropped:
            return proven
        keywords = list(proven.keywords) + [k for k in dropped if k not in proven.keywords]
        config = self.proof_config
        count_ok = config.keywords_min <= len(keywords) <= config.keywords_max
        reasons = [r for r in proven.proof_reasons
                   if r.rule != "keywords.evidence" and not (count_ok and r.rule == "keywords.count")]
        reasons += [ProofReason(rule="keywords.evidence", field="keywords",
                                message=f"keyword {k!r} has no evidence in the caption, alt text, EXIF facts, "
                                        "set name or glossary; add it to the glossary (captioner.glossary) "
                                        "or remove it")
                    for k in dropped]
        blocked = proven.changed(keywords=keywords)
        return blocked.changed(metadata_quality=ProofVerdict.BLOCKED, proof_reasons=reasons,
                               proof_digest=blocked.metadata_digest())

    # ---------------------------------------------------------------- decisions and edits

    def edit(self, key: str, changes: dict[str, Any]) -> Row:
        row = self._changeable(key)
        cleaned = clean_changes(row, changes)
        edited = queue.edit(row, cleaned)  # records edited fields, sends approved/published back to pending
        written = [name for name in EDITABLE_FIELDS if getattr(edited, name) != getattr(row, name)]
        if written:
            edited = written_by_person(edited, written, self._at())
        # An unchanged edit still re-runs the proof: the glossary or the queue may have changed.
        human_keywords = edited.keywords if "keywords" in edited.edited_fields else None
        proven = self._prove_edit(edited, human_keywords)
        return self._store(proven)

    def reprove(self, key: str) -> Row:
        row = self._changeable(key)
        if row.status == RowStatus.INGESTED:
            raise IllegalTransition(row, "prove", "its prefill (stages 3-7) has not finished")
        return self._store(self._prove_edit(row, None))

    def approve(self, key: str) -> Row:
        return self._store(queue.approve(self._changeable(key)))

    def reject(self, key: str) -> Row:
        return self._store(queue.reject(self._changeable(key)))

    def reopen(self, key: str) -> Row:
        return self._store(self._reopened(self._changeable(key)))

    def _reopened(self, row: Row) -> Row:
        """Back to pending, its accepted proof checked again: while it was rejected another row may
        have taken its texts or file name (then it is blocked, naming that row)."""
        reopened = queue.reopen(row)
        if reopened.metadata_quality != ProofVerdict.ACCEPTED:
            return reopened
        return apply_proof(reopened, self.preview(reopened, {}))

    def batch(self, action: str, keys: Sequence[str], all_or_nothing: bool = True) -> BatchResult:
        """Every row's transition is checked first. All or nothing (the CLI): when any is refused
        nothing is written (`done` stays empty). Otherwise (the desk's marked rows) the rows that
        may move are stored and the others reported. Stored rows go in one unit of work."""
        transition = {"approve": queue.approve, "reject": queue.reject, "reopen": self._reopened}[action]
        result = BatchResult()
        planned: list[Row] = []
        for key in keys:
            try:
                planned.append(transition(self._changeable(key)))
            except DomainError as exc:
                result.refused.append((key, str(exc)))
        if result.refused and all_or_nothing:
            return result
        with self.store.unit_of_work() as uow:
            for row in planned:
                uow.rows.update(row)
            uow.commit()
        result.done.extend(row.key_text for row in planned)
        return result

    def regenerate(self, key: str) -> Row:
        """Ask the captioner again for one row; the previous suggestion is kept for undo.

        A field a person wrote is not replaced: the model's text for it only becomes a suggestion
        (`pending_suggestion`) that `accept_suggestion` puts in place."""
        if self.suggester is None:
            raise DomainError("no captioner is configured for Generate")
        row = self._changeable(key)
        if row.status in (RowStatus.INGESTED, RowStatus.REJECTED):
            raise IllegalTransition(row, "regenerate", "only a pending, approved or published row can be regenerated")
        history = [*row.suggestion_history, _snapshot(row)][-10:]
        people = person_fields(row)
        unlocked = row.changed(
            edited_fields=[f for f in row.edited_fields if f == "file_name" and row.remote_id],
            provenance={k: v for k, v in row.provenance.items() if k not in people},
        )
        from proofdesk.core.services.culling import scene_keeper

        suggested = self.suggester(unlocked, self.index_without(row), scene_keeper(self.store, row))
        status = RowStatus.PENDING if row.status in (RowStatus.APPROVED, RowStatus.PUBLISHED) else row.status
        kept = [name for name in EDITABLE_FIELDS if name in people]
        pending = {name: getattr(suggested, name) for name in kept if getattr(suggested, name) != getattr(row, name)}
        updated = suggested.changed(
            **{name: getattr(row, name) for name in kept},
            provenance={**suggested.provenance, **{k: v for k, v in row.provenance.items() if k in people}},
            pending_suggestion=pending, suggestion_history=history, status=status,
            edited_fields=list(row.edited_fields),
        )
        if kept:  # the proof ran on the model's text: prove what the row now holds
            updated = self._prove_edit(updated, updated.keywords if "keywords" in kept else None)
        # a frame its keeper spoke for is captioned now: a rerun does not caption it again
        return self._store(queue.mark_stage_done(updated, Stage.CAPTION))

    def accept_suggestion(self, key: str, fields: Sequence[str] | None = None) -> Row:
        """Put Generate's suggestion for fields a person wrote in place (all of them by default)."""
        row = self._changeable(key)
        chosen = [name for name in (fields or list(row.pending_suggestion)) if name in row.pending_suggestion]
        if not chosen:
            raise DomainError(f"{key}: no suggestion to accept")
        at = self._at()
        provenance = dict(row.provenance)
        for name in chosen:
            provenance[name] = entry("offline" if row.caption_source == "offline" else "model", at,
                                     row.caption_source, None)
        accepted = row.changed(
            **{name: row.pending_suggestion[name] for name in chosen},
            pending_suggestion={k: v for k, v in row.pending_suggestion.items() if k not in chosen},
            edited_fields=[f for f in row.edited_fields if f not in chosen], provenance=provenance,
        )
        if accepted.status in (RowStatus.APPROVED, RowStatus.PUBLISHED):
            accepted = accepted.changed(status=RowStatus.PENDING)
        return self._store(self._prove_edit(accepted, None))

    def undo_suggestion(self, key: str) -> Row:
        row = self._changeable(key)
        if not row.suggestion_history:
            raise DomainError(f"{key}: no earlier suggestion to go back to")
        previous = row.suggestion_history[-1]
        restored = row.changed(
            caption=previous.get("caption"), alt_text=previous.get("alt_text"),
            keywords=list(previous.get("keywords") or []), file_name=previous.get("file_name"),
            caption_source=previous.get("source"), suggestion_history=row.suggestion_history[:-1],
            provenance=previous.get("provenance", row.provenance), pending_suggestion={},
        )
        if row.remote_id is not None:
            restored = restored.changed(file_name=row.file_name)
        if restored.status in (RowStatus.APPROVED, RowStatus.PUBLISHED):
            restored = restored.changed(status=RowStatus.PENDING)
        return self._store(self._prove_edit(restored, None))

    def add_word(self, word: str) -> None:
        self.add_words([word])

    def add_words(self, words: Sequence[str]) -> list[str]:
        """Add words to the project dictionary (spelling only), all or none: one that is not a
        single word refuses the lot before anything is written. Returns the words as added."""
        spellchecker = self._spellchecker()
        cleaned = [word.strip() for word in words]
        for word in cleaned:
            if not word or not SPELLING_WORD.fullmatch(word):
                raise InputError(f"{word!r} is not a single word; nothing was added")
        for word in cleaned:
            spellchecker.add_word(word)
        return cleaned

    def remove_words(self, words: Sequence[str]) -> list[str]:
        """Take words out of the project dictionary (any case), all or none: one that is not in it
        refuses the lot before anything is written."""
        spellchecker = self._spellchecker()
        known = {word.lower() for word in spellchecker.project_words()}
        cleaned = [word.strip() for word in words]
        for word in cleaned:
            if word.lower() not in known:
                raise InputError(f"{word!r} is not in the project dictionary; nothing was removed")
        for word in cleaned:
            spellchecker.remove_word(word)
        return cleaned

    def _spellchecker(self) -> Spellchecker:
        if self.spellchecker is None:
            raise DomainError("no spellchecker is configured")
        return self.spellchecker

    def unknown_words(self, text: str | None) -> list[str]:
        if self.spellchecker is None or not text:
            return []
        return self.spellchecker.unknown_words(text)

    def _at(self) -> str:
        return self.now().isoformat(timespec="seconds")

    def _store(self, row: Row) -> Row:
        """Write a row read by this action back, unless someone wrote it since (RowChanged)."""
        with self.store.unit_of_work() as uow:
            stored = uow.rows.update(row, expected_updated_at=row.updated_at)
            uow.commit()
        return stored

    @contextmanager
    def expecting(self, key: str, version: str | None) -> Iterator[None]:
        """Within: an action on `key` is refused (RowChanged) unless the row's version (its
        `updated_at`, ISO) is `version`, the one a front end showed, when the action first reads it;
        None expects nothing."""
        token = _EXPECTED.set([key, version] if version is not None else None)
        try:
            yield
        finally:
            _EXPECTED.reset(token)


def _snapshot(row: Row) -> dict[str, Any]:
    return {"caption": row.caption, "alt_text": row.alt_text, "keywords": list(row.keywords),
            "file_name": row.file_name, "source": row.caption_source, "provenance": dict(row.provenance)}

"""The review actions every front end offers (the terminal desk today, a web desk next): approve,
reject, reopen, edit with proof, rename, Generate, accept or undo a suggestion, keeper, batch
decisions, allow a place name, publish and unpublish.

Each action takes a row's key ("set/original name") and returns an `ActionResult`: the row as it is
now, the proof's findings, and the one line a person reads ("approve set/A.jpg: now approved"). A
refusal (a blocked row, an illegal transition, a missing service) is a result with `error` set,
never an exception, so a front end only renders; questions before an action (confirm a rename of a
published photo, confirm publishing) are the front end's to ask (`needs_rename_confirmation`,
`approved_count`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from proofdesk.core.domain.errors import ProofdeskError, RowChanged
from proofdesk.core.domain.models import Row
from proofdesk.core.domain.queue import holds_publication
from proofdesk.core.services.places import PlaceAllowances
from proofdesk.core.services.review import ReviewService
from proofdesk.core.services.review_desk import ActionResult, DeskActions, QueueSnapshot, Undo, UndoStep, row_version

# publishes the approved rows; returns a one-paragraph report
PublishApproved = Callable[[], str]
# takes one row ("set/original name") down from the target and the gallery (True: and rejects it);
# returns a one-paragraph report
TakeDown = Callable[[str, bool], str]

NOT_CONFIGURED = "{what} is not configured (see docs/configuration.md, [publish])"


def _verdict(row: Row) -> str:
    return row.metadata_quality.value if row.metadata_quality else "not proven"


def _failed(exc: BaseException, prefix: str = "") -> ActionResult:
    return ActionResult(f"{prefix}{exc}", error=True, conflict=isinstance(exc, RowChanged))


@dataclass
class ReviewActions(DeskActions):
    """The review actions over a `ReviewService`, with the publish and take-down callables the
    container composes (either may be missing: the action then says it is not configured); the
    desk's versions, ratings, undo and scene key come from `DeskActions` (review_desk.py)."""

    review: ReviewService
    publish_approved: PublishApproved | None = None
    take_down: TakeDown | None = None
    places: PlaceAllowances | None = field(default=None)
    history: list[Undo] = field(default_factory=list)  # this desk's decisions, last one undone first
    snapshot: QueueSnapshot | None = field(default=None, repr=False)  # the rows `listing` keeps

    # ------------------------------------------------------------- decisions

    def approve(self, key: str) -> ActionResult:
        return self.decide("approve", key)

    def reject(self, key: str) -> ActionResult:
        return self.decide("reject", key)

    def reopen(self, key: str) -> ActionResult:
        return self.decide("reopen", key)

    def decide(self, action: str, key: str) -> ActionResult:
        """approve / reject / reopen one row; the state machine says what is allowed."""
        transitions = {"approve": self.review.approve, "reject": self.review.reject, "reopen": self.review.reopen}
        try:
            before = self.review.get(key)
            row = transitions[action](key)
        except ProofdeskError as exc:
            return _failed(exc)
        self.remember(f"{action} {key}", [self.status_step(before, row)])
        return ActionResult(f"{action} {key}: now {row.status.value}", row)

    def batch(self, action: str, keys: list[str]) -> ActionResult:
        """approve / reject / reopen several rows: those that may move are stored, the others reported."""
        if not keys:
            return ActionResult("no rows marked (space marks a row)", error=True)
        result = self.review.batch(action, sorted(keys), all_or_nothing=False)
        text = f"{action}: {len(result.done)} done"
        if result.refused:
            text += f", {len(result.refused)} refused: " + "; ".join(message for _, message in result.refused[:3])
        return ActionResult(text, error=bool(result.refused), done=tuple(result.done), refused=tuple(result.refused))

    # ------------------------------------------------------------- text

    def needs_rename_confirmation(self, row: Row, changes: Mapping[str, Any]) -> bool:
        """Whether saving these changes renames a photo that is online (ask before `edit`)."""
        return "file_name" in changes and holds_publication(row)

    def edit(self, key: str, changes: Mapping[str, Any]) -> ActionResult:
        """Store a person's edit, proven again against the queue and the gallery."""
        try:
            row = self.review.edit(key, dict(changes))
        except ProofdeskError as exc:
            return _failed(exc)
        return ActionResult(f"saved {row.key_text}: {_verdict(row)}", row)

    def rename(self, key: str, file_name: str) -> ActionResult:
        """A new file name (for a published photo: it moves when published again)."""
        return self.edit(key, {"file_name": file_name})

    def generate(self, key: str) -> ActionResult:
        """Ask the captioner again (slow: a front end runs it off its main loop)."""
        try:
            row = self.review.regenerate(key)
        except ProofdeskError as exc:
            return _failed(exc, f"Generate failed for {key}: ")
        return ActionResult(f"generated {key}: {_verdict(row)} (u / F7 goes back to the previous suggestion)", row)

    def accept_suggestion(self, key: str, fields: list[str] | None = None) -> ActionResult:
        try:
            row = self.review.accept_suggestion(key, fields)
        except ProofdeskError as exc:
            return _failed(exc)
        return ActionResult(f"accepted the suggestion for {row.key_text}: {_verdict(row)}", row)

    def undo_suggestion(self, key: str) -> ActionResult:
        try:
            row = self.review.undo_suggestion(key)
        except ProofdeskError as exc:
            return _failed(exc)
        return ActionResult(f"restored the previous suggestion of {row.key_text}", row)

    def add_word(self, word: str) -> ActionResult:
        try:
            self.review.add_word(word)
        except ProofdeskError as exc:
            return _failed(exc)
        return ActionResult(f"added {word!r} to the project dictionary")

    def allow_place(self, key: str, name: str, near: str | None, set_name: str | None) -> ActionResult:
        """Vouch for a place name `place.far` blocks, then prove the row again."""
        places = self.places or PlaceAllowances(self.review.store)
        try:
            allowance, _ = places.allow(name, near=near, set_name=set_name)
            row = self.review.reprove(key)
        except ProofdeskError as exc:
            return _failed(exc)
        return ActionResult(f"allowed {allowance.name!r} for {allowance.scope}; {key} proved again: {_verdict(row)}", row)

    # ------------------------------------------------------------- scenes

    def keeper(self, key: str) -> ActionResult:
        """Make a frame its scene's keeper (a person's choice, kept by reruns)."""
        try:
            picked = self.review.get(key)
            scene_id = picked.scene_id
            before = next((r for r in self.review.rows() if r.keeper and scene_id and r.scene_id == scene_id), None)
            scene = self.review.choose_keeper(key)
        except ProofdeskError as exc:
            return _failed(exc)
        chosen = next((row for row in scene if row.keeper), None)
        if before is not None and chosen is not None and before.key_text != chosen.key_text:
            self.remember(f"keeper {key}", [UndoStep(key, "keeper", before.key_text, row_version(chosen), row_version(picked))])
        where = f"scene {chosen.scene_id} ({len(scene)} frame(s))" if chosen else "its scene"
        handed = " (the old keeper's text is offered as a suggestion)" if chosen and chosen.pending_suggestion else ""
        row = next((row for row in scene if row.key_text == key), chosen)
        return ActionResult(f"keeper {key}: now the keeper of {where}; the others are suggested for culling{handed}",
                            row, scene=tuple(scene))

    # ------------------------------------------------------------- publication

    def approved_count(self) -> int:
        return len(self.review.rows("approved"))

    def can_publish(self) -> ActionResult | None:
        """None when publishing may start; otherwise why not."""
        if self.publish_approved is None:
            return ActionResult(NOT_CONFIGURED.format(what="publishing"), error=True)
        if self.approved_count() == 0:
            return ActionResult("no approved rows to publish", error=True)
        return None

    def publish(self) -> ActionResult:
        """Publish every approved row (slow: a front end runs it off its main loop)."""
        refusal = self.can_publish()
        if refusal is not None:
            return refusal
        assert self.publish_approved is not None
        try:
            return ActionResult(self.publish_approved())
        except Exception as exc:  # a front end shows any failure of the publish run; the queue is consistent
            return _failed(exc, "publish failed: ")

    def can_unpublish(self, row: Row) -> ActionResult | None:
        """None when the row may be taken down; otherwise why not."""
        if self.take_down is None:
            return ActionResult(NOT_CONFIGURED.format(what="unpublishing"), error=True)
        if not holds_publication(row):
            return ActionResult(f"{row.key_text} is not published: nothing to take down", error=True)
        return None

    def unpublish(self, key: str, reject: bool = False) -> ActionResult:
        """Take one row down from the target and the gallery (and reject it with `reject`)."""
        try:
            row = self.review.get(key)
        except ProofdeskError as exc:
            return _failed(exc)
        refusal = self.can_unpublish(row)
        if refusal is not None:
            return refusal
        assert self.take_down is not None
        try:
            report = self.take_down(key, reject)
        except Exception as exc:  # a front end shows any failure of the take-down
            return _failed(exc, "unpublish failed: ")
        return ActionResult(report.replace("\n", "; "), self.review.get(key))

"""The review desk's dialogs: one overlay at a time over the desk, its keys, and each question the
desk asks (QC summary, rename of a published photo, unpublish, publish, allow a place) with what
the answer does: always a `ReviewActions` call, whose result the desk shows.

A dialog answers the keys it was given (`y`, `x`, …); esc, enter, n and q close it; the arrow and
page keys scroll a dialog taller than the screen (the help at 80×24). The final confirmation after
publishing closes only with its own keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import urwid
from proofdesk.core.domain.models import Row
from proofdesk.core.domain.proof.rules_places import far_place_names
from proofdesk.core.domain.queue import held_file_name
from proofdesk.core.services.review_actions import ActionResult, ReviewActions

CLOSE_KEYS = ("esc", "enter", "n", "q")
SCROLL_KEYS = ("up", "down", "page up", "page down", "home", "end")
MAX_HEIGHT = 34


class DialogLayer:
    """The desk's top widget: `base` alone, or a dialog over it."""

    def __init__(self, base: urwid.Widget) -> None:
        self.base = base
        self.widget: urwid.Widget = base
        self.is_open = False
        self._keys: dict[str, Callable[[], None]] = {}
        self._final = False

    def show(self, title: str, lines: list[str], on_key: dict[str, Callable[[], None]] | None = None,
             final: bool = False) -> None:
        body = urwid.ListBox(urwid.SimpleListWalker([urwid.Text(line) for line in lines]))
        box = urwid.AttrMap(urwid.LineBox(body, title=title), "dialog")
        height = min(len(lines) + 2, MAX_HEIGHT)
        self.widget = urwid.Overlay(box, self.base, "center", ("relative", 70), "middle", height)
        self.is_open = True
        self._keys = on_key or {}
        self._final = final

    def close(self) -> None:
        self.widget = self.base
        self.is_open = False

    def keypress(self, size: tuple[int, int], key: str) -> str | None:
        handler = self._keys.get(key)
        if handler is not None:
            handler()
            return None
        if key in SCROLL_KEYS:
            self.widget.keypress(size, key)
            return None
        if self._final:
            return None  # only OK closes the final confirmation
        if key in CLOSE_KEYS:
            self.close()
        return None


# ------------------------------------------------------------------------------------------ questions

Outcome = ActionResult | BaseException  # what slow work hands back


class Desk(Protocol):
    """What a question needs of the desk that asks it."""

    actions: ReviewActions
    dialogs: DialogLayer
    current: Row | None
    busy: bool

    def show(self, result: Outcome, failed: str = "") -> None: ...
    def say(self, text: str, error: bool = False) -> None: ...
    def reload(self, keep: str | None = None, sticky: bool = True) -> None: ...
    def save(self, confirmed: bool = False) -> Row | None: ...
    def run_slow(self, started: str, work: Callable[[], ActionResult], done: Callable[[Outcome], None]) -> None: ...
    def do_quit(self) -> None: ...


def ask_rename(desk: Desk, row: Row, new_name: str) -> None:
    """A published photo's new file name: one confirmation, then it is saved like any edit."""
    def rename() -> None:
        desk.dialogs.close()
        desk.save(confirmed=True)

    desk.dialogs.show("Rename a published photo", [
        f"Rename {row.key_text} from {held_file_name(row)} to {new_name}?", "",
        "Approved and published again, its image and thumbnail move to the new name (the old",
        "files are taken down), its gallery row keeps its id, and proofdesk redirects lists",
        "the old -> new URL. Until then it stays online under the old name.", "",
        "y: rename   n / esc: keep editing"], on_key={"y": rename})


def ask_allow_place(desk: Desk) -> None:
    """Offer to vouch for the place name the current row's `place.far` finding names."""
    row = desk.current
    names = far_place_names(list(row.proof_reasons)) if row is not None else []
    if row is None or not names:
        desk.say("no place.far finding on this row")
        return
    name = names[0]

    def allow(near: str | None, set_name: str | None) -> Callable[[], None]:
        def allowed() -> None:
            desk.dialogs.close()
            result = desk.actions.allow_place(row.key_text, name, near, set_name)
            desk.show(result)
            if not result.error:
                desk.reload(keep=row.key_text)
        return allowed

    desk.dialogs.show("Allow a place name", [
        f"place.far blocks {name!r} on {row.key_text}.",
        "Allow it if the name is right here (or is no place at all):", "",
        "a: for every photo", f"s: for the photos of set {row.set_name}", "r: for this photo only",
        "esc: cancel"],
        on_key={"a": allow(None, None), "s": allow(row.set_name, None), "r": allow(row.original_name, row.set_name)})


def ask_publish(desk: Desk) -> None:
    """Publish the approved rows after one confirmation; the report closes the desk with OK."""
    refusal = desk.actions.can_publish()
    if refusal is not None:
        desk.show(refusal)
        return

    def published(result: Outcome) -> None:
        desk.reload()
        if isinstance(result, BaseException) or result.error:
            desk.show(result, "publish failed: ")
            return
        desk.dialogs.show("Published", [result.message, "", "enter / OK closes the review desk"],
                          on_key={"enter": desk.do_quit, "o": desk.do_quit}, final=True)

    def start() -> None:
        desk.dialogs.close()
        desk.run_slow("publishing …", desk.actions.publish, published)

    desk.dialogs.show("Publish", [f"Publish {desk.actions.approved_count()} approved row(s) now?", "",
                                  "y: publish   n / esc: cancel"], on_key={"y": start})


def ask_unpublish(desk: Desk) -> None:
    """Take the current row down after one confirmation (y: back to review, x: and reject it)."""
    row = desk.current
    if row is None or desk.busy:
        return
    refusal = desk.actions.can_unpublish(row)
    if refusal is not None:
        desk.show(refusal)
        return
    key = row.key_text

    def start(reject: bool) -> Callable[[], None]:
        def unpublished(result: Outcome) -> None:
            desk.reload(keep=key)
            desk.show(result, "unpublish failed: ")

        def started() -> None:
            desk.dialogs.close()
            desk.run_slow(f"unpublishing {key} …", lambda: desk.actions.unpublish(key, reject), unpublished)
        return started

    desk.dialogs.show("Unpublish", [
        f"Take {key} ({held_file_name(row)}) down now?", "",
        "Its image, thumbnail and sidecars leave the target and its row leaves the gallery.", "",
        "y: take it down, back to review   x: take it down and reject   n / esc: cancel"],
        on_key={"y": start(False), "x": start(True)})


def qc_lines(qc: dict[str, Any]) -> list[str]:
    lines = [f"{qc.get('rows', 0)} row(s), {qc.get('blocked', 0)} blocked by the proof", ""]
    for label, key in (("duplicates", "duplicates"), ("suspicious metadata", "suspicious_metadata"),
                       ("time-of-day conflicts", "time_of_day_conflicts"), ("fallback scores", "fallback_scores"),
                       ("missing capture time", "missing_capture_time"), ("offline captions", "offline_captions")):
        items = qc.get(key) or []
        lines.append(f"{label}: {len(items)}")
        for item in items[:3]:
            lines.append("   " + (f"{item['row']}: {item.get('message', '')}" if isinstance(item, dict) else str(item)))
    lines += ["", "enter / esc: continue to the rows"]
    return lines

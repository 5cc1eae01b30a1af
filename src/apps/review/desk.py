"""The urwid review desk: a row list, an edit pane with live proof and spellcheck marks, the row's
scene (rank, keeper or cull suggestion, quality flags), keys for Generate / approve / reject /
keeper / publish, one final confirmation dialog after publish.

The desk is a view, a key map and dialogs: every action is a `ReviewActions` call (the same
actions a web desk offers), whose result it renders. Slow work (Generate,
publish) runs in a worker thread; its result is handed back to the main loop through a pipe
(`MainLoop.watch_pipe`), never touching widgets from the worker.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import urwid
from proofdesk.apps.review.keys import FILTER_CYCLE, action_for, footer_text, help_lines
from proofdesk.apps.review.preview import TRUE_COLOR, PreviewPane, open_in_viewer, preview_source, scene_parts
from proofdesk.core.domain.errors import ProofdeskError
from proofdesk.core.domain.models import EDITABLE_FIELDS, Row
from proofdesk.core.domain.proof.claims import ClaimCounts
from proofdesk.core.domain.queue import (
    held_file_name,
    is_blocked,
    renamed_while_published,
    replaced_while_published,
)
from proofdesk.core.ports.review import Reviewer
from proofdesk.core.services.review import ReviewService
from proofdesk.core.services.review_actions import ActionResult, PublishApproved, ReviewActions, TakeDown

PALETTE = [
    ("header", "white,bold", "dark blue"),
    ("footer", "black", "light gray"),
    ("focus", "black", "light cyan"),
    ("marked", "yellow,bold", ""),
    ("accepted", "light green", ""),
    ("blocked", "light red,bold", ""),
    ("misspelled", "light red,underline", ""),
    ("label", "bold", ""),
    ("message", "yellow", ""),
    ("error", "light red,bold", ""),
    ("dialog", "black", "light gray"),
    ("edit", "", ""),
    ("edit_focus", "black", "light gray"),
]

FIELD_LABELS = {"caption": "Caption", "alt_text": "Alt text", "keywords": "Keywords", "file_name": "File name"}

Publisher = PublishApproved  # publishes approved rows, returns a one-paragraph report
Unpublisher = TakeDown  # takes one row down (True: and rejects it), returns a one-paragraph report


def field_text(row: Row, name: str) -> str:
    value = getattr(row, name)
    if name == "keywords":
        return ", ".join(value)
    return value or ""


def row_line(row: Row, marked: bool) -> str:
    verdict = row.metadata_quality.value if row.metadata_quality else "-"
    brisque = f"{row.brisque_score:5.1f}" if row.brisque_score is not None else "  -  "
    aesthetic = f"{row.clip_aesthetic_score:4.1f}" if row.clip_aesthetic_score is not None else "  - "
    fallback = "~" if (row.brisque_fallback or row.clip_aesthetic_fallback) else " "
    author = "H" if any(f in EDITABLE_FIELDS for f in row.edited_fields) else ("O" if row.caption_source == "offline" else "AI")
    mark = "*" if marked else " "
    return (f"{mark} {row.status.value:9} {verdict:8} B{brisque} A{aesthetic}{fallback} {author:2} "
            f"{row.file_name or row.original_name}")


class SpellEdit(urwid.Edit):
    """An Edit whose text shows unknown words in the `misspelled` attribute."""

    def __init__(self, caption: str, text: str, unknown: Callable[[str], list[str]]) -> None:
        self._unknown = unknown
        super().__init__(caption, text, multiline=False)

    def get_text(self) -> tuple[str, list[tuple[Any, int]]]:
        text, attrib = super().get_text()
        body = self.edit_text
        flagged = self._unknown(body)
        if not flagged:
            return text, attrib
        offset = len(self.caption)
        marks: list[tuple[int, int]] = []
        lowered = body.lower()
        for word in flagged:
            start = 0
            needle = word.lower()
            while (found := lowered.find(needle, start)) != -1:
                end = found + len(needle)
                before_ok = found == 0 or not lowered[found - 1].isalpha()
                after_ok = end == len(lowered) or not lowered[end].isalpha()
                if before_ok and after_ok:
                    marks.append((offset + found, offset + end))
                start = end
        if not marks:
            return text, attrib
        runs: list[tuple[Any, int]] = []
        position = 0
        for start, end in sorted(marks):
            if start < position:
                continue
            if start > position:
                runs.append((None, start - position))
            runs.append(("misspelled", end - start))
            position = end
        if position < len(text):
            runs.append((None, len(text) - position))
        return text, runs


class RowItem(urwid.WidgetWrap):
    def __init__(self, row: Row, marked: bool = False) -> None:
        self.row = row
        self.text = urwid.Text(row_line(row, marked), wrap="clip")
        attr = "blocked" if is_blocked(row) else None
        super().__init__(urwid.AttrMap(self.text, attr, focus_map="focus"))

    def selectable(self) -> bool:
        return True

    def keypress(self, size: tuple[int, ...], key: str) -> str | None:
        return key


class ReviewDesk:
    """The desk's widgets and state; `widget` is the top-level widget for a MainLoop."""

    def __init__(
        self,
        service: ReviewService,
        publisher: Publisher | None = None,
        qc_summary: dict[str, Any] | None = None,
        background: Callable[[Callable[[], Any], Callable[[Any], None]], None] | None = None,
        preview: bool | None = None,
        unpublisher: Unpublisher | None = None,
        actions: ReviewActions | None = None,
    ) -> None:
        self.service = service
        self.actions = actions or ReviewActions(service, publish_approved=publisher, take_down=unpublisher)
        self.filter = "all"
        self.marked: set[str] = set()
        self.current: Row | None = None
        self.dirty = False
        self.busy = False
        self.closed = False
        self._index = None
        self._loading = False
        self._background = background or self._run_inline
        self.walker = urwid.SimpleFocusListWalker([])
        self.listbox = urwid.ListBox(self.walker)
        self.header = urwid.Text("")
        self.message = urwid.Text("")
        self.edits: dict[str, SpellEdit] = {}
        self.spelling = urwid.Text("")
        self.proof_text = urwid.Text("")
        self.facts_text = urwid.Text("")
        pane_items: list[urwid.Widget] = []
        for name in EDITABLE_FIELDS:
            edit = SpellEdit(f"{FIELD_LABELS[name]}: ", "", self._unknown)
            urwid.connect_signal(edit, "postchange", self._on_change)
            self.edits[name] = edit
            pane_items.append(urwid.AttrMap(edit, "edit", focus_map="edit_focus"))
        pane_items += [urwid.Divider(), self.spelling, urwid.Divider(), self.proof_text, urwid.Divider(), self.facts_text]
        self.pane = urwid.ListBox(urwid.SimpleFocusListWalker(pane_items))
        self.preview = PreviewPane(lambda work, done: self._background(work, done))
        self.preview_box = urwid.LineBox(self.preview, title="picture (v hides, V opens)")
        self.rows_box = urwid.LineBox(self.listbox, title="rows")
        self.left = urwid.Pile([self.rows_box])
        self.preview_on = preview_enabled() if preview is None else preview
        self._layout_left()
        self.columns = urwid.Columns([("weight", 45, self.left),
                                      ("weight", 55, urwid.LineBox(self.pane, title="edit"))])
        footer = urwid.Pile([self.message, urwid.AttrMap(urwid.Text(footer_text()), "footer")])
        self.frame = urwid.Frame(self.columns, header=urwid.AttrMap(self.header, "header"), footer=footer)
        self.widget: urwid.Widget = self.frame
        self._dialog_open = False
        urwid.connect_signal(self.walker, "modified", self._on_focus_change)
        self.reload()
        if qc_summary:
            self.show_dialog("QC summary", qc_lines(qc_summary))

    # ---------------------------------------------------------------- data

    def _unknown(self, text: str) -> list[str]:
        try:
            return self.service.unknown_words(text)
        except ProofdeskError:
            return []

    def reload(self, keep: str | None = None, sticky: bool = True) -> None:
        """Re-read the rows of the filter. The row being worked on stays in the list (sticky) even
        when an edit or decision takes it out of the filter, until the filter changes."""
        keep = keep or (self.current.key_text if self.current else None)
        previous = [item.row.key_text for item in self.walker]
        rows = self.service.rows(self.filter)
        if sticky and keep and keep in previous and all(row.key_text != keep for row in rows):
            try:
                kept = self.service.get(keep)
            except ProofdeskError:
                kept = None
            if kept is not None:
                position = min(previous.index(keep), len(rows))
                rows.insert(position, kept)
        urwid.disconnect_signal(self.walker, "modified", self._on_focus_change)
        self.walker[:] = [RowItem(row, row.key_text in self.marked) for row in rows]
        urwid.connect_signal(self.walker, "modified", self._on_focus_change)
        focus = next((i for i, item in enumerate(self.walker) if item.row.key_text == keep), 0)
        if self.walker:
            self.walker.set_focus(focus)
        self.header.set_text(f" proofdesk review — filter: {self.filter} ({len(rows)} rows) — marked: {len(self.marked)}")
        self._select(self.walker[focus].row if self.walker else None)

    def _focused_row(self) -> Row | None:
        if not self.walker:
            return None
        _, position = self.walker.get_focus()
        return self.walker[position].row if position is not None else None

    def _on_focus_change(self) -> None:
        row = self._focused_row()
        if row is not None and (self.current is None or row.key_text != self.current.key_text):
            if self.dirty:
                self.save()
            self._select(self.service.get(row.key_text))

    def _select(self, row: Row | None) -> None:
        self.current = row
        self.preview.show(row)
        self._index = None
        self.dirty = False
        # Loading the fields is not an edit: no live proof (it would index the whole queue for a
        # half-loaded row on every move through the list).
        self._loading = True
        try:
            for name, edit in self.edits.items():
                edit.set_edit_text(field_text(row, name) if row else "")
        finally:
            self._loading = False
        self.dirty = False
        self._render_row_details(row)

    def _changes(self) -> dict[str, Any]:
        if self.current is None:
            return {}
        changes: dict[str, Any] = {}
        for name, edit in self.edits.items():
            if edit.edit_text != field_text(self.current, name):
                changes[name] = edit.edit_text
        return changes

    def _on_change(self, *_: Any) -> None:
        if self.current is None or self._loading:
            return
        changes = self._changes()
        self.dirty = bool(changes)
        if not changes:
            self._render_row_details(self.current)
            return
        if self._index is None:
            self._index = self.service.index_without(self.current)
        try:
            result = self.service.preview(self.current, changes, self._index)
        except ProofdeskError as exc:
            self.say(str(exc), error=True)
            return
        self._render_proof(result.verdict.value, [r for r in result.reasons if not r.is_fix], live=True)
        self._render_spelling()

    def _render_row_details(self, row: Row | None) -> None:
        if row is None:
            self.proof_text.set_text("no rows")
            self.facts_text.set_text("")
            self.spelling.set_text("")
            return
        verdict = row.metadata_quality.value if row.metadata_quality else "not proven"
        self._render_proof(verdict, [r for r in row.proof_reasons if not r.is_fix])
        self._render_spelling()
        facts = [f"{row.set_name}/{row.original_name} — {row.status.value}"
                 + (f", published as #{row.remote_id}" if row.remote_id else "")]
        if row.captured_at:
            facts.append(f"captured {row.captured_at}" + (f" {row.captured_offset}" if row.captured_offset else ""))
        camera = " ".join(filter(None, [row.camera_make, row.camera_model, row.lens]))
        if camera:
            facts.append(camera)
        if row.gps_latitude is not None and row.gps_longitude is not None:
            facts.append(f"GPS {row.gps_latitude:.5f}, {row.gps_longitude:.5f}")
        scores = []
        if row.brisque_score is not None:
            scores.append(f"BRISQUE {row.brisque_score:.1f}{' (fallback)' if row.brisque_fallback else ''}")
        if row.clip_aesthetic_score is not None:
            scores.append(f"aesthetic {row.clip_aesthetic_score:.2f}{' (fallback)' if row.clip_aesthetic_fallback else ''}")
        if scores:
            facts.append(", ".join(scores))
        source = "human-edited: " + ", ".join(row.edited_fields) if row.edited_fields else f"suggested by {row.caption_source or '-'}"
        facts.append(source + (f"; {len(row.suggestion_history)} earlier suggestion(s)" if row.suggestion_history else ""))
        if row.publish_error:
            facts.append(("error", f"publish error: {row.publish_error}"))
        if replaced_while_published(row):
            facts.append(("error", f"a replaced picture: the old one is still published as {held_file_name(row)} "
                                   "until this one is published (U takes it down now)"))
        elif renamed_while_published(row):
            facts.append(("error", f"still published as {held_file_name(row)}: approve and publish to move it "
                                   "to the new name"))
        self.facts_text.set_text(claims_markup(row) + scene_markup(row) + [("label", "EXIF and status\n")] + [
            (item if isinstance(item, tuple) else (None, item)) for item in _joined(facts)])

    def _render_proof(self, verdict: str, reasons: list[Any], live: bool = False) -> None:
        attr = "accepted" if verdict == "accepted" else "blocked" if verdict == "blocked" else None
        head = [("label", "Proof" + (" (live, unsaved)" if live else "") + ": "), (attr, verdict.upper())]
        body = [f"\n  {reason.rule}: {reason.text}" for reason in reasons[:8]]
        if any(reason.rule == "place.far" for reason in reasons):
            body.append(("message", "\n  a far place that is right here? l / F8 allows the name (places allow)"))
        self.proof_text.set_text(head + body)

    def _render_spelling(self) -> None:
        flagged = []
        for name in ("caption", "alt_text", "keywords"):
            words = self._unknown(self.edits[name].edit_text)
            if words:
                flagged.append(f"{FIELD_LABELS[name]}: {', '.join(words)}")
        if flagged:
            self.spelling.set_text([("misspelled", "Spelling? "), "; ".join(flagged), "  (d / F6 adds the first word)"])
        else:
            self.spelling.set_text("")

    def show(self, result: ActionResult | BaseException, failed: str = "") -> None:
        """An action's line in the message bar (an exception from background work as a failure)."""
        if isinstance(result, BaseException):
            self.say(f"{failed}{result}", error=True)
        else:
            self.say(result.message, error=result.error)

    def say(self, text: str, error: bool = False) -> None:
        self.message.set_text(("error" if error else "message", text))

    # ---------------------------------------------------------------- keys

    def keypress(self, size: tuple[int, int], key: str) -> str | None:
        if self._dialog_open:
            return self._dialog_key(size, key)
        in_list = self.columns.focus_position == 0
        action = action_for(key, "list" if in_list else "edit")
        if action is not None:
            getattr(self, f"do_{action}")()
            return None
        if not in_list and key in ("down", "up"):
            # up/down move between the fields (a long caption wraps; left/right/home/end move in it)
            position = self.pane.focus_position
            target = position + (1 if key == "down" else -1)
            if 0 <= target < len(EDITABLE_FIELDS):
                self.pane.focus_position = target
            return None
        return self.widget.keypress(size, key)

    def do_switch_pane(self) -> None:
        self.columns.focus_position = 1 - self.columns.focus_position

    def do_edit(self) -> None:
        self.columns.focus_position = 1

    def do_save(self) -> None:
        self.save()

    def save(self, confirmed: bool = False) -> Row | None:
        if self.current is None:
            return None
        changes = self._changes()
        if not changes:
            self.dirty = False
            return self.current
        if not confirmed and self.actions.needs_rename_confirmation(self.current, changes):
            self._confirm_rename(self.current, changes["file_name"])
            return None
        result = self.actions.edit(self.current.key_text, changes)
        self.show(result)
        if result.row is None:
            return None
        row = result.row
        self.dirty = False
        self.current = row
        self._refresh_current()
        return row

    def _confirm_rename(self, row: Row, new_name: str) -> None:
        """A published photo's new file name: one confirmation, then it is saved like any edit."""
        def rename() -> None:
            self.close_dialog()
            self.save(confirmed=True)

        self.show_dialog("Rename a published photo", [
            f"Rename {row.key_text} from {held_file_name(row)} to {new_name}?", "",
            "Approved and published again, its image and thumbnail move to the new name (the old",
            "files are taken down), its gallery row keeps its id, and proofdesk redirects lists",
            "the old -> new URL. Until then it stays online under the old name.", "",
            "y: rename   n / esc: keep editing"], on_key={"y": rename})

    def do_unpublish(self) -> None:
        if self.current is None or self.busy:
            return
        row = self.current
        refusal = self.actions.can_unpublish(row)
        if refusal is not None:
            self.show(refusal)
            return
        self.show_dialog("Unpublish", [
            f"Take {row.key_text} ({held_file_name(row)}) down now?", "",
            "Its image, thumbnail and sidecars leave the target and its row leaves the gallery.", "",
            "y: take it down, back to review   x: take it down and reject   n / esc: cancel"],
            on_key={"y": lambda: self._start_unpublish(row, False), "x": lambda: self._start_unpublish(row, True)})

    def _start_unpublish(self, row: Row, reject: bool) -> None:
        self.close_dialog()
        self.busy = True
        self.say(f"unpublishing {row.key_text} …")
        self._background(lambda: self.actions.unpublish(row.key_text, reject),
                         lambda result: self._unpublished(row.key_text, result))

    def _unpublished(self, key: str, result: ActionResult | BaseException) -> None:
        self.busy = False
        self.reload(keep=key)
        self.show(result, "unpublish failed: ")

    def _refresh_current(self) -> None:
        assert self.current is not None
        self.reload(keep=self.current.key_text)

    def _decide(self, action: str) -> None:
        if self.current is None:
            return
        if self.dirty and self.save() is None:
            return
        key = self.current.key_text
        result = self.actions.decide(action, key)
        self.show(result)
        if result.error:
            return
        self.reload(keep=key)
        self._advance()

    def _advance(self) -> None:
        """After a decision, move to the next row, as a reviewer working down the list expects."""
        _, position = self.walker.get_focus()
        if position is not None and position + 1 < len(self.walker):
            self.walker.set_focus(position + 1)

    def do_approve(self) -> None:
        self._decide("approve")

    def do_reject(self) -> None:
        self._decide("reject")

    def do_reopen(self) -> None:
        self._decide("reopen")

    def do_keeper(self) -> None:
        """Make the selected frame its scene's keeper (a person's choice, kept by reruns); the
        scene's other frames then carry a cull suggestion naming it. The list is re-read, so every
        frame of the scene shows its new rank and suggestion; the cursor stays on the frame."""
        if self.current is None:
            return
        if self.dirty and self.save() is None:
            return
        key = self.current.key_text
        result = self.actions.keeper(key)
        self.show(result)
        if not result.error:
            self.reload(keep=key)

    def do_mark(self) -> None:
        if self.current is None:
            return
        key = self.current.key_text
        self.marked.symmetric_difference_update({key})
        self.reload(keep=key)
        self._advance()

    def _batch(self, action: str) -> None:
        result = self.actions.batch(action, sorted(self.marked))
        self.show(result)
        if not self.marked:
            return
        self.marked.difference_update(result.done)
        self.reload()

    def do_approve_marked(self) -> None:
        self._batch("approve")

    def do_reject_marked(self) -> None:
        self._batch("reject")

    def do_cycle_filter(self) -> None:
        self.filter = FILTER_CYCLE[(FILTER_CYCLE.index(self.filter) + 1) % len(FILTER_CYCLE)]
        self.reload(sticky=False)

    def do_add_word(self) -> None:
        for name in ("caption", "alt_text", "keywords"):
            words = self._unknown(self.edits[name].edit_text)
            if words:
                result = self.actions.add_word(words[0])
                self.show(result)
                if result.error:
                    return
                self._on_change()
                self._render_spelling()
                return
        self.say("no flagged word to add")

    def do_allow_place(self) -> None:
        """Offer to vouch for the place name the current row's `place.far` finding names."""
        from proofdesk.core.domain.proof.rules_places import far_place_names

        row = self.current
        names = far_place_names(list(row.proof_reasons)) if row is not None else []
        if row is None or not names:
            self.say("no place.far finding on this row")
            return
        name = names[0]

        def allow(near: str | None, set_name: str | None) -> Callable[[], None]:
            return lambda: self._allow_place(row, name, near, set_name)

        self.show_dialog("Allow a place name", [
            f"place.far blocks {name!r} on {row.key_text}.",
            "Allow it if the name is right here (or is no place at all):", "",
            "a: for every photo", f"s: for the photos of set {row.set_name}", "r: for this photo only",
            "esc: cancel"],
            on_key={"a": allow(None, None), "s": allow(row.set_name, None), "r": allow(row.original_name, row.set_name)})

    def _allow_place(self, row: Row, name: str, near: str | None, set_name: str | None) -> None:
        self.close_dialog()
        result = self.actions.allow_place(row.key_text, name, near, set_name)
        self.show(result)
        if not result.error:
            self.reload(keep=row.key_text)

    def do_generate(self) -> None:
        if self.current is None or self.busy:
            return
        key = self.current.key_text
        self.busy = True
        self.say(f"generating {key} …")
        self._background(lambda: self.actions.generate(key), lambda result: self._generated(key, result))

    def _generated(self, key: str, result: ActionResult | BaseException) -> None:
        self.busy = False
        self.show(result, f"Generate failed for {key}: ")
        if isinstance(result, ActionResult) and not result.error:
            self.reload(keep=key)

    def do_undo_suggestion(self) -> None:
        if self.current is None:
            return
        result = self.actions.undo_suggestion(self.current.key_text)
        self.show(result)
        if result.row is not None:
            self.reload(keep=result.row.key_text)

    def do_publish(self) -> None:
        if self.dirty:
            self.save()
        refusal = self.actions.can_publish()
        if refusal is not None:
            self.show(refusal)
            return
        approved = self.actions.approved_count()
        self.show_dialog("Publish", [f"Publish {approved} approved row(s) now?", "", "y: publish   n / esc: cancel"],
                         on_key={"y": self._start_publish})

    def _start_publish(self) -> None:
        self.close_dialog()
        self.busy = True
        self.say("publishing …")
        self._background(self.actions.publish, self._published)

    def _published(self, result: ActionResult | BaseException) -> None:
        self.busy = False
        self.reload()
        if isinstance(result, BaseException) or result.error:
            self.show(result, "publish failed: ")
            return
        self.show_dialog("Published", [result.message, "", "enter / OK closes the review desk"],
                         on_key={"enter": self.do_quit, "o": self.do_quit}, final=True)

    def _layout_left(self) -> None:
        items = [(self.rows_box, self.left.options("weight", 1))]
        if self.preview_on:
            items.append((self.preview_box, self.left.options("weight", 1)))
        self.left.contents = items
        self.left.focus_position = 0

    def do_toggle_preview(self) -> None:
        self.preview_on = not self.preview_on
        self._layout_left()
        self.say("picture shown (v hides it)" if self.preview_on else "picture hidden (v shows it)")

    def do_open_viewer(self) -> None:
        path = preview_source(self.current)
        if path is None:
            self.say("this row has no image file to open", error=True)
            return
        try:
            open_in_viewer(path)
        except OSError as exc:
            self.say(f"cannot start the viewer (set PROOFDESK_VIEWER): {exc}", error=True)
            return
        self.say(f"opened {path} in the viewer")

    def do_help(self) -> None:
        self.show_dialog("Keys", help_lines())

    def do_quit(self) -> None:
        if self.dirty:
            self.save()
        self.closed = True
        raise urwid.ExitMainLoop()

    def do_close_dialog(self) -> None:
        self.close_dialog()

    # ---------------------------------------------------------------- dialogs

    def show_dialog(self, title: str, lines: list[str], on_key: dict[str, Callable[[], None]] | None = None,
                    final: bool = False) -> None:
        body = urwid.ListBox(urwid.SimpleListWalker([urwid.Text(line) for line in lines]))
        box = urwid.AttrMap(urwid.LineBox(body, title=title), "dialog")
        height = min(len(lines) + 2, 34)
        self.widget = urwid.Overlay(box, self.frame, "center", ("relative", 70), "middle", height)
        self._dialog_open = True
        self._dialog_keys = on_key or {}
        self._dialog_final = final

    def close_dialog(self) -> None:
        self.widget = self.frame
        self._dialog_open = False

    def _dialog_key(self, size: tuple[int, int], key: str) -> str | None:
        handler = self._dialog_keys.get(key)
        if handler is not None:
            handler()
            return None
        if self._dialog_final:
            return None  # only OK closes the final confirmation
        if key in ("esc", "enter", "n", "q"):
            self.close_dialog()
        return None

    # ---------------------------------------------------------------- background work

    @staticmethod
    def _run_inline(work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        try:
            result = work()
        except Exception as exc:  # noqa: BLE001 - reported on screen
            result = exc
        done(result)


def preview_enabled(environ: dict[str, str] | None = None) -> bool:
    """The picture is on unless PROOFDESK_PREVIEW says off (0, off, no, false)."""
    value = (os.environ if environ is None else environ).get("PROOFDESK_PREVIEW", "on")
    return value.strip().lower() not in ("0", "off", "no", "false")


SCENE_ATTRS = {"keeper": "accepted", "cull": "message", "flags": "blocked"}


def scene_markup(row: Row) -> list[Any]:
    """The row's scene line (keeper in green, a cull suggestion in yellow, flags in red) and a blank
    line; nothing for a row without a scene."""
    parts = scene_parts(row)
    if not parts:
        return []
    markup: list[Any] = []
    for i, (kind, text) in enumerate(parts):
        if i:
            markup.append((None, " · "))
        markup.append((SCENE_ATTRS.get(kind), text))
    return [*markup, (None, "\n\n")]


def claims_markup(row: Row) -> list[Any]:
    """The row's claims by source, then the ones to look at in the picture: model-only (nothing but
    the model's text vouches for them), unsure and removed (the model said they are not there), and
    a blank line; nothing for a row without claims."""
    counts = ClaimCounts.of(row.claims)
    summary = counts.describe()
    if not summary:
        return []
    markup: list[Any] = [("label", "Claims "), (None, summary)]
    for attr, label, texts in (("message", "model only", counts.model_only), ("blocked", "unsure", counts.unsure),
                               ("error", "removed (the model said not there)", counts.removed)):
        if texts:
            markup += [(None, "\n  "), (attr, f"{label}: " + ", ".join(texts))]
    return [*markup, (None, "\n\n")]


def _joined(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for i, item in enumerate(items):
        if i:
            out.append((None, "\n"))
        out.append(item)
    return out


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


class ThreadedBackground:
    """Runs work in a thread and hands the result to the main loop through a pipe."""

    def __init__(self, loop: urwid.MainLoop) -> None:
        self.loop = loop
        self._results: list[tuple[Callable[[Any], None], Any]] = []
        self._lock = threading.Lock()
        self._fd = loop.watch_pipe(self._deliver)

    def __call__(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        def run() -> None:
            try:
                result = work()
            except Exception as exc:  # noqa: BLE001 - reported on screen
                result = exc
            with self._lock:
                self._results.append((done, result))
            os.write(self._fd, b"x")

        threading.Thread(target=run, daemon=True, name="review-worker").start()

    def _deliver(self, _data: bytes) -> bool:
        with self._lock:
            ready, self._results = self._results, []
        for done, result in ready:
            done(result)
        return True


class DeskWidget(urwid.WidgetWrap):
    """Routes keys to the desk and shows whichever top widget (frame or dialog) is current."""

    def __init__(self, desk: ReviewDesk) -> None:
        self.desk = desk
        super().__init__(desk.widget)

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:
        if self._w is not self.desk.widget:
            self._w = self.desk.widget
        return super().render(size, focus)

    def keypress(self, size: tuple[int, int], key: str) -> str | None:
        result = self.desk.keypress(size, key)
        self._w = self.desk.widget
        return result


class UrwidReviewer(Reviewer):
    """The review desk as the pipeline's Reviewer: a person decides at the terminal."""

    def __init__(self, publisher: Publisher | None = None, screen: Any = None,
                 unpublisher: Unpublisher | None = None) -> None:
        self.publisher = publisher
        self.unpublisher = unpublisher
        self.screen = screen

    def review(self, service: ReviewService, qc_summary: dict[str, Any] | None = None) -> None:
        run_desk(ReviewDesk(service, publisher=self.publisher, qc_summary=qc_summary, unpublisher=self.unpublisher),
                 screen=self.screen)


def run_desk(desk: ReviewDesk, screen: Any = None) -> None:
    top = DeskWidget(desk)
    loop = urwid.MainLoop(top, PALETTE, screen=screen, handle_mouse=False)
    if getattr(loop.screen, "colors", 1) != 1 and hasattr(loop.screen, "set_terminal_properties"):
        # half-blocks need 24-bit colour; terminals without it show approximate colours (NO_COLOR stays off)
        loop.screen.set_terminal_properties(colors=TRUE_COLOR)
    desk._background = ThreadedBackground(loop)
    loop.run()

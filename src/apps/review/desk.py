"""The urwid review desk: a row list, an edit pane with live proof and spellcheck marks, the row's
scene (rank, keeper or cull suggestion, quality flags), keys for Generate / approve / reject /
keeper / publish, one final confirmation dialog after publish.

The desk is the glue of a view (`view`), a key map (`keys`), dialogs (`dialogs`) and background
work (`background`): every decision is a `ReviewActions` call (the same actions a web desk
offers), whose result it renders; the desk keeps only what is on screen (filter, marks, the row
being edited). Slow work (Generate, publish, unpublish) runs through the background, whose result
comes back on the main loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import urwid
from proofdesk.apps.review.background import Background, ThreadedBackground, run_inline
from proofdesk.apps.review.dialogs import (
    DialogLayer,
    Outcome,
    ask_allow_place,
    ask_publish,
    ask_rename,
    ask_unpublish,
    qc_lines,
)
from proofdesk.apps.review.keys import FILTER_CYCLE, action_for, footer_text, help_lines
from proofdesk.apps.review.preview import TRUE_COLOR, PreviewPane, open_original
from proofdesk.apps.review.view import (
    PALETTE,
    DeskWidget,
    EditPane,
    RowItem,
    claims_markup,
    preview_enabled,
    scene_markup,
)
from proofdesk.core.domain.errors import ProofdeskError
from proofdesk.core.domain.models import Row
from proofdesk.core.ports.review import Reviewer
from proofdesk.core.services.review import ReviewService
from proofdesk.core.services.review_actions import ActionResult, PublishApproved, ReviewActions, TakeDown

__all__ = ["DeskWidget", "ReviewDesk", "UrwidReviewer", "claims_markup", "preview_enabled", "run_desk",
           "scene_markup"]

Publisher = PublishApproved  # publishes approved rows, returns a one-paragraph report
Unpublisher = TakeDown  # takes one row down (True: and rejects it), returns a one-paragraph report


class ReviewDesk:
    """The desk's widgets and state; `widget` is the top-level widget for a MainLoop."""

    def __init__(
        self,
        service: ReviewService,
        publisher: Publisher | None = None,
        qc_summary: dict[str, Any] | None = None,
        background: Background | None = None,
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
        self._background: Background = background or run_inline
        self.walker = urwid.SimpleFocusListWalker([])
        self.listbox = urwid.ListBox(self.walker)
        self.header = urwid.Text("")
        self.message = urwid.Text("")
        self.editor = EditPane(self._unknown, self._on_change)
        self.edits = self.editor.edits
        self.preview = PreviewPane(lambda work, done: self._background(work, done))
        self.preview_box = urwid.LineBox(self.preview, title="picture (v hides, V opens)")
        self.rows_box = urwid.LineBox(self.listbox, title="rows")
        self.left = urwid.Pile([self.rows_box])
        self.preview_on = preview_enabled() if preview is None else preview
        self._layout_left()
        self.columns = urwid.Columns([("weight", 45, self.left),
                                      ("weight", 55, urwid.LineBox(self.editor.widget, title="edit"))])
        footer = urwid.Pile([self.message, urwid.AttrMap(urwid.Text(footer_text()), "footer")])
        self.frame = urwid.Frame(self.columns, header=urwid.AttrMap(self.header, "header"), footer=footer)
        self.dialogs = DialogLayer(self.frame)
        urwid.connect_signal(self.walker, "modified", self._on_focus_change)
        self.reload()
        if qc_summary:
            self.dialogs.show("QC summary", qc_lines(qc_summary))

    @property
    def widget(self) -> urwid.Widget:
        return self.dialogs.widget

    # ---------------------------------------------------------------- rows

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
                rows.insert(min(previous.index(keep), len(rows)), kept)
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
        self.editor.load(row)
        self.dirty = False

    def _on_change(self) -> None:
        if self.current is None:
            return
        changes = self.editor.changes(self.current)
        self.dirty = bool(changes)
        if not changes:
            self.editor.show_details(self.current)
            return
        if self._index is None:
            self._index = self.service.index_without(self.current)
        try:
            result = self.service.preview(self.current, changes, self._index)
        except ProofdeskError as exc:
            self.say(str(exc), error=True)
            return
        self.editor.show_proof(result.verdict.value, [r for r in result.reasons if not r.is_fix], live=True)
        self.editor.show_spelling()

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
        if self.dialogs.is_open:
            return self.dialogs.keypress(size, key)
        in_list = self.columns.focus_position == 0
        action = action_for(key, "list" if in_list else "edit")
        if action is not None:
            getattr(self, f"do_{action}")()
            return None
        if not in_list and key in ("down", "up"):
            self.editor.move(1 if key == "down" else -1)
            return None
        return self.widget.keypress(size, key)

    def do_switch_pane(self) -> None:
        self.columns.focus_position = 1 - self.columns.focus_position

    def do_edit(self) -> None:
        self.columns.focus_position = 1

    def do_clear_field(self) -> None:
        label = self.editor.clear_focused()
        if label is not None:
            self.say(f"{label} cleared (unsaved: F2 saves, moving to another row saves too)")

    def do_save(self) -> None:
        self.save()

    def save(self, confirmed: bool = False) -> Row | None:
        if self.current is None:
            return None
        changes = self.editor.changes(self.current)
        if not changes:
            self.dirty = False
            return self.current
        if not confirmed and self.actions.needs_rename_confirmation(self.current, changes):
            ask_rename(self, self.current, changes["file_name"])
            return None
        result = self.actions.edit(self.current.key_text, changes)
        self.show(result)
        if result.row is None:
            return None
        self.dirty = False
        self.current = result.row
        self.reload(keep=result.row.key_text)
        return result.row

    # ---------------------------------------------------------------- decisions

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
        self._advance(result.message)

    def _advance(self, said: str | None = None) -> None:
        """After a decision, move to the next row, as a reviewer working down the list expects, and
        say where the cursor went after the action's own line."""
        _, position = self.walker.get_focus()
        moved = position is not None and position + 1 < len(self.walker)
        if moved:
            self.walker.set_focus(position + 1)
        if said is not None:
            where = f"next row: {self.current.original_name}" if moved and self.current else "last row: the cursor stays"
            self.say(f"{said} — {where}")

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
        words = self.editor.flagged_words()
        if not words:
            self.say("no flagged word to add")
            return
        result = self.actions.add_word(words[0])
        self.show(result)
        if not result.error:
            self._on_change()
            self.editor.show_spelling()

    def do_allow_place(self) -> None:
        ask_allow_place(self)

    def do_undo_suggestion(self) -> None:
        if self.current is None:
            return
        result = self.actions.undo_suggestion(self.current.key_text)
        self.show(result)
        if result.row is not None:
            self.reload(keep=result.row.key_text)

    # ---------------------------------------------------------------- slow work

    def run_slow(self, started: str, work: Callable[[], ActionResult], done: Callable[[Outcome], None]) -> None:
        """Run a slow action in the background, one at a time (`busy`), saying what started."""
        self.busy = True
        self.say(started)

        def finished(result: Outcome) -> None:
            self.busy = False
            done(result)

        self._background(work, finished)

    def do_generate(self) -> None:
        if self.current is None or self.busy:
            return
        key = self.current.key_text

        def generated(result: Outcome) -> None:
            self.show(result, f"Generate failed for {key}: ")
            if isinstance(result, ActionResult) and not result.error:
                self.reload(keep=key)

        self.run_slow(f"generating {key} …", lambda: self.actions.generate(key), generated)

    def do_publish(self) -> None:
        if self.dirty:
            self.save()
        ask_publish(self)

    def do_unpublish(self) -> None:
        ask_unpublish(self)

    # ---------------------------------------------------------------- picture, help, quit

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
        if self.current is not None:
            self.say(*open_original(self.current))

    def do_help(self) -> None:
        self.dialogs.show("Keys (arrows scroll, esc closes)", help_lines())

    def do_quit(self) -> None:
        if self.dirty:
            self.save()
        self.closed = True
        raise urwid.ExitMainLoop()

    def do_close_dialog(self) -> None:
        self.dialogs.close()


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

"""Key bindings of the review desk, as data: one place to read, change and document them.

`scope` is where a binding works: `list` (the row list has focus: plain letters are free), `edit`
(a field has the cursor) or `global` (everywhere, also while typing in a field: function and
control keys only).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Binding:
    key: str
    action: str
    help: str
    scope: str = "list"


BINDINGS: tuple[Binding, ...] = (
    Binding("tab", "switch_pane", "list ⇄ editor", "global"),
    Binding("f2", "save", "save edits", "global"),
    Binding("ctrl s", "save", "save edits", "global"),
    Binding("f3", "generate", "Generate", "global"),
    Binding("f4", "approve", "approve", "global"),
    Binding("f5", "reject", "reject", "global"),
    Binding("f6", "add_word", "add flagged word to dictionary", "global"),
    Binding("f7", "undo_suggestion", "previous suggestion", "global"),
    Binding("f8", "allow_place", "allow the place name place.far blocks", "global"),
    Binding("f9", "publish", "publish approved", "global"),
    Binding("f10", "quit", "quit", "global"),
    Binding("esc", "close_dialog", "close dialog", "global"),
    Binding("ctrl u", "clear_field", "clear the field that has the cursor (unsaved until F2 or a move)", "edit"),
    Binding("a", "approve", "approve"),
    Binding("r", "reject", "reject"),
    Binding("o", "reopen", "reopen rejected"),
    Binding("g", "generate", "Generate"),
    Binding("k", "keeper", "make this frame its scene's keeper"),
    Binding("u", "undo_suggestion", "previous suggestion"),
    Binding(" ", "mark", "mark row"),
    Binding("A", "approve_marked", "approve marked"),
    Binding("R", "reject_marked", "reject marked"),
    Binding("f", "cycle_filter", "filter"),
    Binding("d", "add_word", "add flagged word to dictionary"),
    Binding("l", "allow_place", "allow the place name place.far blocks"),
    Binding("p", "publish", "publish approved"),
    Binding("U", "unpublish", "unpublish: take the photo down from the gallery"),
    Binding("v", "toggle_preview", "show / hide the picture"),
    Binding("V", "open_viewer", "open the original image in the system viewer"),
    Binding("e", "edit", "edit row"),
    Binding("enter", "edit", "edit row"),
    Binding("?", "help", "help"),
    Binding("q", "quit", "quit"),
)

# paragraphs of the help screen (each wraps to the dialog's width)
CURSOR_HELP = (
    "After a decision the cursor moves to the next row: a / F4 (approve), r / F5 (reject), o "
    "(reopen) and space (mark) move it down one row (on the last row it stays). A refused decision "
    "(a blocked row) leaves it where it is; other keys keep it on its row."
)

LIST_HELP = (
    "Each row: * when marked, its status and proof verdict, then set/original name (→ the new file "
    "name when there is room). In a narrow list (an 80-column terminal) the scores give way to the "
    "name and the verdict is one mark: + accepted, ! blocked, - not proven. A decided or edited row "
    "stays in the list until the filter changes (f), even when it no longer matches the filter."
)

PREVIEW_HELP = (
    "The picture under the row list is the selected row's model-ready image (or its incoming "
    "original once that was cleaned after publishing), drawn as half-block cells in 24-bit colour. "
    "It is decoded in the background and kept per row. v hides or shows it; start the desk with "
    "PROOFDESK_PREVIEW=off to begin with it hidden. V opens the original image (the incoming copy of "
    "the camera file, not the model's 1024-px copy) in $PROOFDESK_VIEWER (else xdg-open / open) "
    "without waiting for it."
)

SCOPES = {"global": "anywhere", "list": "in the list", "edit": "in a field"}

FILTER_CYCLE = ("all", "blocked", "pending", "approved", "rejected", "published")


def action_for(key: str, scope: str) -> str | None:
    for binding in BINDINGS:
        if binding.key == key and (binding.scope == "global" or binding.scope == scope):
            return binding.action
    return None


def footer_text() -> str:
    shown = ("tab", "f2", "a", "r", "g", "u", "k", " ", "f", "d", "v", "p", "?", "q")
    parts = []
    for key in shown:
        binding = next(b for b in BINDINGS if b.key == key)
        label = "space" if key == " " else key
        parts.append(f"{label} {binding.help}")
    return " · ".join(parts)


def help_lines() -> list[str]:
    """The help screen: where the cursor goes after a decision first (a person asks that before
    anything else), then every binding, the row list's columns and the picture."""
    lines = []
    for binding in BINDINGS:
        label = "space" if binding.key == " " else binding.key
        lines.append(f"{label:>8}  {binding.help} ({SCOPES[binding.scope]})")
    return [CURSOR_HELP, "", *lines, "", LIST_HELP, "", PREVIEW_HELP]

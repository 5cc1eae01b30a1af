"""What the review desk draws: the row list's lines, the edit pane (fields with spellcheck marks, the
live proof, the row's claims, scene and EXIF facts) and the palette. Widgets and markup only: no
decision is taken here (the desk asks `ReviewActions`), nothing is stored.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Protocol

import urwid
from proofdesk.apps.review.preview import scene_parts
from proofdesk.core.domain.models import EDITABLE_FIELDS, Row
from proofdesk.core.domain.proof.claims import ClaimCounts
from proofdesk.core.domain.queue import held_file_name, is_blocked, renamed_while_published, replaced_while_published

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

# the proof's verdict in one character, for the row list at narrow widths
VERDICT_MARKS = {"accepted": "+", "blocked": "!"}
NOT_PROVEN_MARK = "-"
MIN_NAME_COLUMNS = 20  # narrower than this after the scores: the list drops them for the name
ELLIPSIS = "…"


def preview_enabled(environ: dict[str, str] | None = None) -> bool:
    """The picture is on unless PROOFDESK_PREVIEW says off (0, off, no, false)."""
    value = (os.environ if environ is None else environ).get("PROOFDESK_PREVIEW", "on")
    return value.strip().lower() not in ("0", "off", "no", "false")


def field_text(row: Row, name: str) -> str:
    value = getattr(row, name)
    if name == "keywords":
        return ", ".join(value)
    return value or ""


class Screen(Protocol):
    """What `DeskWidget` draws and sends keys to: the desk's current top widget and its key handler."""

    @property
    def widget(self) -> urwid.Widget: ...

    def keypress(self, size: tuple[int, int], key: str) -> str | None: ...


class DeskWidget(urwid.WidgetWrap):
    """Routes keys to the desk and shows whichever top widget (frame or dialog) is current."""

    def __init__(self, desk: Screen) -> None:
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


# ------------------------------------------------------------------------------------------ row list

def shortened(text: str, room: int) -> str:
    """`text` in at most `room` columns: the middle gives way to '…', the start and the end (a file
    name's extension, a set's place) stay."""
    if len(text) <= room:
        return text
    if room <= 1:
        return ELLIPSIS[:room]
    keep = room - 1
    suffix = os.path.splitext(text)[1]
    tail = min(keep - 1, max(keep // 2, len(suffix) + 2)) if keep > 1 else 0
    return text[:keep - tail] + ELLIPSIS + (text[len(text) - tail:] if tail else "")


def row_name(row: Row, room: int) -> str:
    """The row's `set/original name` in `room` columns, with ` → new file name` when that fits too.
    The original name gives way last: the set is shortened first, then dropped."""
    original = row.original_name
    full = f"{row.set_name}/{original}"
    renamed = f" → {row.file_name}" if row.file_name and row.file_name != original else ""
    if len(full) + len(renamed) <= room:
        return full + renamed
    if len(full) <= room:
        return full
    set_room = room - len(original) - 1
    if set_room >= 4:
        return f"{shortened(row.set_name, set_room)}/{original}"
    return shortened(original, room)


def row_line(row: Row, marked: bool, width: int | None = None) -> str:
    """One line of the row list. Wide: marker, status, verdict, BRISQUE, aesthetic score, author and
    the name; narrower than the scores plus `MIN_NAME_COLUMNS`: marker, verdict mark (+ accepted,
    ! blocked, - not proven), status and the name, so the name shows at 80 columns."""
    verdict = row.metadata_quality.value if row.metadata_quality else "-"
    mark = "*" if marked else " "
    brisque = f"{row.brisque_score:5.1f}" if row.brisque_score is not None else "  -  "
    aesthetic = f"{row.clip_aesthetic_score:4.1f}" if row.clip_aesthetic_score is not None else "  - "
    fallback = "~" if (row.brisque_fallback or row.clip_aesthetic_fallback) else " "
    author = "H" if any(f in EDITABLE_FIELDS for f in row.edited_fields) else ("O" if row.caption_source == "offline" else "AI")
    prefix = f"{mark} {row.status.value:9} {verdict:8} B{brisque} A{aesthetic}{fallback} {author:2} "
    if width is not None and width - len(prefix) < MIN_NAME_COLUMNS:
        prefix = f"{mark}{VERDICT_MARKS.get(verdict, NOT_PROVEN_MARK)} {row.status.value:9} "
    room = max(1, width - len(prefix)) if width is not None else 10_000
    return prefix + row_name(row, room)


class RowLine(urwid.Text):
    """A row's line, laid out for the width it is drawn at."""

    def __init__(self, row: Row, marked: bool) -> None:
        self.row = row
        self.marked = marked
        self._width: int | None = None
        super().__init__(row_line(row, marked), wrap="clip")

    def render(self, size: tuple[int, ...], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]
        if size[0] != self._width:
            self._width = size[0]
            self.set_text(row_line(self.row, self.marked, size[0]))
        return super().render(size, focus)


class RowItem(urwid.WidgetWrap):
    def __init__(self, row: Row, marked: bool = False) -> None:
        self.row = row
        self.text = RowLine(row, marked)
        attr = "blocked" if is_blocked(row) else None
        super().__init__(urwid.AttrMap(self.text, attr, focus_map="focus"))

    def selectable(self) -> bool:
        return True

    def keypress(self, size: tuple[int, ...], key: str) -> str | None:
        return key


# ------------------------------------------------------------------------------------------ edit pane

class SpellEdit(urwid.Edit):
    """An Edit whose text shows unknown words in the `misspelled` attribute."""

    def __init__(self, caption: str, text: str, unknown: Callable[[str], list[str]]) -> None:
        self._unknown = unknown
        super().__init__(caption, text, multiline=False)

    def get_text(self) -> tuple[str, list[tuple[Any, int]]]:
        text, attrib = super().get_text()
        flagged = self._unknown(self.edit_text)
        marks = word_spans(self.edit_text, flagged, offset=len(self.caption)) if flagged else []
        if not marks:
            return text, attrib
        runs: list[tuple[Any, int]] = []
        position = 0
        for start, end in marks:
            if start < position:
                continue
            if start > position:
                runs.append((None, start - position))
            runs.append(("misspelled", end - start))
            position = end
        if position < len(text):
            runs.append((None, len(text) - position))
        return text, runs


def word_spans(body: str, words: list[str], offset: int = 0) -> list[tuple[int, int]]:
    """Where each of `words` stands in `body` as a whole word (any case), sorted, shifted by `offset`."""
    spans: list[tuple[int, int]] = []
    lowered = body.lower()
    for word in words:
        start = 0
        needle = word.lower()
        while (found := lowered.find(needle, start)) != -1:
            end = found + len(needle)
            before_ok = found == 0 or not lowered[found - 1].isalpha()
            after_ok = end == len(lowered) or not lowered[end].isalpha()
            if before_ok and after_ok:
                spans.append((offset + found, offset + end))
            start = end
    return sorted(spans)


class EditPane:
    """The editable fields, the spelling line, the proof and the row's facts; `widget` is its ListBox.
    `on_change` hears a person's typing (not the desk loading a row into the fields)."""

    def __init__(self, unknown: Callable[[str], list[str]], on_change: Callable[[], None]) -> None:
        self._unknown = unknown
        self._on_change = on_change
        self._loading = False
        self.edits: dict[str, SpellEdit] = {}
        self.spelling = urwid.Text("")
        self.proof_text = urwid.Text("")
        self.facts_text = urwid.Text("")
        items: list[urwid.Widget] = []
        for name in EDITABLE_FIELDS:
            edit = SpellEdit(f"{FIELD_LABELS[name]}: ", "", unknown)
            urwid.connect_signal(edit, "postchange", self._changed)
            self.edits[name] = edit
            items.append(urwid.AttrMap(edit, "edit", focus_map="edit_focus"))
        items += [urwid.Divider(), self.spelling, urwid.Divider(), self.proof_text, urwid.Divider(), self.facts_text]
        self.widget = urwid.ListBox(urwid.SimpleFocusListWalker(items))

    def _changed(self, *_: Any) -> None:
        if not self._loading:
            self._on_change()

    def load(self, row: Row | None) -> None:
        """Show `row`'s fields. Loading is not an edit: no live proof (it would index the whole queue
        for a half-loaded row on every move through the list)."""
        self._loading = True
        try:
            for name, edit in self.edits.items():
                edit.set_edit_text(field_text(row, name) if row else "")
        finally:
            self._loading = False
        self.show_details(row)

    def changes(self, row: Row) -> dict[str, Any]:
        """The fields whose text differs from `row` as stored."""
        return {name: edit.edit_text for name, edit in self.edits.items() if edit.edit_text != field_text(row, name)}

    def move(self, step: int) -> None:
        """Up/down between the fields (a long caption wraps; left/right/home/end move in it)."""
        target = self.widget.focus_position + step
        if 0 <= target < len(EDITABLE_FIELDS):
            self.widget.focus_position = target

    def clear_focused(self) -> str | None:
        """Empty the field that has the cursor; its label, or None when no field has it."""
        name = EDITABLE_FIELDS[self.widget.focus_position] if self.widget.focus_position < len(EDITABLE_FIELDS) else None
        if name is None:
            return None
        self.edits[name].set_edit_text("")
        return FIELD_LABELS[name]

    def show_details(self, row: Row | None) -> None:
        if row is None:
            self.proof_text.set_text("no rows")
            self.facts_text.set_text("")
            self.spelling.set_text("")
            return
        verdict = row.metadata_quality.value if row.metadata_quality else "not proven"
        self.show_proof(verdict, [r for r in row.proof_reasons if not r.is_fix])
        self.show_spelling()
        self.facts_text.set_text(claims_markup(row) + scene_markup(row) + [("label", "EXIF and status\n")]
                                 + facts_markup(row))

    def show_proof(self, verdict: str, reasons: list[Any], live: bool = False) -> None:
        attr = "accepted" if verdict == "accepted" else "blocked" if verdict == "blocked" else None
        head = [("label", "Proof" + (" (live, unsaved)" if live else "") + ": "), (attr, verdict.upper())]
        body = [f"\n  {reason.rule}: {reason.text}" for reason in reasons[:8]]
        if any(reason.rule == "place.far" for reason in reasons):
            body.append(("message", "\n  a far place that is right here? l / F8 allows the name (places allow)"))
        self.proof_text.set_text(head + body)

    def flagged_words(self) -> list[str]:
        """The unknown words of the text fields, caption first."""
        return [word for name in ("caption", "alt_text", "keywords") for word in self._unknown(self.edits[name].edit_text)]

    def show_spelling(self) -> None:
        flagged = []
        for name in ("caption", "alt_text", "keywords"):
            words = self._unknown(self.edits[name].edit_text)
            if words:
                flagged.append(f"{FIELD_LABELS[name]}: {', '.join(words)}")
        if flagged:
            self.spelling.set_text([("misspelled", "Spelling? "), "; ".join(flagged), "  (d / F6 adds the first word)"])
        else:
            self.spelling.set_text("")


# ------------------------------------------------------------------------------------------ markup

def facts_markup(row: Row) -> list[Any]:
    """The row's key, status, capture time, camera, GPS, scores, author and publication warnings."""
    facts: list[Any] = [f"{row.set_name}/{row.original_name} — {row.status.value}"
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
    return [(item if isinstance(item, tuple) else (None, item)) for item in _joined(facts)]


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

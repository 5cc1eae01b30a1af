"""The review desk's picture of the selected row, drawn with Unicode half-blocks in 24-bit colour.

Each terminal cell shows two image pixels: '▀' with the upper pixel as its foreground colour and the
lower one as its background. That works in every terminal that passes 24-bit colour (tmux, SSH,
xterm) and needs nothing beyond Pillow.

Which file: the row's model-ready image (`ollama_path`), else its incoming original (the model-ready
copy is cleaned after publishing), else a placeholder. The viewer (`V`) opens the original. Decoding runs in a worker (one at a time; a
request the selection has already left is skipped) and the result is cached per row and pane size;
the pane only turns cached pixels into text on the main loop.

`scene_line` says in one line where the row stands in its scene (the desk shows it under the proof,
the contact sheet on each card).
"""

from __future__ import annotations

import io
import os
import shlex
import subprocess
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import urwid
from proofdesk.core.domain.models import Row
from proofdesk.core.domain.scenes import KEEPER_BY_PERSON

HALF_BLOCK = "▀"
TRUE_COLOR = 2**24
CACHE_SIZE = 64

Background = Callable[[Callable[[], Any], Callable[[Any], None]], None]


@dataclass(frozen=True)
class Pixels:
    """An RGB image already sized for the pane: `width` cells, `height` (even) pixel rows."""

    width: int
    height: int
    rgb: bytes


# a camera RAW file's upright picture, its long edge at most the given size (a PIL image), or
# None for a file that is no RAW
RawReader = Callable[[str, int], Any]


def _no_raw_reader(_path: str, _long_edge: int) -> None:
    return None


_resolve: Callable[[str], str] = os.path.abspath
_read_raw: RawReader = _no_raw_reader


def use_path_resolver(resolve: Callable[[str], str]) -> None:
    """How a path stored in a row becomes a local file (a path relative to `storage.shared_root`
    is resolved against this machine's mount of it); set once by the container."""
    global _resolve
    _resolve = resolve


def use_raw_reader(read_raw: RawReader) -> None:
    """How a camera RAW original becomes a picture (the image adapter knows RAW formats); set once
    by the container. Without it a RAW file is drawn by what Pillow makes of it."""
    global _read_raw
    _read_raw = read_raw


def _existing(stored: str | None) -> str | None:
    path = _resolve(stored) if stored else None
    return path if path and os.path.exists(path) else None


def preview_source(row: Row | None) -> str | None:
    """The file to draw for `row`: its model-ready image, else its incoming original, else None."""
    if row is None:
        return None
    return _existing(row.ollama_path) or _existing(row.incoming_path)


def original_source(row: Row) -> str | None:
    """The row's original image at full size: its incoming copy, else the file it was read from
    (the card or shoot folder), else None. Never the model's downsized copy."""
    return _existing(row.incoming_path) or _existing(row.source_path)


def scene_parts(row: Row) -> list[tuple[str, str]] | None:
    """The parts of the row's scene line as (kind, text): kind is `scene`, `rank`, `keeper`, `cull` or
    `flags`. None for a row the scene stage has not placed in a scene."""
    if not row.scene_id:
        return None
    parts = [("scene", f"scene {row.scene_id}")]
    if row.scene_rank is not None and row.scene_size is not None:
        parts.append(("rank", f"rank {row.scene_rank} of {row.scene_size}"))
    if row.keeper:
        parts.append(("keeper", "keeper" + (" (chosen by a person)" if row.keeper_chosen_by == KEEPER_BY_PERSON else "")))
    elif row.cull_suggested:
        parts.append(("cull", f"cull suggested: {row.cull_reason or 'another frame of the scene ranks higher'}"))
    if row.quality_flags:
        parts.append(("flags", "flagged: " + ", ".join(row.quality_flags)))
    return parts


def scene_line(row: Row) -> str | None:
    """"scene <set>:<first frame> · rank 2 of 5 · keeper" or "… · cull suggested: <reason>", plus
    "· flagged: black" when the frame has quality flags; None for a row without a scene."""
    parts = scene_parts(row)
    return " · ".join(text for _, text in parts) if parts else None


def fit(width: int, height: int, cols: int, rows: int) -> tuple[int, int]:
    """The largest pixel size inside `cols` × `2*rows` half-block pixels that keeps the proportion
    (a half-block pixel is about square); the height is even, as each cell holds two pixel rows."""
    if width <= 0 or height <= 0 or cols <= 0 or rows <= 0:
        return 0, 0
    scale = min(cols / width, 2 * rows / height)
    new_width = max(1, min(cols, round(width * scale)))
    new_height = max(2, min(2 * rows, 2 * round(height * scale / 2)))
    return new_width, new_height


def decode(path: str, cols: int, rows: int) -> Pixels:
    """Open, orient and shrink the image at `path` to fit `cols` × `rows` cells."""
    from PIL import Image, ImageOps

    raw = _read_raw(path, max(cols * 2, rows * 4)) if os.path.isfile(path) else None  # a camera RAW original
    if raw is not None:
        oriented = raw
    else:
        with open(path, "rb") as handle:
            source: Any = handle if handle.seekable() else io.BytesIO(handle.read())  # a pipe: read it whole
            image = Image.open(source)
            image.draft("RGB", (cols * 2, rows * 4))  # JPEG: decode at a reduced scale, much faster
            oriented = ImageOps.exif_transpose(image).convert("RGB")
    width, height = fit(oriented.width, oriented.height, cols, rows)
    if width == 0:
        return Pixels(0, 0, b"")
    resized = oriented.resize((width, height), Image.Resampling.BOX)
    return Pixels(width, height, resized.tobytes())


_SPECS: dict[tuple[bytes, bytes], urwid.AttrSpec] = {}


def _spec(top: bytes, bottom: bytes) -> urwid.AttrSpec:
    spec = _SPECS.get((top, bottom))
    if spec is None:
        if len(_SPECS) > 65536:
            _SPECS.clear()
        spec = urwid.AttrSpec("#" + top.hex(), "#" + bottom.hex(), colors=TRUE_COLOR)
        _SPECS[(top, bottom)] = spec
    return spec


def half_block_markup(pixels: Pixels) -> list[Any]:
    """urwid text markup for `pixels`: one line per two pixel rows, runs of equal cells merged."""
    markup: list[Any] = []
    stride = pixels.width * 3
    data = pixels.rgb
    for y in range(0, pixels.height, 2):
        if y:
            markup.append("\n")
        top_row = data[y * stride:(y + 1) * stride]
        bottom_row = data[(y + 1) * stride:(y + 2) * stride] if y + 1 < pixels.height else top_row
        run_spec: urwid.AttrSpec | None = None
        run_length = 0
        for x in range(0, stride, 3):
            spec = _spec(top_row[x:x + 3], bottom_row[x:x + 3])
            if spec == run_spec:
                run_length += 1
                continue
            if run_spec is not None:
                markup.append((run_spec, HALF_BLOCK * run_length))
            run_spec, run_length = spec, 1
        if run_spec is not None:
            markup.append((run_spec, HALF_BLOCK * run_length))
    return markup


class PreviewPane(urwid.Widget):
    """A box widget that draws the selected row's image, decoding in the background."""

    _sizing = frozenset([urwid.Sizing.BOX])
    _selectable = False

    def __init__(self, background: Background) -> None:
        super().__init__()
        self.background = background
        self.row: Row | None = None
        self._cache: OrderedDict[tuple[Any, ...], list[Any] | str] = OrderedDict()
        self._pending: set[tuple[Any, ...]] = set()
        self._wanted: tuple[Any, ...] | None = None
        self._decode_lock = threading.Lock()

    def show(self, row: Row | None) -> None:
        self.row = row
        self._invalidate()

    def body(self, cols: int, rows: int) -> list[Any] | str:
        """What the pane shows at this size: cached markup, or a line saying why there is none."""
        row = self.row
        if row is None:
            return "no row selected"
        path = preview_source(row)
        if path is None:
            return f"no image file for {row.original_name}\n(model-ready copy and incoming original are missing)"
        key = (path, row.sha256, cols, rows)  # a changed photo has a new sha256
        cached = self._cache.get(key)
        if cached is None:
            self._wanted = key
            if key not in self._pending:
                self._pending.add(key)
                self.background(lambda: self._decode(key, path, cols, rows), lambda result: self._decoded(key, result))
            cached = self._cache.get(key)  # an inline background has already answered
        if cached is None:
            return f"decoding {os.path.basename(path)} …"
        self._cache.move_to_end(key)
        return cached

    def _decode(self, key: tuple[Any, ...], path: str, cols: int, rows: int) -> Pixels | None:
        with self._decode_lock:
            if key != self._wanted:
                return None  # the selection moved on while this waited
            return decode(path, cols, rows)

    def _decoded(self, key: tuple[Any, ...], result: Any) -> None:
        self._pending.discard(key)
        if result is None:
            return
        if isinstance(result, BaseException):
            self._cache[key] = f"cannot draw this image: {result}"
        else:
            self._cache[key] = half_block_markup(result)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        self._invalidate()

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]
        cols, rows = size
        content = self.body(cols, rows)
        text = urwid.Text(content, align="center", wrap="clip" if isinstance(content, list) else "space")
        return urwid.Filler(text, valign="middle").render(size, focus)


def viewer_command(path: str, environ: dict[str, str] | None = None) -> list[str]:
    """The command that opens `path` in the system viewer: `$PROOFDESK_VIEWER`, else xdg-open/open."""
    env = os.environ if environ is None else environ
    configured = env.get("PROOFDESK_VIEWER", "").strip()
    if configured:
        return [*shlex.split(configured), path]
    return ["open" if sys.platform == "darwin" else "xdg-open", path]


def open_in_viewer(path: str) -> None:
    """Start the viewer detached from the desk (its output never reaches the terminal) and reap it
    in a thread, so the desk never waits for it."""
    process = subprocess.Popen(viewer_command(path), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    threading.Thread(target=process.wait, daemon=True, name="viewer-reaper").start()


def open_original(row: Row) -> tuple[str, bool]:
    """Open `row`'s original image (never the model's downsized copy) in the viewer; the line the
    desk shows and whether it reports a failure."""
    path = original_source(row)
    if path is None:
        stored = row.incoming_path or row.source_path or "no path stored"
        return f"the original of {row.key_text} is missing ({stored})", True
    try:
        open_in_viewer(path)
    except OSError as exc:
        return f"cannot start the viewer (set PROOFDESK_VIEWER): {exc}", True
    return f"opened the original {path} in the viewer", False

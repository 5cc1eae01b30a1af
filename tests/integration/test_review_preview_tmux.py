"""The desk's picture in a real terminal (tmux, 80×24 and 200×60): the selected photo is drawn as
half-block cells whose 24-bit colours match the image, it follows the selection, `v` hides and shows
it, and keys are handled while a 24 MP image is still decoding."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from .conftest import Proofdesk
from .test_review_tmux import Tmux, pytestmark  # noqa: F401 - the same skip rule (never under CI)

HALF_BLOCK = "▀"
SGR = re.compile(r"\x1b\[([0-9;]*)m")


def colour_cells(screen: str) -> list[list[tuple[int, int, int] | None]]:
    """Per screen line, the foreground RGB of each cell that shows a half-block (None elsewhere)."""
    grid: list[list[tuple[int, int, int] | None]] = []
    fg: tuple[int, int, int] | None = None
    for line in screen.split("\n"):
        row: list[tuple[int, int, int] | None] = []
        position = 0
        for match in SGR.finditer(line):
            row.extend((fg if ch == HALF_BLOCK else None) for ch in line[position:match.start()])
            position = match.end()
            codes = [int(c) if c else 0 for c in match.group(1).split(";")] if match.group(1) else [0]
            i = 0
            while i < len(codes):
                code = codes[i]
                if code == 0 or code == 39:
                    fg = None
                elif code == 38 and i + 4 < len(codes) + 0 and codes[i + 1] == 2:
                    fg = (codes[i + 2], codes[i + 3], codes[i + 4])
                    i += 4
                elif code in (38, 48) and i + 1 < len(codes) and codes[i + 1] == 5:
                    i += 2
                elif code == 48 and i + 1 < len(codes) and codes[i + 1] == 2:
                    i += 4
                i += 1
        row.extend((fg if ch == HALF_BLOCK else None) for ch in line[position:])
        grid.append(row)
    return grid


def preview_rows(screen: str) -> list[list[tuple[int, int, int]]]:
    """The half-block cells of each screen line (left to right), lines without any left out."""
    return [[c for c in row if c is not None] for row in colour_cells(screen) if any(c is not None for c in row)]


def is_red(c: tuple[int, int, int]) -> bool:
    return c[0] > 180 and c[1] < 70 and c[2] < 70


def is_blue(c: tuple[int, int, int]) -> bool:
    return c[2] > 180 and c[0] < 70 and c[1] < 70


def is_green(c: tuple[int, int, int]) -> bool:
    return c[1] > 180 and c[0] < 70 and c[2] < 70


class ColourTmux(Tmux):
    def __init__(self, name: str, command: str, cwd: Path, env: dict[str, str], size: tuple[int, int]) -> None:
        self.size = size
        super().__init__(name, command, cwd, env)
        subprocess.run(["tmux", "resize-window", "-t", name, "-x", str(size[0]), "-y", str(size[1])], check=True)

    def capture_colours(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-e", "-p", "-t", self.name],
                              capture_output=True, text=True).stdout

    def wait_for_picture(self, check: object, timeout: float = 20.0) -> list[list[tuple[int, int, int]]]:
        deadline = time.monotonic() + timeout
        rows: list[list[tuple[int, int, int]]] = []
        while time.monotonic() < deadline:
            rows = preview_rows(self.capture_colours())
            if rows and check(rows):  # type: ignore[operator]
                return rows
            time.sleep(0.1)
        raise AssertionError(f"the picture did not match; half-block rows: {rows[:3]}\n{self.capture()}")


def split_ok(rows: list[list[tuple[int, int, int]]]) -> bool:
    """Red cells in the left half of the picture, blue in the right (one column of blending allowed)."""
    for row in rows:
        half = len(row) // 2
        if len(row) < 6 or not all(is_red(c) for c in row[: half - 1]) or not all(is_blue(c) for c in row[half + 1:]):
            return False
    return True


@pytest.mark.parametrize("size", [(80, 24), (200, 60)], ids=["80x24", "200x60"])
def test_picture_in_tmux(proofdesk: Proofdesk, tmp_path: Path, size: tuple[int, int]) -> None:
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    image = Image.new("RGB", (600, 400), (255, 0, 0))
    image.paste((0, 0, 255), (300, 0, 600, 400))
    image.save(shoot / "a_red_blue.jpg", quality=95)
    Image.new("RGB", (600, 400), (0, 255, 0)).save(shoot / "b_green.jpg", quality=95)
    Image.new("RGB", (6000, 4000), (128, 128, 128)).save(shoot / "c_large.jpg", quality=90)  # 24 MP
    prepared = proofdesk("run", str(shoot), "--until", "queue", "--no-review")
    assert prepared.exit_code == 0, prepared.output
    large = next(Path(row["incoming_path"]) for row in proofdesk.rows() if row["original_name"] == "c_large.jpg")
    # The 24 MP file becomes a pipe fed slowly, so its decode lasts as long as the test needs it to.
    data = large.read_bytes()
    large.unlink()
    os.mkfifo(large)

    def feed() -> None:
        with open(large, "wb") as pipe:
            for start in range(0, len(data), len(data) // 30 + 1):
                pipe.write(data[start:start + len(data) // 30 + 1])
                pipe.flush()
                time.sleep(0.1)

    feeder = threading.Thread(target=feed, daemon=True)
    command = f"{shlex.quote(sys.executable)} -m proofdesk.apps review"
    env = {"PYTHONPATH": os.environ.get("PYTHONPATH", ""), "PROOFDESK_PREVIEW": "on"}
    tmux = ColourTmux(f"proofdesk-pic-{os.getpid()}-{size[0]}", command, proofdesk.cwd, env, size)
    try:
        tmux.wait_for("(3 rows)")
        # the first row (red left, blue right) is drawn in proportion: red in the left half, blue in the right
        rows = tmux.wait_for_picture(split_ok)
        assert len(rows) >= 3 and max(len(r) for r in rows) >= 8
        # it follows the selection
        tmux.keys("Down")
        tmux.wait_for_picture(lambda rows: all(is_green(c) for row in rows for c in row))
        # v hides it, v shows it again
        tmux.keys("v")
        tmux.wait_for("picture hidden")
        assert preview_rows(tmux.capture_colours()) == []
        tmux.keys("v")
        tmux.wait_for_picture(lambda rows: all(is_green(c) for row in rows for c in row))
        # keys are handled while the 24 MP image decodes
        feeder.start()
        tmux.keys("Down")
        tmux.wait_for("decoding c_large.jpg")
        tmux.keys("?")
        tmux.wait_for("close dialog", timeout=2)
        tmux.keys("Escape")
        tmux.keys("f")
        tmux.wait_for("filter: blocked", timeout=2)
        tmux.keys("f", "f", "f", "f", "f")
        tmux.wait_for("filter: all", timeout=2)
        assert feeder.is_alive(), "the decode finished before the keys were checked"
        tmux.keys("Down", "Down")  # the filter change put the selection back on the first row
        feeder.join(timeout=30)
        tmux.wait_for_picture(lambda rows: all(100 < c[0] < 160 and abs(c[0] - c[2]) < 10 for r in rows for c in r))
        tmux.keys("Up")
        tmux.wait_for_picture(lambda rows: all(is_green(c) for row in rows for c in row))
        tmux.keys("q")
        tmux.wait_for("EXITED")
    finally:
        tmux.close()

"""Benchmark the web desk in headless Chromium over a 2,000-row queue (figures printed, not a timed test).

    .venv/bin/python benchmarks/bench_web_desk.py [--rows 2000] [--presses 150] [--pace-ms 400] [--size 3000x2000]

Builds a SQLite queue of ROWS rows straight through the storage port: scenes of five frames (the
first the keeper, the others suggested for culling), each row a camera-size JPEG of its own (SIZE;
24 distinct pictures, every file made unique by a JPEG comment, so every row has its own sha256 and
the server's preview cache is keyed on a new file each time), captions with an accepted proof.
Starts `proofdesk serve` on it, opens the page in Debian's headless Chromium and prints:

- → key to the next preview shown in the loupe (the loupe view, after Enter): measured in the page with performance.now(), from
  the keydown (a capture listener, before the desk's own) to the new `img[data-loupe]` src loaded
  and decode()d, and to the next animation frame after that (the frame that shows it); median and
  95th percentile over PRESSES presses, each to a row not shown before, in two passes: keys back to
  back (the next as soon as the photo shows: the page's prefetch of the next three previews barely
  gets ahead) and one key every PACE_MS or more (a photographer looking at each photo);
- grid first paint: from navigation start to the first animation frame in which every row's
  `[data-row]` element is in the page (and the browser's first-contentful-paint beside it);
- GET of the row list (`--rows-path`, default /api/rows) for all rows: server time as the client on
  the same machine sees it (median of 20), and the Server-Timing header when the desk sends one.

Targets (issue 27) are printed beside the figures: median ≤ 50 ms, p95 ≤ 120 ms, first paint ≤ 1.0 s,
row list ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SET = "2026-06-12_bench"
PICTURES = 24
SCENE = 5
TARGETS = {"median": 50.0, "p95": 120.0, "first_paint": 1000.0, "row_list": 100.0}

# Installed before the page's own scripts (CDP, so the page's CSP does not apply to it): the first
# animation frame in which all rows are in the page.
GRID_PROBE = """
(() => {
  const rows = %d;
  const tick = () => {
    const count = document.querySelectorAll('[data-row]').length;
    if (count > 0 && window.__firstRowAt === undefined) window.__firstRowAt = performance.now();
    if (count >= rows) { window.__gridAt = performance.now(); return; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""

# From keydown (capture phase: before the desk's handler) to the new loupe src decoded, then shown.
KEY_PROBE = """
(() => {
  const b = window.__bench = {decoded: [], shown: [], failed: 0, hidden: 0, pending: null};
  const check = () => {
    const p = b.pending;
    if (!p) return;
    const img = document.querySelector('img[data-loupe]');
    if (!img || !img.src || img.src === p.src0) return;
    b.pending = null;
    const loaded = (img.complete && img.naturalWidth) ? Promise.resolve()
      : new Promise((ok) => img.addEventListener('load', ok, {once: true}));
    loaded.then(() => img.decode()).then(() => {
      b.decoded.push(performance.now() - p.t0);
      if (!img.offsetWidth) b.hidden += 1;  // decoded, but the loupe is not on the screen
      requestAnimationFrame(() => b.shown.push(performance.now() - p.t0));
    }, () => { b.failed += 1; b.shown.push(-1); });
  };
  new MutationObserver(check).observe(document.body, {attributes: true, attributeFilter: ['src'], childList: true, subtree: true});
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'ArrowRight') return;
    const img = document.querySelector('img[data-loupe]');
    b.pending = {t0: performance.now(), src0: img ? img.src : null};
    const poll = () => { if (b.pending) { check(); requestAnimationFrame(poll); } };
    requestAnimationFrame(poll);
  }, true);
})();
"""


def pictures(size: tuple[int, int], count: int = PICTURES) -> list[bytes]:
    """`count` distinct camera-size JPEGs: smooth colour fields with fine grain (about 1 MB each)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(27)
    made = []
    for _ in range(count):
        small = Image.fromarray(rng.integers(0, 256, (12, 18, 3), dtype=np.uint8)).resize(size, Image.Resampling.BICUBIC)
        grain = rng.normal(0, 4, (size[1], size[0], 1)).astype(np.int16)
        pixels = np.clip(np.asarray(small).astype(np.int16) + grain, 0, 255).astype(np.uint8)
        out = io.BytesIO()
        Image.fromarray(pixels).save(out, "JPEG", quality=88)
        made.append(out.getvalue())
    return made


def unique(jpeg: bytes, label: str) -> bytes:
    """The same picture with a JPEG comment (COM segment) after SOI: other bytes, other sha256."""
    payload = label.encode()
    return jpeg[:2] + b"\xff\xfe" + (len(payload) + 2).to_bytes(2, "big") + payload + jpeg[2:]


def build(folder: Path, rows: int, size: tuple[int, int]) -> None:
    """A `.proofdesk` work directory in `folder` whose SQLite queue holds `rows` rows."""
    import hashlib

    from proofdesk.adapters.storage.sql import SqlQueueStore
    from proofdesk.core.domain import queue as row_queue
    from proofdesk.core.domain.models import ProofVerdict, Row, RowStatus

    workdir = folder / ".proofdesk"
    incoming = workdir / "incoming" / SET
    incoming.mkdir(parents=True)
    bases = pictures(size)
    store = SqlQueueStore(f"sqlite:///{workdir / 'queue.sqlite'}")
    with store.unit_of_work() as uow:
        for i in range(rows):
            name = f"DSC_{i:05d}.jpg"
            data = unique(bases[(i // SCENE) % len(bases)], f"{SET}/{name}")
            (incoming / name).write_bytes(data)
            scene, rank = i // SCENE, i % SCENE + 1
            row = Row(set_name=SET, original_name=name, source_path=str(incoming / name), incoming_path=str(incoming / name),
                      sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data), width=size[0], height=size[1],
                      captured_at=f"2026-06-12T{10 + scene // 60 % 10:02d}:{scene % 60:02d}:{rank:02d}",
                      scene_id=f"{SET}:DSC_{scene * SCENE:05d}.jpg", scene_size=SCENE, scene_rank=rank,
                      keeper=rank == 1, keeper_chosen_by="scores", cull_suggested=rank != 1,
                      cull_reason=None if rank == 1 else f"DSC_{scene * SCENE:05d} is sharper",
                      caption=f"Morning light over the old harbour, frame {i} of the burst.",
                      alt_text=f"Old harbour in morning light, frame {i}", keywords=["harbour", "morning", "boats"],
                      file_name=f"old-harbour-morning-{i}.jpg", stages_done=["exif", "score", "scene", "caption"],
                      status=RowStatus.PENDING)
            row = row_queue.mark_prefilled(row).changed(metadata_quality=ProofVerdict.ACCEPTED, proof_reasons=[])
            uow.rows.add(row.changed(proof_digest=row.metadata_digest()))
        uow.commit()
    store.close()


def quantile95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]


def line(label: str, value: float, target: float, unit: str = "ms") -> str:
    verdict = "ok" if value <= target else "OVER"
    return f"{label:48} {value:8.1f} {unit}   target ≤ {target:g} {unit}   {verdict}"


def row_list_time(desk: object, path: str) -> tuple[float, str | None, int]:
    """Median of 20 GETs of `path` (after one to warm up), with the token as a Bearer header."""
    url = desk.base + path  # type: ignore[attr-defined]
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {desk.token}"})  # type: ignore[attr-defined]
    timings, server_timing, size = [], None, 0
    for _ in range(21):
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
            server_timing = response.headers.get("Server-Timing")
        timings.append((time.perf_counter() - started) * 1000)
        size = len(body)
    return statistics.median(timings[1:]), server_timing, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--presses", type=int, default=150, help="→ presses per pass (two passes)")
    parser.add_argument("--size", default="3000x2000", help="camera-size originals, WxH")
    parser.add_argument("--pace-ms", type=int, default=400,
                        help="the second pass: at least this long between keys (a photographer looking at each photo)")
    parser.add_argument("--rows-path", default="/api/rows", help="the desk's row-list endpoint")
    args = parser.parse_args()
    size = tuple(int(part) for part in args.size.split("x"))
    if 2 * args.presses > args.rows // SCENE - 1:
        parser.error(f"--presses {args.presses}: → moves over the {args.rows // SCENE} scenes' keepers (frames are "
                     f"collapsed behind them) in two passes; at most {(args.rows // SCENE - 1) // 2} presses a pass")

    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.ui import WebDriverWait
    from tests.support.browser import headless_chromium, serve

    with tempfile.TemporaryDirectory(prefix="bench-web-desk-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        build(folder, args.rows, size)  # type: ignore[arg-type]
        print(f"queue: {args.rows} rows, {size[0]}x{size[1]} JPEG originals, built in {time.perf_counter() - started:.1f} s")
        desk = serve(folder)
        driver = headless_chromium()
        try:
            list_ms, server_timing, list_bytes = row_list_time(desk, args.rows_path)
            page_ms, _, page_bytes = row_list_time(desk, "/")

            driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": GRID_PROBE % args.rows})
            driver.get(desk.url)
            wait = WebDriverWait(driver, 120, poll_frequency=0.02)
            wait.until(lambda d: d.execute_script("return window.__gridAt"), "the grid never held every row")
            grid_at, first_row_at, fcp, navigation = driver.execute_script(
                "const p = performance.getEntriesByName('first-contentful-paint')[0];"
                "const n = performance.getEntriesByType('navigation')[0];"
                "return [window.__gridAt, window.__firstRowAt, p ? p.startTime : null,"
                " [n.responseEnd, n.domInteractive, n.domContentLoadedEventStart, n.domContentLoadedEventEnd]];")

            driver.execute_script(KEY_PROBE)
            first = driver.find_element("css selector", "[data-row]")
            driver.execute_script("arguments[0].click();", first)
            ActionChains(driver).send_keys("\ue007").perform()  # Enter: the loupe view, where → is timed
            wait.until(lambda d: d.execute_script(
                "const i = document.querySelector('img[data-loupe]');"
                "return document.body.dataset.view === 'loupe' && i && i.complete && i.naturalWidth > 0 && i.offsetWidth > 0;"),
                "Enter showed no loupe with the first row's image")
            passes = []
            for pace in (0.0, args.pace_ms / 1000):
                driver.execute_script(KEY_PROBE)  # a fresh tally per pass
                for press in range(args.presses):
                    ActionChains(driver).send_keys("\ue014").perform()  # →
                    wait.until(lambda d, n=press + 1: d.execute_script("return window.__bench.shown.length") >= n,
                               f"press {press + 1}: the loupe showed no new image")
                    time.sleep(pace)  # the photographer looks at the photo before the next key
                passes.append((pace, driver.execute_script("return window.__bench;")))
        finally:
            driver.quit()
            desk.stop()

    for pace, bench in passes:
        shown = [value for value in bench["shown"] if value >= 0]
        decoded = bench["decoded"]
        how = "keys back to back (the next as soon as the photo shows)" if not pace else f"one key every {pace * 1000:.0f} ms or more"
        print(f"→ to the next preview in the loupe view, {len(shown)} presses, {how} "
              f"({bench['failed']} failed decodes, {bench['hidden']} shown off screen):")
        print(line("  decoded, median", statistics.median(decoded), TARGETS["median"]))
        print(line("  shown (next frame), median", statistics.median(shown), TARGETS["median"]))
        print(line("  shown (next frame), 95th percentile", quantile95(shown), TARGETS["p95"]))
        print(f"  (decoded p95 {quantile95(decoded):.1f} ms, max shown {max(shown):.1f} ms)")
    print(line(f"grid first paint ({args.rows} rows in the page)", grid_at, TARGETS["first_paint"]))
    print(f"  (first row painted at {first_row_at:.1f} ms; first-contentful-paint {fcp if fcp is None else round(fcp, 1)} ms; "
          f"GET / of the page, {page_bytes / 1024:.0f} KiB: median {page_ms:.1f} ms)")
    received, parsed, script_done = navigation[0], navigation[1], navigation[2]
    print(f"  (the page's HTML received at {received:.0f} ms, parsed at {parsed:.0f} ms; its deferred script ran until "
          f"{script_done:.0f} ms)")
    print(line(f"GET {args.rows_path} ({args.rows} rows, {list_bytes / 1024:.0f} KiB), median", list_ms, TARGETS["row_list"]))
    if server_timing:
        print(f"  (Server-Timing: {server_timing})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

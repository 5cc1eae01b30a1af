"""The web desk's screenshot for the docs: docs/images/web-desk.png.

    .venv/bin/python scripts/web_desk_screenshot.py [--output docs/images/web-desk.png] [--size 1400x900]

Builds the demo set (`python -m proofdesk.apps.demo`, the quick start's six photos of Lucca) in a
temporary folder, runs stages 1-7 on it with the demo config (offline captioner, SQLite queue),
approves one row and rejects another so the grid shows its badges, starts `proofdesk serve`, opens
the page in Debian's headless Chromium (chromium + chromium-driver, nothing downloaded), selects the
scene's keeper so the loupe and the editor show it, and saves the window as a PNG. Nothing in the
project folder is touched but the output file.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def proofdesk(config: Path, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "proofdesk.apps", "--config", str(config), *args],
                            capture_output=True, text=True, cwd=config.parent, env={**os.environ})
    if result.returncode not in (0, 3):
        raise SystemExit(f"proofdesk {' '.join(args)} failed (exit {result.returncode}):\n{result.stdout}{result.stderr}")
    return result.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "images" / "web-desk.png")
    parser.add_argument("--size", default="1400x900", help="the browser window, WxH")
    args = parser.parse_args()
    width, height = (int(part) for part in args.size.split("x"))

    from proofdesk.apps.demo import SET_NAME, build_demo_set
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.ui import WebDriverWait
    from tests.support.browser import headless_chromium, serve

    with tempfile.TemporaryDirectory(prefix="web-desk-shot-") as tmp:
        folder = Path(tmp)
        config = folder / "proofdesk.toml"
        shutil.copy2(ROOT / "demo" / "proofdesk.toml", config)
        set_dir = folder / "sets" / SET_NAME
        build_demo_set(set_dir)
        proofdesk(config, "run", str(set_dir), "--no-review")
        rows = json.loads(proofdesk(config, "rows", "--json"))
        accepted = sorted(row["original_name"] for row in rows if row["metadata_quality"] == "accepted" and row["keeper"] is not False)
        culled = sorted(row["original_name"] for row in rows if row["cull_suggested"])
        keeper = next(row for row in rows if row["keeper"] and (row["scene_size"] or 0) > 1)
        others = [name for name in accepted if name != keeper["original_name"]]
        if others:
            proofdesk(config, "approve", others[0])
        if len(others) > 1:
            proofdesk(config, "reject", others[-1])

        desk = serve(folder, extra=("--config", str(config)))
        driver = headless_chromium(width, height)
        try:
            wait = WebDriverWait(driver, 60, poll_frequency=0.05)
            driver.get(desk.url)
            wait.until(lambda d: len(d.find_elements("css selector", "[data-row]")) == len(rows), "the grid never held every row")
            target = driver.find_element("css selector", f'[data-row="{SET_NAME}/{keeper["original_name"]}"]')
            driver.execute_script("arguments[0].click();", target)
            ActionChains(driver).send_keys("\ue007").perform()  # Enter: the loupe with the editor beside it
            wait.until(lambda d: d.execute_script(
                "const i = document.querySelector('img[data-loupe]');"
                "return document.body.dataset.view === 'loupe' && i && i.complete && i.naturalWidth > 0 && i.offsetWidth > 0"
                " && document.getElementById('editor-title').textContent === arguments[0]"
                " && document.getElementById('findings') !== null;", f"{SET_NAME}/{keeper['original_name']}"),
                "the loupe and the editor never showed the selected row")
            wait.until(lambda d: d.execute_script(
                "return Array.from(document.images).every((i) => !i.src || i.loading === 'lazy' || i.complete);"),
                "the page's images never finished loading")
            args.output.parent.mkdir(parents=True, exist_ok=True)
            if not driver.save_screenshot(str(args.output)):
                raise SystemExit(f"{args.output}: chromium wrote no screenshot")
        finally:
            driver.quit()
            desk.stop()
    print(f"{args.output}: the web desk on the demo set ({len(rows)} rows; {len(culled)} suggested for culling), "
          f"{width}x{height}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

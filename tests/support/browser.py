"""Web desk helpers for the browser tests, the benchmark and the screenshot script: `serve(cwd, env)` starts
`proofdesk serve` as a subprocess on a free loopback port and reads its printed URL line
(`proofdesk desk: http://127.0.0.1:PORT/?token=…`); `headless_chromium()` is Debian's chromium
driven through its matching chromium-driver by Selenium, with nothing downloaded (SE_OFFLINE).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
URL_LINE = re.compile(r"proofdesk desk: (http://\S+)")
OFFLINE = {
    "PROOFDESK_CAPTIONER__BACKEND": "offline",
    "PROOFDESK_SCORING__BRISQUE_ENGINE": "fallback",
    "PROOFDESK_SCORING__AESTHETIC_ENGINE": "fallback",
}


def headless_chromium(width: int = 1400, height: int = 900, extra: tuple[str, ...] = ()) -> Any:
    """A Selenium WebDriver on Debian's headless chromium (the caller quits it); `extra`: more
    command-line switches (e.g. `--host-resolver-rules=MAP rebind.test 127.0.0.1`)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never fetch a browser or driver
    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}",
                     "--disable-gpu", "--no-first-run", "--disable-extensions", *extra):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    return driver


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Desk:
    """A running `proofdesk serve`: its URL (with the token) and its output so far."""

    def __init__(self, process: subprocess.Popen[str], url: str, output: list[str]) -> None:
        self.process = process
        self.url = url
        self.output = output

    @property
    def base(self) -> str:
        return self.url.split("?", 1)[0].rstrip("/")

    @property
    def token(self) -> str:
        return self.url.split("token=", 1)[1].split("&", 1)[0]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def serve(cwd: Path, env: dict[str, str] | None = None, timeout: float = 60.0, extra: tuple[str, ...] = ()) -> Desk:
    """Start `proofdesk serve` in `cwd` on a free loopback port; wait for its URL line."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "proofdesk.apps", *extra, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=cwd, env={**os.environ, **OFFLINE, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, bufsize=1,
    )
    output: list[str] = []
    found = threading.Event()
    url: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            match = URL_LINE.search(line)
            if match and not url:
                url.append(match.group(1))
                found.set()
        found.set()  # the process ended

    threading.Thread(target=read, daemon=True).start()
    found.wait(timeout)
    if not url:
        process.kill()
        process.wait(timeout=10)
        raise AssertionError(f"`proofdesk serve` in {cwd} printed no 'proofdesk desk: URL' line within {timeout:.0f} s "
                             f"(exit {process.poll()}):\n{''.join(output)}")
    return Desk(process, url[0], output)



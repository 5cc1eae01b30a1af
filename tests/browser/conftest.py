"""The web desk in a real headless Chromium: Debian's `chromium` driven through its matching
`chromium-driver` by Selenium (nothing is downloaded). Under CI=true a missing browser or driver
fails the run; elsewhere these tests are skipped with the reason.

Fixtures:
- `burst_queue`: a burst shoot (scenes of five frames from the real sample photos) run through
  `proofdesk run --no-review` with the offline captioner on a SQLite queue, in a working directory
  of its own; a `Proofdesk` for CLI calls (`rows --json`) on it.
- `start_desk(cwd, env)`: starts `proofdesk serve` as a subprocess on a free loopback port and
  returns its printed URL (`proofdesk desk: http://127.0.0.1:PORT/?token=…`); stopped afterwards.
- `browser`: a headless Chromium (1400×900) with explicit-wait helpers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import Proofdesk
from tests.support.browser import CHROMEDRIVER, CHROMIUM, OFFLINE, Desk, headless_chromium, serve
from tests.support.burst_shoot import Shoot, make_burst_shoot, real_photos

SCENES = 3
WAIT_S = 20.0


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_browser() -> None:
    """Fail under CI=true, skip elsewhere, when Debian's chromium or chromium-driver is missing."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not (os.path.isfile(path) and os.access(path, os.X_OK))]
    if not missing:
        return
    message = (f"{' and '.join(missing)} not found: the web desk's browser tests need Debian's chromium and "
               "chromium-driver (apt-get install chromium chromium-driver; .ci/run installs them)")
    if in_ci():
        pytest.fail(f"CI=true but {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def start_desk() -> Iterator[Callable[..., Desk]]:
    started: list[Desk] = []

    def start(cwd: Path, env: dict[str, str] | None = None) -> Desk:
        desk = serve(cwd, env)
        started.append(desk)
        return desk

    yield start
    for desk in started:
        desk.stop()


@pytest.fixture(scope="session")
def burst_shoot(tmp_path_factory: pytest.TempPathFactory, samples: Path) -> Shoot:
    return make_burst_shoot(real_photos(samples), tmp_path_factory.mktemp("browser-shoot") / "2026-06-12_burst", SCENES)


@pytest.fixture
def burst_queue(tmp_path: Path, burst_shoot: Shoot) -> Proofdesk:
    """The burst shoot run through stages 1-7 (offline captioner, SQLite queue): one keeper per
    scene with an accepted caption, its other frames pending with a cull suggestion."""
    desk = Proofdesk(tmp_path / "desk")
    desk.cwd.mkdir()
    result = desk("run", str(burst_shoot.folder), "--no-review", "-q", env=OFFLINE)
    assert result.exit_code == 0, result.output
    return desk


class Browser:
    """A headless Chromium with explicit waits (no sleeps)."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver

    def wait(self, condition: Callable[[Any], Any], message: str, timeout: float = WAIT_S) -> Any:
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(condition, message)

    def script(self, source: str, *args: Any) -> Any:
        return self.driver.execute_script(source, *args)


@pytest.fixture
def browser() -> Iterator[Browser]:
    require_browser()
    driver = headless_chromium()
    try:
        yield Browser(driver)
    finally:
        driver.quit()

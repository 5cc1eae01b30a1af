"""Shared test fixtures: the sample photos and the MySQL URL; the hypothesis profiles; the
newcomer's summary line for skipped MySQL tests.

Hypothesis profiles (`HYPOTHESIS_PROFILE` picks one; otherwise `ci` under CI=true, else `dev`):
- `ci`: derandomize=True, so a landing never depends on luck (the same examples every run);
- `dev`: random examples, as many as the tests ask for;
- `explore`: ten times as many random examples, to hunt for new failures:
  `HYPOTHESIS_PROFILE=explore .venv/bin/python -m pytest tests/unit -k "random or properties"`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]

EXAMPLES = 400  # the property tests' default number of examples (`explore` runs ten times as many)
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, max_examples=EXAMPLES, print_blob=True)
hypothesis_settings.register_profile("dev", deadline=None, max_examples=EXAMPLES)
hypothesis_settings.register_profile("explore", deadline=None, max_examples=10 * EXAMPLES)


def hypothesis_profile(environ: Mapping[str, str]) -> str:
    return environ.get("HYPOTHESIS_PROFILE") or ("ci" if environ.get("CI") == "true" else "dev")


hypothesis_settings.load_profile(hypothesis_profile(os.environ))

MYSQL_SKIP_HINT = "set PROOFDESK_TEST_MYSQL_URL=mysql+pymysql://root@127.0.0.1:3306/test"


def mysql_skip_summary(skipped: Sequence[Any]) -> str | None:
    """One line for the end of a run: how many MySQL tests were skipped, and how to run them."""
    count = sum(1 for report in skipped if MYSQL_SKIP_HINT in str(getattr(report, "longrepr", "")))
    if not count:
        return None
    return f"{count} MySQL test(s) skipped: {MYSQL_SKIP_HINT} (a MariaDB/MySQL server) to run them"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    line = mysql_skip_summary(terminalreporter.stats.get("skipped", []))
    if line:
        terminalreporter.write_line(line, yellow=True, bold=True)


def samples_root() -> Path:
    """`../shared/samples/exif-samples` beside the project (PROOFDESK_SAMPLES overrides)."""
    root = Path(os.environ.get("PROOFDESK_SAMPLES", PROJECT_ROOT.parent / "shared" / "samples"))
    exif_samples = root / "exif-samples"
    if not exif_samples.is_dir():
        pytest.fail(
            f"sample photos not found at {exif_samples}: tests read them from ../shared/samples "
            "beside the project; set PROOFDESK_SAMPLES to the folder that holds exif-samples/",
            pytrace=False,
        )
    return exif_samples


def realworld_root() -> Path:
    """`../shared/samples/realworld` beside the project (PROOFDESK_SAMPLES overrides): files from
    real cameras and tools, each chosen for what it exercises (its MANIFEST.tsv says what)."""
    root = Path(os.environ.get("PROOFDESK_SAMPLES", PROJECT_ROOT.parent / "shared" / "samples"))
    realworld = root / "realworld"
    if not (realworld / "MANIFEST.tsv").is_file():
        pytest.fail(
            f"real-world sample files not found at {realworld}: tests read them from ../shared/samples "
            "beside the project; set PROOFDESK_SAMPLES to the folder that holds realworld/",
            pytrace=False,
        )
    return realworld


def raw_root() -> Path:
    """`../shared/samples/raw` beside the project (PROOFDESK_SAMPLES overrides): real camera RAW
    files, pictures and metadata-only headers (its MANIFEST.tsv says which)."""
    root = Path(os.environ.get("PROOFDESK_SAMPLES", PROJECT_ROOT.parent / "shared" / "samples"))
    raw = root / "raw"
    if not (raw / "MANIFEST.tsv").is_file():
        pytest.fail(
            f"RAW sample files not found at {raw}: tests read them from ../shared/samples beside the "
            "project; set PROOFDESK_SAMPLES to the folder that holds raw/",
            pytrace=False,
        )
    return raw


@pytest.fixture(scope="session")
def raw_samples() -> Path:
    return raw_root()


@pytest.fixture(scope="session")
def samples() -> Path:
    return samples_root()


@pytest.fixture(scope="session")
def realworld_samples() -> Path:
    return realworld_root()


@pytest.fixture(scope="session")
def gps_set(samples: Path) -> Path:
    return samples / "jpg" / "gps"


def mysql_url_or_fail() -> str:
    """The MariaDB/MySQL server URL for tests (PROOFDESK_TEST_MYSQL_URL).

    Under CI=true a missing URL fails the run: those tests exist to check a real server.
    Elsewhere they are skipped with the reason.
    """
    url = os.environ.get("PROOFDESK_TEST_MYSQL_URL")
    if not url:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI=true but PROOFDESK_TEST_MYSQL_URL is not set: MySQL tests must run in CI", pytrace=False)
        pytest.skip(f"{MYSQL_SKIP_HINT} to run MySQL tests")
    return url


@pytest.fixture
def mysql_database_url() -> object:
    """A fresh, empty database on the test server, dropped afterwards; yields its URL."""
    import secrets

    import sqlalchemy as sa

    base = sa.engine.make_url(mysql_url_or_fail())
    name = f"proofdesk_t_{secrets.token_hex(4)}"
    admin = sa.create_engine(base)
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    except sa.exc.OperationalError as exc:
        pytest.fail(f"cannot reach the MySQL test server {base.render_as_string(hide_password=True)}: {exc.orig}",
                    pytrace=False)
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        admin.dispose()


@pytest.fixture
def new_mysql_database() -> object:
    """Makes fresh, empty databases (`pdk_<random>`) on the test server; yields a function that
    returns a new one's URL per call. All are dropped afterwards."""
    import secrets

    import sqlalchemy as sa

    base = sa.engine.make_url(mysql_url_or_fail())
    admin = sa.create_engine(base)
    made: list[str] = []

    def make() -> str:
        name = f"pdk_{secrets.token_hex(5)}"
        try:
            with admin.begin() as connection:
                connection.exec_driver_sql(
                    f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                )
        except sa.exc.OperationalError as exc:
            pytest.fail(f"cannot reach the MySQL test server {base.render_as_string(hide_password=True)}: "
                        f"{exc.orig}", pytrace=False)
        made.append(name)
        return base.set(database=name).render_as_string(hide_password=False)

    try:
        yield make
    finally:
        with admin.begin() as connection:
            for name in made:
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        admin.dispose()

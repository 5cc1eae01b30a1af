"""How the test run itself behaves: CI runs hypothesis derandomized (a landing never depends on
luck), and a newcomer without MySQL learns in one line how many MySQL tests were skipped."""

from __future__ import annotations

import os
import subprocess
import sys

from hypothesis import settings

from tests.conftest import PROJECT_ROOT, hypothesis_profile


def test_ci_runs_hypothesis_with_a_fixed_profile() -> None:
    assert hypothesis_profile({"CI": "true"}) == "ci"
    assert hypothesis_profile({}) == "dev"
    assert hypothesis_profile({"CI": "true", "HYPOTHESIS_PROFILE": "explore"}) == "explore"
    assert settings.get_profile("ci").derandomize is True
    assert settings.get_profile("explore").max_examples > settings.get_profile("ci").max_examples
    if os.environ.get("CI") == "true" and not os.environ.get("HYPOTHESIS_PROFILE"):
        assert settings.default.derandomize is True


def test_a_run_without_mysql_says_how_many_mysql_tests_were_skipped_and_how_to_run_them() -> None:
    env = {key: value for key, value in os.environ.items() if key not in ("PROOFDESK_TEST_MYSQL_URL", "CI")}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/contract/storage/test_bindings.py",
         "-k", "MySQL or Mysql or mysql"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    lines = [line for line in run.stdout.splitlines() if "MySQL test(s) skipped" in line]
    assert run.returncode == 0, run.stdout[-2000:]
    assert len(lines) == 1, run.stdout[-2000:]
    assert lines[0].split()[0].isdigit() and int(lines[0].split()[0]) > 0
    assert "PROOFDESK_TEST_MYSQL_URL=mysql+pymysql://" in lines[0]


def test_disk_full_and_read_only_tests_fail_rather_than_skip_under_ci(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from tests.integration.test_intake_crash import _cannot

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true but this test cannot run"):
        _cannot("needs root and tmpfs")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        _cannot("needs root and tmpfs")

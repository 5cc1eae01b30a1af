"""Clock behaviour: aware UTC times that never go backwards."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from proofdesk.adapters.clock import SystemClock
from proofdesk.adapters.memory import FixedClock
from proofdesk.core.ports.system import Clock


class ClockContract:
    @pytest.fixture
    def clock(self) -> Clock:  # pragma: no cover
        raise NotImplementedError

    def test_now_is_aware_utc(self, clock: Clock) -> None:
        now = clock.now()
        assert now.tzinfo is not None and now.utcoffset() == timedelta(0)

    def test_monotonic_enough(self, clock: Clock) -> None:
        first = clock.now()
        assert clock.now() >= first


class TestSystemClock(ClockContract):
    @pytest.fixture
    def clock(self) -> Clock:
        return SystemClock()


class TestFixedClock(ClockContract):
    @pytest.fixture
    def clock(self) -> Clock:
        return FixedClock(step=timedelta(seconds=1))

    def test_advance(self) -> None:
        clock = FixedClock()
        start = clock.now()
        clock.advance(timedelta(hours=2))
        assert clock.now() - start == timedelta(hours=2)
        assert start.tzinfo is UTC

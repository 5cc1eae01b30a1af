"""Reviewer behaviour, written once: after `review()`, the queue shows exactly the decisions taken
(fix the blocked row's caption and approve it, reject another). Bound to the scripted fake and to
the urwid desk driven by a ScriptedScreen."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from proofdesk.adapters.memory import ScriptedReviewer
from proofdesk.apps.review.desk import UrwidReviewer
from proofdesk.core.domain.models import RowStatus
from proofdesk.core.ports.review import Decision, Reviewer
from proofdesk.core.services.review import ReviewService
from urwid.testing import ScriptedScreen

from tests.support.review_rows import build_review_service

FIXED = "The Piazza Grande market square of Arezzo in afternoon light."
BLOCKED = "2008-10-22_arezzo/DSCN0021.jpg"
REJECT = "2008-10-22_arezzo/DSCN0012.jpg"


class ReviewerContract:
    @pytest.fixture
    def reviewer(self) -> Callable[[], Reviewer]:  # pragma: no cover - bound by subclasses
        raise NotImplementedError

    def test_the_queue_shows_exactly_the_decisions(self, reviewer: Callable[[], Reviewer]) -> None:
        service: ReviewService = build_review_service()
        reviewer().review(service, {"rows": 3, "blocked": 1})
        rows = {row.key_text: row for row in service.rows()}
        assert rows[BLOCKED].status == RowStatus.APPROVED and rows[BLOCKED].caption == FIXED
        assert rows[BLOCKED].edited_fields == ["caption"]
        assert rows[REJECT].status == RowStatus.REJECTED
        assert rows["2008-10-22_arezzo/DSCN0010.jpg"].status == RowStatus.PENDING


class TestScriptedReviewer(ReviewerContract):
    @pytest.fixture
    def reviewer(self) -> Callable[[], Reviewer]:
        return lambda: ScriptedReviewer([
            Decision("approve", BLOCKED),  # refused: still blocked
            Decision("edit", BLOCKED, {"caption": FIXED}),
            Decision("approve", BLOCKED),
            Decision("reject", REJECT),
        ])


class TestUrwidReviewer(ReviewerContract):
    @pytest.fixture
    def reviewer(self) -> Callable[[], Reviewer]:
        keys = [["enter"], ["down"], ["r"], ["down"], ["tab"], ["end"], *[["backspace"]] * 80,
                *[[char] for char in FIXED], ["f2"], ["tab"], ["a"], ["q"]]
        return lambda: UrwidReviewer(screen=ScriptedScreen(size=(140, 40), inputs=keys))

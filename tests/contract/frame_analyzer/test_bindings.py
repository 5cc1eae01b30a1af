from __future__ import annotations

import pytest
from PIL import Image
from proofdesk.adapters.images.frame_analyzer import NumpyFrameAnalyzer
from proofdesk.adapters.memory import FakeFrameAnalyzer
from proofdesk.core.ports.media import FrameAnalyzer

from tests.support.images import decoded

from .contract import FrameAnalyzerContract


class TestFakeFrameAnalyzer(FrameAnalyzerContract):
    @pytest.fixture
    def analyzer(self) -> FrameAnalyzer:
        return FakeFrameAnalyzer()

    def test_it_counts_its_analyses(self, photos: list[Image.Image]) -> None:
        analyzer = FakeFrameAnalyzer()
        analyzer.analyze(decoded(photos[0]))
        analyzer.analyze(decoded(photos[1]))
        assert analyzer.analyses == 2


class TestNumpyFrameAnalyzer(FrameAnalyzerContract):
    @pytest.fixture
    def analyzer(self) -> FrameAnalyzer:
        return NumpyFrameAnalyzer()


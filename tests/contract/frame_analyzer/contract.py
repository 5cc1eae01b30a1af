"""Frame-analyzer behaviour (culling measures and the scene signature), bound to the fake and to
the numpy analyzer, on the real sample photos."""

from __future__ import annotations

import io
from itertools import combinations
from pathlib import Path

import pytest
from PIL import Image
from proofdesk.core.domain.scenes import SIGNATURE_WINDOWS, TINY_SIDE, parse_signature, quality_flags, signature_distance
from proofdesk.core.ports.media import DecodedImage, FrameAnalyzer

from tests.support.images import blurred, decoded, load_sample


def jpeg_copy(image: Image.Image, quality: int = 80) -> Image.Image:
    """The photo saved again as a JPEG and read back: the same picture, other bytes."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    with Image.open(io.BytesIO(buffer.getvalue())) as reread:
        return reread.convert("RGB")


class FrameAnalyzerContract:
    @pytest.fixture(scope="class")
    @classmethod
    def photos(cls, gps_set: Path) -> list[Image.Image]:
        return [load_sample(path, 480) for path in sorted(gps_set.glob("*.jpg"))[:4]]

    @pytest.fixture
    def analyzer(self) -> FrameAnalyzer:  # pragma: no cover - bound by subclasses
        raise NotImplementedError

    def test_the_same_picture_always_gives_the_same_analysis(self, analyzer: FrameAnalyzer, photos: list[Image.Image]) -> None:
        for photo in photos:
            image = decoded(photo)
            again = DecodedImage(image.width, image.height, bytes(image.rgb), image.source_width, image.source_height)
            assert analyzer.analyze(image) == analyzer.analyze(again)

    def test_it_names_a_version_for_the_score_cache(self, analyzer: FrameAnalyzer) -> None:
        assert isinstance(analyzer.version, str) and analyzer.version

    def test_a_blurred_copy_has_lower_focus_than_the_photo(self, analyzer: FrameAnalyzer, photos: list[Image.Image]) -> None:
        for photo in photos:
            sharp = analyzer.analyze(decoded(photo)).measures
            soft = analyzer.analyze(decoded(blurred(photo, 2.5))).measures
            assert soft.focus < sharp.focus, (sharp.focus, soft.focus)

    def test_the_sample_photos_carry_no_quality_flags(self, analyzer: FrameAnalyzer, photos: list[Image.Image]) -> None:
        assert [quality_flags(analyzer.analyze(decoded(photo)).measures) for photo in photos] == [[]] * len(photos)

    def test_an_all_black_picture_is_flagged_black_and_an_all_white_one_white(self, analyzer: FrameAnalyzer) -> None:
        black = analyzer.analyze(decoded(Image.new("RGB", (320, 240), (0, 0, 0)))).measures
        white = analyzer.analyze(decoded(Image.new("RGB", (320, 240), (255, 255, 255)))).measures
        assert quality_flags(black) == ["black"] and quality_flags(white) == ["white"]
        assert black.shadows_clipped == 1.0 and white.highlights_clipped == 1.0

    def test_the_signature_parses_to_25_hashes_and_a_picture_is_0_bits_from_itself(
        self, analyzer: FrameAnalyzer, photos: list[Image.Image]
    ) -> None:
        for photo in photos:
            hashes = parse_signature(analyzer.analyze(decoded(photo)).signature)
            assert len(hashes) == SIGNATURE_WINDOWS
            assert signature_distance(hashes, hashes) == 0

    def test_two_different_photos_are_farther_apart_than_a_photo_and_its_copy(
        self, analyzer: FrameAnalyzer, photos: list[Image.Image]
    ) -> None:
        def signature(image: Image.Image) -> tuple[int, ...]:
            return parse_signature(analyzer.analyze(decoded(image)).signature)

        own = [signature(photo) for photo in photos]
        copies = [signature(jpeg_copy(photo)) for photo in photos]
        copy_distance = max(signature_distance(a, b) for a, b in zip(own, copies, strict=True))
        other_distance = min(signature_distance(a, b) for a, b in combinations(own, 2))
        assert copy_distance < other_distance, (copy_distance, other_distance)

    def test_pictures_from_1x1_up_are_measured_and_those_under_the_tiny_side_flagged_tiny(self, analyzer: FrameAnalyzer) -> None:
        for width, height in ((1, 1), (1, 9), (9, 1), (2, 2), (8, 8), (TINY_SIDE - 1, 300), (TINY_SIDE, TINY_SIDE)):
            analysis = analyzer.analyze(decoded(Image.new("RGB", (width, height), (90, 140, 60))))
            assert (analysis.measures.width, analysis.measures.height) == (width, height)
            assert len(parse_signature(analysis.signature)) == SIGNATURE_WINDOWS
            tiny = min(width, height) < TINY_SIDE
            assert (quality_flags(analysis.measures) == ["tiny"]) is tiny, (width, height, quality_flags(analysis.measures))

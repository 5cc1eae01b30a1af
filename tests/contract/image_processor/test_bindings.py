from __future__ import annotations

import io

import pytest
from PIL import Image, ImageCms
from proofdesk.adapters.images.pillow_processor import PillowImageProcessor
from proofdesk.adapters.memory import FakeImageProcessor
from proofdesk.core.ports.media import ImageProcessor

from tests.support.images import jpeg_bytes

from .contract import ImageProcessorContract, as_image, mean_difference, photo


class TestFakeImageProcessor(ImageProcessorContract):
    @pytest.fixture
    def processor(self) -> ImageProcessor:
        return FakeImageProcessor()

    def test_counts_decodes_and_encodes(self) -> None:
        fake = FakeImageProcessor()
        fake.model_ready(jpeg_bytes(photo((100, 80))), 50, 80)
        assert (fake.decodes, fake.encodes) == (1, 1)


class TestPillowImageProcessor(ImageProcessorContract):
    @pytest.fixture
    def processor(self) -> ImageProcessor:
        return PillowImageProcessor()

    def test_large_jpegs_are_decoded_in_draft_mode(self) -> None:
        processor = PillowImageProcessor()
        decoded = processor.decode(jpeg_bytes(photo((4000, 3000)), quality=85), 1024)
        assert (decoded.width, decoded.height) == (1024, 768)
        assert processor.draft_scales[-1] >= 2  # libjpeg decoded at 1/2 (or smaller), not full size
        processor.decode(jpeg_bytes(photo((6000, 4000)), quality=85), 640)
        assert processor.draft_scales[-1] == 8

    def test_draft_decode_matches_a_full_decode(self) -> None:
        original = photo((3000, 2000))
        decoded = PillowImageProcessor().decode(jpeg_bytes(original, quality=95), 600)
        assert mean_difference(as_image(decoded), original.resize((600, 400), Image.Resampling.LANCZOS)) < 4

    def test_embedded_icc_profile_is_converted_to_srgb(self) -> None:
        original = photo((300, 200))
        srgb_profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
        with_profile = io.BytesIO()
        original.save(with_profile, "JPEG", quality=95, icc_profile=srgb_profile)
        broken = io.BytesIO()
        original.save(broken, "JPEG", quality=95, icc_profile=b"not a profile")
        processor = PillowImageProcessor()
        plain = as_image(processor.decode(jpeg_bytes(original, quality=95), 300))
        assert mean_difference(as_image(processor.decode(with_profile.getvalue(), 300)), plain) < 2
        assert mean_difference(as_image(processor.decode(broken.getvalue(), 300)), plain) < 1

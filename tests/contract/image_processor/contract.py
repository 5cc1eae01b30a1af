"""Image-processor behaviour (reduced-size decode, orientation, sRGB JPEGs), bound to the fake and Pillow."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat
from proofdesk.core.ports.media import DecodedImage, ImageDecodeError, ImageProcessor

from tests.support.images import jpeg_bytes


def as_image(decoded: DecodedImage) -> Image.Image:
    return Image.frombytes("RGB", (decoded.width, decoded.height), decoded.rgb)


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def photo(size: tuple[int, int]) -> Image.Image:
    """A photo-like test image: gradients plus a marker in the top-left corner (to see rotations)."""
    width, height = size
    image = Image.merge(
        "RGB",
        (
            Image.linear_gradient("L").resize(size),
            Image.linear_gradient("L").rotate(90).resize(size),
            Image.new("L", size, 90),
        ),
    )
    image.paste((255, 0, 0), (0, 0, width // 4, height // 4))
    return image


class ImageProcessorContract:
    @pytest.fixture
    def processor(self) -> ImageProcessor:  # pragma: no cover - bound by subclasses
        raise NotImplementedError

    @pytest.mark.parametrize("size, long_edge, expected", [
        ((1600, 1200), 400, (400, 300)),
        ((1200, 1600), 400, (300, 400)),
        ((3000, 1000), 1024, (1024, 341)),
        ((300, 200), 1024, (300, 200)),  # never upscaled
    ])
    def test_decode_scales_the_long_edge_and_keeps_the_aspect(
        self, processor: ImageProcessor, size: tuple[int, int], long_edge: int, expected: tuple[int, int]
    ) -> None:
        decoded = processor.decode(jpeg_bytes(photo(size)), long_edge)
        assert (decoded.width, decoded.height) == expected
        assert (decoded.source_width, decoded.source_height) == size
        assert len(decoded.rgb) == expected[0] * expected[1] * 3

    def test_decoded_pixels_match_the_original(self, processor: ImageProcessor) -> None:
        original = photo((800, 600))
        decoded = processor.decode(jpeg_bytes(original, quality=95), 400)
        assert mean_difference(as_image(decoded), original.resize((400, 300), Image.Resampling.LANCZOS)) < 4

    @pytest.mark.parametrize("orientation", range(1, 9))
    @pytest.mark.parametrize("kind", ["landscape", "portrait"])
    def test_orientation_samples_come_out_upright(
        self, processor: ImageProcessor, samples: Path, kind: str, orientation: int
    ) -> None:
        folder = samples / "jpg" / "orientation"
        reference = as_image(processor.decode((folder / f"{kind}_1.jpg").read_bytes(), 1024))
        decoded = processor.decode((folder / f"{kind}_{orientation}.jpg").read_bytes(), 1024)
        assert (decoded.width > decoded.height) == (kind == "landscape")
        assert (decoded.width, decoded.height) == reference.size
        assert mean_difference(as_image(decoded), reference) < 12, "rotated or mirrored the wrong way"

    def test_model_ready_jpeg_is_upright_srgb_without_orientation_tag(
        self, processor: ImageProcessor, samples: Path
    ) -> None:
        data = processor.model_ready((samples / "jpg" / "orientation" / "portrait_6.jpg").read_bytes(), 300, 85)
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "JPEG" and image.mode == "RGB"
            assert image.size == (225, 300)
            assert image.getexif().get(0x0112, 1) == 1

    def test_thumbnail_is_a_small_jpeg(self, processor: ImageProcessor) -> None:
        data = processor.thumbnail(jpeg_bytes(photo((1000, 750))), 160, 80)
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "JPEG" and image.size == (160, 120)

    def test_encode_round_trips(self, processor: ImageProcessor) -> None:
        decoded = processor.decode(jpeg_bytes(photo((640, 480)), quality=95), 640)
        with Image.open(io.BytesIO(processor.encode_jpeg(decoded, 95))) as image:
            assert image.size == (640, 480)
            assert mean_difference(image.convert("RGB"), as_image(decoded)) < 3

    @pytest.mark.parametrize("mode", ["L", "RGBA", "P", "CMYK", "I;16"])
    def test_other_pixel_formats_become_rgb(self, processor: ImageProcessor, mode: str) -> None:
        source = photo((200, 100))
        image = source.convert(mode) if mode != "I;16" else source.convert("L").convert("I").point(lambda v: v * 256).convert("I;16")
        buffer = io.BytesIO()
        image.save(buffer, "JPEG" if mode in ("L", "CMYK") else ("TIFF" if mode == "I;16" else "PNG"))
        decoded = processor.decode(buffer.getvalue(), 100)
        assert (decoded.width, decoded.height) == (100, 50)
        if mode == "RGBA":
            assert mean_difference(as_image(decoded), source.resize((100, 50))) < 8

    def test_same_bytes_same_pixels(self, processor: ImageProcessor) -> None:
        data = jpeg_bytes(photo((900, 600)))
        assert processor.decode(data, 300).rgb == processor.decode(data, 300).rgb

    def test_bytes_that_are_not_an_image_raise(self, processor: ImageProcessor) -> None:
        with pytest.raises(ImageDecodeError):
            processor.decode(b"not an image at all", 100)
        with pytest.raises(ImageDecodeError):
            processor.decode(jpeg_bytes(photo((400, 300)))[:300], 100)

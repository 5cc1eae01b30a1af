"""The image processor on Pillow: one reduced-size decode per photo (JPEG draft mode), upright,
sRGB; model-ready JPEGs and thumbnails are encoded from it.

Draft mode lets libjpeg decode at 1/2, 1/4 or 1/8 scale straight from the DCT coefficients,
so a 6000x4000 photo bound for a 1024 px model image is decoded at 1500x1000 (16x fewer pixels)
and then downscaled with Lanczos. Orientation is applied after the downscale (fewer pixels to
move). Colours are converted to sRGB with the embedded ICC profile when there is one.

Camera RAW data is decoded by LibRaw (`libraw.py`): from the embedded preview when it is at least
the size asked for, else from a half-size demosaic (ADR 0019).
"""

from __future__ import annotations

import io
import math
import threading
import warnings
from pathlib import PurePath

from PIL import Image, ImageCms, UnidentifiedImageError
from proofdesk.adapters.images import libraw
from proofdesk.adapters.images.heif import register_heif
from proofdesk.core.domain.intake import RAW_EXTENSIONS
from proofdesk.core.domain.raw import RawRender, model_source, publish_source, published_long_edge
from proofdesk.core.ports.media import DecodedImage, ImageDecodeError, ImageProcessor

# EXIF orientation -> the transpose that makes the pixels upright (as ImageOps.exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SRGB = ImageCms.createProfile("sRGB")
_limit_mutex = threading.Lock()


def _raise_pixel_limit(max_pixels: int | None) -> None:
    """Pillow refuses images above 2 x MAX_IMAGE_PIXELS; photos intake accepted must decode here."""
    if max_pixels is None:
        return
    with _limit_mutex:
        if Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS < max_pixels:
            Image.MAX_IMAGE_PIXELS = max_pixels


def _to_srgb(image: Image.Image) -> Image.Image:
    """8-bit RGB in sRGB: ICC conversion when a profile is embedded, alpha flattened on white."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba).convert("RGB")
    icc = image.info.get("icc_profile")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: take the pixel values as sRGB, as browsers do
    return image if image.mode == "RGB" else image.convert("RGB")


class PillowImageProcessor(ImageProcessor):
    def __init__(self, max_image_pixels: int | None = None) -> None:
        self.max_image_pixels = max_image_pixels
        self.draft_scales: list[int] = []  # the DCT scale of the last decodes (observability, tests)

    def decode(self, data: bytes, long_edge: int) -> DecodedImage:
        if long_edge < 1:
            raise ValueError(f"long_edge must be positive, got {long_edge}")
        if libraw.is_raw(data):
            return self._decode_raw(data, long_edge)
        register_heif()
        _raise_pixel_limit(self.max_image_pixels)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(data)) as image:
                    orientation = image.getexif().get(0x0112, 1)
                    stored_width, stored_height = image.size
                    scale = min(1.0, long_edge / max(stored_width, stored_height))
                    target = (
                        max(1, round(stored_width * scale)),
                        max(1, round(stored_height * scale)),
                    )
                    if image.format == "JPEG" and scale < 1.0:
                        draft_mode = "RGB" if image.mode == "RGB" else None
                        image.draft(draft_mode, (math.ceil(stored_width * scale), math.ceil(stored_height * scale)))
                        self.draft_scales = [*self.draft_scales[-31:], stored_width // image.size[0]]
                    image.load()
                    icc = image.info.get("icc_profile")
                    pixels = image
                    if pixels.size != target:
                        if pixels.mode not in ("RGB", "L", "RGBA", "LA", "CMYK"):
                            pixels = pixels.convert("RGBA" if "A" in pixels.getbands() else "RGB")
                        pixels = pixels.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
                    if icc and "icc_profile" not in pixels.info:
                        pixels.info["icc_profile"] = icc
                    rgb = _to_srgb(pixels)
        except UnidentifiedImageError as exc:
            raise ImageDecodeError(f"not an image Pillow can read: {exc}") from exc
        except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
            raise ImageDecodeError(f"does not decode: {exc.__class__.__name__}: {exc}") from exc
        transpose = _UPRIGHT.get(orientation) if isinstance(orientation, int) else None
        if transpose is not None:
            rgb = rgb.transpose(transpose)
        upright = (stored_height, stored_width) if orientation in (5, 6, 7, 8) else (stored_width, stored_height)
        return DecodedImage(rgb.width, rgb.height, rgb.tobytes(), upright[0], upright[1])

    @staticmethod
    def _raw_picture(data: bytes, long_edge: int, raw: libraw.RawFile,
                     source: str) -> Image.Image:
        """The RAW's picture from `source` (preview, half_size, develop), upright, at most
        `long_edge`; the preview stands in when the sensor data does not develop."""
        try:
            if source == "preview":
                return libraw.preview_image(raw, long_edge)
            return libraw.develop(data, half_size=source == "half_size", long_edge=long_edge)
        except libraw.RawDecodeError as exc:
            if source != "preview" and raw.preview_jpeg is not None:
                return libraw.preview_image(raw, long_edge)
            raise ImageDecodeError(f"does not decode: {exc}") from exc

    def _decode_raw(self, data: bytes, long_edge: int) -> DecodedImage:
        raw = libraw.read_raw(data)
        if not raw.layout.has_preview and not raw.layout.sensor_width:
            raise ImageDecodeError(f"does not decode: the RAW file has no picture data ({raw.libraw_error or 'no sensor data'})")
        picture = self._raw_picture(data, long_edge, raw, model_source(raw.layout, long_edge))
        source_size = raw.upright_sensor_size if raw.layout.sensor_width else picture.size
        return DecodedImage(picture.width, picture.height, picture.tobytes(), source_size[0], source_size[1])

    def publish_jpeg(self, data: bytes, quality: int, raw_render: RawRender = "preview",
                     max_edge: int | None = None) -> bytes:
        if not libraw.is_raw(data):
            return super().publish_jpeg(data, quality, raw_render, max_edge)
        raw = libraw.read_raw(data)
        if not raw.layout.has_preview and not raw.layout.sensor_width:
            raise ImageDecodeError(f"does not decode: the RAW file has no picture data ({raw.libraw_error or 'no sensor data'})")
        source = publish_source(raw.layout, raw_render, max_edge)
        long_edge = published_long_edge(raw.layout, max_edge)
        picture = self._raw_picture(data, long_edge, raw, source)
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=quality, optimize=False, progressive=False)
        return buffer.getvalue()

    def encode_jpeg(self, image: DecodedImage, quality: int) -> bytes:
        pixels = Image.frombuffer("RGB", (image.width, image.height), image.rgb, "raw", "RGB", 0, 1)
        buffer = io.BytesIO()
        pixels.save(buffer, "JPEG", quality=quality, optimize=False, progressive=False)
        return buffer.getvalue()


def raw_picture(path: str, long_edge: int) -> Image.Image | None:
    """The upright sRGB picture of the camera RAW file at `path`, its long edge at most `long_edge`
    (the preview or a half-size demosaic, as the models see it); None when the file is no RAW. For
    the front ends that draw an original (review desk, contact sheet) once its model-ready copy is
    gone."""
    with open(path, "rb") as handle:
        head = handle.read(1 << 16)  # signatures and the first IFD: enough to tell RAW from the rest
        if not (PurePath(path).suffix.lower() in RAW_EXTENSIONS or libraw.is_raw(head)):
            return None
        data = head + handle.read()
    if not libraw.is_raw(data):
        return None  # a file named as RAW that holds something else: Pillow opens it or says why not
    decoded = PillowImageProcessor().decode(data, long_edge)
    return Image.frombytes("RGB", (decoded.width, decoded.height), decoded.rgb)

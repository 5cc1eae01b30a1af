"""Camera RAW pictures with LibRaw (rawpy): the embedded preview, a half-size demosaic for the
models, a full development for publishing (ADR 0019).

Which picture is used for what is decided in `proofdesk.core.domain.raw`; this module measures a
RAW file (`layout`) and decodes it. Every picture leaves here upright (LibRaw's flip applied
once: LibRaw turns its developments itself, the preview is turned here) as a Pillow RGB image.

Whether bytes are RAW is told from the bytes alone (`is_raw`), since the image processor sees only
bytes: the RAW containers that are not TIFF by their signature, TIFF-based RAW by a CR2 marker, a
DNGVersion tag or a colour-filter-array (or linear raw) image in IFD0 or its SubIFDs. A plain TIFF
(even a 16-bit grey one, which LibRaw would open) is no RAW.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from typing import Any

from PIL import Image
from proofdesk.core.domain.raw import RawLayout, capped_size, sensor_data_plausible

# LibRaw flip -> the transpose that makes its pixels upright (what LibRaw itself does to a development)
_FLIP_TRANSPOSE = {
    3: Image.Transpose.ROTATE_180,
    5: Image.Transpose.ROTATE_90,   # 90 degrees counter-clockwise
    6: Image.Transpose.ROTATE_270,  # 90 degrees clockwise
}
_NON_TIFF_SIGNATURES: tuple[tuple[int, bytes], ...] = (
    (4, b"ftypcrx "),              # Canon CR3 (ISO base media)
    (0, b"FUJIFILMCCD-RAW"),       # Fujifilm RAF
    (0, b"IIRO"), (0, b"IIRS"), (0, b"MMOR"),  # Olympus ORF
    (0, b"IIU\x00"),               # Panasonic RW2 / RAW / RWL
    (6, b"HEAPCCDR"),              # Canon CRW (CIFF)
    (0, b"\x00MRM"),               # Minolta MRW
    (0, b"FOVb"),                  # Sigma X3F
    (0, b"ARRI"),                  # ARRIRAW
)
_CFA_PHOTOMETRIC = {32803, 34892}  # CFA, LinearRaw
_TAG_PHOTOMETRIC, _TAG_SUBIFDS, _TAG_DNG_VERSION = 0x0106, 0x014A, 0xC612


class RawDecodeError(Exception):
    """The RAW file has no picture LibRaw (or Pillow, for its preview) can decode."""


def _rawpy() -> Any:
    import rawpy

    return rawpy


def libraw_flags() -> frozenset[str]:
    """The installed LibRaw's optional parts (`rawpy.flags`, e.g. X3FTOOLS, DNGLOSSYCODEC)."""
    try:
        rawpy = _rawpy()
    except ImportError:
        return frozenset()
    return frozenset(name for name, present in (rawpy.flags or {}).items() if present)


def libraw_version() -> str | None:
    try:
        return ".".join(str(part) for part in _rawpy().libraw_version)
    except ImportError:
        return None


def _tiff_ifds(data: bytes) -> tuple[bool, list[dict[int, tuple[int, int, int]]]] | None:
    """IFD0 and its SubIFDs as {tag: (type, count, value-or-offset)}; None when not TIFF."""
    if data[:4] == b"II*\x00":
        order = "<"
    elif data[:4] == b"MM\x00*":
        order = ">"
    else:
        return None

    def ifd(offset: int) -> dict[int, tuple[int, int, int]]:
        entries: dict[int, tuple[int, int, int]] = {}
        if offset <= 0 or offset + 2 > len(data):
            return entries
        (count,) = struct.unpack_from(order + "H", data, offset)
        for index in range(min(count, 512)):
            position = offset + 2 + 12 * index
            if position + 12 > len(data):
                break
            tag, kind, number = struct.unpack_from(order + "HHI", data, position)
            if kind == 3 and number == 1:
                (value,) = struct.unpack_from(order + "H", data, position + 8)
            else:
                (value,) = struct.unpack_from(order + "I", data, position + 8)
            entries[tag] = (kind, number, value)
        return entries

    (first,) = struct.unpack_from(order + "I", data, 4)
    ifd0 = ifd(first)
    ifds = [ifd0]
    if _TAG_SUBIFDS in ifd0:
        kind, number, value = ifd0[_TAG_SUBIFDS]
        offsets = [value] if number == 1 else [
            struct.unpack_from(order + "I", data, value + 4 * i)[0]
            for i in range(min(number, 16)) if value + 4 * i + 4 <= len(data)
        ]
        ifds.extend(ifd(offset) for offset in offsets)
    return order == "<", ifds


def is_raw(data: bytes) -> bool:
    """Whether `data` is a camera RAW file (see the module's note)."""
    for offset, signature in _NON_TIFF_SIGNATURES:
        if data[offset:offset + len(signature)] == signature:
            return True
    if data[:4] in (b"II*\x00", b"MM\x00*") and data[8:11] == b"CR\x02":
        return True  # Canon CR2
    try:
        parsed = _tiff_ifds(data)
    except struct.error:
        return False
    if parsed is None:
        return False
    _, ifds = parsed
    if _TAG_DNG_VERSION in ifds[0]:
        return True
    return any(entry.get(_TAG_PHOTOMETRIC, (0, 0, 0))[2] in _CFA_PHOTOMETRIC for entry in ifds)


@dataclass(frozen=True)
class RawFile:
    """One RAW file as LibRaw reads it: its layout, why LibRaw could not read it (if so), its flip."""

    layout: RawLayout  # sensor size 0 x 0 when the file cannot hold the sensor picture it states
    libraw_error: str | None = None
    flip: int = 0
    preview_jpeg: bytes | None = None
    stated_width: int = 0  # the sensor picture the file's header states
    stated_height: int = 0

    @property
    def upright_sensor_size(self) -> tuple[int, int]:
        width, height = self.layout.sensor_width, self.layout.sensor_height
        return (height, width) if self.flip in (5, 6) else (width, height)


# LibRaw's errors in words about the file (its "Unsupported file format" is said of a file whose
# RAW data it cannot find, as well as of a format it does not know)
_LIBRAW_ERRORS = {
    "LibRawFileUnsupportedError": "LibRaw finds no RAW data in it",
    "LibRawIOError": "its data ends early",
    "LibRawDataError": "its data is damaged",
    "LibRawTooBigError": "its stated size is larger than the file",
    "LibRawOutOfOrderCallError": "LibRaw could not read it",
    "LibRawNoThumbnailError": "it has no preview",
    "LibRawUnsupportedThumbnailError": "its preview is in a format LibRaw does not read",
    "LibRawCancelledByCallbackError": "reading it was cancelled",
    "LibRawBadCropError": "its crop is wrong",
}


def _error_text(exc: BaseException) -> str:
    known = _LIBRAW_ERRORS.get(exc.__class__.__name__)
    if known:
        return known
    message = exc.args[0] if exc.args else exc
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return f"{exc.__class__.__name__.removeprefix('LibRaw')}: {message}"


def _preview_size(jpeg: bytes) -> tuple[int, int] | None:
    """The preview's size when it decodes whole (a truncated or broken preview is no preview)."""
    try:
        with Image.open(io.BytesIO(jpeg)) as image:
            image.draft("RGB", (image.width // 8 or 1, image.height // 8 or 1))
            image.load()  # all of it, at 1/8 scale: cheap, and a truncated preview fails here
            with Image.open(io.BytesIO(jpeg)) as header:
                return header.size
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        return None


def read_raw(data: bytes) -> RawFile:
    """Measure a RAW file: its embedded preview (decoded to check it), the sensor picture's size,
    and whether the file holds that much data. Never raises for a bad file."""
    rawpy = _rawpy()
    try:
        handle = rawpy.imread(io.BytesIO(data))
    except (rawpy.LibRawError, OSError, ValueError) as exc:
        return RawFile(RawLayout(), libraw_error=_error_text(exc))
    with handle:
        sizes = handle.sizes
        preview_jpeg = None
        preview = (0, 0)
        try:
            thumb = handle.extract_thumb()
            if thumb.format == rawpy.ThumbFormat.JPEG:
                measured = _preview_size(bytes(thumb.data))
                if measured is not None:
                    preview_jpeg, preview = bytes(thumb.data), measured
        except (rawpy.LibRawError, OSError, ValueError):
            pass
        plausible = sensor_data_plausible(len(data), sizes.width, sizes.height)
        sensor = (sizes.width, sizes.height) if plausible else (0, 0)
        layout = RawLayout(preview[0], preview[1], sensor[0], sensor[1], sizes.crop_width, sizes.crop_height)
        return RawFile(layout, None, sizes.flip, preview_jpeg, sizes.width, sizes.height)


def check_sensor_data(data: bytes) -> str | None:
    """None when LibRaw unpacks the sensor data and the file can hold it; else why not."""
    rawpy = _rawpy()
    try:
        with rawpy.imread(io.BytesIO(data)) as handle:
            sizes = handle.sizes
            if not sensor_data_plausible(len(data), sizes.width, sizes.height):
                return "too small"
            handle.unpack()
    except (rawpy.LibRawError, OSError, ValueError) as exc:
        return _error_text(exc)
    return None


def _srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """8-bit sRGB: a preview with an embedded profile (Adobe RGB from a camera set to it) is converted."""
    if icc:
        try:
            from PIL import ImageCms

            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: the values are taken as sRGB, as browsers do
    return image.convert("RGB")  # a copy: the preview's file closes after this


def _upright(image: Image.Image, flip: int) -> Image.Image:
    transpose = _FLIP_TRANSPOSE.get(flip)
    return image.transpose(transpose) if transpose is not None else image


def preview_image(raw: RawFile, long_edge: int | None = None) -> Image.Image:
    """The embedded preview, upright, RGB, at most `long_edge` (JPEG draft decode)."""
    if raw.preview_jpeg is None:
        raise RawDecodeError("the RAW file has no embedded preview")
    with Image.open(io.BytesIO(raw.preview_jpeg)) as image:
        icc = image.info.get("icc_profile")
        if long_edge is not None and long_edge < max(image.size):
            target = capped_size(image.width, image.height, long_edge)
            image.draft("RGB", target)
            image.load()
            pixels = _srgb(image, icc)
            if pixels.size != target:
                pixels = pixels.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
        else:
            pixels = _srgb(image, icc)
    return _upright(pixels, raw.flip)


def develop(data: bytes, *, half_size: bool, long_edge: int | None = None) -> Image.Image:
    """A LibRaw development with the camera's white balance into 8-bit sRGB, upright (LibRaw applies
    the flip), at most `long_edge`. `half_size`: each 2x2 block of the mosaic is one pixel (fast)."""
    rawpy = _rawpy()
    try:
        with rawpy.imread(io.BytesIO(data)) as handle:
            rgb = handle.postprocess(
                half_size=half_size, use_camera_wb=True, output_color=rawpy.ColorSpace.sRGB, output_bps=8,
            )
    except (rawpy.LibRawError, OSError, ValueError, MemoryError) as exc:
        raise RawDecodeError(f"LibRaw could not develop the RAW file ({_error_text(exc)})") from exc
    image = Image.fromarray(rgb, "RGB")
    if long_edge is not None and long_edge < max(image.size):
        image = image.resize(capped_size(image.width, image.height, long_edge), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return image

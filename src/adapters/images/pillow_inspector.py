"""Stage-1 image checks with Pillow: hash, then a decode (`Image.load()`; a JPEG at the reduced
scale of its perceptual hash, which still entropy-decodes every byte, and the hash is kept for
stage 4); camera RAW files with LibRaw (`libraw.py`): their embedded preview decoded, else their
sensor data unpacked.

`Image.verify()` misses a JPEG truncated at half; decoding every block does not. Pillow's
LOAD_TRUNCATED_IMAGES stays off so a truncated file is an error, and the decompression-bomb
limit comes from the settings.
"""

from __future__ import annotations

import hashlib
import io
import threading
import warnings
from collections import OrderedDict
from pathlib import PurePath

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError
from proofdesk.adapters.images import libraw
from proofdesk.adapters.images.heif import register_heif
from proofdesk.core.domain.errors import ExternalFailure
from proofdesk.core.domain.intake import RAW_EXTENSIONS, ImageCheck, raw_format_readable
from proofdesk.core.domain.raw import missing_picture_reason
from proofdesk.core.ports.files import ImageInspector

_CHUNK = 1024 * 1024
_HASH_DRAFT = (256, 256)  # the perceptual hash's JPEG draft size (the decode it is taken from)
_KNOWN_HASHES = 100_000  # perceptual hashes kept by content digest (about 100 bytes each)


def _phash(image: Image.Image) -> str:
    """imagehash's DCT hash of the upright picture."""
    import imagehash

    return str(imagehash.phash(ImageOps.exif_transpose(image)))


class PillowImageInspector(ImageInspector):
    def __init__(self) -> None:
        self._hashes: OrderedDict[str, str] = OrderedDict()  # sha256 -> perceptual hash, from validation's decode
        self._hashes_lock = threading.Lock()

    def _remember_hash(self, digest: str, value: str) -> None:
        with self._hashes_lock:
            self._hashes[digest] = value
            while len(self._hashes) > _KNOWN_HASHES:
                self._hashes.popitem(last=False)

    def _known_hash(self, digest: str) -> str | None:
        with self._hashes_lock:
            return self._hashes.get(digest)

    def inspect(self, path: str, max_pixels: int) -> ImageCheck:
        register_heif()
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            return ImageCheck(None, 0, problem=f"cannot be read: {exc.strerror or exc}")
        digest = hashlib.sha256(data).hexdigest()
        size = len(data)
        if size == 0:
            return ImageCheck(digest, 0, problem="zero-byte file")
        if PurePath(path).suffix.lower() in RAW_EXTENSIONS or libraw.is_raw(data):
            return self._inspect_raw(data, digest, max_pixels)
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        previous_limit = Image.MAX_IMAGE_PIXELS
        try:
            # Pillow warns above MAX_IMAGE_PIXELS and raises above twice that; we refuse above ours.
            Image.MAX_IMAGE_PIXELS = max_pixels
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(data)) as image:
                    image_format = image.format
                    width, height = image.size
                    if width <= 0 or height <= 0:
                        return ImageCheck(digest, size, image_format, problem="image has no pixels (0×0)")
                    # A JPEG decoded at reduced scale still reads and entropy-decodes every byte
                    # of it (a truncated or corrupt one fails the same), at a fraction of the cost;
                    # it is the very decode the perceptual hash takes, so that hash is kept.
                    jpeg = image_format == "JPEG" and image.draft("L", _HASH_DRAFT) is not None
                    image.load()
                    if jpeg:
                        self._remember_hash(digest, _phash(image))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            return ImageCheck(
                digest, size, problem=f"decompression bomb: more than {max_pixels:,} pixels "
                "(raise intake.max_image_pixels if the photo is genuine)"
            )
        except UnidentifiedImageError:
            return ImageCheck(digest, size, problem="not an image Pillow can read (wrong extension or corrupt)")
        except OSError as exc:
            message = str(exc)
            if "truncated" in message.lower() or "premature end" in message.lower():
                return ImageCheck(digest, size, problem=f"truncated image data ({message})")
            return ImageCheck(digest, size, problem=f"does not decode: {message}")
        except (ValueError, SyntaxError, MemoryError, EOFError) as exc:
            return ImageCheck(digest, size, problem=f"does not decode: {exc.__class__.__name__}: {exc}")
        finally:
            Image.MAX_IMAGE_PIXELS = previous_limit
        return ImageCheck(digest, size, image_format, width, height)

    def raw_formats(self) -> frozenset[str]:
        flags = libraw.libraw_flags()
        if libraw.libraw_version() is None:
            return frozenset()
        return frozenset(suffix for suffix in RAW_EXTENSIONS if raw_format_readable(suffix, flags))

    @staticmethod
    def _inspect_raw(data: bytes, digest: str, max_pixels: int) -> ImageCheck:
        """A RAW file is a picture when its embedded preview decodes (fast: the preview is decoded
        at 1/8 scale, which reads all of it) or, without one, when LibRaw unpacks its sensor data."""
        size = len(data)
        raw = libraw.read_raw(data)
        stated = (raw.stated_width, raw.stated_height)
        if stated[0] * stated[1] > max_pixels:
            return ImageCheck(digest, size, problem=f"decompression bomb: more than {max_pixels:,} pixels "
                              "(raise intake.max_image_pixels if the photo is genuine)")
        layout = raw.layout
        if not layout.has_preview:
            error = raw.libraw_error or (libraw.check_sensor_data(data) if layout.sensor_width else None)
            if error or not layout.sensor_width:
                return ImageCheck(digest, size, problem=missing_picture_reason(
                    layout, stated[0], stated[1], size, None if error == "too small" else error))
        width, height = (raw.stated_width, raw.stated_height) if raw.stated_width else \
            (layout.preview_width, layout.preview_height)
        return ImageCheck(digest, size, "RAW", width, height)

    def perceptual_hash(self, path: str, sha256: str | None = None) -> str | None:
        """imagehash's DCT hash of the upright picture, decoded at reduced size (JPEG draft mode;
        a RAW file's preview or half-size development)."""
        import imagehash

        register_heif()
        try:
            with open(path, "rb") as handle:
                head = handle.read(1 << 16)
            if PurePath(path).suffix.lower() in RAW_EXTENSIONS or libraw.is_raw(head):
                from proofdesk.adapters.images.pillow_processor import PillowImageProcessor

                with open(path, "rb") as handle:
                    decoded = PillowImageProcessor().decode(handle.read(), 256)
                picture = Image.frombuffer("RGB", (decoded.width, decoded.height), decoded.rgb, "raw", "RGB", 0, 1)
                return str(imagehash.phash(picture))
            known = self._known_hash(sha256) if sha256 else None  # validated in this process: decoded then
            if known is not None:
                return known
            with open(path, "rb") as handle:
                data = handle.read()
            known = self._known_hash(hashlib.sha256(data).hexdigest())
            if known is not None:
                return known
            with Image.open(io.BytesIO(data)) as image:
                image.draft("L", _HASH_DRAFT)
                return _phash(image)
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, ExternalFailure):
            return None

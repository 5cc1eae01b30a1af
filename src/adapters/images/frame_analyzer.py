"""The frame analyzer on numpy and imagehash: culling measures and the shift-tolerant hash of a
decoded picture (the formulas are documented on `QualityMeasures` and in `scenes`)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PIL import Image
from proofdesk.core.domain.scenes import SIGNATURE_WINDOWS, QualityMeasures
from proofdesk.core.ports.media import DecodedImage, FrameAnalysis, FrameAnalyzer

if TYPE_CHECKING:
    import numpy as np

_BLOCK = 16
_OFFSETS = (-0.06, -0.03, 0.0, 0.03, 0.06)  # 5 x 5 windows, the centre one 13th (index 12)
_WINDOW = 0.86  # each window covers 86 % of the width and height
_THUMBNAIL = 192  # the hashes are taken on a luma thumbnail of this long edge
_HASH_SIDE = 8  # 8x8 bits per window, from a 32x32 DCT (imagehash's phash defaults)


def _blocks(values: np.ndarray) -> np.ndarray:
    """Means over 16x16 blocks (the whole array as one block when it is smaller)."""
    import numpy as np

    height, width = values.shape
    if height < _BLOCK or width < _BLOCK:
        return np.array([float(values.mean())]) if values.size else np.array([0.0])
    height, width = (height // _BLOCK) * _BLOCK, (width // _BLOCK) * _BLOCK
    cut = values[:height, :width]
    return cut.reshape(height // _BLOCK, _BLOCK, width // _BLOCK, _BLOCK).mean(axis=(1, 3)).ravel()


def measure(luma: np.ndarray) -> QualityMeasures:
    """`QualityMeasures` of an 8-bit luma array (float32)."""
    import numpy as np

    if luma.shape[0] < 3 or luma.shape[1] < 3:
        focus = noise = 0.0
    else:
        centre = luma[1:-1, 1:-1]
        up, down, left, right = luma[:-2, 1:-1], luma[2:, 1:-1], luma[1:-1, :-2], luma[1:-1, 2:]
        cross = up + down + left + right  # once for both filters (the same sums, in the same order)
        centre4 = 4.0 * centre
        laplacian = cross - centre4
        corners = luma[:-2, :-2] + luma[:-2, 2:] + luma[2:, :-2] + luma[2:, 2:]
        immerkaer = corners - 2.0 * cross + centre4
        noise = math.sqrt(math.pi / 2.0) * float(np.percentile(_blocks(np.abs(immerkaer)), 20)) / 6.0
        energy = float(np.percentile(_blocks(laplacian * laplacian), 90))
        focus = math.sqrt(max(0.0, energy - 20.0 * noise * noise))
    total = max(1, luma.size)
    return QualityMeasures(
        focus=round(focus, 3),
        noise=round(noise, 3),
        brightness=round(min(255.0, max(0.0, float(luma.mean()))), 3),
        contrast=round(float(luma.std()), 3),
        shadows_clipped=round(float(np.count_nonzero(luma <= 2.5)) / total, 5),
        highlights_clipped=round(float(np.count_nonzero(luma >= 252.5)) / total, 5),
        width=int(luma.shape[1]),
        height=int(luma.shape[0]),
    )


def signature(picture: Image.Image) -> str:
    """25 DCT hashes of windows shifted by up to 6 % of the picture, centre window 13th: imagehash's
    `phash` of each window (LANCZOS to 32x32, 2-D DCT-II, the 8x8 low frequencies above their
    median), the 25 transforms done as one batch."""
    import numpy as np
    import scipy.fftpack

    grey = picture.convert("L")
    grey.thumbnail((_THUMBNAIL, _THUMBNAIL))
    width, height = grey.size
    window_w, window_h = width * _WINDOW, height * _WINDOW
    windows = []
    for dy in _OFFSETS:
        for dx in _OFFSETS:
            left = (width - window_w) / 2 + dx * width
            top = (height - window_h) / 2 + dy * height
            box = (round(left), round(top), round(left + window_w), round(top + window_h))
            windows.append(np.asarray(grey.crop(box).resize((_HASH_SIDE * 4, _HASH_SIDE * 4), Image.Resampling.LANCZOS)))
    assert len(windows) == SIGNATURE_WINDOWS
    dct = scipy.fftpack.dct(scipy.fftpack.dct(np.stack(windows), axis=1), axis=2)[:, :_HASH_SIDE, :_HASH_SIDE]
    low = dct.reshape(SIGNATURE_WINDOWS, -1)
    bits = low > np.median(low, axis=1, keepdims=True)
    return ".".join(bytes(row).hex() for row in np.packbits(bits, axis=1))


class NumpyFrameAnalyzer(FrameAnalyzer):
    version = "measures-v2+signature-v1"  # v2: the picture's size (the `tiny` flag)

    def analyze(self, image: DecodedImage) -> FrameAnalysis:
        import numpy as np  # numpy and imagehash load on first use: building the container stays light

        pixels = np.frombuffer(image.rgb, dtype=np.uint8).reshape(image.height, image.width, 3).astype(np.float32)
        luma = pixels[..., 0] * 0.299 + pixels[..., 1] * 0.587 + pixels[..., 2] * 0.114
        picture = Image.frombuffer("RGB", (image.width, image.height), image.rgb, "raw", "RGB", 0, 1)
        return FrameAnalysis(measures=measure(luma), signature=signature(picture))

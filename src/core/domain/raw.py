"""Camera RAW originals: which picture of a RAW file proofdesk uses for what (ADR 0019).

A RAW file holds the sensor data and, from most cameras, an embedded JPEG preview the camera
rendered. The rules here choose between them; the LibRaw adapter measures and decodes.

- the models (scores, captions, culling) see the preview when its long edge is at least the model
  size, else a fast half-size demosaic of the sensor data;
- a published copy is the preview when `publish.raw_render = "preview"`, its long edge is at least
  the published long edge and its crop is the RAW's; else a LibRaw development (camera white
  balance, sRGB) capped at `publish.max_edge`;
- a file is a picture when it has a preview (larger than an EXIF thumbnail) or sensor data that
  decodes: a stripped header (metadata only) is refused, naming the missing picture data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

RawRender = Literal["preview", "develop"]
RawPairs = Literal["jpeg", "raw"]

# An EXIF (DCF) thumbnail is at most 160 x 120 px: an embedded picture no larger is a thumbnail
# (or a placeholder a tool left in a stripped file), never the photo's preview.
THUMBNAIL_MAX_EDGE = 160
# A preview and the sensor picture have the same crop when their aspect ratios differ by less than
# this (a 6000x4000 preview of a 6024x4020 sensor area is the same picture; 16:9 of 3:2 is not).
SAME_CROP_TOLERANCE = 0.01
# Sensor data compresses (lossless, or lossy DNG) to no less than about one bit per pixel; a file
# holding less than this many bytes per sensor pixel cannot hold the picture (exiftool's stripped
# test headers hold a hundredth of a bit per pixel).
MIN_BYTES_PER_SENSOR_PIXEL = 1 / 64


@dataclass(frozen=True)
class RawLayout:
    """What a RAW file holds, as LibRaw reads it (sizes as stored, before orientation).

    `preview_width`/`preview_height`: the largest embedded JPEG preview (0 when none decodes);
    `sensor_width`/`sensor_height`: the picture LibRaw develops (0 when LibRaw cannot read the file);
    `crop_width`/`crop_height`: the camera's default crop inside it (DNG DefaultCrop), 0 when none.
    """

    preview_width: int = 0
    preview_height: int = 0
    sensor_width: int = 0
    sensor_height: int = 0
    crop_width: int = 0
    crop_height: int = 0

    @property
    def has_preview(self) -> bool:
        return max(self.preview_width, self.preview_height) > THUMBNAIL_MAX_EDGE

    @property
    def preview_long_edge(self) -> int:
        return max(self.preview_width, self.preview_height) if self.has_preview else 0

    @property
    def sensor_long_edge(self) -> int:
        return max(self.sensor_width, self.sensor_height)

    def crop_matches(self) -> bool:
        """The preview shows the RAW's picture area (same aspect ratio as its crop, or its whole
        sensor picture when it has no crop)."""
        if not self.has_preview or not self.sensor_width or not self.sensor_height:
            return self.has_preview and not self.sensor_width
        width, height = (self.crop_width, self.crop_height) if self.crop_width and self.crop_height \
            else (self.sensor_width, self.sensor_height)
        return abs(self.preview_width / self.preview_height - width / height) <= SAME_CROP_TOLERANCE * (width / height)


def sensor_data_plausible(file_size: int, sensor_width: int, sensor_height: int) -> bool:
    """Whether a file of `file_size` bytes can hold a sensor picture of that size."""
    return sensor_width > 0 and sensor_height > 0 and file_size >= sensor_width * sensor_height * MIN_BYTES_PER_SENSOR_PIXEL


def model_source(layout: RawLayout, long_edge: int) -> Literal["preview", "half_size", "develop"]:
    """What a picture of `long_edge` is decoded from: the preview when it is at least that size (or
    when the sensor data cannot be developed), else a half-size demosaic, or a full development
    when even half the sensor picture is smaller than asked."""
    if layout.has_preview and (layout.preview_long_edge >= long_edge or not layout.sensor_width):
        return "preview"
    if layout.sensor_width and long_edge > layout.sensor_long_edge // 2:
        return "develop"
    return "half_size"


def published_long_edge(layout: RawLayout, max_edge: int | None) -> int:
    """The published copy's long edge: the RAW's full size, capped at `publish.max_edge`."""
    full = layout.sensor_long_edge or layout.preview_long_edge
    return min(full, max_edge) if max_edge else full


def publish_source(layout: RawLayout, render: RawRender, max_edge: int | None) -> Literal["preview", "develop"]:
    """The camera's preview when asked for, as large as the published copy and of the same crop;
    else a development. A file whose sensor data LibRaw cannot read publishes its preview."""
    if not layout.sensor_width:
        return "preview"
    if render == "preview" and layout.has_preview and layout.crop_matches() \
            and layout.preview_long_edge >= published_long_edge(layout, max_edge):
        return "preview"
    return "develop"


def capped_size(width: int, height: int, long_edge: int) -> tuple[int, int]:
    """(width, height) scaled so the long edge is at most `long_edge` (never upscaled)."""
    scale = min(1.0, long_edge / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def missing_picture_reason(layout: RawLayout, stated_width: int, stated_height: int, file_size: int,
                           libraw_error: str | None) -> str:
    """Why a RAW file is no picture, naming what is missing (the preview and the sensor data).
    `stated_width`/`stated_height`: the sensor picture the file's header states (0 when unknown)."""
    if layout.preview_width:
        article = "an" if str(layout.preview_width).startswith("8") or layout.preview_width in (11, 18) else "a"
        preview = (f"its only embedded picture is {article} {layout.preview_width}x{layout.preview_height} thumbnail "
                   "(no preview)")
    else:
        preview = "no embedded preview"
    if libraw_error:
        sensor = f"no sensor data LibRaw can decode ({libraw_error})"
    elif stated_width and stated_height and not sensor_data_plausible(file_size, stated_width, stated_height):
        sensor = (f"no sensor data: its {file_size:,} bytes cannot hold the {stated_width}x{stated_height} "
                  "sensor picture its header states (a metadata-only copy)")
    else:
        sensor = "no sensor data LibRaw can decode"
    return (f"no picture data in this RAW file: {preview} and {sensor}; copy the file from the card again, "
            "or keep the camera's JPEG beside it")

"""The RAW rules of the domain (ADR 0019): which picture of a RAW the models see and which is
published, when a preview is one, and why a metadata-only file is no picture."""

from __future__ import annotations

from proofdesk.core.domain.raw import (
    RawLayout,
    capped_size,
    missing_picture_reason,
    model_source,
    publish_source,
    published_long_edge,
    sensor_data_plausible,
)

CANON_6D = RawLayout(1024, 683, 1224, 816)  # the sample lossy DNG: a 1024 px preview of a 1224 px picture
FULL_PREVIEW = RawLayout(6000, 4000, 6000, 4000)
CINEMA = RawLayout(0, 0, 4128, 2176, 4096, 2160)  # no preview, a DNG default crop


def test_an_exif_thumbnail_is_no_preview() -> None:
    assert not RawLayout(160, 120, 3000, 2000).has_preview and RawLayout(161, 107, 3000, 2000).has_preview
    assert RawLayout(8, 8, 3000, 2000).preview_long_edge == 0


def test_models_see_the_preview_when_it_is_at_least_their_size_else_a_half_size_demosaic() -> None:
    assert model_source(CANON_6D, 1024) == "preview"
    assert model_source(CANON_6D, 400) == "preview"  # thumbnails too
    assert model_source(RawLayout(800, 533, 6000, 4000), 1024) == "half_size"
    assert model_source(CINEMA, 1024) == "half_size"
    assert model_source(CANON_6D, 1100) == "develop"  # half of 1224 px is smaller than asked
    assert model_source(RawLayout(1024, 683, 0, 0), 2048) == "preview"  # no sensor data: the preview is the picture


def test_the_published_long_edge_is_the_raws_full_size_capped_at_max_edge() -> None:
    assert published_long_edge(CANON_6D, None) == 1224
    assert published_long_edge(CANON_6D, 1000) == 1000
    assert published_long_edge(CANON_6D, 5000) == 1224


def test_the_preview_is_published_only_when_large_enough_and_of_the_raws_crop() -> None:
    assert publish_source(FULL_PREVIEW, "preview", None) == "preview"
    assert publish_source(FULL_PREVIEW, "develop", None) == "develop"
    assert publish_source(CANON_6D, "preview", None) == "develop"  # 1024 < 1224
    assert publish_source(CANON_6D, "preview", 1024) == "preview"  # 1024x683 is 1224x816's crop within 1 %
    assert publish_source(RawLayout(1920, 1080, 6000, 4000), "preview", 1024) == "develop"  # 16:9 of 3:2
    assert publish_source(RawLayout(4096, 2160, 4128, 2176, 4096, 2160), "preview", None) == "develop"
    assert publish_source(RawLayout(4096, 2160, 4128, 2176, 4096, 2160), "preview", 4096) == "preview"
    assert publish_source(RawLayout(1024, 683, 0, 0), "develop", None) == "preview"  # nothing else to publish


def test_capped_size_keeps_the_aspect_ratio_and_never_upscales() -> None:
    assert capped_size(6000, 4000, 2048) == (2048, 1365)
    assert capped_size(640, 480, 2048) == (640, 480)
    assert capped_size(2176, 4128, 1024) == (540, 1024)


def test_a_metadata_only_header_cannot_hold_its_sensor_picture() -> None:
    assert not sensor_data_plausible(6_188, 3039, 2014)  # exiftool's stripped Nikon D70 NEF
    assert sensor_data_plausible(411_944, 1224, 816)  # the lossy DNG
    assert not sensor_data_plausible(10_000_000, 0, 0)


def test_the_refusal_names_the_missing_picture_data() -> None:
    reason = missing_picture_reason(RawLayout(), 3039, 2014, 6_188, None)
    assert reason.startswith("no picture data in this RAW file: no embedded preview and no sensor data")
    assert "6,188 bytes cannot hold the 3039x2014 sensor picture" in reason and "unsupported" not in reason
    thumbnail = missing_picture_reason(RawLayout(160, 120), 3552, 3551, 38_452, None)
    assert "its only embedded picture is a 160x120 thumbnail (no preview)" in thumbnail
    libraw = missing_picture_reason(RawLayout(), 0, 0, 8_724, "LibRaw finds no RAW data in it")
    assert "no sensor data LibRaw can decode (LibRaw finds no RAW data in it)" in libraw

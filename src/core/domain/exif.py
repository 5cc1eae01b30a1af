"""The EXIF/IPTC/XMP facts of a photo, and read access to a row's facts by their flat names.

A `Row` composes its `ExifFacts` (`row.exif`); `rows --json`, the queue table's columns and the
journal keep the facts flat under these names, and `row.camera_make` reads `row.exif.camera_make`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from proofdesk.core.domain.base import DomainModel
from pydantic import ConfigDict, Field


class ExifFacts(DomainModel):
    """What the EXIF/IPTC/XMP reader found. Every field is optional: a photo without EXIF is valid.

    `captured_at` is the ISO 8601 wall time exactly as DateTimeOriginal records it (no time-zone
    conversion); `captured_offset` is OffsetTimeOriginal (e.g. "+02:00") when present;
    `gps_timestamp_utc` is GPSDateStamp + GPSTimeStamp as an ISO 8601 UTC time.
    """

    model_config = ConfigDict(frozen=True)

    captured_at: str | None = None
    captured_offset: str | None = None
    gps_timestamp_utc: str | None = None
    camera_make: str | None = None
    camera_model: str | None = None
    lens: str | None = None
    focal_length_mm: float | None = None
    f_number: float | None = None
    exposure_time: str | None = None  # as a fraction, e.g. "1/250"
    iso: int | None = None
    gps_latitude: float | None = None
    gps_longitude: float | None = None
    gps_altitude_m: float | None = None
    orientation: int | None = None
    width: int | None = None
    height: int | None = None
    exif_caption: str | None = None
    exif_title: str | None = None
    exif_keywords: list[str] = Field(default_factory=list)
    # the file's own alt text (IPTC 2021 AltTextAccessibility), creator and copyright (MWG reading)
    exif_alt_text: str | None = None
    exif_creator: str | None = None
    exif_copyright: str | None = None
    # what the reader ignored or decoded specially, for people ("GPS time stamp … ignored")
    metadata_notes: list[str] = Field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return self == ExifFacts()

    def with_sidecar(self, sidecar: ExifFacts) -> ExifFacts:
        """These facts with a sidecar's keywords added (evidence, like embedded ones) and its caption
        and title where the file has none."""
        keywords = list(self.exif_keywords)
        folded = {keyword.casefold() for keyword in keywords}
        for keyword in sidecar.exif_keywords:
            if keyword.casefold() not in folded:
                keywords.append(keyword)
                folded.add(keyword.casefold())
        return self.changed(exif_keywords=keywords, exif_caption=self.exif_caption or sidecar.exif_caption,
                            exif_title=self.exif_title or sidecar.exif_title,
                            exif_alt_text=self.exif_alt_text or sidecar.exif_alt_text)


EXIF_FIELDS: tuple[str, ...] = tuple(ExifFacts.model_fields)


class ExifReadAccess:
    """Each EXIF fact of a row readable under its flat name (`row.gps_latitude`); a change goes
    through `row.changed(gps_latitude=...)` like any other field."""

    if TYPE_CHECKING:  # the field is declared on the model (Row.exif)
        exif: ExifFacts

    @property
    def captured_at(self) -> str | None:
        return self.exif.captured_at

    @property
    def captured_offset(self) -> str | None:
        return self.exif.captured_offset

    @property
    def gps_timestamp_utc(self) -> str | None:
        return self.exif.gps_timestamp_utc

    @property
    def camera_make(self) -> str | None:
        return self.exif.camera_make

    @property
    def camera_model(self) -> str | None:
        return self.exif.camera_model

    @property
    def lens(self) -> str | None:
        return self.exif.lens

    @property
    def focal_length_mm(self) -> float | None:
        return self.exif.focal_length_mm

    @property
    def f_number(self) -> float | None:
        return self.exif.f_number

    @property
    def exposure_time(self) -> str | None:
        return self.exif.exposure_time

    @property
    def iso(self) -> int | None:
        return self.exif.iso

    @property
    def gps_latitude(self) -> float | None:
        return self.exif.gps_latitude

    @property
    def gps_longitude(self) -> float | None:
        return self.exif.gps_longitude

    @property
    def gps_altitude_m(self) -> float | None:
        return self.exif.gps_altitude_m

    @property
    def orientation(self) -> int | None:
        return self.exif.orientation

    @property
    def width(self) -> int | None:
        return self.exif.width

    @property
    def height(self) -> int | None:
        return self.exif.height

    @property
    def exif_caption(self) -> str | None:
        return self.exif.exif_caption

    @property
    def exif_title(self) -> str | None:
        return self.exif.exif_title

    @property
    def exif_keywords(self) -> list[str]:
        return self.exif.exif_keywords

    @property
    def exif_alt_text(self) -> str | None:
        return self.exif.exif_alt_text

    @property
    def exif_creator(self) -> str | None:
        return self.exif.exif_creator

    @property
    def exif_copyright(self) -> str | None:
        return self.exif.exif_copyright

    @property
    def metadata_notes(self) -> list[str]:
        return self.exif.metadata_notes

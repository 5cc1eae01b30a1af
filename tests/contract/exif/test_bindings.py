"""Binds the EXIF contract to the pyexiv2 adapter and to the fake (seeded with the same facts)."""

from __future__ import annotations

from pathlib import Path

import pytest
from proofdesk.adapters.exif.pyexiv2_reader import (
    Pyexiv2ExifReader,
    facts_from_metadata,
)
from proofdesk.adapters.memory import FakeExifReader
from proofdesk.core.domain.models import ExifFacts
from proofdesk.core.ports.files import ExifReader

from .contract import GPS_SET, ExifReaderContract


class TestPyexiv2ExifReader(ExifReaderContract):
    @pytest.fixture
    def reader(self) -> ExifReader:
        return Pyexiv2ExifReader()

    def test_offset_and_negative_coordinates(self) -> None:
        facts = facts_from_metadata(
            {
                "Exif.Photo.DateTimeOriginal": "2026:06:12 23:41:05",
                "Exif.Photo.OffsetTimeOriginal": "+02:00",
                "Exif.GPSInfo.GPSLatitude": "33/1 51/1 3540/100",
                "Exif.GPSInfo.GPSLatitudeRef": "S",
                "Exif.GPSInfo.GPSLongitude": "151/1 12/1 4080/100",
                "Exif.GPSInfo.GPSLongitudeRef": "E",
                "Exif.GPSInfo.GPSAltitude": "58/1",
                "Exif.GPSInfo.GPSAltitudeRef": "1",
                "Exif.Photo.ExposureTime": "10/2500",
                "Exif.Photo.FNumber": "0/0",
            },
            {"Iptc.Application2.Keywords": ["Sydney", "harbour", "Sydney"]},
            {"Xmp.dc.subject": ["opera house"]},
            6000,
            4000,
        )
        assert facts.captured_at == "2026-06-12T23:41:05"  # wall time, no conversion
        assert facts.captured_offset == "+02:00"
        assert facts.gps_latitude == pytest.approx(-33.8598333, abs=1e-6)
        assert facts.gps_longitude == pytest.approx(151.2113333, abs=1e-6)
        assert facts.gps_altitude_m == -58.0
        assert facts.exposure_time == "1/250"
        assert facts.f_number is None  # 0/0 is not a value
        # MWG: with XMP present and no IPTC digest stored, XMP is current and IPTC is not merged in
        assert facts.exif_keywords == ["opera house"]

    @pytest.mark.parametrize(
        "value", ["0000:00:00 00:00:00", "2008:13:01 10:00:00", "garbage", "    ", "2008:10:22 25:00:00"]
    )
    def test_bad_dates_are_dropped_not_invented(self, value: str) -> None:
        facts = facts_from_metadata({"Exif.Photo.DateTimeOriginal": value}, {}, {}, None, None)
        assert facts.captured_at is None


def _seeded_fake(samples: Path) -> FakeExifReader:
    facts: dict[str, ExifFacts] = {}
    for name, (captured_at, gps_utc, latitude, longitude) in GPS_SET.items():
        facts[name] = ExifFacts(
            captured_at=captured_at, camera_make="NIKON",
            metadata_notes=[f"GPS time stamp {gps_utc} is 22 h from the capture time {captured_at}; ignored"],
            camera_model="COOLPIX P6000", gps_latitude=latitude, gps_longitude=longitude,
            orientation=1, width=640, height=480,
        )
    for orientation in range(1, 9):
        for shape in ("landscape", "portrait"):
            facts[f"{shape}_{orientation}.jpg"] = ExifFacts(orientation=orientation)
    facts["corrupted.jpg"] = ExifFacts(captured_at="2015-09-08T11:02:17", camera_make="OLYMPUS IMAGING CORP.")
    facts["long_description.jpg"] = ExifFacts(
        exif_caption="Operation Mountain Viper put the soldiers ...", exif_title="030904-A-2140D-006"
    )
    return FakeExifReader(facts)


class TestFakeExifReader(ExifReaderContract):
    @pytest.fixture
    def reader(self, samples: Path) -> ExifReader:
        return _seeded_fake(samples)

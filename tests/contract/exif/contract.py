"""EXIF reader behaviour on the real sample photos (../shared/samples/exif-samples).

GPS_SET holds what DateTimeOriginal, Make/Model and the GPS IFD of each GPS sample record (read
once with exiv2 and checked by hand); an implementation must report exactly these.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from proofdesk.core.ports.files import ExifReader

# name: (captured_at, gps UTC stamp, latitude, longitude)
GPS_SET = {
    "DSCN0010.jpg": ("2008-10-22T16:28:39", "2008-10-23T14:27:07Z", 43.4674483, 11.8851267),
    "DSCN0012.jpg": ("2008-10-22T16:29:49", "2008-10-23T14:28:17Z", 43.4671567, 11.8853950),
    "DSCN0021.jpg": ("2008-10-22T16:38:20", "2008-10-23T14:36:47Z", 43.4670817, 11.8845383),
    "DSCN0025.jpg": ("2008-10-22T16:43:21", "2008-10-23T14:41:49Z", 43.4683650, 11.8816350),
    "DSCN0027.jpg": ("2008-10-22T16:44:01", "2008-10-23T14:42:29Z", 43.4684417, 11.8815150),
    "DSCN0029.jpg": ("2008-10-22T16:46:53", "2008-10-23T14:45:20Z", 43.4682433, 11.8801717),
    "DSCN0038.jpg": ("2008-10-22T16:52:15", "2008-10-23T14:50:40Z", 43.4672550, 11.8792133),
    "DSCN0040.jpg": ("2008-10-22T16:55:37", "2008-10-23T14:54:00Z", 43.4660117, 11.8791117),
    "DSCN0042.jpg": ("2008-10-22T17:00:07", "2008-10-23T14:57:41Z", 43.4644550, 11.8814783),
}
INVALID = sorted(
    ["image00971.jpg", "image01088.jpg", "image01137.jpg", "image01551.jpg", "image01713.jpg",
     "image01980.jpg", "image02206.jpg"]
)


class ExifReaderContract:
    @pytest.fixture
    def reader(self) -> ExifReader:  # pragma: no cover - bound by subclasses
        raise NotImplementedError

    @pytest.mark.parametrize("name", sorted(GPS_SET))
    def test_gps_set_capture_time_camera_and_position(self, reader: ExifReader, gps_set: Path, name: str) -> None:
        captured_at, gps_utc, latitude, longitude = GPS_SET[name]
        facts = reader.read(str(gps_set / name))
        assert facts.captured_at == captured_at
        assert facts.captured_offset is None  # the COOLPIX writes no OffsetTimeOriginal
        # the COOLPIX's GPS date runs a day late: a stamp 22 h from the wall time is no time of
        # this capture, so it is ignored and the reader says so
        assert facts.gps_timestamp_utc is None
        assert any(gps_utc in note and "ignored" in note for note in facts.metadata_notes)
        assert facts.camera_make == "NIKON" and facts.camera_model == "COOLPIX P6000"
        assert facts.gps_latitude == pytest.approx(latitude, abs=1e-6)
        assert facts.gps_longitude == pytest.approx(longitude, abs=1e-6)
        assert facts.orientation == 1
        assert (facts.width, facts.height) == (640, 480)

    @pytest.mark.parametrize("orientation", range(1, 9))
    def test_orientation_samples(self, reader: ExifReader, samples: Path, orientation: int) -> None:
        for shape in ("landscape", "portrait"):
            facts = reader.read(str(samples / "jpg" / "orientation" / f"{shape}_{orientation}.jpg"))
            assert facts.orientation == orientation
            assert facts.captured_at is None  # none recorded: nothing invented

    @pytest.mark.parametrize("name", INVALID)
    def test_broken_exif_gives_empty_facts_not_a_crash(self, reader: ExifReader, samples: Path, name: str) -> None:
        facts = reader.read(str(samples / "jpg" / "invalid" / name))
        assert facts.captured_at is None
        assert facts.camera_make is None and facts.gps_latitude is None
        assert facts.exif_keywords == []

    def test_corrupted_metadata_gives_partial_facts(self, reader: ExifReader, samples: Path) -> None:
        facts = reader.read(str(samples / "jpg" / "corrupted.jpg"))
        assert facts.captured_at == "2015-09-08T11:02:17"
        assert facts.camera_make == "OLYMPUS IMAGING CORP."
        assert facts.exif_caption is None  # "OLYMPUS DIGITAL CAMERA" is camera boilerplate
        assert facts.gps_latitude is None

    def test_existing_description_is_identifier_evidence(self, reader: ExifReader, samples: Path) -> None:
        facts = reader.read(str(samples / "jpg" / "long_description.jpg"))
        assert facts.exif_caption is not None and facts.exif_caption.startswith("Operation Mountain Viper")
        assert facts.exif_title == "030904-A-2140D-006"

    def test_missing_file_raises(self, reader: ExifReader, tmp_path: Path) -> None:
        with pytest.raises(FileNotFoundError):
            reader.read(str(tmp_path / "missing.jpg"))

    def test_file_without_metadata(self, reader: ExifReader, tmp_path: Path) -> None:
        path = tmp_path / "plain.png"
        path.write_bytes(PLAIN_PNG)
        facts = reader.read(str(path))
        assert facts.captured_at is None and facts.camera_make is None and facts.exif_keywords == []


# A 1x1 PNG without any metadata chunk.
PLAIN_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415408d763f8cfc000000301010018dd8db00000000049454e44ae426082"
)

"""Metadata-writer behaviour: the copy keeps the pixels, and what was embedded reads back."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image
from proofdesk.adapters.exif.pyexiv2_writer import Pyexiv2MetadataWriter
from proofdesk.adapters.memory import FakeMetadataWriter
from proofdesk.core.domain.publishing import PublishedMetadata
from proofdesk.core.ports.publishing import MetadataWriter

from tests.support.corpus import jpeg_bytes

METADATA = PublishedMetadata(title="Arezzo bell tower", caption="The bell tower of Arezzo in afternoon light.",
                             alt_text="Bell tower of Arezzo", keywords=["arezzo", "bell tower", "afternoon"])
ReadBack = Callable[[bytes], dict[str, Any]]


class MetadataWriterContract:
    @pytest.fixture
    def writer(self) -> tuple[MetadataWriter, ReadBack]:  # pragma: no cover - bound by subclasses
        raise NotImplementedError

    def test_pixels_are_kept_and_the_input_is_unchanged(self, writer: tuple[MetadataWriter, ReadBack]) -> None:
        embed, _ = writer
        original = jpeg_bytes(5, size=(96, 64))
        copy = embed.embed(original, METADATA)
        with Image.open(io.BytesIO(original)) as before, Image.open(io.BytesIO(copy)) as after:
            assert after.format == "JPEG" and before.tobytes() == after.tobytes()

    def test_what_was_embedded_reads_back(self, writer: tuple[MetadataWriter, ReadBack]) -> None:
        embed, read_back = writer
        found = read_back(embed.embed(jpeg_bytes(6, size=(96, 64)), METADATA))
        assert found == {"caption": METADATA.caption, "keywords": METADATA.keywords, "alt_text": METADATA.alt_text}


def read_with_pyexiv2(data: bytes) -> dict[str, Any]:
    import pyexiv2

    image = pyexiv2.ImageData(data)
    try:
        iptc, xmp = image.read_iptc(), image.read_xmp()
    finally:
        image.close()
    return {"caption": iptc["Iptc.Application2.Caption"], "keywords": iptc["Iptc.Application2.Keywords"],
            "alt_text": xmp["Xmp.iptc.AltTextAccessibility"]['lang="x-default"']}


def read_fake(data: bytes) -> dict[str, Any]:
    payload = json.loads(data.split(FakeMetadataWriter.MARKER, 1)[1])
    return {"caption": payload["caption"], "keywords": payload["keywords"], "alt_text": payload["alt_text"]}


class TestPyexiv2MetadataWriter(MetadataWriterContract):
    @pytest.fixture
    def writer(self) -> tuple[MetadataWriter, ReadBack]:
        return Pyexiv2MetadataWriter(), read_with_pyexiv2


class TestFakeMetadataWriter(MetadataWriterContract):
    @pytest.fixture
    def writer(self) -> tuple[MetadataWriter, ReadBack]:
        return FakeMetadataWriter(), read_fake

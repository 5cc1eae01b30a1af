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
from proofdesk.core.domain.xmp import XmpMetadata
from proofdesk.core.ports.publishing import MetadataWriter

from tests.support.corpus import jpeg_bytes

METADATA = PublishedMetadata(title="Arezzo bell tower", caption="The bell tower of Arezzo in afternoon light.",
                             alt_text="Bell tower of Arezzo", keywords=["arezzo", "bell tower", "afternoon"])
ReadBack = Callable[[bytes], dict[str, Any]]
SidecarRead = Callable[[bytes], dict[str, Any]]
SIDECAR = XmpMetadata(title="Arezzo", caption="The bell tower.", alt_text="Bell tower", keywords=["arezzo", "ä"],
                      hierarchical_subjects=["Places|Italy|Tuscany|Arezzo", "arezzo", "ä"],
                      provenance={"caption": {"by": "person", "model": None, "digest": None, "at": "2026-01-01T00:00:00"}})


class MetadataWriterContract:
    @pytest.fixture
    def writer(self) -> tuple[MetadataWriter, ReadBack]:  # pragma: no cover - bound by subclasses
        raise NotImplementedError

    @pytest.fixture
    def sidecar_reader(self) -> SidecarRead:  # pragma: no cover - bound by subclasses
        raise NotImplementedError

    def test_pixels_are_kept_and_the_input_is_unchanged(self, writer: tuple[MetadataWriter, ReadBack]) -> None:
        embed, _ = writer
        original = jpeg_bytes(5, size=(96, 64))
        copy = embed.embed(original, METADATA)
        with Image.open(io.BytesIO(original)) as before, Image.open(io.BytesIO(copy)) as after:
            assert after.format == "JPEG" and before.tobytes() == after.tobytes()

    def test_a_sidecar_reads_back_and_a_rewrite_replaces_only_our_fields(
        self, writer: tuple[MetadataWriter, ReadBack], sidecar_reader: SidecarRead
    ) -> None:
        embed, _ = writer
        first = embed.sidecar(None, SIDECAR)
        assert sidecar_reader(first) == {"caption": SIDECAR.caption, "keywords": SIDECAR.keywords,
                                         "hierarchical": SIDECAR.hierarchical_subjects, "caption_by": "person"}
        again = embed.sidecar(first, SIDECAR.model_copy(update={"caption": "Tür ø 東京", "provenance": {}}))
        assert sidecar_reader(again) == {"caption": "Tür ø 東京", "keywords": SIDECAR.keywords,
                                         "hierarchical": SIDECAR.hierarchical_subjects, "caption_by": None}

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


def sidecar_with_pyexiv2(data: bytes) -> dict[str, Any]:
    import pyexiv2

    image = pyexiv2.ImageData(data)
    try:
        xmp = image.read_xmp()
    finally:
        image.close()
    return {"caption": xmp["Xmp.dc.description"]['lang="x-default"'], "keywords": xmp["Xmp.dc.subject"],
            "hierarchical": xmp["Xmp.lr.hierarchicalSubject"], "caption_by": xmp.get("Xmp.proofdesk.CaptionBy")}


def sidecar_fake(data: bytes) -> dict[str, Any]:
    payload = json.loads(data)
    return {"caption": payload["caption"], "keywords": payload["keywords"],
            "hierarchical": payload["hierarchical_subjects"],
            "caption_by": payload["provenance"].get("caption", {}).get("by")}


def read_fake(data: bytes) -> dict[str, Any]:
    payload = json.loads(data.split(FakeMetadataWriter.MARKER, 1)[1])
    return {"caption": payload["caption"], "keywords": payload["keywords"], "alt_text": payload["alt_text"]}


class TestPyexiv2MetadataWriter(MetadataWriterContract):
    @pytest.fixture
    def writer(self) -> tuple[MetadataWriter, ReadBack]:
        return Pyexiv2MetadataWriter(), read_with_pyexiv2

    @pytest.fixture
    def sidecar_reader(self) -> SidecarRead:
        return sidecar_with_pyexiv2


class TestFakeMetadataWriter(MetadataWriterContract):
    @pytest.fixture
    def writer(self) -> tuple[MetadataWriter, ReadBack]:
        return FakeMetadataWriter(), read_fake

    @pytest.fixture
    def sidecar_reader(self) -> SidecarRead:
        return sidecar_fake

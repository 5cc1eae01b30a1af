"""The JPEG container below libexiv2: marker segments, Photoshop image resources (APP13) and
IPTC-IIM datasets, read and rewritten byte for byte.

libexiv2 reads and writes EXIF, IPTC and XMP, but two things MWG-aware readers depend on live
outside what it exposes: the IPTC digest (Photoshop resource 0x0425, the MD5 of the IPTC block
that tells a reader whether XMP is in step with IPTC; libexiv2 leaves a stale one behind), and
the raw bytes of legacy IPTC text (needed to decode it by its character set). Vendor segments
libexiv2 does not know (a thermal camera's APP1 "FLIR" records, with their own GPS block) are
reached here too, so a published copy can drop them.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator
from dataclasses import dataclass

_SOI = b"\xff\xd8"
_PHOTOSHOP = b"Photoshop 3.0\x00"
_IRB_SIGNATURES = (b"8BIM", b"PHUT", b"DCSR", b"AgHg")  # 8BIM is the standard; the rest are old variants
IPTC_RESOURCE = 0x0404
IPTC_DIGEST_RESOURCE = 0x0425
# APPn segments a published copy keeps: JFIF/JFXX (APP0), EXIF and XMP (APP1), ICC profile (APP2),
# Photoshop IRB with IPTC (APP13), Adobe colour transform (APP14, needed to decode CMYK/YCCK right).
_KEPT_APP1 = (b"Exif\x00", b"http://ns.adobe.com/xap/1.0/\x00", b"http://ns.adobe.com/xmp/extension/\x00")


@dataclass(frozen=True)
class Segment:
    marker: int  # 0xE0..0xEF for APP0..APP15
    start: int  # offset of the 0xFF marker byte
    end: int  # offset after the segment

    def payload(self, data: bytes) -> bytes:
        return data[self.start + 4:self.end]


def segments(data: bytes) -> list[Segment]:
    """The marker segments before the image data (stops at SOS or at the first malformed marker)."""
    if not data.startswith(_SOI):
        return []
    found: list[Segment] = []
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            break
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # standalone markers
            position += 2
            continue
        if marker in (0xDA, 0xD9):  # start of scan / end of image: metadata ends here
            break
        (length,) = struct.unpack(">H", data[position + 2:position + 4])
        end = position + 2 + length
        if length < 2 or end > len(data):
            break
        found.append(Segment(marker, position, end))
        position = end
    return found


@dataclass(frozen=True)
class Resource:
    ident: int
    name: bytes  # the Pascal string as stored (length byte + text + even padding)
    data: bytes

    def encode(self) -> bytes:
        padding = b"\x00" if len(self.data) % 2 else b""
        return b"8BIM" + struct.pack(">H", self.ident) + self.name + struct.pack(">I", len(self.data)) + self.data + padding


def resources(payload: bytes) -> list[Resource] | None:
    """The image resources of an APP13 payload ("Photoshop 3.0\\0" + 8BIM blocks); None when the
    payload is no Photoshop block or is malformed."""
    if not payload.startswith(_PHOTOSHOP):
        return None
    found: list[Resource] = []
    position = len(_PHOTOSHOP)
    while position + 12 <= len(payload):
        if payload[position:position + 4] not in _IRB_SIGNATURES:
            return found if position == len(payload) else None
        (ident,) = struct.unpack(">H", payload[position + 4:position + 6])
        name_length = payload[position + 6]
        name_size = name_length + 1 + ((name_length + 1) % 2)
        name = payload[position + 6:position + 6 + name_size]
        size_at = position + 6 + name_size
        if size_at + 4 > len(payload):
            return None
        (size,) = struct.unpack(">I", payload[size_at:size_at + 4])
        data_at = size_at + 4
        if data_at + size > len(payload):
            return None
        found.append(Resource(ident, name, payload[data_at:data_at + size]))
        position = data_at + size + (size % 2)
    return found


def _photoshop_segments(data: bytes) -> Iterator[tuple[Segment, list[Resource]]]:
    for segment in segments(data):
        if segment.marker == 0xED:
            parsed = resources(segment.payload(data))
            if parsed is not None:
                yield segment, parsed


@dataclass(frozen=True)
class IptcBlock:
    """The IPTC-IIM of a JPEG: its bytes (None when the file holds none) and the stored digest."""

    raw: bytes | None = None
    stored_digest: str | None = None

    @property
    def present(self) -> bool:
        return self.raw is not None

    @property
    def current_digest(self) -> str | None:
        return hashlib.md5(self.raw).hexdigest() if self.raw is not None else None  # noqa: S324 - the format's digest

    def datasets(self) -> dict[tuple[int, int], list[bytes]]:
        """{(record, dataset): [raw values]} in file order (repeatable datasets hold several)."""
        return iim_datasets(self.raw or b"")


def iptc_block(data: bytes) -> IptcBlock:
    raw: bytes | None = None
    stored: str | None = None
    for _, parsed in _photoshop_segments(data):
        for resource in parsed:
            if resource.ident == IPTC_RESOURCE and raw is None:
                raw = resource.data
            elif resource.ident == IPTC_DIGEST_RESOURCE and stored is None and len(resource.data) == 16:
                stored = resource.data.hex()
    return IptcBlock(raw, stored)


def iim_datasets(raw: bytes) -> dict[tuple[int, int], list[bytes]]:
    found: dict[tuple[int, int], list[bytes]] = {}
    position = 0
    while position + 5 <= len(raw):
        if raw[position] != 0x1C:
            position += 1  # padding between records
            continue
        record, dataset = raw[position + 1], raw[position + 2]
        (size,) = struct.unpack(">H", raw[position + 3:position + 5])
        position += 5
        if size & 0x8000:  # extended dataset: the next (size & 0x7fff) bytes hold the length
            count = size & 0x7FFF
            if count > 4 or position + count > len(raw):
                break
            size = int.from_bytes(raw[position:position + count], "big")
            position += count
        if position + size > len(raw):
            break
        found.setdefault((record, dataset), []).append(raw[position:position + size])
        position += size
    return found


def _replace(data: bytes, segment: Segment, payload: bytes | None) -> bytes:
    if payload is None:
        return data[:segment.start] + data[segment.end:]
    block = bytes([0xFF, segment.marker]) + struct.pack(">H", len(payload) + 2) + payload
    return data[:segment.start] + block + data[segment.end:]


def refresh_iptc_digest(data: bytes) -> bytes:
    """`data` with the IPTC digest (0x0425) set to the MD5 of its current IPTC, so MWG readers take
    the XMP written beside it as current; a digest without IPTC is removed. Other resources stay."""
    for segment, parsed in reversed(list(_photoshop_segments(data))):
        iptc = next((resource for resource in parsed if resource.ident == IPTC_RESOURCE), None)
        kept = [resource for resource in parsed if resource.ident != IPTC_DIGEST_RESOURCE]
        if iptc is not None:
            digest = Resource(IPTC_DIGEST_RESOURCE, b"\x00\x00", hashlib.md5(iptc.data).digest())  # noqa: S324
            at = kept.index(iptc) + 1
            kept = [*kept[:at], digest, *kept[at:]]
        if kept == parsed:
            continue
        payload = _PHOTOSHOP + b"".join(resource.encode() for resource in kept) if kept else None
        if payload is not None and len(payload) + 2 > 0xFFFF:
            continue  # would not fit one segment: leave it as it was
        data = _replace(data, segment, payload)
    return data


def is_kept_segment(segment: Segment, data: bytes) -> bool:
    """An APPn segment other programs need to read the picture and its standard metadata."""
    if segment.marker in (0xE0, 0xE2, 0xED, 0xEE):
        if segment.marker == 0xE2:
            return segment.payload(data).startswith(b"ICC_PROFILE\x00")
        return True
    if segment.marker == 0xE1:
        return segment.payload(data).startswith(_KEPT_APP1)
    return not (0xE0 <= segment.marker <= 0xEF)  # DQT, DHT, SOF, DRI, COM … are not APPn


def drop_vendor_segments(data: bytes) -> tuple[bytes, list[str]]:
    """`data` without the APPn segments that hold no standard metadata (vendor records such as
    FLIR's, FlashPix, Ducky, JUMBF, MPF) and without comment segments; and what was dropped."""
    dropped: list[str] = []
    for segment in reversed(segments(data)):
        if segment.marker == 0xFE or not is_kept_segment(segment, data):
            label = segment.payload(data)[:12].split(b"\x00")[0].decode("latin-1", "replace")
            name = "COM" if segment.marker == 0xFE else f"APP{segment.marker - 0xE0}"
            dropped.append(f"{name} {label!r}".strip())
            data = _replace(data, segment, None)
    return data, list(reversed(dropped))

"""Embeds the approved metadata into the published copy with pyexiv2 (libexiv2), in memory.

Written fields (the ones galleries, Lightroom, Photo Mechanic and screen readers look at):
- IPTC IIM: Caption-Abstract (`Iptc.Application2.Caption`), Keywords, Object Name (title); the
  envelope's CodedCharacterSet says UTF-8 (ESC % G) so accented words survive;
- XMP: dc:description, dc:subject, dc:title and Iptc4xmpCore:AltTextAccessibility (IPTC 2021.1),
  lang-alt values in x-default.
Unless `keep_gps` is set, the GPS position is removed from the copy (EXIF GPS IFD and XMP exif:GPS*
tags), as galleries and stock sites expect.
IIM limits are respected (Caption 2000 bytes, Keyword and Object Name 64 bytes each) by trimming
at a UTF-8 character boundary; XMP carries the full text. The original bytes are never changed:
pyexiv2 works on its own copy (`ImageData`) and hands back new bytes.
"""

from __future__ import annotations

from typing import Any

from proofdesk.adapters.exif.pyexiv2_reader import _pyexiv2
from proofdesk.core.domain.publishing import PublishedMetadata
from proofdesk.core.ports.publishing import MetadataWriter, PublishFailure

_UTF8 = "\x1b%G"
_X_DEFAULT = 'lang="x-default"'


def _iim(text: str, limit: int) -> str:
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def _strip_gps(image: Any) -> None:
    gps_exif = [key for key in image.read_exif() if key.startswith("Exif.GPSInfo.")]
    if gps_exif:
        image.modify_exif(dict.fromkeys(gps_exif))  # None deletes the tag
    gps_xmp = [key for key in image.read_xmp() if key.startswith("Xmp.exif.GPS")]
    if gps_xmp:
        image.modify_xmp(dict.fromkeys(gps_xmp))


class Pyexiv2MetadataWriter(MetadataWriter):
    def embed(self, jpeg: bytes, metadata: PublishedMetadata) -> bytes:
        pyexiv2: Any = _pyexiv2()
        keywords = [keyword for keyword in metadata.keywords if keyword]
        try:
            image = pyexiv2.ImageData(jpeg)
        except RuntimeError as exc:
            raise PublishFailure(f"cannot open the published copy for metadata: {exc}") from None
        try:
            image.modify_iptc({
                "Iptc.Envelope.CharacterSet": _UTF8,
                "Iptc.Application2.Caption": _iim(metadata.caption, 2000),
                "Iptc.Application2.Keywords": [_iim(keyword, 64) for keyword in keywords],
                "Iptc.Application2.ObjectName": _iim(metadata.title, 64),
            })
            image.modify_xmp({
                "Xmp.dc.description": {_X_DEFAULT: metadata.caption},
                "Xmp.dc.subject": keywords,
                "Xmp.dc.title": {_X_DEFAULT: metadata.title},
                "Xmp.iptc.AltTextAccessibility": {_X_DEFAULT: metadata.alt_text},
            })
            if not metadata.keep_gps:
                _strip_gps(image)
            return bytes(image.get_bytes())
        except RuntimeError as exc:
            raise PublishFailure(f"cannot write metadata into the published copy: {exc}") from None
        finally:
            image.close()

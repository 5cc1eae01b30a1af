"""Embeds the approved metadata into the published copy with pyexiv2 (libexiv2), in memory.

Written fields (the ones galleries, Lightroom, Photo Mechanic and screen readers look at):
- IPTC IIM: Caption-Abstract (`Iptc.Application2.Caption`), Keywords, Object Name (title); the
  envelope's CodedCharacterSet says UTF-8 (ESC % G) so accented words survive;
- XMP: dc:description, dc:subject, dc:title and Iptc4xmpCore:AltTextAccessibility (IPTC 2021.1),
  lang-alt values in x-default; lr:hierarchicalSubject and digiKam:TagsList (darktable, digiKam,
  Immich); photoshop:City/State/Country when known; xmp:Rating when a rating is configured; and
  the provenance of each field as `proofdesk:` tags (namespace registered with `pyexiv2.registerNs`).
The same XMP fields go into sidecars (`sidecar`): a new one starts from an empty XMP packet (exiv2
cannot open an empty file); an existing one keeps every tag that is not ours.
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
from proofdesk.core.domain.xmp import PROOFDESK_NS, PROOFDESK_PREFIX, XmpMetadata
from proofdesk.core.ports.publishing import MetadataWriter, PublishFailure

_UTF8 = "\x1b%G"
_X_DEFAULT = 'lang="x-default"'


EMPTY_XMP_PACKET = (
    b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
    b' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n'
    b"</x:xmpmeta>\n"
    b'<?xpacket end="w"?>'
)

_registered = False


def _exiv2() -> Any:
    """pyexiv2, with the proofdesk namespace registered (once per process)."""
    global _registered
    pyexiv2: Any = _pyexiv2()
    if not _registered:
        pyexiv2.registerNs(PROOFDESK_NS, PROOFDESK_PREFIX)
        _registered = True
    return pyexiv2


def xmp_fields(image: Any, metadata: XmpMetadata) -> dict[str, Any]:
    """The `modify_xmp` argument for `metadata`, clearing the proofdesk tags an earlier write left."""
    fields: dict[str, Any] = {key: None for key in image.read_xmp() if key.startswith(f"Xmp.{PROOFDESK_PREFIX}.")}
    fields.update({
        "Xmp.dc.title": {_X_DEFAULT: metadata.title},
        "Xmp.dc.description": {_X_DEFAULT: metadata.caption},
        "Xmp.dc.subject": list(metadata.keywords),
        "Xmp.iptc.AltTextAccessibility": {_X_DEFAULT: metadata.alt_text},
        "Xmp.lr.hierarchicalSubject": list(metadata.hierarchical_subjects),
        "Xmp.digiKam.TagsList": metadata.tags_list,
    })
    for key, value in (("City", metadata.city), ("State", metadata.state), ("Country", metadata.country)):
        if value:
            fields[f"Xmp.photoshop.{key}"] = value
    if metadata.rating is not None:
        fields["Xmp.xmp.Rating"] = str(metadata.rating)
    for name, value in metadata.provenance_tags().items():
        fields[f"Xmp.{PROOFDESK_PREFIX}.{name}"] = value
    present = image.read_xmp()
    # an empty list: nothing to write (and an earlier value of ours is removed)
    return {key: (None if value == [] else value) for key, value in fields.items() if value != [] or key in present}


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
        pyexiv2: Any = _exiv2()
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
            image.modify_xmp(xmp_fields(image, metadata))
            if not metadata.keep_gps:
                _strip_gps(image)
            return bytes(image.get_bytes())
        except RuntimeError as exc:
            raise PublishFailure(f"cannot write metadata into the published copy: {exc}") from None
        finally:
            image.close()

    def sidecar(self, existing: bytes | None, metadata: XmpMetadata) -> bytes:
        pyexiv2: Any = _exiv2()
        try:
            image = pyexiv2.ImageData(existing or EMPTY_XMP_PACKET)
        except RuntimeError as exc:
            raise PublishFailure(f"cannot read the existing XMP sidecar: {exc}") from None
        try:
            image.modify_xmp(xmp_fields(image, metadata))
            return bytes(image.get_bytes())
        except RuntimeError as exc:
            raise PublishFailure(f"cannot write the XMP sidecar: {exc}") from None
        finally:
            image.close()

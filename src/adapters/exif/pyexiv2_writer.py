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

import re
from typing import Any

from proofdesk.adapters.exif.jpeg_segments import drop_vendor_segments, refresh_iptc_digest
from proofdesk.adapters.exif.pyexiv2_reader import _pyexiv2
from proofdesk.core.domain.coordinates import find_coordinates, remove_coordinates
from proofdesk.core.domain.mwg import decode_iim
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
    present = image.read_xmp()
    fields: dict[str, Any] = {key: None for key in present if key.startswith(f"Xmp.{PROOFDESK_PREFIX}.")}
    hierarchy = list(metadata.hierarchical_subjects)
    tags = metadata.tags_list
    if metadata.keep_existing_keywords:  # the photographer's own paths stay (publish.keywords = merge)
        hierarchy = _merged([str(v) for v in _listed(present.get("Xmp.lr.hierarchicalSubject"))], hierarchy)
        tags = _merged([str(v) for v in _listed(present.get("Xmp.digiKam.TagsList"))], tags)
    fields.update({
        "Xmp.dc.title": {_X_DEFAULT: metadata.title},
        "Xmp.dc.description": {_X_DEFAULT: metadata.caption},
        "Xmp.dc.subject": list(metadata.keywords),
        "Xmp.iptc.AltTextAccessibility": {_X_DEFAULT: metadata.alt_text} if metadata.alt_text else [],
        "Xmp.lr.hierarchicalSubject": hierarchy,
        "Xmp.digiKam.TagsList": tags,
    })
    for key, value in (("City", metadata.city), ("State", metadata.state), ("Country", metadata.country)):
        if value:
            fields[f"Xmp.photoshop.{key}"] = value
    if metadata.rating is not None:
        fields["Xmp.xmp.Rating"] = str(metadata.rating)
    for name, value in metadata.provenance_tags().items():
        fields[f"Xmp.{PROOFDESK_PREFIX}.{name}"] = value
    for name, values in metadata.claim_tags().items():  # a bag of "keyword: source"
        fields[f"Xmp.{PROOFDESK_PREFIX}.{name}"] = values
    # an empty list: nothing to write (and an earlier value of ours is removed)
    return {key: (None if value == [] else value) for key, value in fields.items() if value != [] or key in present}


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _iim(text: str, limit: int) -> str:
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


# Tags that hold or imply a position, in any block: EXIF GPS IFD, XMP exif:GPS*, IPTC Extension
# location coordinates (Iptc4xmpExt:GPSLatitude inside LocationCreated/LocationShown), vendor XMP
# (drone-dji:GpsLatitude, …). The maker note is dropped whole: vendors keep GPS copies there.
_POSITION_KEY = re.compile(r"gps|latitude|longitude|altitude|geotag|geolocation|location.*coordinate", re.IGNORECASE)
_MAKER_NOTE_KEYS = ("Exif.Photo.MakerNote", "Exif.MakerNote.")
# Windows' own copies of title, comment, subject and keywords: stale once the approved ones are written
_STALE_WINDOWS_KEYS = ("Exif.Image.XPTitle", "Exif.Image.XPComment", "Exif.Image.XPSubject", "Exif.Image.XPKeywords")
# EXIF groups of makernote sub-directories as libexiv2 names them (Exif.Nikon3.*, Exif.Canon.*, …)
_STANDARD_EXIF_GROUPS = ("Exif.Image.", "Exif.Photo.", "Exif.Iop.", "Exif.Thumbnail.", "Exif.GPSInfo.", "Exif.Image2.",
                         "Exif.Image3.", "Exif.SubImage", "Exif.SubThumb")
_COMMENT_CHARSET = re.compile(r"^charset=\S+\s*")


def _strip_position(image: Any) -> None:
    """No position in any block: GPS tags and their vendor twins deleted, maker notes dropped."""
    exif = image.read_exif()
    doomed = {key: None for key in exif
              if key.startswith("Exif.GPSInfo.") or key.startswith(_MAKER_NOTE_KEYS)
              or not key.startswith(_STANDARD_EXIF_GROUPS)}
    if doomed:
        image.modify_exif(doomed)  # None deletes the tag
    xmp_doomed = {key: None for key in image.read_xmp() if _POSITION_KEY.search(key.split(".", 2)[-1])}
    if xmp_doomed:
        image.modify_xmp(xmp_doomed)


def _scrub_text_coordinates(image: Any) -> None:
    """Coordinates written as text in any field (UserComment "Latitude: 43.687 Longitude: -85.483",
    XPComment, IPTC or XMP text) are cut out with the recogniser the proof uses; a field left with
    nothing else in it is deleted."""
    for reader, writer in ((image.read_exif, image.modify_exif), (image.read_iptc, image.modify_iptc),
                           (image.read_xmp, image.modify_xmp)):
        changes: dict[str, Any] = {}
        for key, value in reader().items():
            cleaned = _without_coordinates(value)
            if cleaned is not _UNCHANGED:
                changes[key] = cleaned
        if changes:
            writer(changes)


_UNCHANGED = object()


def _without_coordinates(value: Any) -> Any:
    if isinstance(value, str):
        body = _COMMENT_CHARSET.sub("", value)
        if not find_coordinates(body):
            return _UNCHANGED
        cleaned = remove_coordinates(body).strip(" ,;:")
        return cleaned if any(character.isalnum() for character in cleaned) else None
    if isinstance(value, list):
        items = [_without_coordinates(item) for item in value]
        if all(item is _UNCHANGED for item in items):
            return _UNCHANGED
        kept = [old if new is _UNCHANGED else new for old, new in zip(value, items, strict=True)]
        kept = [item for item in kept if item]
        return kept or None
    if isinstance(value, dict):
        items = {lang: _without_coordinates(text) for lang, text in value.items()}
        if all(item is _UNCHANGED for item in items.values()):
            return _UNCHANGED
        kept = {lang: (value[lang] if new is _UNCHANGED else new) for lang, new in items.items()}
        kept = {lang: text for lang, text in kept.items() if text}
        return kept or None
    return _UNCHANGED


def _legacy_iptc_to_utf8(image: Any) -> dict[str, Any]:
    """The IPTC text written in a legacy code page (no CodedCharacterSet, not UTF-8), re-encoded as
    UTF-8: the copy declares UTF-8 for its whole IPTC record, so every value must be UTF-8."""
    raw = image.read_iptc(encoding="latin-1")
    if any(str(raw.get(key, "")).startswith("\x1b%") for key in ("Iptc.Envelope.CharacterSet",)):
        return {}
    changes: dict[str, Any] = {}
    for key, value in raw.items():
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(item, str) for item in values):
            continue
        as_bytes = [item.encode("latin-1") for item in values]
        if all(part.isascii() for part in as_bytes):
            continue
        decoded = [decode_iim(part)[0] for part in as_bytes]
        changes[key] = decoded if isinstance(value, list) else decoded[0]
    return changes


def _merged(first: list[str], second: list[str]) -> list[str]:
    """`first` then the values of `second` not in it (case-insensitively), each in its own case."""
    seen = {item.casefold() for item in first}
    merged = list(first)
    for item in second:
        if item and item.casefold() not in seen:
            merged.append(item)
            seen.add(item.casefold())
    return merged


_RAW_IFD0_CARRIED = frozenset(f"Exif.Image.{name}" for name in (
    "Make", "Model", "Software", "DateTime", "Artist", "Copyright", "ImageDescription", "HostComputer",
    "Rating", "RatingPercent",
))


def _carry_exif(image: Any, source: bytes) -> None:
    """The original's EXIF (capture time, camera, exposure …) in a JPEG re-encoded from it (HEIC,
    PNG, TIFF): pixels are upright and sRGB already, so orientation, pixel size fields, colour space
    and thumbnail are not carried; the position is stripped later unless kept."""
    try:
        original = _pyexiv2().ImageData(source)
    except RuntimeError:
        return
    try:
        exif = original.read_exif()
    except (RuntimeError, UnicodeDecodeError):
        return
    finally:
        original.close()
    skipped = ("Exif.Image.Orientation", "Exif.Photo.PixelXDimension", "Exif.Photo.PixelYDimension",
               "Exif.Image.ImageWidth", "Exif.Image.ImageLength", "Exif.Photo.ColorSpace",
               "Exif.Image.ExifTag", "Exif.Image.GPSTag", "Exif.Photo.InteroperabilityTag")
    carried = {key: value for key, value in exif.items()
               if key.startswith(("Exif.Image.", "Exif.Photo.", "Exif.GPSInfo.")) and key not in skipped
               and not key.startswith(_MAKER_NOTE_KEYS) and isinstance(value, str | list)}
    if is_raw(source):
        # a camera RAW's first IFD describes its sensor data or thumbnail (strips, CFA, DNG colour
        # matrices): of it only what describes the photo goes into the JPEG
        carried = {key: value for key, value in carried.items()
                   if not key.startswith("Exif.Image.") or key in _RAW_IFD0_CARRIED}
        original_time = exif.get("Exif.Image.DateTimeOriginal")  # TIFF/EP and DNG keep it in IFD0
        if isinstance(original_time, str) and "Exif.Photo.DateTimeOriginal" not in carried:
            carried["Exif.Photo.DateTimeOriginal"] = original_time
    for key, value in carried.items():  # one at a time: a tag libexiv2 cannot write is left out
        try:
            image.modify_exif({key: value})
        except (RuntimeError, ValueError, TypeError):
            continue


def is_raw(data: bytes) -> bool:
    from proofdesk.adapters.images.libraw import is_raw as raw_bytes

    return raw_bytes(data)


class Pyexiv2MetadataWriter(MetadataWriter):
    def embed(self, jpeg: bytes, metadata: PublishedMetadata, source: bytes | None = None) -> bytes:
        pyexiv2: Any = _exiv2()
        try:
            image = pyexiv2.ImageData(jpeg)
        except RuntimeError as exc:
            raise PublishFailure(f"cannot open the published copy for metadata: {exc}") from None
        try:
            if source is not None:
                _carry_exif(image, source)
            keywords = [keyword for keyword in metadata.keywords if keyword]
            legacy = _legacy_iptc_to_utf8(image)
            if legacy:
                image.modify_iptc(legacy)
            image.modify_iptc({
                "Iptc.Envelope.CharacterSet": _UTF8,
                "Iptc.Application2.Caption": _iim(metadata.caption, 2000),
                "Iptc.Application2.Keywords": [_iim(keyword, 64) for keyword in keywords],
                "Iptc.Application2.ObjectName": _iim(metadata.title, 64),
            })
            present_windows = [key for key in _STALE_WINDOWS_KEYS if key in image.read_exif()]
            image.modify_exif({"Exif.Image.ImageDescription": metadata.caption, **dict.fromkeys(present_windows)})
            image.modify_xmp(xmp_fields(image, metadata))
            if not metadata.keep_gps:
                _strip_position(image)
                _scrub_text_coordinates(image)
            written = bytes(image.get_bytes())
        except RuntimeError as exc:
            raise PublishFailure(f"cannot write metadata into the published copy: {exc}") from None
        finally:
            image.close()
        # a fresh IPTC digest: MWG readers take the XMP written beside the IPTC as current
        written = refresh_iptc_digest(written)
        if not metadata.keep_gps:
            written, _ = drop_vendor_segments(written)  # e.g. a thermal camera's FLIR records (own GPS)
        return written
    def sidecar(self, existing: bytes | None, metadata: XmpMetadata) -> bytes:
        pyexiv2: Any = _exiv2()
        try:
            image = pyexiv2.ImageData(existing or EMPTY_XMP_PACKET)
        except RuntimeError as exc:
            raise PublishFailure(f"cannot read the existing XMP sidecar: {exc}") from None
        try:
            image.modify_xmp(xmp_fields(image, metadata))
            if not metadata.keep_gps:
                positions = {key: None for key in image.read_xmp() if _POSITION_KEY.search(key.split(".", 2)[-1])}
                if positions:
                    image.modify_xmp(positions)
                changes = {key: cleaned for key, value in image.read_xmp().items()
                           if (cleaned := _without_coordinates(value)) is not _UNCHANGED}
                if changes:
                    image.modify_xmp(changes)
            return bytes(image.get_bytes())
        except RuntimeError as exc:
            raise PublishFailure(f"cannot write the XMP sidecar: {exc}") from None
        finally:
            image.close()

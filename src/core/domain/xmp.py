"""The metadata other programs read (Lightroom Classic, darktable, digiKam, Immich, stock sites):
which fields a sidecar and a published copy carry, and how sidecars are named.

- `dc:title`, `dc:description`, `dc:subject`, `Iptc4xmpCore:AltTextAccessibility`;
- `lr:hierarchicalSubject` (darktable, Lightroom, Immich): the place path from a configurable
  template (`Places|{place_country}|{place_region}|{place_city}` -> `Places|Italy|Tuscany|Arezzo`),
  then each keyword under an optional root;
- `digiKam:TagsList` (digiKam, Immich): the same paths with "/";
- `photoshop:City/State/Country` when known; `xmp:Rating` from a score mapping (off by default);
- `XMP-proofdesk:` provenance of each field (who wrote it: model, offline or person), and
  `XMP-proofdesk:KeywordSources`, a bag of each approved keyword's source ("bell tower: verified
  (yes)", "arezzo: place", "bridge: model"; see `proofdesk.core.domain.proof.claims`).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from proofdesk.core.domain.models import Row
from pydantic import BaseModel, ConfigDict, Field

SidecarNaming = Literal["ext", "stem", "both"]
SidecarNameFrom = Literal["published", "original"]
KeywordsMode = Literal["merge", "replace"]

# XMP namespace of proofdesk's own tags (provenance); exiftool shows them as XMP-proofdesk:*
PROOFDESK_NS = "https://proofdesk.dev/xmp/1.0/"
PROOFDESK_PREFIX = "proofdesk"

_PLACEHOLDER = re.compile(r"\{(place_city|place_region|place_country|place_country_code)\}")


class XmpOptions(BaseModel):
    """What the settings say about sidecars and the fields they carry (`[sidecars]`)."""

    model_config = ConfigDict(frozen=True)

    naming: SidecarNaming = "ext"  # ext: NAME.jpg.xmp (darktable, digiKam); stem: NAME.xmp (Lightroom)
    name_from: SidecarNameFrom = "published"  # the approved file name, or the original's name
    place_hierarchy: str = "Places|{place_country}|{place_region}|{place_city}"  # "" = none
    keyword_root: str = ""  # "" = each keyword is a top-level path; else ROOT|keyword
    rating_score: Literal["off", "clip_aesthetic", "brisque"] = "off"
    # the score a rating of 1, 2, 3, 4, 5 needs (ascending; BRISQUE: lower is better, so its
    # rating counts the thresholds the score is at or below, read from the end)
    rating_thresholds: list[float] = Field(default_factory=lambda: [3.0, 4.0, 5.0, 6.0, 7.0])
    # merge: the file's own keywords (placeholders out) and then the approved ones, de-duplicated
    # case-insensitively (the file's in their own case); replace: the approved ones only
    keywords: KeywordsMode = "merge"


class XmpMetadata(BaseModel):
    """Every field a sidecar (and the XMP/IPTC of a published copy) carries."""

    model_config = ConfigDict(frozen=True)

    title: str = ""
    caption: str = ""
    alt_text: str = ""
    keywords: list[str] = Field(default_factory=list)
    hierarchical_subjects: list[str] = Field(default_factory=list)  # "|"-separated paths
    city: str | None = None
    state: str | None = None
    country: str | None = None
    rating: int | None = None
    # {field: {by, model, digest, at}} -> XMP-proofdesk:<Field>By / Model / Digest / At
    provenance: dict[str, dict[str, Any]] = Field(default_factory=dict)
    # "keyword: source" (" (verdict)" when the model was asked) -> XMP-proofdesk:KeywordSources (a bag)
    keyword_sources: list[str] = Field(default_factory=list)
    # the file's own hierarchical keywords (lr:hierarchicalSubject, digiKam:TagsList) stay beside ours
    keep_existing_keywords: bool = False
    # False (the default): no position in any block or text field of the copy or sidecar
    keep_gps: bool = False

    @property
    def tags_list(self) -> list[str]:
        """digiKam:TagsList: the hierarchical paths with "/" between levels."""
        return [path.replace("/", "-").replace("|", "/") for path in self.hierarchical_subjects]

    def claim_tags(self) -> dict[str, list[str]]:
        """{"KeywordSources": ["arezzo: place", ...]}: each keyword's source, nothing without claims."""
        return {"KeywordSources": list(self.keyword_sources)} if self.keyword_sources else {}

    def provenance_tags(self) -> dict[str, str]:
        """{"CaptionBy": "person", "CaptionAt": "...", ...}: the provenance as flat XMP property names."""
        tags: dict[str, str] = {}
        for name, item in sorted(self.provenance.items()):
            prefix = "".join(part.capitalize() for part in name.split("_"))
            for key in ("by", "model", "digest", "at"):
                if item.get(key):
                    tags[prefix + key.capitalize()] = str(item[key])
        return tags


def place_path(row: Row, template: str) -> str | None:
    """The template with the row's place fields; levels whose field is unknown are left out
    (None when no place field is known)."""
    if not template or not any((row.place_city, row.place_region, row.place_country)):
        return None
    levels = []
    for level in template.split("|"):
        value = _PLACEHOLDER.sub(lambda m: str(getattr(row, m.group(1)) or ""), level).strip()
        if value:
            levels.append(value.replace("|", "-"))
    return "|".join(levels) or None


def rating(row: Row, options: XmpOptions) -> int | None:
    """xmp:Rating: a person's 1-5 stars when given, else 0-5 from the configured score (None when
    off, unscored or a fallback score)."""
    if row.rating is not None:
        return row.rating
    if options.rating_score == "off":
        return None
    if options.rating_score == "clip_aesthetic":
        score, fallback = row.clip_aesthetic_score, row.clip_aesthetic_fallback
        return None if score is None or fallback else sum(1 for t in options.rating_thresholds if score >= t)
    score, fallback = row.brisque_score, row.brisque_fallback
    if score is None or fallback:
        return None
    return sum(1 for t in options.rating_thresholds if score <= t)


def merged_keywords(own: list[str], approved: list[str]) -> list[str]:
    """The file's own keywords, then the approved ones not among them (compared case-insensitively;
    each kept in the case it was first written)."""
    seen: set[str] = set()
    merged: list[str] = []
    for keyword in [*own, *approved]:
        text = " ".join(keyword.split()) if keyword else ""
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            merged.append(text)
    return merged


def xmp_metadata(row: Row, title: str, options: XmpOptions) -> XmpMetadata:
    approved = [keyword for keyword in row.keywords if keyword]
    keywords = merged_keywords(list(row.exif_keywords), approved) if options.keywords == "merge" else approved
    paths: list[str] = []
    place = place_path(row, options.place_hierarchy)
    if place:
        paths.append(place)
    for keyword in approved:
        leaf = keyword.replace("|", "-")
        path = f"{options.keyword_root}|{leaf}" if options.keyword_root else leaf
        if path not in paths:
            paths.append(path)
    return XmpMetadata(
        title=title, caption=row.caption or "", alt_text=row.alt_text or row.exif_alt_text or "", keywords=keywords,
        hierarchical_subjects=paths, city=row.place_city, state=row.place_region, country=row.place_country,
        rating=rating(row, options), provenance=dict(row.provenance),
        keep_existing_keywords=options.keywords == "merge", keyword_sources=keyword_sources(row),
    )


def keyword_sources(row: Row) -> list[str]:
    """Each approved keyword with its claim's source ("bell tower: verified (yes)")."""
    claims = {claim.text: claim for claim in row.claims if not claim.removed}
    sources = []
    for keyword in row.keywords:
        claim = claims.get(keyword)
        if claim is not None:
            sources.append(f"{keyword}: {claim.source}" + (f" ({claim.verdict})" if claim.verdict else ""))
    return sources


def sidecar_names(name: str, naming: SidecarNaming) -> list[str]:
    """NAME.jpg -> ["NAME.jpg.xmp"] (ext), ["NAME.xmp"] (stem) or both."""
    stem = name.rsplit(".", 1)[0] if "." in name else name
    names = {"ext": [f"{name}.xmp"], "stem": [f"{stem}.xmp"], "both": [f"{name}.xmp", f"{stem}.xmp"]}[naming]
    return list(dict.fromkeys(names))


def original_sidecar_names(original_name: str, raw_original_name: str | None, naming: SidecarNaming) -> list[str]:
    """Sidecars named after the original (`sidecars.name_from = "original"`): a picture whose RAW
    sits beside it (a RAW + JPEG pair) gets the RAW's sidecars as well, where Lightroom (NAME.xmp)
    and darktable (NAME.CR2.xmp, the extension's case kept) look for them."""
    names = sidecar_names(original_name, naming)
    if raw_original_name:
        names += sidecar_names(raw_original_name, naming)
    return list(dict.fromkeys(names))


def sidecar_candidates(name: str) -> list[str]:
    """The sidecars other programs leave next to an original: NAME.jpg.xmp, NAME.xmp (any case)."""
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return [f"{name}.xmp", f"{name}.XMP", f"{stem}.xmp", f"{stem}.XMP"]

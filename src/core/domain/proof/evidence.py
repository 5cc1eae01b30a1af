"""What may support a keyword besides the caption itself: the evidence-first rule (ADR 0006).

Four kinds of evidence, all known before the model answers:
- classifier hints: labels a zero-shot classifier gave the image;
- identifier evidence: set-name tokens (`2026-06-12_lofoten_reine` -> lofoten, reine), meaningful
  words of the original file name, existing IPTC/XMP keywords, caption and title, a glossary;
- EXIF-derived facts: time-of-day words that agree with the capture time, the season (date and
  hemisphere), year and month, camera make and model, the place when known.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import lru_cache
from typing import Any, Literal

from proofdesk.core.domain.models import Row
from proofdesk.core.domain.places import PlaceLocator, PlaceMatch  # noqa: F401 - pydantic resolves the alias
from proofdesk.core.domain.proof.text import (
    STOP_WORDS,
    ascii_tokens,
    content_stems,
    keyword_stems,
    split_extension,
)
from proofdesk.core.domain.proof.timeofday import (
    CaptureMoment,
    agreeing_words,
    resolve_capture,
    season,
    time_of_day_word,
)
from proofdesk.core.domain.provenance import person_fields
from pydantic import BaseModel, ConfigDict, Field

# camera file-name prefixes and other words that say nothing about the picture
_GENERIC_NAME_TOKENS = frozenset(
    "img dsc dscn dscf dcim pxl gopr dji mvimg vid photo image pic pano edit edited copy final "
    "jpg jpeg png tif tiff heic raw export web small large".split()
)
_SEASON_WORDS = {"autumn": ("autumn", "fall"), "winter": ("winter",), "spring": ("spring",), "summer": ("summer",)}

SOURCE_CAPTION = "caption"
SOURCE_ALT_TEXT = "alt text"
SOURCE_HINTS = "classifier hints"
SOURCE_IDENTIFIERS = "identifier evidence"
SOURCE_EXIF = "EXIF facts"


def identifier_tokens(set_name: str, original_name: str = "") -> tuple[str, ...]:
    """Meaningful words of the set name and original file name, in order, without dates/numbers."""
    tokens: list[str] = []
    name_stem, _ = split_extension(original_name)
    for text, is_file_name in ((set_name, False), (name_stem, True)):
        for token in ascii_tokens(text):
            if any(char.isdigit() for char in token) or token in STOP_WORDS or len(token) < 2:
                continue
            if is_file_name and (token in _GENERIC_NAME_TOKENS or len(token) < 3):
                continue
            if token not in tokens:
                tokens.append(token)
    return tuple(tokens)


@lru_cache(maxsize=4096)
def _capture(
    captured_at: str | None,
    captured_offset: str | None,
    gps_timestamp_utc: str | None,
    latitude: float | None,
    longitude: float | None,
    zone_offset: str | None,
    clock_offset: str | None,
) -> CaptureMoment | None:
    return resolve_capture(captured_at, captured_offset, gps_timestamp_utc, latitude, longitude, zone_offset, clock_offset)


@lru_cache(maxsize=4096)
def _stems_of(texts: tuple[str, ...]) -> frozenset[str]:
    return frozenset().union(*(content_stems(text) for text in texts))


class Evidence(BaseModel):
    """Everything known about a photo that can support its keywords and time-of-day words."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    classifier_hints: tuple[str, ...] = ()
    identifier_tokens: tuple[str, ...] = ()
    existing_keywords: tuple[str, ...] = ()  # IPTC/XMP keywords already in the file
    existing_text: tuple[str, ...] = ()  # IPTC/XMP caption and title already in the file
    glossary: tuple[str, ...] = ()
    camera_make: str | None = None
    camera_model: str | None = None
    place: str | None = None  # "Arezzo, Tuscany, Italy" (from GPS, offline), or a caller's place name
    place_city: str | None = None
    place_region: str | None = None
    place_country: str | None = None
    # every name of the photo's own place (town, admin levels, country; English, local and alternate
    # forms) and the names a person vouched for (`places allow`): `place.far` never checks them
    place_names: tuple[str, ...] = ()
    allowed_places: tuple[str, ...] = ()
    # the label of the private place the photo lies in (`places.private`): never named (`place.private`)
    private_place: str | None = None
    lens: str | None = None
    captured_at: str | None = None
    captured_offset: str | None = None
    gps_timestamp_utc: str | None = None
    gps_latitude: float | None = None
    gps_longitude: float | None = None
    zone_offset: str | None = None  # the UTC offset of the position's time zone at the capture time
    clock_offset: str | None = None  # the zone the camera clock ran on (run --clock-offset)
    # Where a place name lies from the photo (km, which place); None when no place has the name.
    # Bound to the photo's position by the service that owns the gazetteer; no GPS, no check.
    locate_place: PlaceLocator | None = Field(default=None, exclude=True, repr=False)
    # Whether a lower-case word is an ordinary word (a dictionary); keywords and file names carry no
    # capitals, so only their other words may name a place.
    is_ordinary_word: Callable[[str], bool] | None = Field(default=None, exclude=True, repr=False)
    # assumed when there is no GPS latitude (None: no season word without GPS)
    hemisphere: Literal["north", "south"] | None = None
    # the keeper of the row's scene (its original name) and its caption and alt text, when the row
    # is another frame of that scene: its proper names must agree (`scene.consistency`)
    scene_keeper: str | None = None
    scene_keeper_text: tuple[str, ...] = ()
    # the model's yes/no/unsure on the row's claims, when it was asked with the picture
    # (`proof.verify`): a "no" drops the keyword and blocks a caption or alt text naming it
    claim_verdicts: tuple[tuple[str, str], ...] = ()
    # the fields a person wrote (provenance, `edited_fields`): their claims are a person's
    person_fields: tuple[str, ...] = ()

    @classmethod
    def from_row(
        cls,
        row: Row,
        classifier_hints: list[str] | tuple[str, ...] | None = None,
        glossary: list[str] | tuple[str, ...] = (),
        place: str | None = None,
        hemisphere: Literal["north", "south"] | None = None,
        locate_place: PlaceLocator | None = None,
        is_ordinary_word: Callable[[str], bool] | None = None,
        scene_keeper: Row | None = None,
        place_names: tuple[str, ...] = (),
        allowed_places: tuple[str, ...] = (),
        private_place: str | None = None,
    ) -> Evidence:
        """The evidence for proving `row`; classifier hints default to the ones stored on the row.
        `scene_keeper`: the keeper of the row's scene, when it is another frame with a caption."""
        keeper = scene_keeper if scene_keeper is not None and scene_keeper.key != row.key and scene_keeper.caption else None
        return cls(
            scene_keeper=keeper.original_name if keeper is not None else None,
            scene_keeper_text=tuple(text for text in (keeper.caption, keeper.alt_text) if text) if keeper is not None else (),
            classifier_hints=tuple(row.classifier_hints if classifier_hints is None else classifier_hints),
            identifier_tokens=identifier_tokens(row.set_name, row.original_name),
            existing_keywords=tuple(row.exif_keywords),
            existing_text=tuple(text for text in (row.exif_caption, row.exif_title) if text),
            glossary=tuple(glossary),
            camera_make=row.camera_make,
            camera_model=row.camera_model,
            place=place or row.place_label,
            place_city=row.place_city,
            place_region=row.place_region,
            place_country=row.place_country,
            place_names=tuple(place_names),
            allowed_places=tuple(allowed_places),
            private_place=private_place,
            lens=row.lens,
            captured_at=row.captured_at,
            captured_offset=row.captured_offset,
            gps_timestamp_utc=row.gps_timestamp_utc,
            gps_latitude=row.gps_latitude,
            gps_longitude=row.gps_longitude,
            zone_offset=row.utc_offset if row.utc_offset_source in ("gps_zone", "clock_offset") else None,
            clock_offset=row.clock_offset,
            hemisphere=hemisphere,
            locate_place=locate_place,
            is_ordinary_word=is_ordinary_word,
            claim_verdicts=tuple((claim.text, claim.verdict) for claim in row.claims if claim.verdict),
            person_fields=tuple(sorted(person_fields(row))),
        )

    # ------------------------------------------------------------------ EXIF-derived facts
    # Plain properties over lru-cached functions of the fields: a model copy copies an
    # instance's __dict__, so a cached_property would carry stale values into the copy.

    @property
    def capture(self) -> CaptureMoment | None:
        return _capture(self.captured_at, self.captured_offset, self.gps_timestamp_utc, self.gps_latitude,
                        self.gps_longitude, self.zone_offset, self.clock_offset)

    @property
    def time_of_day(self) -> str | None:
        return time_of_day_word(self.capture)

    @property
    def season(self) -> str | None:
        return season(self.capture, self.hemisphere)

    @property
    def exif_facts(self) -> tuple[str, ...]:
        """Words the EXIF data vouches for."""
        facts: list[str] = list(agreeing_words(self.capture))
        if self.season:
            facts.extend(_SEASON_WORDS[self.season])
        day: date | None = self.capture.date if self.capture else None
        if day is not None:
            facts.extend((str(day.year), f"{day:%B}".lower()))
        facts.extend(text for text in (self.camera_make, self.camera_model, self.place) if text)
        return tuple(facts)

    # ------------------------------------------------------------------ claims

    @property
    def refuted(self) -> frozenset[str]:
        """Keywords the model, asked with the picture, said are not there."""
        return frozenset(text for text, verdict in self.claim_verdicts if verdict == "no")

    def with_verdicts(self, verdicts: dict[str, str]) -> Evidence:
        """This evidence with the model's answers on the claims (later answers win)."""
        merged = {**dict(self.claim_verdicts), **verdicts}
        return type(self).model_validate({**self.__dict__, "claim_verdicts": tuple(merged.items())})

    # ------------------------------------------------------------------ keyword support

    @property
    def _source_stems(self) -> dict[str, frozenset[str]]:
        return _source_stems(self)

    def support(self, keyword: str, caption: str | None = None, alt_text: str | None = None) -> list[str]:
        """The sources that support every word of the keyword; empty when it is unsupported.

        Words are compared ASCII-folded and lightly stemmed (boats ~ boat, ferries ~ ferry); a
        multi-word keyword needs all its words, which may come from different sources.
        """
        needed = set(keyword_stems(keyword))
        if not needed:
            return []
        sources = {
            SOURCE_CAPTION: content_stems(caption or ""),
            SOURCE_ALT_TEXT: content_stems(alt_text or ""),
            **self._source_stems,
        }
        used = [name for name, stems in sources.items() if needed & stems]
        covered = set().union(*(sources[name] for name in used)) if used else set()
        return used if needed <= covered else []

    def prompt_facts(self) -> dict[str, Any]:
        """The evidence as the caption prompt carries it (only what is known)."""
        facts: dict[str, Any] = {
            "classifier_hints": list(self.classifier_hints),
            "identifiers": list(dict.fromkeys((*self.identifier_tokens, *self.existing_keywords))),
            "glossary": list(self.glossary),
            "time_of_day": self.time_of_day,
            "season": self.season,
            "date": self.capture.date.isoformat() if self.capture and self.capture.date else None,
            "camera": " ".join(text for text in (self.camera_make, self.camera_model) if text) or None,
            "place": self.place,
        }
        return {name: value for name, value in facts.items() if value}


@lru_cache(maxsize=1024)
def _source_stems(evidence: Evidence) -> dict[str, frozenset[str]]:
    """Stems per evidence source; keyed on the (frozen, hashable) evidence itself."""
    identifiers = (
        *evidence.identifier_tokens,
        *evidence.existing_keywords,
        *evidence.existing_text,
        *evidence.glossary,
    )
    return {
        SOURCE_HINTS: _stems_of(evidence.classifier_hints),
        SOURCE_IDENTIFIERS: _stems_of(identifiers),
        SOURCE_EXIF: _stems_of(evidence.exif_facts),
    }

"""Proof rules about where: a named place far from the photo's position (`place.far`), and
coordinates in published text (`place.coordinates`)."""

from __future__ import annotations

import re

from proofdesk.core.domain.coordinates import find_coordinates
from proofdesk.core.domain.models import ProofReason
from proofdesk.core.domain.place_names import KnownNames, mentioned_places
from proofdesk.core.domain.places import PlaceMatch
from proofdesk.core.domain.private_places import names_private_place
from proofdesk.core.domain.proof.duplicates import FIELD_LABELS
from proofdesk.core.domain.proof.evidence import Evidence
from proofdesk.core.domain.proof.model import ProofMetadata
from proofdesk.core.domain.proof.rules import ProofContext, Rule
from proofdesk.core.domain.proof.text import file_name_words, quote, split_extension


def _as_names(phrases: list[str], context: ProofContext) -> str:
    """Lower-case keywords or file-name words written as names ("in Phuket, New York"): each
    keyword is one phrase, a file name's words are one phrase (so "new-york-skyline" holds "New
    York"); `place_ordinary_words` (nice, bath, reading: ordinary words that are also towns) are
    left out of the result by `_ordinary`."""
    return "in " + ", ".join(" ".join(word.title() for word in phrase.split()) for phrase in phrases if phrase.split())


def _ordinary(name: str, context: ProofContext) -> bool:
    ordinary = frozenset(word.casefold() for word in context.config.place_ordinary_words)
    return all(word.casefold() in ordinary for word in name.split())


# A lower-case keyword or file-name word matched only by an alternate name (another language's
# form) names a place only for a city this large: foreign words are alternate names of small towns.
_ALTERNATE_WORD_MIN_POPULATION = 1_000_000


def _names_a_place(name: str, match: PlaceMatch, lower_case: bool, context: ProofContext) -> bool:
    """A capitalised name in a caption is a place; a lower-case keyword or file-name word is one
    only when it is a country, a city of `place_word_min_population` or more, or no ordinary word
    (the service's dictionary): "bell" and "fountain" are towns too, but they are words first. A
    one-word name matched only by a town's alternate name is a place only when it is no ordinary
    word, in any field ("Gold", "Lion"; a landmark phrase such as "Central Park" is never checked)."""
    if lower_case and _ordinary(name, context):
        return False
    is_word = context.evidence.is_ordinary_word
    all_words = is_word is not None and all(is_word(word) for word in name.split())
    if match.alternate and all_words and len(name.split()) == 1:
        return False
    if lower_case and match.alternate and not match.is_country and match.population < _ALTERNATE_WORD_MIN_POPULATION:
        return False  # "tür" (door) is an alternate name of a town too; "münchen" stays a place
    if not lower_case or match.is_country or match.population >= context.config.place_word_min_population:
        return True
    return not all_words


def _texts(context: ProofContext) -> dict[str, str]:
    return {
        "caption": context.text("caption"),
        "alt_text": context.text("alt_text"),
        "keywords": _as_names(list(context.metadata.keywords), context),
        "file_name": _as_names([file_name_words(context.text("file_name"))], context),
    }


def known_names(evidence: Evidence) -> KnownNames:
    """The names `place.far` never checks for this photo: its own place in every form, the names
    a person vouched for, and the camera's make, model and lens."""
    own = evidence.place_names or tuple(
        part for part in (evidence.place_city, evidence.place_region, evidence.place_country) if part)
    return KnownNames.of(own=own, allowed=evidence.allowed_places,
                         exif=(evidence.camera_make, evidence.camera_model, evidence.lens))


_FAR_MESSAGE = re.compile(r'^[\w ]+ says "(?P<name>[^"]+)"; the photo was taken ')


def far_place_names(reasons: list[ProofReason]) -> list[str]:
    """The names a row's `place.far` findings name, in order, each once: what a person may vouch
    for (`proofdesk places allow NAME`)."""
    names = [m.group("name") for r in reasons if r.rule == PlaceFarRule.name and (m := _FAR_MESSAGE.match(r.message))]
    return list(dict.fromkeys(names))


class PlaceFarRule(Rule):
    """A place named in the metadata must be near where the photo was taken. Only capitalised words
    that do not start a sentence count, and only towns of `place_min_population` or more and
    countries; a name is far only when every place of that name is beyond `place_max_km`. Names of
    the photo's own place (in every form), names a person vouched for (`places allow`), camera
    words and streets or landmarks are never checked (`read_names`)."""

    name = "place.far"
    field = "caption"
    hint = ("Name only places where the photo was taken (the place facts say where); leave a place out when unsure. "
            "A person who knows the name is right vouches for it with `proofdesk places allow NAME`.")

    def check(self, context: ProofContext) -> list[ProofReason]:
        evidence = context.evidence
        locate = evidence.locate_place
        if locate is None or evidence.gps_latitude is None or evidence.gps_longitude is None:
            return []  # no position, no check
        label = evidence.place or f"{evidence.gps_latitude:.2f}, {evidence.gps_longitude:.2f}"
        where = label if label.startswith("near ") else f"in {label}"
        known = known_names(evidence)
        reasons: list[ProofReason] = []
        seen: set[tuple[str, str]] = set()
        for field, text in _texts(context).items():
            for name, match in mentioned_places(text, locate, known=known):
                km = match.km
                if km <= context.config.place_max_km or (field, name.casefold()) in seen:
                    continue
                if not _names_a_place(name, match, field in ("keywords", "file_name"), context):
                    continue
                seen.add((field, name.casefold()))
                field_label = FIELD_LABELS.get(field, field)
                reasons.append(self.violation(
                    f"{field_label} says {quote(name)}; the photo was taken {where}, {km:,.0f} km away", field
                ))
        return reasons


class PrivatePlaceRule(Rule):
    """A photo taken inside a private place (`places.private`) never names it: not in the caption,
    alt text, keywords or file name (and so not in the gallery title)."""

    name = "place.private"
    field = "caption"
    hint = "Do not name where this photo was taken: it is a private place."

    def check(self, context: ProofContext) -> list[ProofReason]:
        label = context.evidence.private_place
        if not label:
            return []
        texts = {"caption": context.text("caption"), "alt_text": context.text("alt_text"),
                 "keywords": ", ".join(context.metadata.keywords), "file_name": context.text("file_name")}
        return [self.violation(f"{FIELD_LABELS.get(field, field)} names {quote(label)}, a private place", field)
                for field, text in texts.items() if names_private_place(text, label)]


class CoordinatesRule(Rule):
    """Published text never carries the photo's position as numbers (GPS stays in the file's
    metadata, and only when `publish.keep_gps` is set). Every field that is published is read:
    caption, alt text, keywords (together, so "48.1374" and "11.5755" as two keywords are one
    position), and the file name, also read as the gallery title makes it ("munich 48.1374 n 11.5755
    e"). The local fix cuts them out where the text survives; what is left blocks."""

    name = "place.coordinates"
    field = "caption"
    hint = "Do not write coordinates; name the place instead (the place facts say where)."

    def check(self, context: ProofContext) -> list[ProofReason]:
        reasons: list[ProofReason] = []
        for field, text in coordinate_texts(context.metadata).items():
            label = FIELD_LABELS.get(field, field)
            for found in find_coordinates(text):
                reasons.append(self.violation(f"{label} holds coordinates {quote(found.text)}; name the place instead", field))
        return reasons


def title_words(file_name: str) -> str:
    """The file name's stem as the published title reads it: hyphens and underscores as spaces."""
    stem_text, _ = split_extension(file_name)
    return " ".join(stem_text.replace("_", " ").replace("-", " ").split())


def coordinate_texts(metadata: ProofMetadata) -> dict[str, str]:
    """The published texts `place.coordinates` reads, by field."""
    name = metadata.file_name or ""
    title = title_words(name)
    return {
        "caption": metadata.caption or "",
        "alt_text": metadata.alt_text or "",
        "keywords": ", ".join(metadata.keywords),
        "file_name": name if find_coordinates(name) or not find_coordinates(title) else title,
    }

"""The place names a text holds, read as people write them (see `places` for the gazetteer side).

Runs of capitalised words (not the first word of a sentence; joined across particles: "Rio de
Janeiro") are read longest first, so "New York" is one name and "York" inside it is never read
alone. A span is, in this order: a name of the photo's own place in any form (`KnownNames.own`), a
name a person vouched for (`PlaceAllowance`, `proofdesk places allow`), camera words from EXIF, a
gazetteer place, or a street or landmark ("Lexington Avenue", "Rue de Rivoli": a landmark word
makes the whole phrase one name, so a town's name inside it is not checked).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from proofdesk.core.domain.models import DomainModel
from proofdesk.core.domain.places import _NOT_PLACES, _SENTENCE_END, _WORD, PlaceLocator, PlaceMatch, fold
from pydantic import ConfigDict

# Words that make a phrase of capitalised words one name of a street, square or landmark (in the
# languages photographers most often caption in), so that a town's name inside it is not read as
# that town: "Lexington Avenue", "Washington Square Park", "Rue de Rivoli", "Piazza della Signoria".
# A word of the first set ends such a name, one of the second begins it.
LANDMARK_LAST_WORDS = frozenset(
    # English
    "street st avenue ave road rd boulevard blvd lane drive way place square sq circus crescent terrace "
    "court row walk parade promenade esplanade embankment quay wharf pier dock docks marina harbour harbor "
    "bridge tunnel gate gardens garden park common green heath wood woods forest hill hills heights "
    "mountain mountains peak valley canyon gorge falls lake river creek bay beach coast island islands "
    "point head cliffs cove sound strait lagoon reservoir dam canal station terminal airport tower towers "
    "building center centre plaza mall market hall house palace castle abbey cathedral church chapel "
    "basilica temple mosque synagogue shrine monastery museum gallery library theatre theater opera "
    "stadium arena zoo university college school hospital hotel memorial monument cemetery lighthouse "
    "reserve trail quarter village side end expressway highway freeway parkway turnpike fountain statue "
    "steps wall bazaar souk pavilion observatory glacier volcano desert dunes pass "
    # other languages, where the landmark word follows the name
    "strasse straße str platz brücke brucke kirche dom münster munster schloss burg tor bahnhof "
    "hauptbahnhof markt allee ufer gasse ring damm hafen see turm rathaus "
    "straat plein gracht kade brug kerk haven "
    "gatan gata torget slott kirke".split()
)
LANDMARK_FIRST_WORDS = frozenset(
    # French
    "rue avenue boulevard bd place pont quai porte gare musée musee jardin jardins parc église eglise "
    "cathédrale cathedrale château chateau tour île ile lac mont col baie plage cours allée allee chemin "
    "impasse passage palais basilique abbaye pointe "
    # Spanish and Portuguese
    "avenida av calle plaza paseo puerta puente parque iglesia catedral museo mercado playa castillo "
    "palacio torre barrio rambla ronda glorieta camino carrera cerro lago monte isla bahía bahia sierra "
    "rua praça praca largo ponte igreja praia mosteiro jardim museu castelo palácio palacio travessa "
    "estrada ilha serra morro "
    # Italian
    "piazza piazzale piazzetta via viale corso vicolo chiesa duomo basilica cattedrale palazzo castello "
    "porta galleria giardino giardini isola lungarno lungomare fontana loggia villa campo borgo teatro "
    "stazione cappella "
    # German, Dutch
    "schloss burg kloster stift "
    # English, and saints' names (a saint's name is not the town of that name)
    "mount mt lake cape fort port isle gulf saint st sainte san santa santo sant são sao sankt "
    "downtown uptown midtown old".split()
)
# Short words that join the parts of one name ("Rio de Janeiro", "Rue de la Paix", "Isle of Man").
NAME_PARTICLES = frozenset(
    "de del della delle dei degli dello di da das dos do du des la le les el al y e d' of the von van der den "
    "am im upon sur aux".split()
)


def _fold_words(texts: Iterable[str | None]) -> frozenset[str]:
    words: set[str] = set()
    for text in texts:
        if text:
            words.update(fold(word) for word in re.split(r"[\s/,;()]+", text) if word)
    return frozenset(words)


@dataclass(frozen=True)
class KnownNames:
    """What a text's names are read against besides the gazetteer.

    `own`: every name of the photo's own place (town, each admin level, country, in their English,
    local and alternate forms): never far. `allowed`: names a person vouched for. `exif_words`: the
    words of the camera make, model and lens, which are not places ("Nokia", "Leica")."""

    own: frozenset[str] = frozenset()
    allowed: frozenset[str] = frozenset()
    exif_words: frozenset[str] = frozenset()

    @classmethod
    def of(cls, own: Iterable[str] = (), allowed: Iterable[str] = (), exif: Iterable[str | None] = ()) -> KnownNames:
        return cls(own=frozenset(fold(name) for name in own if name), allowed=frozenset(fold(name) for name in allowed if name),
                   exif_words=_fold_words(exif))


NameKind = Literal["place", "own", "allowed", "exif", "landmark"]


@dataclass(frozen=True)
class NameReading:
    """One name a text holds and how it reads: a gazetteer place (`match`), a name of the photo's
    own place, one a person vouched for, an EXIF word (camera make or model), or a street or
    landmark (`Lexington Avenue`)."""

    name: str
    kind: NameKind
    match: PlaceMatch | None = None


def name_runs(text: str) -> list[list[str]]:
    """Runs of capitalised words that may be one or more names, joined across particles
    ("Rio de Janeiro", "Piazza della Signoria"): like `capitalised_runs`, but a particle between
    two capitalised words stays inside the run."""
    runs: list[list[str]] = []
    current: list[str] = []
    pending: list[str] = []  # particles seen after the run's last capitalised word
    for match in _WORD.finditer(text):
        word = match.group(0).rstrip(".'’")
        start = match.start()
        sentence_start = not text[:start].strip() or bool(_SENTENCE_END.search(text[:start]))
        breaks_after = text[match.end():match.end() + 1] in (",", ";", ":") or match.group(0).endswith(".")
        gap = text[(match.start() - 1):match.start()] if match.start() else ""
        if word[:1].isupper() and not sentence_start and fold(word) not in _NOT_PLACES:
            if current and pending:
                current.extend(pending)
            current.append(word)
            pending = []
            if breaks_after:
                runs.append(current)
                current = []
            continue
        if current and fold(word) in NAME_PARTICLES and not breaks_after and gap.isspace():
            pending.append(word)
            continue
        if current:
            runs.append(current)
        current, pending = [], []
    if current:
        runs.append(current)
    return runs


def is_landmark_phrase(words: list[str]) -> bool:
    """A street, square or landmark named by a word of `LANDMARK_LAST_WORDS` at its end or of
    `LANDMARK_FIRST_WORDS` at its start, with at least one other word."""
    if len(words) < 2:
        return False
    return fold(words[-1]) in LANDMARK_LAST_WORDS or fold(words[0]) in LANDMARK_FIRST_WORDS


def read_names(text: str, locate: PlaceLocator, known: KnownNames | None = None, max_words: int = 6) -> list[NameReading]:
    """Every name `text` holds, read longest first within each run of capitalised words: a span is
    a name of the photo's own place, a vouched-for name, EXIF words, a gazetteer place, or a street
    or landmark, in that order of precedence (a landmark wins over a place matched only by an
    alternate name); a run's words are used once, so "York" inside "New York" or "Lexington" inside
    "Lexington Avenue" is never read alone. Spans never begin or end with a particle."""
    known = known or KnownNames()
    found: list[NameReading] = []
    for run in name_runs(text):
        index = 0
        while index < len(run):
            if fold(run[index]) in NAME_PARTICLES and index > 0:
                index += 1
                continue
            for size in range(min(max_words, len(run) - index), 0, -1):
                words = run[index:index + size]
                if size > 1 and fold(words[-1]) in NAME_PARTICLES:
                    continue
                reading = _read_span(words, locate, known)
                if reading is not None:
                    found.append(reading)
                    index += size
                    break
            else:
                index += 1
    return found


def _read_span(words: list[str], locate: PlaceLocator, known: KnownNames) -> NameReading | None:
    name = " ".join(words)
    key = fold(name)
    if key in known.own:
        return NameReading(name, "own")
    if key in known.allowed:
        return NameReading(name, "allowed")
    if known.exif_words and all(fold(word) in known.exif_words for word in words):
        return NameReading(name, "exif")
    located = locate(name)
    landmark = is_landmark_phrase(words)
    if located is not None and not (landmark and located.alternate):
        return NameReading(name, "place", located)
    return NameReading(name, "landmark") if landmark else None


class PlaceAllowance(DomainModel):
    """A name a person vouched for (`proofdesk places allow NAME [--near SET|ROW]`): `place.far`
    never checks it for every photo, for the photos of one set (`set_name`), or for one photo
    (`set_name` and `original_name`). Names compare as `fold` does."""

    model_config = ConfigDict(frozen=True)

    name: str
    set_name: str | None = None
    original_name: str | None = None  # with `set_name`: one row
    created_at: datetime | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        """(folded name, set or "", original name or ""): one allowance per key."""
        return fold(self.name), self.set_name or "", self.original_name or ""

    @property
    def scope(self) -> str:
        """Where it holds, as a person reads it: "every photo", "set 2026-06_lofoten", "lofoten/IMG_1.jpg"."""
        if self.set_name and self.original_name:
            return f"{self.set_name}/{self.original_name}"
        return f"set {self.set_name}" if self.set_name else "every photo"

    def applies_to(self, set_name: str, original_name: str) -> bool:
        return (not self.set_name or self.set_name == set_name) and (not self.original_name or self.original_name == original_name)


def allowed_names(allowances: Iterable[PlaceAllowance], set_name: str, original_name: str) -> tuple[str, ...]:
    """The vouched-for names that hold for one row."""
    return tuple(dict.fromkeys(a.name for a in allowances if a.applies_to(set_name, original_name)))


def mentioned_places(text: str, locate: PlaceLocator, max_words: int = 6,
                     known: KnownNames | None = None) -> list[tuple[str, PlaceMatch]]:
    """(name as written, match) for each gazetteer place the text names (see `read_names`): names
    of the photo's own place, vouched-for names, EXIF words and landmarks are left out."""
    return [(reading.name, reading.match) for reading in read_names(text, locate, known, max_words)
            if reading.kind == "place" and reading.match is not None]

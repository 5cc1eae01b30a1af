"""Properties of the proof: deterministic, accepted means clean, fixes never hurt, one holder per text."""

from __future__ import annotations

from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from proofdesk.core.domain.models import Row
from proofdesk.core.domain.proof import (
    DuplicateIndex,
    Evidence,
    ProofConfig,
    ProofMetadata,
    apply_fixes,
    check,
    field_rules,
    normalise_for_duplicates,
    proof,
)
from rapidfuzz import fuzz

WORDS = ["red", "boat", "boats", "harbour", "Reine", "mountain", "quiet", "street", "old", "town", "fishing",
         "gull", "cabin", "rorbu", "bridge", "snow", "fjord", "church", "a", "the", "in", "of", "at", "under"]  # fmt: skip
OPENERS = ["", "", "", "The image shows ", "This photo captures ", "Here is ", "As an AI, ", "Image of ", "A photo of "]
JUNK = ["", "", "", " a boat a boat a boat", " <b>bold</b>", " **strong**", " https://example.com", " lorem ipsum",
        " TODO", " (unclosed", " at night", " at sunset", " in the afternoon", "  double  space", "\n"]  # fmt: skip
ENDS = [".", ".", "", "...", "!", "?"]
KEYWORDS = WORDS + ["photo", "image", "jpg", "Street", " Boat ", "volcano", "lofoten", "sunset", "afternoon",
                    "fishing boat", "boat, harbour", "", "#fjord"]  # fmt: skip
FILE_NAMES = [None, "", "IMG_0001.JPG", "Red Boat.jpg", "red-boat.jpg", "red-boat", "røde båt.png", "night.jpg",
              "harbour-at-sunset.jpeg", "x" * 90 + ".jpg"]  # fmt: skip
TIMES = [
    {},
    {"captured_at": "2008-10-22T16:28:39", "captured_offset": "+02:00", "gps_timestamp_utc": "2008-10-22T14:28:07Z",
     "gps_latitude": 43.4633, "gps_longitude": 11.8797},
    {"captured_at": "2008-10-22T16:28:39", "captured_offset": "+02:00", "gps_latitude": 43.4633, "gps_longitude": 11.8797},
    {"captured_at": "2008-10-22T23:10:00"},
    {"captured_at": "2026-06-12T06:15:00"},
]  # fmt: skip


@st.composite
def texts(draw: st.DrawFn, max_words: int = 14) -> str:
    body = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=0, max_size=max_words)))
    return draw(st.sampled_from(OPENERS)) + body + draw(st.sampled_from(JUNK)) + draw(st.sampled_from(ENDS))


@st.composite
def rows(draw: st.DrawFn) -> tuple[Row, Evidence]:
    row = Row(
        set_name=draw(st.sampled_from(["2026-06-12_lofoten_reine", "arezzo", "misc"])),
        original_name=draw(st.sampled_from(["IMG_0001.jpg", "scan.png", "DSC_9.JPEG"])),
        sha256="0" * 64,
        caption=draw(st.one_of(st.none(), texts())),
        alt_text=draw(st.one_of(st.none(), texts(max_words=8))),
        keywords=draw(st.lists(st.sampled_from(KEYWORDS), max_size=18)),
        file_name=draw(st.sampled_from(FILE_NAMES)),
        **draw(st.sampled_from(TIMES)),
    )
    hints = draw(st.lists(st.sampled_from(["fishing boat", "gull", "mountain", "volcano"]), max_size=2))
    return row, Evidence.from_row(row, classifier_hints=hints, glossary=["rorbu"])


ADJECTIVES = ["red", "quiet", "old", "snowy", "wooden", "narrow"]
NOUNS = ["boat", "harbour", "street", "church", "cabin", "bridge", "fjord", "mountain", "gull"]
PLACES = ["Reine", "Arezzo", "Hamnøy", "Lofoten"]


@st.composite
def near_good_rows(draw: st.DrawFn) -> tuple[Row, Evidence]:
    """Mostly clean metadata with at most one or two flaws, so accepted rows are common."""
    adjective, noun, other = draw(st.sampled_from(ADJECTIVES)), draw(st.sampled_from(NOUNS)), draw(st.sampled_from(NOUNS))
    place = draw(st.sampled_from(PLACES))
    caption = f"A {adjective} {noun} near the {other} in {place}" + draw(st.sampled_from(["", "", " at night", " in the afternoon"]))
    caption = draw(st.sampled_from(["", "", "The image shows "])) + caption + draw(st.sampled_from([".", ".", "", "..."]))
    alt_text = draw(st.sampled_from(["", "", "Image of "])) + f"{noun.capitalize()} beside a {other}"
    keywords = [noun, place.lower(), adjective] + draw(
        st.lists(st.sampled_from([other, "photo", "Street", "volcano", noun.upper()]), max_size=3)
    )
    file_name = draw(st.sampled_from([f"{adjective}-{noun}-{place.lower()}.jpg", f"{noun.capitalize()} {place}.JPG",
                                      None, "IMG_0001.jpg", f"{noun}.jpg"]))  # fmt: skip
    row = Row(set_name="2026-06-12_lofoten_reine", original_name="IMG_0001.jpg", sha256="0" * 64, caption=caption,
              alt_text=alt_text, keywords=keywords, file_name=file_name, **draw(st.sampled_from(TIMES)))  # fmt: skip
    return row, Evidence.from_row(row)


any_rows = st.one_of(rows(), near_good_rows())


def field_violations(metadata: ProofMetadata, evidence: Evidence, original_name: str, config: ProofConfig) -> list:
    return check(metadata, evidence, config, original_name=original_name, rules=field_rules())


CONFIG = ProofConfig()
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(any_rows)
def test_verdict_is_deterministic(case: tuple[Row, Evidence]) -> None:
    row, evidence = case
    assert proof(row, evidence, config=CONFIG) == proof(row, evidence, config=CONFIG)
    assert proof(row, evidence, DuplicateIndex(), CONFIG) == proof(row, evidence, DuplicateIndex(), CONFIG)


@SETTINGS
@given(any_rows)
def test_an_accepted_row_passes_every_rule(case: tuple[Row, Evidence]) -> None:
    row, evidence = case
    result = proof(row, evidence, config=CONFIG)
    if result.accepted:
        assert field_violations(result.metadata, evidence, row.original_name, CONFIG) == []
    else:
        assert result.violations == tuple(field_violations(result.metadata, evidence, row.original_name, CONFIG))


@SETTINGS
@given(any_rows)
def test_fixes_never_increase_violations_and_are_idempotent(case: tuple[Row, Evidence]) -> None:
    row, evidence = case
    raw = ProofMetadata.from_row(row)
    fixed, fixes = apply_fixes(raw, evidence, CONFIG, original_name=row.original_name)
    before = field_violations(raw, evidence, row.original_name, CONFIG)
    after = field_violations(fixed, evidence, row.original_name, CONFIG)
    assert len(after) <= len(before), (before, after, fixes)
    again, more = apply_fixes(fixed, evidence, CONFIG, original_name=row.original_name)
    assert more == [] and again == fixed


CAPTIONS = [
    "A red boat moored in Reine harbour under the mountains.",
    "A red boat moored in Reine harbour under the mountain.",
    "A red boat moored in Reine harbor under the mountains!",
    "Gulls over the fjord at Reine on a quiet morning.",
    "Gulls over the fjords at Reine on a quiet morning.",
    "Snow on the old church roof in the town.",
    "",
]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["claim", "claim", "claim", "release"]), st.integers(0, 5), st.sampled_from(CAPTIONS)),
        max_size=40,
    )
)
def test_the_index_never_lets_two_rows_hold_one_caption(operations: list[tuple[str, int, str]]) -> None:
    index = DuplicateIndex(threshold=95)
    for action, number, caption in operations:
        owner = f"set/IMG_{number}.jpg"
        if action == "claim":
            index.check_and_claim(owner, "caption", caption)
        else:
            index.release(owner)
    held = [texts["caption"] for owner in (f"set/IMG_{n}.jpg" for n in range(6))
            if "caption" in (texts := index.held_by(owner))]  # fmt: skip
    assert len(held) == len(set(held))
    for first, second in combinations(held, 2):
        assert fuzz.ratio(first, second) < 95
    for caption in CAPTIONS[:-1]:
        assert len(index.owners_of("caption", caption)) <= 1
        assert normalise_for_duplicates(caption)

"""The one coordinate recogniser (`find_coordinates`, `remove_coordinates`): a table of the ways a
position is written, a table of numbers that are no position, and every form cut out of a sentence
that still reads afterwards."""

from __future__ import annotations

import re

import pytest
from proofdesk.core.domain.coordinates import CoordinateMatch, find_coordinates, remove_coordinates
from slugify import slugify

MUNICH = (48.1374, 11.5755)
SYDNEY = (-33.8688, 151.2093)
NEW_YORK = (40.7128, -74.0060)

# (as written, (latitude, longitude) it parses to; None where a part is not known)
POSITIVE: list[tuple[str, tuple[float | None, float | None]]] = [
    # decimal pairs: comma, space, semicolon, slash, signed, degree signs, hemisphere letters
    ("48.1374, 11.5755", MUNICH),
    ("48.1374 11.5755", MUNICH),
    ("48.1374; 11.5755", MUNICH),
    ("48.1374/11.5755", MUNICH),
    ("48.1374 / 11.5755", MUNICH),
    ("-33.8688, 151.2093", SYDNEY),
    ("151.2093, -33.8688", SYDNEY),
    ("48.1374 -11.5755", (48.1374, -11.5755)),
    ("48.1374°, 11.5755°", MUNICH),
    ("48.1374° N, 11.5755° E", MUNICH),
    ("40.7128° N, 74.0060° W", NEW_YORK),
    ("N 48.1374 E 11.5755", MUNICH),
    ("S 33.8688 E 151.2093", SYDNEY),
    ("48.1374N, 11.5755E", MUNICH),
    ("48.1374 N 11.5755 E", MUNICH),
    ("48.1374n 11.5755e", MUNICH),
    ("+48.1374+011.5755/", MUNICH),
    # labelled
    ("lat 48.137 lon 11.576", (48.137, 11.576)),
    ("lat=48.137&lon=11.576", (48.137, 11.576)),
    ("Lat 48.1374° N, Long 11.5755° E", MUNICH),
    ("Latitude: 43.68739354 Longitude: -85.48351891", (43.68739354, -85.48351891)),
    ("GPS Latitude 43.68739354, GPS Longitude -85.48351891", (43.68739354, -85.48351891)),
    ("GPSLatitude=43.687, GPSLongitude=-85.483", (43.687, -85.483)),
    ("GPS: 51.5, -0.12", (51.5, -0.12)),
    ("Lat/Lon: 48.14, 11.58", (48.14, 11.58)),
    ("coordinates 48.14, 11.58", (48.14, 11.58)),
    ("lat: 48.1374", (48.1374, None)),
    # degrees-minutes-seconds: primes, quotes, "deg", spaces, colons, words
    ("48°08′14″N 11°34′32″E", MUNICH),
    ("48°08'14\"N 11°34'32\"E", MUNICH),
    ("48º08'14\"N 11º34'32\"E", MUNICH),
    ("48° 8' 14\" N, 11° 34' 32\" E", MUNICH),
    ("N 48° 8′ 14″ / E 11° 34′ 32″", MUNICH),
    ("43 deg 27' 48.24\" N, 11 deg 52' 49.08\" E", (43.4634, 11.8803)),
    ("Lat: 43° 41' 14.62\" N Lon: 85° 29' 0.67\" W", (43.6874, -85.4835)),
    ("GPS 48 08 14 N 11 34 32 E", MUNICH),
    ("48 08 14N 11 34 32E", MUNICH),
    ("48:08:14N 11:34:32E", MUNICH),
    ("43°28'2.6\"N", (43.4674, None)),
    ("48 degrees 8 minutes 14 seconds north", (48.1372, None)),
    # degrees and decimal minutes
    ("48° 8.244' N 11° 34.530' E", MUNICH),
    ("48°8.244'N", (48.1374, None)),
    ("N48 08.244 E011 34.530", MUNICH),
    ("N 48° 08.244 E 11° 34.530", MUNICH),
    # a geo URI, a map link's position
    ("geo:48.1374,11.5755", MUNICH),
    ("geo:48.1374,11.5755;u=35", MUNICH),
    ("@48.1374,11.5755,15z", MUNICH),
    # one coordinate with its hemisphere
    ("48.13743° N", (48.1374, None)),
    ("48.1374N", (48.1374, None)),
    # file-name forms
    ("munich-48-1374-11-5755", MUNICH),
    ("48_1374_11_5755", MUNICH),
    ("48.1374_11.5755", MUNICH),
    ("40-7128--74-0060", NEW_YORK),
    ("48-08-14-n-11-34-32-e", MUNICH),
    ("n-48-1374-e-11-5755", MUNICH),
    ("lat-48-137-lon-11-576", (48.137, 11.576)),
    ("48deg-8-244-n-11deg-34-530-e", MUNICH),
]

NEGATIVE = [
    "at 16:55",
    "16:55:02",
    "16:55:02 S",
    "ratio 16:9",
    "2008-10-22",
    "22.10.2008",
    "10/22/2008",
    "version 2.10.3",
    "v1.2.3",
    "price 12.50, 13.99",
    "12.50 EUR, 3.99 EUR",
    "f/2.8",
    "50 mm",
    "24.5 mm",
    "1/250 s",
    "0.125 s, 0.250 s",
    "ISO 200",
    "in 1998",
    "img-0042.jpg",
    "2008-10-22-arezzo-dscn0010.jpg",
    "DSCN0010.JPG",
    "IMG_20081022_162839.jpg",
    "img-12-10-22-16-28-39",
    "bird-1-2000-s",
    "a 1.5 km walk",
    "25.5°C in the shade",
    "a 45° angle",
    "pages 12-14",
    "+39 0575 123456",
    "EV +0.7",
    "score 7.25 / 10",
    "48 08 14",
    "Elevation 1,234.567 m",
    "f/1.8, 1/4000 s, ISO 100, 35 mm",
    "A 1.5 km walk at 16:28 with 3 boats",
    "Canon EOS 5D Mark II",
    "Flat 2.5, room 12",
    "the trail turns 90 degrees west",
    "66° N",
]

# A decimal number with three or more decimals next to another number: what must never be published.
_NUMBER = re.compile(r"\d+(?:\.(\d+))?")


def precise_pair(text: str) -> bool:
    numbers = list(_NUMBER.finditer(text))
    for first, second in zip(numbers, numbers[1:], strict=False):
        gap = text[first.end() : second.start()]
        precise = len(first.group(1) or "") >= 3 or len(second.group(1) or "") >= 3
        if precise and len(gap) <= 8 and not re.search(r"[^\W\d_]{2,}", gap):
            return True
    return False


def test_the_tables_are_big_enough() -> None:
    assert len(POSITIVE) >= 30 and len(NEGATIVE) >= 15


@pytest.mark.parametrize(("text", "position"), POSITIVE, ids=[text for text, _ in POSITIVE])
def test_every_form_is_one_coordinate(text: str, position: tuple[float | None, float | None]) -> None:
    [found] = find_coordinates(text)
    assert isinstance(found, CoordinateMatch)
    assert text[found.start : found.end] == found.text and found.span == (found.start, found.end)
    digits = re.sub(r"[^\d]", "", text.removeprefix("munich-"))
    assert re.sub(r"[^\d]", "", found.text).startswith(digits[:4]), found.text
    for parsed, expected in zip((found.latitude, found.longitude), position, strict=True):
        if expected is not None:
            assert parsed == pytest.approx(expected, abs=0.001), (found, position)


@pytest.mark.parametrize("text", NEGATIVE)
def test_ordinary_numbers_are_not_coordinates(text: str) -> None:
    assert find_coordinates(text) == []
    assert remove_coordinates(text) == text


SENTENCES = [
    ("A red fishing boat moored in Reine harbour at {}.", "A red fishing boat moored in Reine harbour."),
    ("A red fishing boat moored in Reine harbour at {} under steep mountains.",
     "A red fishing boat moored in Reine harbour under steep mountains."),
    ("{}: a red fishing boat moored in Reine harbour.", "A red fishing boat moored in Reine harbour."),
    ("A red fishing boat moored in Reine harbour ({}).", "A red fishing boat moored in Reine harbour."),
    ("A red fishing boat moored in Reine harbour, {}, under steep mountains.",
     "A red fishing boat moored in Reine harbour, under steep mountains."),
    ("Reine harbour — {} — at dusk with boats.", "Reine harbour — at dusk with boats."),
    ("Boats in Reine harbour (coordinates: {}).", "Boats in Reine harbour."),
    ("Old boats, GPS {}; steep mountains behind.", "Old boats, steep mountains behind."),
]
FORMS_IN_PROSE = [text for text, _ in POSITIVE if not text.startswith("munich-")]


@pytest.mark.parametrize("form", FORMS_IN_PROSE)
@pytest.mark.parametrize(("sentence", "expected"), SENTENCES, ids=[f"sentence{i}" for i in range(len(SENTENCES))])
def test_removed_from_a_sentence_the_rest_survives(form: str, sentence: str, expected: str) -> None:
    text = sentence.format(form)
    assert find_coordinates(text), text
    cleaned = remove_coordinates(text)
    assert cleaned == expected
    assert find_coordinates(cleaned) == [] and not precise_pair(cleaned)


@pytest.mark.parametrize("form", FORMS_IN_PROSE)
def test_slugified_into_a_file_name_it_is_still_found_or_gone(form: str) -> None:
    """A name made from a caption that held coordinates either shows them (and the fix cuts them
    out) or has lost them in the slug ("48.1374,11.5755" -> "48-137411-5755")."""
    slug = slugify(f"red fishing boat {form}")
    if find_coordinates(slug):
        assert not re.search(r"\d", remove_coordinates(slug))
    else:
        assert not precise_pair(slug.replace("-", " "))


def test_the_named_forms_of_the_issue() -> None:
    caption = ("Munich old town at N 48.1374 E 11.5755, lat 48.137 lon 11.576, GPS 48 08 14 N 11 34 32 E "
               "and 48°08′14″N 11°34′32″E.")
    assert [m.text for m in find_coordinates(caption)] == [
        "N 48.1374 E 11.5755", "lat 48.137 lon 11.576", "48 08 14 N 11 34 32 E", "48°08′14″N 11°34′32″E"]
    cleaned = remove_coordinates(caption)
    assert cleaned.startswith("Munich old town") and not re.search(r"\d", cleaned)
    assert remove_coordinates("munich-48-1374-11-5755") == "munich"


def test_camera_text_fields_are_scrubbed() -> None:
    assert remove_coordinates("Latitude: 43.68739354 Longitude: -85.48351891") == ""
    assert remove_coordinates("GPS: 51.5, -0.12") == ""
    assert remove_coordinates("Holiday 2019 GPS: 51.5, -0.12") == "Holiday 2019"
    assert remove_coordinates("Taken near Munich, GPS 48.1374 11.5755, at dusk.") == "Taken near Munich, at dusk."
    assert remove_coordinates("(48.1374, 11.5755, Munich) boats") == "(Munich) boats"


def test_several_positions_in_one_file_name() -> None:
    found = find_coordinates("a-48-1374-11-5755-b-40-7128--74-0060-c")
    assert [m.text for m in found] == ["48-1374-11-5755", "40-7128--74-0060"]
    assert remove_coordinates("a-48-1374-11-5755-b-40-7128--74-0060-c") == "a-b-c"


def test_parsed_positions() -> None:
    [found] = find_coordinates("Boats in Arezzo at 43.4674, 11.8851")
    assert (found.text, found.latitude, found.longitude) == ("43.4674, 11.8851", 43.4674, 11.8851)
    [west] = find_coordinates("40° 42' 46\" N 74° 0' 21.6\" W")
    assert west.latitude == pytest.approx(40.7128, abs=1e-4) and west.longitude == pytest.approx(-74.006, abs=1e-4)

"""`place.coordinates` through the proof engine: every form of the coordinate table, written into
the caption, the alt text, a keyword or the file name, ends fixed (cut out, accepted) or blocked -
never accepted with a position in a published field (caption, alt text, keywords, file name and
the gallery title made from it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from proofdesk.core.domain.coordinates import find_coordinates
from proofdesk.core.domain.models import Row
from proofdesk.core.domain.proof import ProofResult, proof
from proofdesk.core.domain.proof.rules_places import CoordinatesRule, title_words
from slugify import slugify
from tests.unit.test_coordinates import FORMS_IN_PROSE, precise_pair

FORMS = [*FORMS_IN_PROSE, "48-1374-11-5755"]
KEYWORDS = ["fishing boat", "harbour", "mountains", "lofoten"]


def published_texts(result: ProofResult) -> dict[str, str]:
    name = result.file_name or ""
    return {"caption": result.caption or "", "alt_text": result.alt_text or "", "keywords": ", ".join(result.keywords),
            "file_name": name, "title": title_words(name)}  # fmt: skip


def assert_fixed_or_blocked(result: ProofResult) -> None:
    leaks = {field: text for field, text in published_texts(result).items() if find_coordinates(text) or precise_pair(text)}
    if result.accepted:
        assert not leaks, f"accepted with coordinates: {leaks}"
    elif leaks:
        assert any(v.rule == "place.coordinates" for v in result.violations), result.violations


def fields_with(form: str) -> dict[str, dict[str, Any]]:
    return {
        "caption": {"caption": f"A red fishing boat moored in Reine harbour at {form} under steep mountains."},
        "alt_text": {"alt_text": f"Red fishing boat in a harbour below mountains at {form}"},
        "keyword": {"keywords": [*KEYWORDS, form]},
        "file_name": {"file_name": f"red-fishing-boat-reine {form}.jpg"},
    }


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("field", ["caption", "alt_text", "keyword", "file_name"])
def test_every_form_in_every_field_is_fixed(row_factory: Callable[..., Row], form: str, field: str) -> None:
    result = proof(row_factory(**fields_with(form)[field]))
    assert_fixed_or_blocked(result)
    assert result.accepted, result.violations  # each of these still says something once the position is cut out
    assert [fix.field for fix in result.fixes if fix.rule == "place.coordinates"] == [field.replace("keyword", "keywords")]
    assert result.caption == "A red fishing boat moored in Reine harbour under steep mountains."
    assert result.alt_text == "Red fishing boat in a harbour below mountains"
    assert result.keywords == KEYWORDS
    assert result.file_name == "red-fishing-boat-reine.jpg" or field != "file_name" and result.file_name is not None


@pytest.mark.parametrize("form", FORMS)
def test_a_file_name_written_as_a_slug_is_fixed_or_blocked(row_factory: Callable[..., Row], form: str) -> None:
    name = slugify(f"red fishing boat reine {form}") + ".jpg"
    result = proof(row_factory(file_name=name))
    assert_fixed_or_blocked(result)
    if find_coordinates(name):
        assert result.accepted and result.file_name == "red-fishing-boat-reine.jpg"


@pytest.mark.parametrize("form", FORMS)
def test_coordinates_alone_block(row_factory: Callable[..., Row], form: str) -> None:
    """Nothing survives the cut: the caption and alt text stay as written and block; a keyword or
    a file name that is only a position is dropped (the name is made from the caption)."""
    result = proof(row_factory(caption=f"Position {form}.", alt_text=f"At {form}"))
    assert not result.accepted
    assert {v.field for v in result.violations if v.rule == "place.coordinates"} == {"caption", "alt_text"}
    assert_fixed_or_blocked(result)

    result = proof(row_factory(keywords=[*KEYWORDS, form], file_name=f"{form}.jpg"))
    assert_fixed_or_blocked(result)
    assert result.accepted and result.keywords == KEYWORDS
    assert result.file_name == "red-fishing-boat-moored-reine-harbour.jpg"  # made from the caption


def test_a_position_split_over_two_keywords_is_dropped(row_factory: Callable[..., Row]) -> None:
    result = proof(row_factory(keywords=[*KEYWORDS, "48.1374", "11.5755"]))
    assert result.accepted and result.keywords == KEYWORDS
    assert [(fix.before, fix.after) for fix in result.fixes if fix.rule == "place.coordinates"] == [
        ("48.1374", None), ("11.5755", None)]  # fmt: skip


def test_the_issue_file_name(row_factory: Callable[..., Row]) -> None:
    result = proof(row_factory(caption="A red fishing boat moored in Munich harbour under steep mountains.",
                               keywords=[*KEYWORDS[:3], "munich"], file_name="munich-48-1374-11-5755.jpg"))  # fmt: skip
    assert result.accepted and result.file_name == "munich.jpg"
    result = proof(row_factory(file_name="red-boat-reine_48_1374_11_5755.jpg"))
    assert result.accepted and result.file_name == "red-boat-reine.jpg"


def test_a_keyword_keeps_its_words(row_factory: Callable[..., Row]) -> None:
    result = proof(row_factory(caption="A red fishing boat moored in Reine harbour under steep mountains in Munich.",
                               keywords=[*KEYWORDS, "munich 48.1374 11.5755"]))  # fmt: skip
    assert result.accepted and result.keywords == [*KEYWORDS, "munich"]


def test_the_violation_names_the_field_and_the_coordinates(rule_messages: Callable[..., list[str]]) -> None:
    messages = rule_messages(CoordinatesRule(), caption="A red fishing boat at lat 48.137 lon 11.576.",
                             keywords=["harbour", "48.1374", "11.5755"], file_name="red-boat-48-1374-11-5755.jpg")  # fmt: skip
    assert messages == [
        'caption holds coordinates "lat 48.137 lon 11.576"; name the place instead',
        'keywords holds coordinates "48.1374, 11.5755"; name the place instead',
        'file name holds coordinates "48-1374-11-5755"; name the place instead',
    ]
    assert rule_messages(CoordinatesRule(), file_name="red-boat-48.1374-n-11.5755-e.jpg") == [
        'file name holds coordinates "48.1374-n-11.5755-e"; name the place instead']
    assert rule_messages(CoordinatesRule(), caption="A red fishing boat at 16:55 on 22.10.2008, f/2.8, 1/250 s.",
                         file_name="2008-10-22-arezzo-dscn0010.jpg") == []  # fmt: skip

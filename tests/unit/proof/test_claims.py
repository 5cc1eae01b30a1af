"""Claims: every keyword with its source, the yes/no question's schema and prompt, its parsing,
and the `claim.unsupported` fix and rule."""

from __future__ import annotations

import json

from proofdesk.core.domain.captioning import parse_verdicts, verify_prompt, verify_request, verify_schema
from proofdesk.core.domain.models import Claim, Row
from proofdesk.core.domain.proof import Evidence, ProofMetadata, apply_proof, proof
from proofdesk.core.domain.proof.claims import ClaimCounts, claims_of, claims_to_verify, is_named, keyword_source


def a_row(**changes: object) -> Row:
    base = Row(set_name="2008-10-22_arezzo", original_name="DSCN0010.jpg", sha256="0" * 64,
               captured_at="2008-10-22T16:28:00", captured_offset="+02:00", camera_make="NIKON",
               camera_model="COOLPIX P6000", gps_latitude=43.46, gps_longitude=11.88, place_city="Arezzo",
               place_region="Tuscany", place_country="Italy",
               caption="A stone bell tower rises over terracotta roofs beside a red balloon in Arezzo.",
               alt_text="Bell tower and a balloon above roofs in Arezzo", file_name="arezzo-bell-tower.jpg",
               keywords=["arezzo", "bell tower", "roofs", "afternoon", "balloon", "nikon"])
    return base.changed(**changes)


def test_each_keyword_gets_the_first_source_that_supports_it() -> None:
    evidence = Evidence.from_row(a_row(exif_keywords=["roofs"], classifier_hints=["tower"]), glossary=["terracotta"])
    assert keyword_source("arezzo", evidence) == "place"
    assert keyword_source("afternoon", evidence) == "exif"
    assert keyword_source("nikon", evidence) == "exif"
    assert keyword_source("roofs", evidence) == "file"
    assert keyword_source("tower", evidence) == "hint"
    assert keyword_source("terracotta", evidence) == "person"  # the glossary
    assert keyword_source("arezzo", Evidence.from_row(a_row(place_city=None, place_region=None, place_country=None))) == "person"
    assert keyword_source("arezzo roofs", evidence) == "place"  # several sources together: the first
    assert keyword_source("balloon", evidence) == "model"
    assert keyword_source("bell tower", evidence) == "model"  # "bell" only in the model's text


def test_a_yes_makes_a_model_claim_verified_and_a_no_is_shown_removed() -> None:
    evidence = Evidence.from_row(a_row()).with_verdicts({"bell tower": "yes", "balloon": "no"})
    claims = claims_of(ProofMetadata(keywords=("arezzo", "bell tower")), evidence)
    assert [c.model_dump() for c in claims] == [
        {"text": "arezzo", "source": "place", "verdict": None},
        {"text": "bell tower", "source": "verified", "verdict": "yes"},
        {"text": "balloon", "source": "model", "verdict": "no"},
    ]
    counts = ClaimCounts.of(claims)
    assert counts.by_source == {"place": 1, "verified": 1} and counts.removed == ("balloon",)
    assert counts.describe() == "2 claim(s): place 1, verified 1"


def test_keywords_a_person_wrote_are_the_persons_claims() -> None:
    row = a_row(edited_fields=["keywords"])
    claims = claims_of(ProofMetadata(keywords=("balloon", "arezzo")), Evidence.from_row(row))
    assert {c.source for c in claims} == {"person"}


def test_named_things_are_not_asked_about() -> None:
    caption = "The Rialto Bridge over the Grand Canal at dusk, with a gondola."
    assert is_named("rialto bridge", caption, None) and is_named("grand canal", caption, None)
    assert not is_named("gondola", caption, None)
    claims = (Claim(text="rialto bridge", source="model"), Claim(text="gondola", source="model"),
              Claim(text="venice", source="place"), Claim(text="canal", source="model", verdict="yes"))
    assert claims_to_verify(claims, caption, None) == (["gondola"], ["rialto bridge"])


def test_the_question_is_an_object_of_yes_no_unsure_per_claim_without_the_text() -> None:
    schema = verify_schema(["bell tower", "balloon"])
    assert schema == {"type": "object", "required": ["bell tower", "balloon"], "additionalProperties": False,
                      "properties": {name: {"type": "string", "enum": ["yes", "no", "unsure"]}
                                     for name in ("bell tower", "balloon")}}
    prompt = verify_prompt(["bell tower", "balloon"])
    assert '"balloon"' in prompt and "caption" not in prompt.lower() and "file" not in prompt.lower()
    request = verify_request("llava:13b", b"jpeg", ["balloon"])
    assert request.model == "llava:13b" and request.image_jpeg == b"jpeg" and request.schema_["required"] == ["balloon"]


def test_an_answer_that_does_not_parse_is_unsure() -> None:
    claims = ["bell tower", "balloon", "roofs"]
    assert parse_verdicts(json.dumps({"bell tower": "Yes", "balloon": "no", "roofs": "maybe"}), claims) == {
        "bell tower": "yes", "balloon": "no", "roofs": "unsure"}
    assert parse_verdicts("yes, I think so", claims) == dict.fromkeys(claims, "unsure")
    assert parse_verdicts("[1, 2]", claims) == dict.fromkeys(claims, "unsure")
    assert parse_verdicts('```json\n{"balloon": false}\n```', ["balloon"]) == {"balloon": "no"}


def test_a_no_drops_the_keyword_and_blocks_the_texts_naming_it() -> None:
    row = a_row()
    evidence = Evidence.from_row(row).with_verdicts({"balloon": "no", "bell tower": "yes"})
    result = proof(row, evidence)
    assert "balloon" not in result.keywords and not result.accepted
    blocks = [r for r in result.violations if r.rule == "claim.unsupported"]
    assert {r.field for r in blocks} == {"caption", "alt_text"} and all('"balloon"' in r.message for r in blocks)
    assert any(f.rule == "claim.unsupported" and f.before == "balloon" for f in result.fixes)
    assert "Not in the photo" in result.repair_prompt() and '"balloon"' in result.repair_prompt()
    stored = apply_proof(row, result)
    assert {c.text: c.verdict for c in stored.claims} == {"arezzo": None, "bell tower": "yes", "roofs": None,
                                                          "afternoon": None, "nikon": None, "balloon": "no"}
    # the verdicts live on the row: the next proof (an edit, publish) holds the text to them
    again = proof(stored, Evidence.from_row(stored))
    assert [r.rule for r in again.violations if r.rule == "claim.unsupported"] == ["claim.unsupported"] * 2


def test_without_verdicts_the_proof_is_unchanged() -> None:
    row = a_row()
    result = proof(row, Evidence.from_row(row))
    assert "balloon" in result.keywords and not any(r.rule == "claim.unsupported" for r in result.reasons)
    assert all(claim.verdict is None for claim in result.claims)


def test_a_person_may_write_what_the_model_said_is_not_there() -> None:
    row = a_row(edited_fields=["caption", "alt_text", "keywords"])
    result = proof(row, Evidence.from_row(row).with_verdicts({"balloon": "no"}))
    assert "balloon" in result.keywords and not any(r.rule == "claim.unsupported" for r in result.reasons)

"""`proof()`: deterministic fixes, then the rules; the result, the repair prompt, the row update."""

from __future__ import annotations

from proofdesk.core.domain.models import ProofVerdict
from proofdesk.core.domain.proof import (
    DuplicateIndex,
    Evidence,
    ProofConfig,
    ProofMetadata,
    apply_fixes,
    apply_proof,
    proof,
    repair_prompt,
)


def fixed(evidence: Evidence | None = None, original_name: str = "IMG_0001.jpg", **fields) -> tuple[ProofMetadata, list]:
    values = {"caption": "A red fishing boat moored in Reine harbour.", "alt_text": "Red boat in a harbour",
              "keywords": ("boat", "harbour", "reine"), "file_name": "red-boat.jpg", **fields}  # fmt: skip
    values["keywords"] = tuple(values["keywords"])
    return apply_fixes(ProofMetadata(**values), evidence or Evidence(), ProofConfig(), original_name=original_name)


class TestFixes:
    def test_meta_opener_stripped_when_the_rest_stands_alone(self) -> None:
        metadata, fixes = fixed(caption="The image shows a red boat moored in Reine harbour.")
        assert metadata.caption == "A red boat moored in Reine harbour."
        assert [(f.rule, f.before, f.after) for f in fixes] == [
            ("caption.meta_opener", "The image shows a red boat moored in Reine harbour.", "A red boat moored in Reine harbour.")
        ]
        assert '"The image shows"' in fixes[0].message

    def test_other_openers_stripped(self) -> None:
        for caption in (
            "This photo captures a red boat moored in Reine harbour.",
            "Here is a caption: a red boat moored in Reine harbour.",
            "In this image, a red boat is moored in Reine harbour.",
        ):
            metadata, _ = fixed(caption=caption)
            assert metadata.caption is not None and metadata.caption.startswith("A red boat"), caption

    def test_meta_opener_kept_when_the_rest_cannot_stand_alone(self) -> None:
        for caption in ("As an AI, I cannot see this image.", "The image shows a boat."):
            metadata, fixes = fixed(caption=caption)
            assert metadata.caption == caption
            assert not [fix for fix in fixes if fix.field == "caption"]

    def test_alt_text_opener_stripped(self) -> None:
        metadata, fixes = fixed(alt_text="Image of a red boat in a harbour")
        assert metadata.alt_text == "A red boat in a harbour"
        assert fixes[0].rule == "alt_text.opener"

    def test_keyword_clutter(self) -> None:
        metadata, fixes = fixed(keywords=["photo", "image", "jpg", "Street", "street", " Boat ", "harbour, Reine"])
        assert metadata.keywords == ("boat", "harbour", "reine")  # "street": nothing shows a street
        by_rule = {}
        for fix in fixes:
            by_rule.setdefault(fix.rule, []).append(fix)
        assert [f.before for f in by_rule["keywords.banned"]] == ["photo", "image", "jpg"]
        assert [f.before for f in by_rule["keywords.evidence"]] == ["street"]
        assert all(f.after is None for f in by_rule["keywords.banned"] + by_rule["keywords.evidence"])
        assert any("split" in f.message for f in by_rule["keywords.normalised"])
        assert any(f.before == "Street" and f.after == "street" for f in by_rule["keywords.normalised"])

    def test_keywords_beyond_the_maximum_are_dropped(self) -> None:
        caption = "Boats " + " ".join(f"w{i}x" for i in range(20)) + "."
        metadata, fixes = fixed(caption=caption, keywords=[f"w{i}x" for i in range(20)])
        assert len(metadata.keywords) == 15
        assert sum(f.rule == "keywords.count" for f in fixes) == 5

    def test_file_name_slugified_with_extension(self) -> None:
        metadata, fixes = fixed(file_name="Red Boat in Reine Harbour.JPG")
        assert metadata.file_name == "red-boat-in-reine-harbour.jpg"
        assert [f.rule for f in fixes] == ["file_name.slug", "file_name.extension"]
        metadata, _ = fixed(file_name="Red Boat", original_name="scan.png")
        assert metadata.file_name == "red-boat.jpg"
        metadata, _ = fixed(file_name="røde båt.jpeg", original_name="DSC_1.JPEG")
        assert metadata.file_name == "rode-bat.jpeg"

    def test_missing_file_name_made_from_the_caption(self) -> None:
        metadata, fixes = fixed(file_name=None, caption="The image shows a red fishing boat moored in Reine harbour.")
        assert metadata.file_name == "red-fishing-boat-moored-reine-harbour.jpg"
        assert fixes[-1].rule == "file_name.slug" and fixes[-1].before is None

    def test_long_file_name_truncated_on_a_word(self) -> None:
        metadata, _ = fixed(file_name="-".join(["harbour"] * 20) + ".jpg")
        assert metadata.file_name is not None and len(metadata.file_name) <= 80
        assert metadata.file_name.endswith("harbour.jpg")

    def test_whitespace_collapsed(self) -> None:
        metadata, fixes = fixed(caption="  A red fishing boat\nmoored in  Reine harbour. ")
        assert metadata.caption == "A red fishing boat moored in Reine harbour."
        assert fixes[0].rule == "caption.whitespace"

    def test_clean_metadata_needs_no_fix(self) -> None:
        metadata, fixes = fixed()
        assert fixes == [] and metadata == fixed()[0]


class TestProof:
    def test_good_row_is_accepted(self, row_factory) -> None:
        result = proof(row_factory())
        assert result.verdict == ProofVerdict.ACCEPTED and result.accepted
        assert result.violations == () and result.fixes == () and result.reasons == []
        assert result.repair_prompt() == ""

    def test_bad_row_is_fixed_then_blocked_with_every_reason(self, row_factory, arezzo) -> None:
        row = row_factory(
            caption="The image shows a red fishing boat moored in Reine harbour at night",
            alt_text="Image of a red fishing boat moored in Reine harbour at night",
            keywords=["photo", "Boat", "boat", "volcano"],
            file_name="IMG 0001.JPG",
            **arezzo,
        )
        result = proof(row, Evidence.from_row(row, classifier_hints=["fishing boat"]))
        assert result.verdict == ProofVerdict.BLOCKED
        rules = {reason.rule for reason in result.violations}
        assert {"caption.sentence_end", "time_of_day", "keywords.count", "file_name.shares_token"} <= rules
        assert "caption.meta_opener" not in rules and "keywords.evidence" not in rules  # fixed, not blocking
        assert result.caption == "A red fishing boat moored in Reine harbour at night"
        assert result.keywords == ["boat"]
        assert result.file_name == "img-0001.jpg"
        assert any(r.kind == "fix" and r.message.startswith("dropped keyword \"volcano\"") for r in result.reasons)
        assert result.reasons[: len(result.violations)] == list(result.violations)

    def test_dropped_keywords_alone_do_not_block(self, row_factory) -> None:
        row = row_factory(keywords=["fishing boat", "harbour", "mountains", "volcano", "photo"])
        result = proof(row)
        assert result.accepted
        assert {fix.rule for fix in result.fixes} == {"keywords.evidence", "keywords.banned"}
        assert all(r.kind == "fix" and not r.message.startswith("fixed: ") for r in result.reasons)

    def test_set_name_tokens_support_keywords(self, row_factory) -> None:
        result = proof(row_factory(keywords=["fishing boat", "harbour", "lofoten", "reine"]))
        assert result.accepted and result.keywords == ["fishing boat", "harbour", "lofoten", "reine"]

    def test_repair_prompt_lists_the_violations_and_what_to_do(self, row_factory) -> None:
        row = row_factory(caption="This photo shows a boat a boat a boat", keywords=["photo", "image"])
        result = proof(row)
        prompt = result.repair_prompt()
        assert prompt.startswith("Your last answer broke these rules:")
        assert "[caption.repetition]" in prompt and '"a boat"' in prompt
        assert "[keywords.count]" in prompt
        assert '"photo", "image"' in prompt  # the dropped keywords are named
        assert "To fix:" in prompt and "Answer again" in prompt
        assert repair_prompt(list(result.violations)).startswith("Your last answer broke these rules:")

    def test_apply_proof_updates_a_copy_of_the_row(self, row_factory) -> None:
        row = row_factory(file_name="Red Fishing Boat.JPG")
        result = proof(row)
        updated = apply_proof(row, result)
        assert row.file_name == "Red Fishing Boat.JPG" and row.metadata_quality is None
        assert updated.file_name == "red-fishing-boat.jpg"
        assert updated.metadata_quality == ProofVerdict.ACCEPTED
        assert updated.proof_reasons == result.reasons
        assert updated.proof_digest == updated.metadata_digest()
        assert updated.has_current_accepted_proof()

    def test_index_renames_a_clashing_file_name_and_claims(self, row_factory) -> None:
        index = DuplicateIndex()
        index.add("gallery:red-fishing-boat-reine.jpg", "file_name", "red-fishing-boat-reine.jpg")
        row = row_factory()
        result = proof(row, index=index)
        assert result.accepted and result.file_name == "red-fishing-boat-reine-2.jpg"
        (fix,) = result.fixes
        assert fix.rule == "file_name.unique" and "gallery:red-fishing-boat-reine.jpg" in fix.message
        assert index.held_by(row.key_text).keys() == {"caption", "alt_text", "file_name"}
        # proving the same row again is stable
        assert proof(row, index=index) == result

    def test_index_blocks_a_second_row_with_the_same_caption(self, row_factory) -> None:
        index = DuplicateIndex()
        first = proof(row_factory(original_name="IMG_0001.jpg"), index=index)
        second = proof(row_factory(original_name="IMG_0002.jpg", alt_text="Boat at anchor below peaks"), index=index)
        assert first.accepted and not second.accepted
        assert [r.rule for r in second.violations] == ["duplicate.caption"]
        assert second.file_name == "red-fishing-boat-reine-2.jpg"

    def test_claim_false_leaves_the_index_alone(self, row_factory) -> None:
        index = DuplicateIndex()
        assert proof(row_factory(), index=index, claim=False).accepted
        assert len(index) == 0

    def test_time_of_day_and_evidence_from_the_row(self, row_factory, arezzo) -> None:
        row = row_factory(
            caption="Stone houses around Piazza Grande in Arezzo in the afternoon.",
            alt_text="Stone houses around a sloping square",
            keywords=["piazza grande", "arezzo", "stone houses", "afternoon", "autumn"],
            file_name="piazza-grande-arezzo.jpg",
            set_name="2008-10-22_arezzo",
            **arezzo,
        )
        result = proof(row)
        assert result.accepted, result.violations
        assert "autumn" in result.keywords  # supported by the date and the GPS hemisphere

"""Alt-text, keyword and file-name rules, and the evidence model behind keywords."""

from __future__ import annotations

import pytest
from proofdesk.core.domain.proof import Evidence, ProofConfig, identifier_tokens
from proofdesk.core.domain.proof.rules import (
    AltTextCopiesCaptionRule,
    AltTextOpenerRule,
    LengthRule,
)
from proofdesk.core.domain.proof.rules_metadata import (
    FileNameExtensionRule,
    FileNameLengthRule,
    FileNameSharesTokenRule,
    FileNameSlugRule,
    KeywordBannedRule,
    KeywordCountRule,
    KeywordEvidenceRule,
    KeywordNormalisedRule,
)


class TestAltText:
    def test_at_most_125_characters(self, rule_messages) -> None:
        assert rule_messages(LengthRule("alt_text"), alt_text="x" * 125) == []
        (message,) = rule_messages(LengthRule("alt_text"), alt_text="x" * 126)
        assert "126 characters" in message and "125" in message
        assert rule_messages(LengthRule("alt_text"), alt_text=None) == ["alt text is missing"]

    @pytest.mark.parametrize(
        ("alt_text", "opener"),
        [
            ("Image of a red boat in the harbour", "Image of"),
            ("A photo of a red boat in the harbour", "photo of"),
            ("picture of a quiet street", "picture of"),
            ("The image shows a red boat", "The image"),
        ],
    )
    def test_openers(self, rule_messages, alt_text: str, opener: str) -> None:
        (message,) = rule_messages(AltTextOpenerRule(), alt_text=alt_text)
        assert f'"{opener}"' in message

    def test_subject_first_passes(self, rule_messages) -> None:
        assert rule_messages(AltTextOpenerRule(), alt_text="Photographer on a cliff above the fjord") == []

    def test_copy_of_caption(self, rule_messages, good) -> None:
        (message,) = rule_messages(AltTextCopiesCaptionRule(), alt_text=good["caption"])
        assert "copy of the caption" in message
        # punctuation and case do not hide a copy
        assert rule_messages(AltTextCopiesCaptionRule(), alt_text=good["caption"].upper().rstrip(".")) != []
        assert rule_messages(AltTextCopiesCaptionRule()) == []


class TestKeywords:
    def test_count_bounds(self, rule_messages) -> None:
        (message,) = rule_messages(KeywordCountRule(), keywords=["boat"])
        assert '"boat"' in message and "at least 3" in message
        many = [f"word{i}" for i in range(16)]
        assert "the limit is 15" in rule_messages(KeywordCountRule(), keywords=many)[0]
        assert rule_messages(KeywordCountRule(), config=ProofConfig(keywords_min=1), keywords=["boat"]) == []

    def test_normalised_names_each_offender(self, rule_messages) -> None:
        messages = rule_messages(KeywordNormalisedRule(), keywords=["Street", "street", " boat ", "sea,  sky", ""])
        assert 'keyword "Street" is not normalised (expected "street")' in messages
        assert 'keyword "street" appears more than once' in messages
        assert 'keyword " boat " is not normalised (expected "boat")' in messages
        assert 'keyword "sea,  sky" holds several keywords' in messages
        assert 'keyword "" is empty' in messages

    def test_banned_generic_words(self, rule_messages) -> None:
        messages = rule_messages(KeywordBannedRule(), keywords=["photo", "image", "jpg", "Street", "street", "photos"])
        assert messages == [
            'keyword "photo" is a banned generic word',
            'keyword "image" is a banned generic word',
            'keyword "jpg" is a banned generic word',
            'keyword "photos" is a banned generic word',
        ]

    def test_evidence_from_caption_with_plurals_and_multiword(self, rule_messages) -> None:
        evidence = Evidence()
        ok = ["boats", "harbour", "fishing boat", "mountain", "red boat"]
        assert rule_messages(KeywordEvidenceRule(), evidence=evidence, keywords=ok) == []
        (message,) = rule_messages(KeywordEvidenceRule(), evidence=evidence, keywords=["boat", "red car"])
        assert '"red car" has no evidence' in message

    def test_evidence_from_each_source(self, rule_messages, arezzo) -> None:
        evidence = Evidence(
            classifier_hints=("seagull",),
            identifier_tokens=identifier_tokens("2026-06-12_lofoten_reine", "IMG_0001.jpg"),
            existing_keywords=("Norway",),
            glossary=("rorbu",),
            camera_make="NIKON",
            camera_model="COOLPIX P6000",
            **arezzo,
        )
        supported = ["seagulls", "lofoten", "reine", "norway", "rorbu", "nikon", "afternoon", "autumn", "2008", "october"]
        assert rule_messages(KeywordEvidenceRule(), evidence=evidence, keywords=supported) == []
        unsupported = rule_messages(KeywordEvidenceRule(), evidence=evidence, keywords=["sunset", "volcano", "glacier"])
        assert len(unsupported) == 3  # a time word that disagrees with EXIF is no evidence

    def test_meta_opener_words_are_no_evidence(self, rule_messages) -> None:
        messages = rule_messages(
            KeywordEvidenceRule(), caption="The image shows a red boat in the harbour.", keywords=["shows", "boat"]
        )
        assert messages and '"shows"' in messages[0]

    def test_identifier_tokens_skip_dates_and_camera_names(self) -> None:
        assert identifier_tokens("2026-06-12_lofoten_reine", "DSCN0010.jpg") == ("lofoten", "reine")
        assert identifier_tokens("arezzo", "piazza_grande_2.jpg") == ("arezzo", "piazza", "grande")


class TestFileName:
    @pytest.mark.parametrize("name", ["Red Boat.jpg", "red_boat.jpg", "røde-båt.jpg", "red--boat.jpg", "-boat.jpg"])
    def test_not_a_slug(self, rule_messages, name: str) -> None:
        (message,) = rule_messages(FileNameSlugRule(), file_name=name)
        assert f'"{name}"' in message and "slug" in message

    def test_slug_suggestion(self, rule_messages) -> None:
        (message,) = rule_messages(FileNameSlugRule(), file_name="Red Boat.JPG")
        assert '"red-boat.jpg"' in message

    def test_missing(self, rule_messages) -> None:
        assert rule_messages(FileNameSlugRule(), file_name=None) == ["file name is missing"]

    def test_length(self, rule_messages) -> None:
        name = "-".join(["boat"] * 20) + ".jpg"
        (message,) = rule_messages(FileNameLengthRule(), file_name=name)
        assert "the limit is 80" in message

    def test_extension_kept_or_jpeg(self, rule_messages) -> None:
        assert rule_messages(FileNameExtensionRule(), file_name="red-boat.jpeg", original_name="x.JPEG") == []
        assert rule_messages(FileNameExtensionRule(), file_name="red-boat.jpg", original_name="scan.png") == []
        (message,) = rule_messages(FileNameExtensionRule(), file_name="red-boat.png", original_name="scan.png")
        assert '".png"' in message and '".jpg"' in message
        (message,) = rule_messages(FileNameExtensionRule(), file_name="red-boat", original_name="x.jpg")
        assert "no extension" in message

    def test_shares_a_token(self, rule_messages) -> None:
        assert rule_messages(FileNameSharesTokenRule(), file_name="boats-reine.jpg") == []
        (message,) = rule_messages(FileNameSharesTokenRule(), file_name="img-0001.jpg")
        assert '"img-0001.jpg"' in message
        # a keyword counts too
        assert rule_messages(FileNameSharesTokenRule(), file_name="lofoten-1.jpg") == []

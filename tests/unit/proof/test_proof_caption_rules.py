"""Caption rules, one class per rule, with captions real models have produced."""

from __future__ import annotations

import pytest
from proofdesk.core.domain.proof import ProofConfig
from proofdesk.core.domain.proof.rules import (
    BalancedRule,
    LengthRule,
    MarkupRule,
    MetaOpenerRule,
    RepetitionRule,
    SentenceEndRule,
    WhitespaceRule,
)
from proofdesk.core.domain.proof.ruleset import default_rules


def test_rule_names_are_stable_and_unique() -> None:
    names = [rule.name for rule in default_rules()]
    assert len(names) == len(set(names))
    for expected in (
        "caption.length", "caption.sentence_end", "caption.meta_opener", "caption.repetition",
        "caption.balanced", "caption.markup", "alt_text.length", "alt_text.opener",
        "alt_text.copies_caption", "keywords.count", "keywords.normalised", "keywords.banned",
        "keywords.evidence", "file_name.slug", "file_name.length", "file_name.extension",
        "file_name.shares_token", "time_of_day", "duplicate.caption", "duplicate.alt_text",
        "duplicate.file_name",
    ):  # fmt: skip
        assert expected in names
    assert all(rule.hint for rule in default_rules())


class TestLength:
    def test_good_caption_passes(self, rule_messages) -> None:
        assert rule_messages(LengthRule("caption")) == []

    def test_missing_caption(self, rule_messages) -> None:
        assert rule_messages(LengthRule("caption"), caption=None) == ["caption is missing"]
        assert rule_messages(LengthRule("caption"), caption="   ") == ["caption is missing"]

    def test_too_short_names_the_caption(self, rule_messages) -> None:
        (message,) = rule_messages(LengthRule("caption"), caption="Boat.")
        assert "5 characters" in message and "at least 20" in message and '"Boat."' in message

    def test_too_long(self, rule_messages) -> None:
        caption = "A red boat. " * 40
        (message,) = rule_messages(LengthRule("caption"), caption=caption.strip())
        assert "the limit is 300" in message

    def test_bounds_come_from_config(self, rule_messages) -> None:
        config = ProofConfig(caption_min_chars=5, caption_max_chars=10)
        assert rule_messages(LengthRule("caption"), config=config, caption="A boat.") == []
        assert rule_messages(LengthRule("caption"), config=config, caption="A long red boat.") != []

    def test_config_rejects_inverted_bounds(self) -> None:
        with pytest.raises(ValueError, match="caption_min_chars"):
            ProofConfig(caption_min_chars=50, caption_max_chars=10)


class TestSentenceEnd:
    @pytest.mark.parametrize(
        "caption",
        [
            "A red boat in the harbour.",
            "Is that a red boat in the harbour?",
            'The sign over the door reads "Welcome."',
            "A red boat (moored for the winter).",
        ],
    )
    def test_sentences_pass(self, rule_messages, caption: str) -> None:
        assert rule_messages(SentenceEndRule(), caption=caption) == []

    def test_no_full_stop(self, rule_messages) -> None:
        (message,) = rule_messages(SentenceEndRule(), caption="A red boat moored in the harbour")
        assert "does not end a sentence" in message and '"r"' in message

    @pytest.mark.parametrize("caption", ["A red boat moored in the harbour of...", "A red boat moored in the…"])
    def test_ellipsis_looks_cut_off(self, rule_messages, caption: str) -> None:
        (message,) = rule_messages(SentenceEndRule(), caption=caption)
        assert "cut off" in message


class TestMetaOpener:
    @pytest.mark.parametrize(
        ("caption", "opener"),
        [
            ("The image shows a red boat moored in the harbour.", "The image"),
            ("This photo captures a quiet street at dawn.", "This photo"),
            ("Here is a caption: a red boat in the harbour.", "Here is"),
            ("Here's a quiet street in the old town.", "Here's"),
            ("As an AI, I cannot see the image, but it may show a boat.", "As an AI"),
            ("In this picture, a cat sleeps on a wall.", "In this picture"),
            ('"This image depicts a red boat in the harbour."', "This image"),
            ("Sure, here is a description of the photo.", "Sure"),
        ],
    )
    def test_meta_openers_are_named(self, rule_messages, caption: str, opener: str) -> None:
        (message,) = rule_messages(MetaOpenerRule(), caption=caption)
        assert f'"{opener}"' in message

    @pytest.mark.parametrize(
        "caption",
        [
            "A red boat moored in Reine harbour.",
            "Sure-footed goats climb the cliff above the fjord.",
            "Therefore the tide leaves the boats on the sand.",
            "Imagery of saints covers the chapel ceiling.",
        ],
    )
    def test_descriptions_pass(self, rule_messages, caption: str) -> None:
        assert rule_messages(MetaOpenerRule(), caption=caption) == []

    def test_openers_come_from_config(self, rule_messages) -> None:
        config = ProofConfig(meta_openers=("we see",))
        assert rule_messages(MetaOpenerRule(), config=config, caption="We see a red boat in the harbour.") != []
        assert rule_messages(MetaOpenerRule(), config=config, caption="The image shows a boat in a harbour.") == []


class TestRepetition:
    @pytest.mark.parametrize(
        ("caption", "named"),
        [
            ("A boat a boat a boat in the harbour.", '"a boat"'),
            ("A red boat in the the harbour at dawn.", '"the" twice in a row'),
            ("Boats moored in the harbour, boats moored in the harbour at dusk.", '"boats moored in the harbour"'),
            ("Red boat, red boat, red boat, red boat.", '"red boat"'),
            ("Boat near a boat beside a boat behind another boat.", '"boat" 4 times'),
        ],
    )
    def test_loops_are_caught(self, rule_messages, caption: str, named: str) -> None:
        (message,) = rule_messages(RepetitionRule(), caption=caption)
        assert named in message

    @pytest.mark.parametrize(
        "caption",
        [
            "A red boat moored in Reine harbour under steep mountains.",
            "A view of the bay from the top of the hill at the edge of the town.",
            "Boats in the harbour and a boat on the beach.",
            "Houses 12 12 along the quay.",
        ],
    )
    def test_ordinary_captions_pass(self, rule_messages, caption: str) -> None:
        assert rule_messages(RepetitionRule(), caption=caption) == []


class TestBalanced:
    @pytest.mark.parametrize(
        ("caption", "problem"),
        [
            ("A red boat (moored for winter in the harbour.", 'unclosed "("'),
            ("A red boat moored for winter) in the harbour.", '")" that closes nothing'),
            ('The sign reads "Welcome to Reine.', "odd number"),
            ("A red boat [in the harbour).", '")" that closes nothing'),
            ("A “quiet street in the old town.", 'unclosed "“"'),
        ],
    )
    def test_unbalanced(self, rule_messages, caption: str, problem: str) -> None:
        (message,) = rule_messages(BalancedRule("caption"), caption=caption)
        assert problem in message

    def test_balanced_and_apostrophes_pass(self, rule_messages) -> None:
        caption = 'The fisherman\'s boat (a "snekke") in Reine\'s harbour.'
        assert rule_messages(BalancedRule("caption"), caption=caption) == []


class TestMarkup:
    @pytest.mark.parametrize(
        ("caption", "kind"),
        [
            ('{"caption": "A red boat in the harbour."}', "JSON"),
            ('[{"caption": "A red boat."}]', "JSON"),
            ("A <b>red</b> boat in the harbour.", "HTML"),
            ("A red boat&nbsp;in the harbour.", "HTML"),
            ("A **red** boat in the harbour.", "markdown"),
            ("# Red boat in the harbour.", "markdown"),
            ("A red boat in `Reine` harbour.", "markdown"),
            ("A red boat, see https://example.com/boat for more.", "a URL"),
            ("A red boat, more at www.lofoten.info today.", "a URL"),
            ("Lorem ipsum dolor sit amet, consectetur.", "a placeholder"),
            ("TODO: write a caption for this boat.", "a placeholder"),
            ("N/A", "a placeholder"),
            ("A red boat in [insert location here].", "a placeholder"),
            ("A red boat in {{place}} at dusk.", "a placeholder"),
        ],
    )
    def test_markup_is_named(self, rule_messages, caption: str, kind: str) -> None:
        messages = rule_messages(MarkupRule("caption"), caption=caption)
        assert any(f"contains {kind}" in message for message in messages), messages

    @pytest.mark.parametrize(
        "caption",
        [
            "A red boat moored in Reine harbour under steep mountains.",
            'The sign reads "Welcome": a red boat waits below.',
            "Fish & chips stall on the quay at Svolvær.",
            "A boat named Todos Santos in the harbour.",
            "St. Olav's church above the bay.",
        ],
    )
    def test_plain_text_passes(self, rule_messages, caption: str) -> None:
        assert rule_messages(MarkupRule("caption"), caption=caption) == []

    def test_alt_text_markup_has_its_own_rule(self, rule_messages) -> None:
        messages = rule_messages(MarkupRule("alt_text"), alt_text="Red <i>boat</i> in harbour")
        assert messages == ['alt text contains HTML: "<i>"']


class TestWhitespace:
    def test_double_spaces_and_line_breaks(self, rule_messages) -> None:
        assert rule_messages(WhitespaceRule("caption"), caption="A red  boat\nin the harbour.") == [
            "caption has extra spaces or line breaks"
        ]
        assert rule_messages(WhitespaceRule("caption")) == []

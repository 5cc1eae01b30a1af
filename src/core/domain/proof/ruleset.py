"""The rule set: which rules run, in what order, and the hints the repair prompt quotes."""

from __future__ import annotations

from proofdesk.core.domain.models import ProofReason
from proofdesk.core.domain.proof.claims import ClaimUnsupportedRule
from proofdesk.core.domain.proof.config import ProofConfig
from proofdesk.core.domain.proof.duplicates import DuplicateIndex
from proofdesk.core.domain.proof.evidence import Evidence
from proofdesk.core.domain.proof.model import ProofMetadata
from proofdesk.core.domain.proof.rules import (
    AltTextCopiesCaptionRule,
    AltTextOpenerRule,
    BalancedRule,
    LengthRule,
    MarkupRule,
    MetaOpenerRule,
    ProofContext,
    RepetitionRule,
    Rule,
    SentenceEndRule,
    WhitespaceRule,
)
from proofdesk.core.domain.proof.rules_metadata import (
    DuplicateRule,
    FileNameExtensionRule,
    FileNameLengthRule,
    FileNameSharesTokenRule,
    FileNameSlugRule,
    KeywordBannedRule,
    KeywordCountRule,
    KeywordEvidenceRule,
    KeywordNormalisedRule,
    TimeOfDayRule,
)
from proofdesk.core.domain.proof.rules_places import CoordinatesRule, PlaceFarRule, PrivatePlaceRule
from proofdesk.core.domain.proof.rules_scenes import SceneConsistencyRule


def field_rules() -> list[Rule]:
    """Every rule that judges the row alone (pure: no index)."""
    return [
        LengthRule("caption"),
        WhitespaceRule("caption"),
        SentenceEndRule(),
        MetaOpenerRule(),
        RepetitionRule(),
        BalancedRule("caption"),
        MarkupRule("caption"),
        LengthRule("alt_text"),
        WhitespaceRule("alt_text"),
        AltTextOpenerRule(),
        AltTextCopiesCaptionRule(),
        BalancedRule("alt_text"),
        MarkupRule("alt_text"),
        KeywordCountRule(),
        KeywordNormalisedRule(),
        KeywordBannedRule(),
        KeywordEvidenceRule(),
        FileNameSlugRule(),
        FileNameLengthRule(),
        FileNameExtensionRule(),
        FileNameSharesTokenRule(),
        TimeOfDayRule(),
        PlaceFarRule(),
        PrivatePlaceRule(),
        CoordinatesRule(),
        SceneConsistencyRule(),
        ClaimUnsupportedRule(),
    ]


def duplicate_rules() -> list[Rule]:
    return [DuplicateRule("caption"), DuplicateRule("alt_text"), DuplicateRule("file_name")]


def default_rules() -> list[Rule]:
    """The whole proof, in reporting order."""
    return [*field_rules(), *duplicate_rules()]


def rule_hints(config: ProofConfig | None = None) -> dict[str, str]:
    """rule name -> repair hint, for every default rule."""
    config = config or ProofConfig()
    hints = {}
    for rule in default_rules():
        hints[rule.name] = rule.hint.format(
            low=config.keywords_min,
            high=config.keywords_max,
            caption_min=config.caption_min_chars,
            caption_max=config.caption_max_chars,
            alt_max=config.alt_text_max_chars,
        )
    return hints


def check(
    metadata: ProofMetadata,
    evidence: Evidence | None = None,
    config: ProofConfig | None = None,
    *,
    original_name: str = "",
    index: DuplicateIndex | None = None,
    owner: str = "",
    claim: bool = False,
    rules: list[Rule] | None = None,
) -> list[ProofReason]:
    """Apply the rules in order and return every violation (nothing is fixed here)."""
    context = ProofContext(
        metadata=metadata,
        evidence=evidence or Evidence(),
        config=config or ProofConfig(),
        original_name=original_name,
        owner=owner,
        index=index,
        claim=claim,
    )
    reasons: list[ProofReason] = []
    for rule in rules if rules is not None else default_rules():
        reasons.extend(rule.check(context))
    return reasons

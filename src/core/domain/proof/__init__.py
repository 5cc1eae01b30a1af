"""The metadata proof (stage 7, caption; rerun after every edit): rules as objects, evidence-first keywords, time of day,
deterministic fixes, a thread-safe duplicate index. Pure: standard library, pydantic, rapidfuzz,
astral and python-slugify only (ADR 0006).

    result = proof(row, Evidence.from_row(row, classifier_hints=labels), index, config)
    row = apply_proof(row, result)
    if not result.accepted:
        prompt_tail = result.repair_prompt()
"""

from proofdesk.core.domain.proof.config import ProofConfig
from proofdesk.core.domain.proof.duplicates import (
    DuplicateIndex,
    DuplicateMatch,
    length_window,
)
from proofdesk.core.domain.proof.engine import (
    ProofResult,
    apply_proof,
    proof,
    repair_prompt,
)
from proofdesk.core.domain.proof.evidence import Evidence, identifier_tokens
from proofdesk.core.domain.proof.fixes import apply_fixes
from proofdesk.core.domain.proof.model import Fix, ProofMetadata
from proofdesk.core.domain.proof.rules import ProofContext, Rule
from proofdesk.core.domain.proof.ruleset import (
    check,
    default_rules,
    duplicate_rules,
    field_rules,
    rule_hints,
)
from proofdesk.core.domain.proof.text import normalise_for_duplicates, normalise_keyword
from proofdesk.core.domain.proof.timeofday import (
    CaptureMoment,
    agrees,
    find_time_words,
    resolve_capture,
)

__all__ = [
    "CaptureMoment",
    "DuplicateIndex",
    "DuplicateMatch",
    "Evidence",
    "Fix",
    "ProofConfig",
    "ProofContext",
    "ProofMetadata",
    "ProofResult",
    "Rule",
    "agrees",
    "apply_fixes",
    "apply_proof",
    "check",
    "default_rules",
    "duplicate_rules",
    "field_rules",
    "find_time_words",
    "identifier_tokens",
    "length_window",
    "normalise_for_duplicates",
    "normalise_keyword",
    "proof",
    "repair_prompt",
    "resolve_capture",
    "rule_hints",
]

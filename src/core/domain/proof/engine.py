"""`proof()`: fix what can be fixed locally, then apply every rule; the verdict and its reasons.

Blocking policy (ADR 0006): a row is blocked exactly when a rule is broken by the *fixed*
metadata. Fixes never block on their own - a dropped keyword (banned or without evidence) is
reported as a fix, and blocks only through `keywords.count` when too few keywords remain.
`ProofResult.reasons` lists the violations first, then every fix as a reason of kind "fix";
that list is what `apply_proof` stores in `row.proof_reasons`.
"""

from __future__ import annotations

from contextlib import nullcontext

from proofdesk.core.domain.models import Claim, ProofReason, ProofVerdict, Row
from proofdesk.core.domain.proof.claims import claims_of
from proofdesk.core.domain.proof.config import ProofConfig
from proofdesk.core.domain.proof.duplicates import DuplicateIndex
from proofdesk.core.domain.proof.evidence import Evidence
from proofdesk.core.domain.proof.fixes import apply_fixes
from proofdesk.core.domain.proof.model import Fix, ProofMetadata
from proofdesk.core.domain.proof.rules import ProofContext, Rule
from proofdesk.core.domain.proof.ruleset import duplicate_rules, field_rules, rule_hints
from proofdesk.core.domain.proof.text import quote
from pydantic import BaseModel, ConfigDict

REPAIR_PROMPT_MAX_LINES = 12


class ProofResult(BaseModel):
    """The verdict on one row's metadata, the violations behind it, and the fixes made first."""

    model_config = ConfigDict(frozen=True)

    verdict: ProofVerdict
    violations: tuple[ProofReason, ...] = ()
    fixes: tuple[Fix, ...] = ()
    metadata: ProofMetadata  # the fixed metadata the verdict is about
    claims: tuple[Claim, ...] = ()  # each keyword with its source (and the model's yes/no when asked)

    @property
    def accepted(self) -> bool:
        return self.verdict == ProofVerdict.ACCEPTED

    @property
    def caption(self) -> str | None:
        return self.metadata.caption

    @property
    def alt_text(self) -> str | None:
        return self.metadata.alt_text

    @property
    def keywords(self) -> list[str]:
        return list(self.metadata.keywords)

    @property
    def file_name(self) -> str | None:
        return self.metadata.file_name

    @property
    def reasons(self) -> list[ProofReason]:
        """Violations (they block), then the fixes made (they never block)."""
        return [*self.violations, *(fix.as_reason() for fix in self.fixes)]

    def repair_prompt(self, config: ProofConfig | None = None) -> str:
        return repair_prompt(self, config)


def proof(
    row: Row,
    evidence: Evidence | None = None,
    index: DuplicateIndex | None = None,
    config: ProofConfig | None = None,
    *,
    claim: bool = True,
    rules: list[Rule] | None = None,
) -> ProofResult:
    """Prove one row's metadata: deterministic fixes first, then every rule.

    With an index, the file name is made unique against it (`file_name.unique` fix) and the
    duplicate rules run under the index lock together with the other rules, so the verdict and
    the claims (`claim=True`: the row now holds its caption, alt text and file name) are one
    atomic step. Without an index the proof is a pure function of its arguments.
    """
    config = config or ProofConfig()
    evidence = evidence if evidence is not None else Evidence.from_row(row)
    owner = row.key_text
    metadata, fixes = apply_fixes(ProofMetadata.from_row(row), evidence, config, original_name=row.original_name)
    checks = rules if rules is not None else field_rules()

    with index.lock if index is not None else nullcontext():
        if index is not None and metadata.file_name:
            unique = index.unique_file_name(owner, metadata.file_name, config.file_name_max_chars)
            if unique != metadata.file_name:
                holders = ", ".join(sorted(index.owners_of("file_name", metadata.file_name) - {owner}))
                fixes.append(Fix(rule="file_name.unique", field="file_name", before=metadata.file_name, after=unique,
                                 message=f"renamed {quote(metadata.file_name)} to {quote(unique)}: "
                                         f"the name belongs to {holders}"))  # fmt: skip
                metadata = metadata.changed(file_name=unique)
        context = ProofContext(
            metadata=metadata,
            evidence=evidence,
            config=config,
            original_name=row.original_name,
            owner=owner,
            index=index,
            claim=claim,
        )
        violations: list[ProofReason] = []
        for rule in checks:
            violations.extend(rule.check(context))
        if index is not None and rules is None:
            for rule in duplicate_rules():
                violations.extend(rule.check(context))

    return ProofResult(
        verdict=ProofVerdict.BLOCKED if violations else ProofVerdict.ACCEPTED,
        violations=tuple(violations),
        fixes=tuple(fixes),
        metadata=metadata,
        claims=claims_of(metadata, evidence),
    )


def repair_prompt(result: ProofResult | list[ProofReason] | tuple[ProofReason, ...], config: ProofConfig | None = None) -> str:
    """A concise instruction fragment for re-asking the model; "" when nothing is broken."""
    violations = list(result.violations if isinstance(result, ProofResult) else result)
    if not violations:
        return ""
    hints = rule_hints(config)
    lines = ["Your last answer broke these rules:"]
    unique = list(dict.fromkeys((v.rule, v.message) for v in violations))
    for rule, message in unique[:REPAIR_PROMPT_MAX_LINES]:
        lines.append(f"- {message} [{rule}]")
    if len(unique) > REPAIR_PROMPT_MAX_LINES:
        lines.append(f"- … and {len(unique) - REPAIR_PROMPT_MAX_LINES} more")
    if isinstance(result, ProofResult):
        dropped = [fix.before for fix in result.fixes if fix.rule in ("keywords.evidence", "keywords.banned") and fix.before]
        if dropped:
            lines.append("Keywords dropped for lack of evidence or as generic: " + ", ".join(map(quote, dropped)) + ".")
        refuted = [fix.before for fix in result.fixes if fix.rule == "claim.unsupported" and fix.before]
        if refuted:
            lines.append("Not in the photo (asked with the picture): " + ", ".join(map(quote, refuted))
                         + "; leave them out of every field.")
    advice = list(dict.fromkeys(hints[v.rule] for v in violations if v.rule in hints))
    if advice:
        lines.append("To fix: " + " ".join(advice))
    lines.append("Answer again with all four fields (caption, alt_text, keywords, filename), following every rule.")
    return "\n".join(lines)


def apply_proof(row: Row, result: ProofResult) -> Row:
    """A new row carrying the fixed metadata, the verdict, its reasons and the digest it proves."""
    updated = row.changed(
        caption=result.metadata.caption,
        alt_text=result.metadata.alt_text,
        keywords=list(result.metadata.keywords),
        file_name=result.metadata.file_name,
    )
    return updated.changed(
        metadata_quality=result.verdict,
        proof_reasons=list(result.reasons),
        proof_digest=updated.metadata_digest(),
        claims=list(result.claims),
    )

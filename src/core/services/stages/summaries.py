"""The proof and QC summaries of a caption stage run (`proof_summary.json`, `qc_summary.json`),
which the pipeline writes as the run's artifacts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from proofdesk.core.domain.models import ProofReason, ProofVerdict, Row
from proofdesk.core.domain.proof import ProofConfig


@dataclass
class RowOutcome:
    """What captioning one row took: its verdict, the attempts, answers and model calls."""

    key: str
    verdict: ProofVerdict
    attempts: int
    model: str
    cached_answers: int = 0
    model_calls: int = 0  # answers asked of the backend (not served from the answer cache)
    reasons: list[ProofReason] = field(default_factory=list)
    verify_calls: int = 0  # of those, yes/no requests on the row's claims (proof.verify)


def _violations(row: Row) -> list[ProofReason]:
    return [reason for reason in row.proof_reasons if not reason.is_fix]


def proof_summary(rows: Sequence[Row], outcomes: Sequence[RowOutcome] = ()) -> dict[str, Any]:
    verdicts = Counter(row.metadata_quality.value if row.metadata_quality else "unproven" for row in rows)
    reasons = Counter(reason.rule for row in rows for reason in _violations(row))
    fixes = Counter(reason.rule for row in rows for reason in row.proof_reasons if reason.is_fix)
    accepted_now = sum(1 for o in outcomes if o.verdict == ProofVerdict.ACCEPTED)
    return {
        "rows": len(rows),
        "accepted": verdicts.get("accepted", 0),
        "blocked": verdicts.get("blocked", 0),
        "unproven": verdicts.get("unproven", 0),
        "reasons": dict(reasons.most_common()),
        "fixes": dict(fixes.most_common()),
        "attempts": sum(o.attempts for o in outcomes),
        "cached_answers": sum(o.cached_answers for o in outcomes),
        "model_calls": sum(o.model_calls for o in outcomes),
        "model_calls_per_accepted_row": round(sum(o.model_calls for o in outcomes) / accepted_now, 3) if accepted_now else None,
        # proof.verify: the yes/no requests made (not served from the cache), every claim by its
        # source, and the keywords dropped because the model said they are not in the photo
        "verify_calls": sum(o.verify_calls for o in outcomes),
        "claims_by_source": dict(Counter(claim.source for row in rows for claim in row.claims
                                         if not claim.removed).most_common()),
        "claims_unsure": sum(1 for row in rows for claim in row.claims if claim.verdict == "unsure"),
        "claims_removed": sum(1 for row in rows for claim in row.claims if claim.removed),
        "waiting_for_keeper": sum(1 for row in rows if row.keeper is False and row.metadata_quality is None
                                  and row.caption is None),
        "blocked_rows": [
            {"row": row.key_text, "reasons": [r.model_dump() for r in _violations(row)]}
            for row in rows if row.metadata_quality == ProofVerdict.BLOCKED
        ],
    }


def qc_summary(rows: Sequence[Row], config: ProofConfig) -> dict[str, Any]:
    duplicate_rules = ("duplicate.caption", "duplicate.alt_text", "duplicate.file_name", "file_name.unique")
    duplicates = [
        {"row": row.key_text, "rule": r.rule, "message": r.message}
        for row in rows for r in row.proof_reasons if r.rule in duplicate_rules
    ]
    suspicious = [
        {"row": row.key_text, "rule": r.rule, "field": r.field, "message": r.message}
        for row in rows for r in _violations(row) if r.rule not in duplicate_rules and r.rule != "time_of_day"
    ]
    time_conflicts = [
        {"row": row.key_text, "message": r.message} for row in rows for r in _violations(row) if r.rule == "time_of_day"
    ]
    fallback_scores = [
        {"row": row.key_text,
         "brisque": "fallback" if row.brisque_fallback else "model",
         "clip_aesthetic": "fallback" if row.clip_aesthetic_fallback else "model"}
        for row in rows if row.brisque_fallback or row.clip_aesthetic_fallback
    ]
    return {
        "rows": len(rows),
        "blocked": sum(1 for row in rows if row.metadata_quality == ProofVerdict.BLOCKED),
        "duplicates": duplicates,
        "suspicious_metadata": suspicious,
        "time_of_day_conflicts": time_conflicts,
        "fallback_scores": fallback_scores,
        "missing_capture_time": [row.key_text for row in rows if not row.captured_at],
        "offline_captions": [row.key_text for row in rows if row.caption_source == "offline"],
        "near_duplicate_threshold": config.near_duplicate_threshold,
    }

"""Proof rules over keywords, file names, time of day and duplicates (the field rules over text live in `rules`)."""

from __future__ import annotations

import re
from functools import lru_cache

from proofdesk.core.domain.models import ProofReason
from proofdesk.core.domain.proof.config import ProofConfig
from proofdesk.core.domain.proof.duplicates import FIELD_LABELS
from proofdesk.core.domain.proof.rules import ProofContext, Rule, caption_content
from proofdesk.core.domain.proof.text import (
    ascii_tokens,
    content_stems,
    file_name_words,
    keyword_stems,
    normalise_keyword,
    quote,
    split_extension,
    stem,
)
from proofdesk.core.domain.proof.timeofday import agrees, find_time_words
from slugify import slugify


def banned_stems(config: ProofConfig) -> frozenset[str]:
    return _banned_stems(tuple(config.banned_keywords))


@lru_cache(maxsize=16)
def _banned_stems(banned: tuple[str, ...]) -> frozenset[str]:
    return frozenset(stem(token) for keyword in banned for token in ascii_tokens(keyword))


@lru_cache(maxsize=16)
def _banned_set(banned: tuple[str, ...]) -> frozenset[str]:
    return frozenset(normalise_keyword(word) for word in banned)


def is_banned(keyword: str, config: ProofConfig) -> bool:
    normalised = normalise_keyword(keyword)
    if normalised in _banned_set(tuple(config.banned_keywords)):
        return True
    tokens = ascii_tokens(normalised)
    return bool(tokens) and all(stem(token) in banned_stems(config) for token in tokens)


class KeywordCountRule(Rule):
    name = "keywords.count"
    field = "keywords"
    hint = "Give between {low} and {high} keywords, each something the photo shows."

    def check(self, context: ProofContext) -> list[ProofReason]:
        count = len(context.metadata.keywords)
        low, high = context.config.keywords_min, context.config.keywords_max
        if count < low:
            have = ", ".join(quote(k) for k in context.metadata.keywords) or "none"
            return [self.violation(f"{count} keyword(s) ({have}); at least {low} are needed")]
        if count > high:
            return [self.violation(f"{count} keywords; the limit is {high}")]
        return []


class KeywordNormalisedRule(Rule):
    name = "keywords.normalised"
    field = "keywords"
    hint = "Keywords are lowercase, trimmed, one idea each, and never repeated."

    def check(self, context: ProofContext) -> list[ProofReason]:
        reasons: list[ProofReason] = []
        seen: set[str] = set()
        for keyword in context.metadata.keywords:
            normalised = normalise_keyword(keyword)
            if not normalised:
                reasons.append(self.violation(f"keyword {quote(keyword)} is empty"))
                continue
            if re.search(r"[,;|]", keyword):
                reasons.append(self.violation(f"keyword {quote(keyword)} holds several keywords"))
            elif keyword != normalised:
                reasons.append(self.violation(f"keyword {quote(keyword)} is not normalised (expected {quote(normalised)})"))
            if normalised in seen:
                reasons.append(self.violation(f"keyword {quote(normalised)} appears more than once"))
            seen.add(normalised)
        return reasons


class KeywordBannedRule(Rule):
    name = "keywords.banned"
    field = "keywords"
    hint = 'No generic keywords such as "photo", "image" or "jpg"; name what is in the picture.'

    def check(self, context: ProofContext) -> list[ProofReason]:
        return [
            self.violation(f"keyword {quote(keyword)} is a banned generic word")
            for keyword in dict.fromkeys(context.metadata.keywords)
            if is_banned(keyword, context.config)
        ]


class KeywordEvidenceRule(Rule):
    name = "keywords.evidence"
    field = "keywords"
    hint = "Use only keywords the caption, the alt text or the given facts support."

    def check(self, context: ProofContext) -> list[ProofReason]:
        caption = caption_content(context.text("caption"), context.config)
        alt_text = context.text("alt_text")
        reasons = []
        for keyword in dict.fromkeys(normalise_keyword(k) for k in context.metadata.keywords):
            if not keyword or is_banned(keyword, context.config):
                continue  # reported by keywords.normalised / keywords.banned
            if not context.evidence.support(keyword, caption, alt_text):
                reasons.append(self.violation(unsupported_message(keyword)))
        return reasons


NO_EVIDENCE = "not in the caption or alt text, the classifier hints, the EXIF facts or the set's identifiers"


def unsupported_message(keyword: str) -> str:
    return f"keyword {quote(keyword)} has no evidence: {NO_EVIDENCE}"


def expected_extension(original_name: str, config: ProofConfig) -> str:
    """The original's extension when it is one we keep (.jpg/.jpeg), else the configured one."""
    _, extension = split_extension(original_name)
    if extension.lower() in {kept.lower() for kept in config.file_name_extensions_kept}:
        return extension.lower()
    return config.file_name_extension.lower()


def slug_stem(stem_text: str, max_chars: int) -> str:
    return slugify(stem_text, max_length=max(max_chars, 1), word_boundary=True, save_order=True)


_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class FileNameSlugRule(Rule):
    name = "file_name.slug"
    field = "file_name"
    hint = 'The file name is a lowercase ASCII slug with hyphens, e.g. "red-boat-reine-harbour.jpg".'

    def check(self, context: ProofContext) -> list[ProofReason]:
        name = context.text("file_name")
        if not name.strip():
            return [self.violation("file name is missing")]
        stem_text, extension = split_extension(name)
        if not _SLUG.match(stem_text):
            suggestion = (slug_stem(stem_text, context.config.file_name_max_chars) or "…") + extension.lower()
            return [self.violation(f"file name {quote(name)} is not a lowercase ASCII slug (try {quote(suggestion)})")]
        return []


class FileNameLengthRule(Rule):
    name = "file_name.length"
    field = "file_name"
    hint = "Keep the file name short: a few words."

    def check(self, context: ProofContext) -> list[ProofReason]:
        name = context.text("file_name")
        limit = context.config.file_name_max_chars
        if len(name) > limit:
            return [self.violation(f"file name {quote(name)} is {len(name)} characters; the limit is {limit}")]
        return []


class FileNameExtensionRule(Rule):
    name = "file_name.extension"
    field = "file_name"
    hint = "End the file name with the image's extension."

    def check(self, context: ProofContext) -> list[ProofReason]:
        name = context.text("file_name")
        if not name.strip():
            return []
        _, extension = split_extension(name)
        expected = expected_extension(context.original_name, context.config)
        if extension != expected:
            found = quote(extension) if extension else "no extension"
            return [self.violation(f"file name {quote(name)} has {found}; it must end in {quote(expected)}")]
        return []


class FileNameSharesTokenRule(Rule):
    name = "file_name.shares_token"
    field = "file_name"
    hint = "Build the file name from words of the caption or keywords."

    def check(self, context: ProofContext) -> list[ProofReason]:
        name = context.text("file_name")
        if not name.strip():
            return []
        name_stems = {token for token in content_stems(file_name_words(name)) if not token.isdigit()}
        described = content_stems(caption_content(context.text("caption"), context.config))
        for keyword in context.metadata.keywords:
            described |= set(keyword_stems(keyword))
        if not name_stems & described:
            return [self.violation(f"file name {quote(name)} shares no word with the caption or keywords")]
        return []


class TimeOfDayRule(Rule):
    name = "time_of_day"
    field = "caption"
    hint = "Time-of-day words must match when the photo was taken; leave them out when unsure."

    def check(self, context: ProofContext) -> list[ProofReason]:
        moment = context.evidence.capture
        if moment is None:
            return []  # no capture time: nothing to check against
        texts = {
            "caption": context.text("caption"),
            "alt_text": context.text("alt_text"),
            "file_name": file_name_words(context.text("file_name")),
            "keywords": " ; ".join(context.metadata.keywords),
        }
        reasons = []
        for field, text in texts.items():
            for written, word in find_time_words(text):
                if not agrees(word, moment):
                    label = FIELD_LABELS.get(field, field)
                    reasons.append(
                        self.violation(f"{label} says {quote(written)} but the photo was {moment.describe()}", field)
                    )
        return reasons


class DuplicateRule(Rule):
    """No other row or gallery entry holds the same (or, for text, a near) value."""

    hint = "Write a caption, alt text and file name of your own for this photo; another photo already has these."

    def __init__(self, field: str) -> None:
        self.field = field
        self.name = f"duplicate.{field}"

    def check(self, context: ProofContext) -> list[ProofReason]:
        if context.index is None:
            return []
        text = context.text(self.field)
        if context.claim:
            reason = context.index.check_and_claim(context.owner, self.field, text)
        else:
            reason = context.index.check(context.owner, self.field, text)
        return [reason] if reason else []

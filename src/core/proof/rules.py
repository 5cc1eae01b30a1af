"""The proof rules of DESIGN.md stage 7, each a small object with a stable `name` (STYLE.md).

A rule's `check(context)` returns its violations as `ProofReason(rule, field, message)`; the
message names the offending word or value. `hint` is the instruction the repair prompt gives a
model that broke the rule. `default_rules()` is the proof: the rules in the order they report.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz
from slugify import slugify

from proofdesk.core.models import ProofReason
from proofdesk.core.proof.config import ProofConfig
from proofdesk.core.proof.duplicates import FIELD_LABELS, DuplicateIndex
from proofdesk.core.proof.evidence import Evidence
from proofdesk.core.proof.model import ProofMetadata
from proofdesk.core.proof.text import (
    STOP_WORDS,
    ascii_tokens,
    collapse_whitespace,
    content_stems,
    file_name_words,
    keyword_stems,
    normalise_for_duplicates,
    normalise_keyword,
    phrase_pattern,
    quote,
    split_extension,
    stem,
    words,
)
from proofdesk.core.proof.timeofday import agrees, find_time_words


@dataclass(frozen=True)
class ProofContext:
    """What a rule may look at: the metadata, the evidence, the thresholds, the duplicate index."""

    metadata: ProofMetadata
    evidence: Evidence
    config: ProofConfig
    original_name: str = ""  # decides the expected extension
    owner: str = ""  # the row key ("set/original.jpg") for the duplicate index
    index: DuplicateIndex | None = None
    claim: bool = False  # duplicate rules claim the texts they accept

    def text(self, field: str) -> str:
        value = getattr(self.metadata, field)
        return value or ""


class Rule(ABC):
    """A proof rule: stable `name`, the `field` it judges, a repair `hint`, and `check`."""

    name: str
    field: str
    hint: str

    @abstractmethod
    def check(self, context: ProofContext) -> list[ProofReason]: ...

    def violation(self, message: str, field: str | None = None) -> ProofReason:
        return ProofReason(rule=self.name, field=field or self.field, message=message)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


# ============================================================================ shared detection


@lru_cache(maxsize=64)
def _opener_pattern(phrases: tuple[str, ...], with_article: bool) -> re.Pattern[str]:
    alternatives = sorted({p.strip().lower() for p in phrases if p.strip()}, key=len, reverse=True)
    body = "|".join(r"\s+".join(re.escape(part) for part in alt.split()) for alt in alternatives) or "(?!)"
    article = r"(?:(?:a|an|the)\s+)?" if with_article else ""
    return re.compile(rf"^\s*[\"'“‘]?\s*{article}(?P<opener>{body})(?![\w/'-])", re.IGNORECASE)


def find_opener(text: str, phrases: tuple[str, ...], with_article: bool = False) -> str | None:
    """The opener phrase (as written) the text starts with, if any."""
    match = _opener_pattern(tuple(phrases), with_article).match(text.replace("’", "'"))
    return text[match.start("opener") : match.end("opener")] if match else None


_VERBS = r"(?:shows|depicts|captures|features|displays|presents|portrays|illustrates|contains|reveals|is\s+of)"
_PICTURE = r"(?:image|photo|photograph|picture|shot|snapshot)"
META_STRIP = re.compile(
    rf"""^(?:(?:sure|certainly|okay|ok)\s*[,!.]?\s+)?
    (?:
        here(?:\s+is|'s|\s+are)\s+(?:(?:a|an|the|your)\s+)?(?:(?:short|brief|concise)\s+)?
            (?:caption|description|alt\s+text)(?:\s+for\s+(?:the|this)\s+{_PICTURE})?\s*[:\-–—]\s*
      | (?:in\s+)?(?:the|this)\s+{_PICTURE}
            (?:\s+{_VERBS}\s+|\s*,\s*(?:we\s+(?:can\s+)?see\s+|there\s+(?:is|are)\s+)?
               |\s+(?:we\s+(?:can\s+)?see|there\s+(?:is|are))\s+)
      | (?:(?:a|an)\s+)?{_PICTURE}\s+of\s+
      | here(?:\s+is|'s|\s+are)\s+
      | caption\s*:\s*
    )""",
    re.IGNORECASE | re.VERBOSE,
)




def caption_content(caption: str, config: ProofConfig) -> str:
    """The caption without a leading meta opener ("The image shows"): the words that describe
    the photo. Keyword evidence and the file-name token check use only these, so stripping the
    opener never changes what supports a keyword."""
    text = caption.replace("’", "'")
    match = META_STRIP.match(text) or _opener_pattern(tuple(config.meta_openers), False).match(text)
    return caption[match.end() :] if match else caption


_CLOSERS = "\"'”’»)]}"
_SENTENCE_END = re.compile(rf"(?<![.…])[.!?][{re.escape(_CLOSERS)}]*$")
_ELLIPSIS = re.compile(rf"(?:\.\.+|…)[{re.escape(_CLOSERS)}]*$")

_MARKUP_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("JSON", re.compile(r"^\s*\{|^\s*\[\s*[\"{\[]|\{\s*\"|\"\w+\"\s*:\s*[\"\[{\d]", re.MULTILINE)),
    ("HTML", re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>|&(?:[a-zA-Z]+|#\d+);")),
    (
        "markdown",
        re.compile(
            r"\*\*|__|`|^\s*#{1,6}\s|^\s*[-*+]\s+\S|\[[^\]]*\]\([^)]*\)|(?<![\w*])\*[^*\s][^*]*\*(?![\w*])",
            re.MULTILINE,
        ),
    ),
    ("a URL", re.compile(r"\bhttps?://\S+|\bwww\.\S+|\b[\w-]+\.(?:com|org|net|io|html?|php)\b", re.IGNORECASE)),
    (
        "a placeholder",
        re.compile(
            r"[\[{<]\s*(?:insert|add|your|location|name|caption|description|placeholder|subject|place)\b[^\]}>]*[\]}>]"
            r"|\{\{[^}]*\}\}|\[\s*(?:\.\.\.|…)\s*\]",
            re.IGNORECASE,
        ),
    ),
)


def markup_found(text: str, placeholders: tuple[str, ...]) -> list[tuple[str, str]]:
    """(kind, the offending snippet) for each kind of markup/placeholder in the text."""
    found: list[tuple[str, str]] = []
    for kind, pattern in _MARKUP_PATTERNS:
        match = pattern.search(text)
        if match:
            found.append((kind, match.group(0).strip() or match.group(0)))
    if not any(kind == "a placeholder" for kind, _ in found):
        match = phrase_pattern(tuple(placeholders)).search(text)
        if match:
            found.append(("a placeholder", match.group(0)))
    return found


_PAIRS = {"(": ")", "[": "]", "{": "}", "“": "”", "«": "»"}
_CLOSING = {closing: opening for opening, closing in _PAIRS.items()}


def unbalanced(text: str) -> str | None:
    """A description of the first unbalanced bracket or quote, or None."""
    stack: list[str] = []
    for char in text:
        if char in _PAIRS:
            stack.append(char)
        elif char in _CLOSING:
            if not stack or stack[-1] != _CLOSING[char]:
                return f"a {quote(char)} that closes nothing"
            stack.pop()
    if stack:
        return f"an unclosed {quote(stack[-1])}"
    if text.count('"') % 2:
        return f"an odd number of {quote(chr(34))} quotes"
    return None


# ============================================================================ text rules


class LengthRule(Rule):
    """Caption or alt text present and within its length bounds."""

    def __init__(self, field: str) -> None:
        self.field = field
        self.name = f"{field}.length"
        self.label = FIELD_LABELS[field]

    def bounds(self, config: ProofConfig) -> tuple[int, int]:
        if self.field == "caption":
            return config.caption_min_chars, config.caption_max_chars
        return config.alt_text_min_chars, config.alt_text_max_chars

    @property
    def hint(self) -> str:  # type: ignore[override]
        if self.field == "caption":
            return "Write a caption of one or two full sentences, {caption_min} to {caption_max} characters."
        return "Write a short alt text (at most {alt_max} characters) that says what the photo shows."

    def check(self, context: ProofContext) -> list[ProofReason]:
        text = context.text(self.field).strip()
        low, high = self.bounds(context.config)
        if not text:
            return [self.violation(f"{self.label} is missing")]
        if len(text) < low:
            return [self.violation(f"{self.label} is {len(text)} characters; it needs at least {low}: {quote(text)}")]
        if len(text) > high:
            return [self.violation(f"{self.label} is {len(text)} characters; the limit is {high}")]
        return []


class WhitespaceRule(Rule):
    hint = "Use single spaces, no line breaks, no leading or trailing spaces."

    def __init__(self, field: str) -> None:
        self.field = field
        self.name = f"{field}.whitespace"
        self.label = FIELD_LABELS[field]

    def check(self, context: ProofContext) -> list[ProofReason]:
        text = context.text(self.field)
        if text and text != collapse_whitespace(text):
            return [self.violation(f"{self.label} has extra spaces or line breaks")]
        return []


class SentenceEndRule(Rule):
    name = "caption.sentence_end"
    field = "caption"
    hint = "End the caption as a complete sentence, with a full stop."

    def check(self, context: ProofContext) -> list[ProofReason]:
        text = context.text("caption").strip()
        if not text:
            return []
        if _ELLIPSIS.search(text):
            return [self.violation(f"caption ends with an ellipsis and looks cut off: {quote(text[-30:])}")]
        if not _SENTENCE_END.search(text):
            return [self.violation(f"caption does not end a sentence (ends with {quote(text[-1])})")]
        return []


class MetaOpenerRule(Rule):
    name = "caption.meta_opener"
    field = "caption"
    hint = 'Describe the scene directly; do not start with "The image shows", "This photo", "Here is" or similar.'

    def check(self, context: ProofContext) -> list[ProofReason]:
        opener = find_opener(context.text("caption"), tuple(context.config.meta_openers))
        if opener:
            return [self.violation(f"caption starts with the meta opener {quote(opener)}")]
        return []


class RepetitionRule(Rule):
    name = "caption.repetition"
    field = "caption"
    hint = "Do not repeat words or phrases; say each thing once."

    def check(self, context: ProofContext) -> list[ProofReason]:
        found = repetition(context.text("caption"), context.config.caption_max_word_repeats)
        return [self.violation(f"caption {found}")] if found else []


def repetition(text: str, max_word_repeats: int) -> str | None:
    """What repeats in the text ("repeats \"a boat\" 3 times in a row"), or None."""
    tokens = words(text)
    # loops first, smallest unit first: "a boat a boat a boat" names "a boat"
    for size in range(1, 7):
        for start in range(len(tokens) - 2 * size + 1):
            unit = tokens[start : start + size]
            if size == 1 and unit[0].isdigit():
                continue
            if tokens[start + size : start + 2 * size] == unit:
                runs = 1
                while tokens[start + runs * size : start + (runs + 1) * size] == unit:
                    runs += 1
                said = "twice" if runs == 2 else f"{runs} times"
                return f"repeats {quote(' '.join(unit))} {said} in a row"
    for size in range(6, 1, -1):
        counts = Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))
        for gram, count in counts.items():
            if all(token in STOP_WORDS for token in gram):
                continue
            if (size >= 3 and count >= 2) or count >= 3:
                return f"repeats {quote(' '.join(gram))} {count} times"
    counts = Counter(stem(token) for token in tokens if token not in STOP_WORDS and len(token) >= 3)
    for word, count in counts.most_common(1):
        if count > max_word_repeats:
            return f"repeats {quote(word)} {count} times"
    return None


class BalancedRule(Rule):
    hint = "Close every bracket and quotation mark you open."

    def __init__(self, field: str) -> None:
        self.field = field
        self.name = f"{field}.balanced"
        self.label = FIELD_LABELS[field]

    def check(self, context: ProofContext) -> list[ProofReason]:
        problem = unbalanced(context.text(self.field))
        return [self.violation(f"{self.label} has {problem}")] if problem else []


class MarkupRule(Rule):
    hint = "Plain text only: no JSON, markdown, HTML, links or placeholders such as TODO or lorem ipsum."

    def __init__(self, field: str) -> None:
        self.field = field
        self.name = f"{field}.markup"
        self.label = FIELD_LABELS[field]

    def check(self, context: ProofContext) -> list[ProofReason]:
        return [
            self.violation(f"{self.label} contains {kind}: {quote(snippet)}")
            for kind, snippet in markup_found(context.text(self.field), tuple(context.config.placeholders))
        ]


class AltTextOpenerRule(Rule):
    name = "alt_text.opener"
    field = "alt_text"
    hint = 'Start the alt text with the subject; never "Image of", "Photo of" or "Picture of".'

    def check(self, context: ProofContext) -> list[ProofReason]:
        text = context.text("alt_text")
        opener = find_opener(text, tuple(context.config.alt_text_openers), with_article=True) or find_opener(
            text, tuple(context.config.meta_openers)
        )
        return [self.violation(f"alt text starts with {quote(opener)}")] if opener else []


class AltTextCopiesCaptionRule(Rule):
    name = "alt_text.copies_caption"
    field = "alt_text"
    hint = "Write the alt text separately: a short description, not a copy of the caption."

    def check(self, context: ProofContext) -> list[ProofReason]:
        alt = normalise_for_duplicates(context.text("alt_text"))
        caption = normalise_for_duplicates(context.text("caption"))
        if not alt or not caption:
            return []
        score = fuzz.ratio(alt, caption)
        if alt == caption or score >= context.config.alt_text_copy_threshold:
            return [self.violation(f"alt text is a copy of the caption ({score:.0f}% the same)")]
        return []


# ============================================================================ keyword rules


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


# ============================================================================ file name rules


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


# ============================================================================ time of day


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


# ============================================================================ duplicates


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


# ============================================================================ the proof


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

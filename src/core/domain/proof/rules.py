"""The proof rules, each a small object with a stable `name`.

A rule's name is public: rows store it in `proof_reasons[].rule`, the summaries count by it and
scripts filter on it, so a rule is never renamed.

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

from proofdesk.core.domain.models import ProofReason
from proofdesk.core.domain.proof.config import ProofConfig
from proofdesk.core.domain.proof.duplicates import FIELD_LABELS, DuplicateIndex
from proofdesk.core.domain.proof.evidence import Evidence
from proofdesk.core.domain.proof.model import ProofMetadata
from proofdesk.core.domain.proof.text import (
    STOP_WORDS,
    collapse_whitespace,
    normalise_for_duplicates,
    phrase_pattern,
    quote,
    stem,
    words,
)
from rapidfuzz import fuzz


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
    stems = Counter(stem(token) for token in tokens if token not in STOP_WORDS and len(token) >= 3)
    for word, count in stems.most_common(1):
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


# ============================================================================ file name rules


# ============================================================================ time of day


# ============================================================================ duplicates


# ============================================================================ the proof



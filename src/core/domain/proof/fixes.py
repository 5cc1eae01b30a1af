"""Deterministic local fixes, applied before any rule is checked and before a model is re-asked.

Each fix is reported as a `Fix(rule, field, before, after, message)`:
- coordinates cut out of the caption and alt text where the sentence survives (else
  `place.coordinates` blocks), out of a keyword (a keyword that is only a position is dropped) and
  out of the file name (which stays a slug);
- whitespace of caption and alt text collapsed;
- a meta opener stripped when the rest stands alone ("The image shows a red boat." -> "A red
  boat."), and an "Image of" alt-text opener likewise - kept only when it lowers the number of
  violations;
- keywords split, normalised (lowercase, trimmed, collapsed spaces), de-duplicated; banned and
  unsupported (evidence-first) keywords dropped; extras beyond the maximum dropped;
- the file name slugified with python-slugify, its extension forced, its length bounded, and one
  made from the caption when there is none.
Making a clashing file name unique needs the duplicate index; `proof()` does that atomically.
"""

from __future__ import annotations

import re

from proofdesk.core.domain.coordinates import find_coordinates, remove_coordinates
from proofdesk.core.domain.proof.claims import REFUTED
from proofdesk.core.domain.proof.config import ProofConfig
from proofdesk.core.domain.proof.evidence import Evidence
from proofdesk.core.domain.proof.model import Fix, ProofMetadata
from proofdesk.core.domain.proof.rules import META_STRIP, caption_content, find_opener
from proofdesk.core.domain.proof.rules_metadata import (
    NO_EVIDENCE,
    expected_extension,
    is_banned,
    slug_stem,
)
from proofdesk.core.domain.proof.rules_places import title_words
from proofdesk.core.domain.proof.ruleset import check, field_rules
from proofdesk.core.domain.proof.text import (
    STOP_WORDS,
    ascii_tokens,
    collapse_whitespace,
    normalise_keyword,
    quote,
    split_extension,
    split_keywords,
)

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff", ".heic", ".heif", ".webp", ".gif"})

def _alt_opener_strip(config: ProofConfig) -> re.Pattern[str]:
    body = "|".join(r"\s+".join(map(re.escape, phrase.split())) for phrase in config.alt_text_openers) or "(?!)"
    return re.compile(rf"^(?:(?:a|an|the)\s+)?(?:{body})\s+", re.IGNORECASE)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def strip_opener(text: str, patterns: list[re.Pattern[str]], config: ProofConfig) -> str | None:
    """The text without its leading opener when what is left stands alone as a sentence."""
    rest = text.replace("’", "'")
    changed = False
    for _ in range(3):  # "Sure, here is a caption: The image shows …"
        for pattern in patterns:
            match = pattern.match(rest)
            if match and match.end() < len(rest):
                rest, changed = rest[match.end() :], True
                break
        else:
            break
    if not changed:
        return None
    rest = rest.strip()
    if len(rest.split()) < 3 or not rest[:1].isalnum() or find_opener(rest, tuple(config.meta_openers)):
        return None
    # the apostrophe swap above is only for matching: return the original characters
    return _capitalise(text[len(text) - len(rest) :]) if text.endswith(rest) else _capitalise(rest)


# A text that keeps this many words of two or more letters after its coordinates are cut out
# still says something; a shorter one is left as it was, and `place.coordinates` blocks it.
_SURVIVING_WORDS = {"caption": 3, "alt_text": 2, "keywords": 1}
_LETTER_WORD = re.compile(r"[^\W\d_]{2,}")


def _without_coordinates(text: str, field: str) -> str | None:
    """`text` without its coordinates when enough of it survives, else None."""
    cleaned = remove_coordinates(text)
    if find_coordinates(cleaned) or len(_LETTER_WORD.findall(cleaned)) < _SURVIVING_WORDS[field]:
        return None
    return cleaned


def _fix_coordinates(metadata: ProofMetadata, config: ProofConfig, fixes: list[Fix]) -> ProofMetadata:
    """Coordinates cut out of every published field (`place.coordinates`), before the other fixes
    split keywords ("48.1374, 11.5755" is one position, not two keywords) or slugify the name."""
    for field in ("caption", "alt_text"):
        value = getattr(metadata, field)
        cleaned = _without_coordinates(value, field) if value and find_coordinates(value) else None
        if cleaned is not None:
            label = "caption" if field == "caption" else "alt text"
            fixes.append(Fix(rule="place.coordinates", field=field, before=value, after=cleaned,
                             message=f"removed coordinates from the {label}: {quote(cleaned)}"))  # fmt: skip
            metadata = metadata.changed(**{field: cleaned})

    kept: list[str] = []
    for keyword in metadata.keywords:
        cleaned = _without_coordinates(keyword, "keywords") if find_coordinates(keyword) else keyword
        if cleaned != keyword:
            message = f"removed coordinates from keyword {quote(keyword)}" if cleaned else f"dropped keyword {quote(keyword)}: coordinates"
            fixes.append(Fix(rule="place.coordinates", field="keywords", before=keyword, after=cleaned, message=message))
        if cleaned:
            kept.append(cleaned)
    # a position split over keywords ("48.1374", "11.5755"): drop every keyword it touches
    starts = [sum(len(k) + 2 for k in kept[:i]) for i in range(len(kept))]
    spans = [m.span for m in find_coordinates(", ".join(kept))]
    touched = {i for i, start in enumerate(starts) for a, b in spans if start < b and a < start + len(kept[i])}
    for i in sorted(touched):
        fixes.append(Fix(rule="place.coordinates", field="keywords", before=kept[i], after=None,
                         message=f"dropped keyword {quote(kept[i])}: part of coordinates"))  # fmt: skip
    if kept != list(metadata.keywords) or touched:
        metadata = metadata.changed(keywords=tuple(k for i, k in enumerate(kept) if i not in touched))

    name = (metadata.file_name or "").strip()
    stem_text, extension = split_extension(name)
    if extension.lower() not in IMAGE_EXTENSIONS:
        stem_text, extension = name, ""
    source = stem_text if find_coordinates(stem_text) else title_words(name) if find_coordinates(title_words(name)) else ""
    if source:
        new_stem = slug_stem(remove_coordinates(source), config.file_name_max_chars - len(extension))
        if find_coordinates(new_stem):
            new_stem = slug_stem(remove_coordinates(new_stem), config.file_name_max_chars - len(extension))
        new_name = new_stem + extension if new_stem else None  # no name left: made from the caption next
        message = (f"removed coordinates from the file name: {quote(new_name)}" if new_name
                   else f"removed the file name {quote(name)}: only coordinates")
        fixes.append(Fix(rule="place.coordinates", field="file_name", before=name, after=new_name, message=message))
        metadata = metadata.changed(file_name=new_name)
    return metadata


def _fewer_violations(before: ProofMetadata, after: ProofMetadata, evidence: Evidence, config: ProofConfig, original_name: str) -> bool:
    rules = field_rules()
    count_before = len(check(before, evidence, config, original_name=original_name, rules=rules))
    count_after = len(check(after, evidence, config, original_name=original_name, rules=rules))
    return count_after < count_before


def _fix_text_fields(
    metadata: ProofMetadata, evidence: Evidence, config: ProofConfig, original_name: str, fixes: list[Fix]
) -> ProofMetadata:
    for field in ("caption", "alt_text"):
        value = getattr(metadata, field)
        if value is None:
            continue
        collapsed = collapse_whitespace(value)
        if collapsed != value:
            label = "caption" if field == "caption" else "alt text"
            fixes.append(Fix(rule=f"{field}.whitespace", field=field, before=value, after=collapsed,
                             message=f"collapsed extra spaces and line breaks in the {label}"))  # fmt: skip
            metadata = metadata.changed(**{field: collapsed})

    caption = metadata.caption or ""
    stripped = strip_opener(caption, [META_STRIP], config) if caption else None
    if stripped:
        candidate = metadata.changed(caption=stripped)
        if _fewer_violations(metadata, candidate, evidence, config, original_name):
            opener = caption[: len(caption) - len(stripped)]
            fixes.append(Fix(rule="caption.meta_opener", field="caption", before=caption, after=stripped,
                             message=f"removed the meta opener {quote(opener.strip())} from the caption"))  # fmt: skip
            metadata = candidate

    alt_text = metadata.alt_text or ""
    stripped = strip_opener(alt_text, [_alt_opener_strip(config), META_STRIP], config) if alt_text else None
    if stripped:
        candidate = metadata.changed(alt_text=stripped)
        if _fewer_violations(metadata, candidate, evidence, config, original_name):
            fixes.append(Fix(rule="alt_text.opener", field="alt_text", before=alt_text, after=stripped,
                             message=f"removed the opener from the alt text: {quote(stripped)}"))  # fmt: skip
            metadata = candidate
    return metadata


def _fix_keywords(metadata: ProofMetadata, evidence: Evidence, config: ProofConfig, fixes: list[Fix]) -> ProofMetadata:
    def dropped(rule: str, keyword: str, message: str) -> None:
        fixes.append(Fix(rule=rule, field="keywords", before=keyword, after=None, message=message))

    kept: list[str] = []
    for entry in metadata.keywords:
        parts = split_keywords([entry])
        if len(parts) > 1:
            joined = ", ".join(quote(normalise_keyword(part)) for part in parts if normalise_keyword(part))
            fixes.append(Fix(rule="keywords.normalised", field="keywords", before=entry,
                             after=", ".join(normalise_keyword(p) for p in parts if normalise_keyword(p)),
                             message=f"split keyword {quote(entry)} into {joined or 'nothing'}"))  # fmt: skip
        for part in parts:
            normalised = normalise_keyword(part)
            if not normalised:
                if len(parts) == 1:
                    dropped("keywords.normalised", part, f"dropped empty keyword {quote(part)}")
                continue
            if normalised != part and len(parts) == 1:
                fixes.append(Fix(rule="keywords.normalised", field="keywords", before=part, after=normalised,
                                 message=f"normalised keyword {quote(part)} to {quote(normalised)}"))  # fmt: skip
            if normalised in kept:
                dropped("keywords.normalised", normalised, f"dropped repeated keyword {quote(normalised)}")
                continue
            kept.append(normalised)

    caption = caption_content(metadata.caption or "", config)
    supported: list[str] = []
    for keyword in kept:
        if is_banned(keyword, config):
            dropped("keywords.banned", keyword, f"dropped generic keyword {quote(keyword)}")
        elif keyword in evidence.refuted and "keywords" not in evidence.person_fields:
            dropped("claim.unsupported", keyword, f"dropped keyword {quote(keyword)}: {REFUTED}")
        elif not evidence.support(keyword, caption, metadata.alt_text):
            dropped("keywords.evidence", keyword, f"dropped keyword {quote(keyword)}: no evidence ({NO_EVIDENCE})")
        else:
            supported.append(keyword)
    for keyword in supported[config.keywords_max :]:
        dropped("keywords.count", keyword, f"dropped keyword {quote(keyword)}: more than {config.keywords_max} keywords")
    return metadata.changed(keywords=tuple(supported[: config.keywords_max]))


def name_from_text(metadata: ProofMetadata, config: ProofConfig, room: int) -> str:
    """A slug stem from the caption's words (or the keywords): the name when the model gave none."""
    source = caption_content(metadata.caption or "", config) or " ".join(metadata.keywords)
    tokens = [token for token in ascii_tokens(source) if token not in STOP_WORDS][:6]
    return slug_stem(" ".join(tokens), room)


def _fix_file_name(metadata: ProofMetadata, config: ProofConfig, original_name: str, fixes: list[Fix]) -> ProofMetadata:
    name = metadata.file_name or ""
    extension = expected_extension(original_name, config)
    room = config.file_name_max_chars - len(extension)
    stem_text, current_extension = split_extension(name.strip())
    if current_extension.lower() not in IMAGE_EXTENSIONS:
        stem_text, current_extension = name.strip(), ""
    new_stem = slug_stem(stem_text, room) if stem_text else ""
    if not new_stem:
        new_stem = name_from_text(metadata, config, room)
        if not new_stem:
            return metadata
        new_name = new_stem + extension
        message = f"made the file name {quote(new_name)} from the caption" + (f" (was {quote(name)})" if name else "")
        fixes.append(Fix(rule="file_name.slug", field="file_name", before=name or None, after=new_name, message=message))
        return metadata.changed(file_name=new_name)
    new_name = new_stem + extension
    if new_name == name:
        return metadata
    if new_stem != stem_text:
        rule = "file_name.slug" if len(stem_text) <= room else "file_name.length"
        fixes.append(Fix(rule=rule, field="file_name", before=name, after=new_stem + current_extension,
                         message=f"slugified the file name {quote(name)} to {quote(new_stem + current_extension)}"))  # fmt: skip
        name = new_stem + current_extension
    if current_extension != extension:
        fixes.append(Fix(rule="file_name.extension", field="file_name", before=name, after=new_name,
                         message=f"set the file name's extension to {quote(extension)}: {quote(new_name)}"))  # fmt: skip
    return metadata.changed(file_name=new_name)


def apply_fixes(
    metadata: ProofMetadata,
    evidence: Evidence | None = None,
    config: ProofConfig | None = None,
    *,
    original_name: str = "",
) -> tuple[ProofMetadata, list[Fix]]:
    """The metadata after every deterministic local fix, and the fixes made (in order)."""
    evidence = evidence or Evidence()
    config = config or ProofConfig()
    fixes: list[Fix] = []
    metadata = _fix_coordinates(metadata, config, fixes)
    metadata = _fix_text_fields(metadata, evidence, config, original_name, fixes)
    metadata = _fix_keywords(metadata, evidence, config, fixes)
    metadata = _fix_file_name(metadata, config, original_name, fixes)
    return metadata, fixes

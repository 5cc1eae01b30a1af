"""Text helpers shared by the proof rules, the fixes and the duplicate index (pure, no I/O)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from slugify import slugify

STOP_WORDS: frozenset[str] = frozenset(
    """a an the and or but of in on at to by for from with without into onto over under
    near above below behind beside between through across along around off up down out
    is are was were be been being it its this that these those there here as while
    his her their our your my we they he she you i who which what where when than then
    very some several many few one two three s""".split()
)

_WHITESPACE = re.compile(r"\s+")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
# a word as a spellchecker reads it: letters only (a digit or underscore ends it), apostrophes inside kept
SPELLING_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)
_POSSESSIVE = re.compile(r"['’]s\b", re.IGNORECASE)
_KEYWORD_EDGE = " \t\r\n\"'`#.,;:!?*“”‘’()[]{}<>"


def collapse_whitespace(text: str) -> str:
    """Trim and collapse runs of whitespace (line breaks included) to one space."""
    return _WHITESPACE.sub(" ", text).strip()


def normalise_for_duplicates(text: str) -> str:
    """Lowercase, punctuation collapsed to single spaces, digits kept (the near-duplicate form)."""
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def spelling_words(text: str) -> list[str]:
    """The words of `text` a spellchecker checks, as written (case kept)."""
    return SPELLING_WORD.findall(text)


def words(text: str) -> list[str]:
    """Lowercased words as written (apostrophes inside words kept), for repetition checks."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).lower())


@lru_cache(maxsize=65536)
def ascii_tokens(text: str) -> tuple[str, ...]:
    """ASCII-folded lowercase tokens ("Café Reine's" -> cafe, reine) as python-slugify sees them."""
    return tuple(slugify(_POSSESSIVE.sub("", text), separator=" ").split())


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """A light stem that makes simple plurals and -ing forms meet: boats/boat, ferries/ferry."""
    word = token.lower()
    if len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
        if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
            word = word[:-1]  # running -> run, but sailing -> sail
        return word
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("ves"):
        return word[:-3] + "f"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def content_stems(text: str) -> frozenset[str]:
    """Stems of the non-stop-word tokens of a text (ASCII-folded)."""
    return frozenset(stem(token) for token in ascii_tokens(text) if token not in STOP_WORDS)


def keyword_stems(keyword: str) -> tuple[str, ...]:
    """Stems of a keyword's words; a keyword made only of stop words keeps them all."""
    tokens = ascii_tokens(keyword)
    content = [token for token in tokens if token not in STOP_WORDS]
    return tuple(stem(token) for token in (content or tokens))


def normalise_keyword(keyword: str) -> str:
    """Lowercase, trimmed of surrounding punctuation (#, quotes), inner whitespace collapsed."""
    text = unicodedata.normalize("NFC", keyword).lower()
    return collapse_whitespace(text.strip(_KEYWORD_EDGE)).strip(_KEYWORD_EDGE)


def split_keywords(keywords: list[str] | tuple[str, ...]) -> list[str]:
    """Split entries that hold several keywords ("boat, harbour; dusk")."""
    parts: list[str] = []
    for keyword in keywords:
        parts.extend(re.split(r"[,;|]", keyword))
    return parts


def split_extension(file_name: str) -> tuple[str, str]:
    """("Red Boat", ".JPG") for "Red Boat.JPG"; ("name", "") when there is no extension."""
    dot = file_name.rfind(".")
    if dot <= 0 or dot == len(file_name) - 1 or " " in file_name[dot:]:
        return file_name, ""
    return file_name[:dot], file_name[dot:]


def file_name_words(file_name: str) -> str:
    """The stem of a file name as words ("golden-hour_reine.jpg" -> "golden hour reine")."""
    stem_part, _ = split_extension(file_name)
    return collapse_whitespace(re.sub(r"[-_.]+", " ", stem_part))


def phrase_pattern(phrases: tuple[str, ...] | list[str]) -> re.Pattern[str]:
    """A case-insensitive pattern matching any of the phrases as whole words, longest first."""
    return _phrase_pattern(tuple(phrases))


@lru_cache(maxsize=64)
def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = sorted({phrase.strip().lower() for phrase in phrases if phrase.strip()}, key=len, reverse=True)
    body = "|".join(r"\s+".join(re.escape(part) for part in alt.split()) for alt in alternatives)
    return re.compile(rf"(?<![\w/])(?:{body or '(?!)'})(?![\w/])", re.IGNORECASE)


def quote(value: object) -> str:
    """A value quoted for a message a person reads, shortened when long."""
    text = str(value)
    if len(text) > 60:
        text = text[:57] + "…"
    return f'"{text}"'

"""Thresholds and word lists of the metadata proof (the check of caption, alt text, keywords and
file name that ends stage 7, caption, and reruns after every edit), all configurable."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

DEFAULT_BANNED_KEYWORDS: tuple[str, ...] = (
    "photo",
    "photograph",
    "photography",
    "image",
    "picture",
    "pic",
    "img",
    "jpg",
    "jpeg",
    "png",
    "tiff",
    "heic",
    "raw",
    "stock",
    "stock photo",
    "untitled",
    "no people",
    "keyword",
    "beautiful",
    "amazing",
    "stunning",
    "awesome",
    "nice",
)

# Phrases that talk about the picture instead of describing it. Matched case-insensitively at the
# start of the caption (after an optional opening quote), as whole words.
DEFAULT_META_OPENERS: tuple[str, ...] = (
    "the image",
    "this image",
    "the photo",
    "this photo",
    "the photograph",
    "this photograph",
    "the picture",
    "this picture",
    "the shot",
    "this shot",
    "in the image",
    "in this image",
    "in the photo",
    "in this photo",
    "in the picture",
    "in this picture",
    "here is",
    "here's",
    "here are",
    "as an ai",
    "as a language model",
    "i can see",
    "i see",
    "sure",
    "certainly",
    "caption",
    "an image of",
    "a photo of",
    "a photograph of",
    "a picture of",
    "image of",
    "photo of",
    "picture of",
)

# Alt text must not announce itself: screen readers already say "image".
DEFAULT_ALT_TEXT_OPENERS: tuple[str, ...] = (
    "image of",
    "photo of",
    "picture of",
    "photograph of",
    "graphic of",
    "screenshot of",
    "snapshot of",
)

DEFAULT_PLACEHOLDERS: tuple[str, ...] = (
    "lorem ipsum",
    "lorem",
    "ipsum dolor",
    "todo",
    "tbd",
    "fixme",
    "n/a",
    "xxx",
    "placeholder",
    "caption here",
    "description here",
    "alt text here",
    "insert caption",
    "your caption",
)


DEFAULT_PLACE_ORDINARY_WORDS: tuple[str, ...] = (
    "nice", "bath", "reading", "mobile", "split", "buffalo", "orange", "hope", "sale", "battle", "deal",
    "march", "may", "cork", "derby", "kent", "victoria", "rugby", "wells", "moss", "bury", "ely", "street",
    "market", "bridge", "harbour", "beach", "park", "river", "lake", "mountain", "spring", "summer",
    "winter", "autumn", "sunset", "sunrise", "evening", "morning", "golden", "silver", "paradise",
)


class ProofConfig(BaseModel):
    """Every threshold and word list the proof rules use. The defaults suit a web gallery."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    caption_min_chars: int = Field(default=20, ge=1)
    caption_max_chars: int = Field(default=300, ge=1)
    # a content word (not a stop word) may appear at most this many times in a caption
    caption_max_word_repeats: int = Field(default=3, ge=1)
    alt_text_min_chars: int = Field(default=10, ge=1)
    alt_text_max_chars: int = Field(default=125, ge=1)
    # rapidfuzz ratio (0-100) at or above which the alt text counts as a copy of the caption
    alt_text_copy_threshold: float = Field(default=90.0, ge=0, le=100)
    keywords_min: int = Field(default=3, ge=0)
    keywords_max: int = Field(default=15, ge=1)
    file_name_max_chars: int = Field(default=80, ge=8)
    # the published full image is a JPEG, so a name gets `.jpg` unless the original already
    # has one of `file_name_extensions_kept`
    file_name_extension: str = ".jpg"
    file_name_extensions_kept: tuple[str, ...] = (".jpg", ".jpeg")
    # rapidfuzz ratio on normalised text at or above which two captions/alt texts are duplicates
    near_duplicate_threshold: float = Field(default=95.0, gt=0, le=100)
    banned_keywords: tuple[str, ...] = DEFAULT_BANNED_KEYWORDS
    meta_openers: tuple[str, ...] = DEFAULT_META_OPENERS
    alt_text_openers: tuple[str, ...] = DEFAULT_ALT_TEXT_OPENERS
    placeholders: tuple[str, ...] = DEFAULT_PLACEHOLDERS
    # place.far: a place named in the metadata is far when every place of that name lies farther
    # than this from the photo's GPS position (towns of `place_min_population` or more, and countries)
    place_max_km: float = Field(default=50.0, gt=0)
    place_min_population: int = Field(default=15000, ge=0)

    def exact_duplicates_only(self) -> ProofConfig:
        """These settings for the offline captioner's text: it differs from its neighbours' where the
        facts do (frame name, time to the second), by a few characters, so only an exact copy of it
        is a duplicate. The caption stage, the review desk and publish's re-proof all judge it so."""
        return ProofConfig.model_validate({**self.model_dump(), "near_duplicate_threshold": 100.0})
    # a lower-case keyword or file-name word that is also an ordinary word names a place only
    # when it is a country or a city at least this large ("paris" yes, "bell" and "reading" no)
    place_word_min_population: int = Field(default=500000, ge=0)
    # lower-case keywords and file-name words that are ordinary words as well as town names
    place_ordinary_words: tuple[str, ...] = DEFAULT_PLACE_ORDINARY_WORDS
    # season words need the hemisphere; without a GPS latitude this one is assumed (None: no season)
    default_hemisphere: Literal["north", "south"] | None = None
    # `keywords`: one extra request per captioned row asks the vision model, with the picture, a
    # yes/no for each keyword only its own text supports (a "no" drops it and blocks a caption or
    # alt text naming it: `claim.unsupported`); `off` (the default until measured on a real model)
    verify: Literal["off", "keywords"] = "off"
    # the model that answers those questions (e.g. the fallback model); None: the one that captioned
    verify_model: str | None = None

    @model_validator(mode="after")
    def _bounds_in_order(self) -> ProofConfig:
        for low, high in (
            ("caption_min_chars", "caption_max_chars"),
            ("alt_text_min_chars", "alt_text_max_chars"),
            ("keywords_min", "keywords_max"),
        ):
            if getattr(self, low) > getattr(self, high):
                raise ValueError(f"{low} ({getattr(self, low)}) is above {high} ({getattr(self, high)})")
        if not self.file_name_extension.startswith("."):
            raise ValueError(f"file_name_extension {self.file_name_extension!r} must start with '.'")
        return self

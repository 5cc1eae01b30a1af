"""Domain models: sets, sessions, review-queue rows, EXIF facts, proof reasons.

Pure data (pydantic). Field names are public: `proofdesk rows --json` prints them unchanged and the
queue table's columns carry the same names, so scripts rely on them and a field is never renamed.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, Self

from proofdesk.core.domain.base import DomainModel as DomainModel
from proofdesk.core.domain.base import InvalidChange as InvalidChange
from proofdesk.core.domain.exif import EXIF_FIELDS as EXIF_FIELDS
from proofdesk.core.domain.exif import ExifFacts as ExifFacts
from proofdesk.core.domain.exif import ExifReadAccess
from proofdesk.core.domain.places import Place
from pydantic import ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer, model_validator
from pydantic.fields import FieldInfo


class RowStatus(StrEnum):
    """Where a row stands in review (see `proofdesk.core.domain.queue` for the legal moves)."""

    INGESTED = "ingested"  # stages 3-7 still to finish (`stages_done` says which are)
    PENDING = "pending"  # prefilled, awaiting a human decision
    APPROVED = "approved"
    REJECTED = "rejected"
    PUBLISHED = "published"


class ProofVerdict(StrEnum):
    ACCEPTED = "accepted"
    BLOCKED = "blocked"


class SessionStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    ROLLED_BACK = "rolled_back"


class Stage(StrEnum):
    """Pipeline stages in order; `proofdesk run --until STAGE` takes these names."""

    VALIDATE = "validate"
    INCOMING = "incoming"
    EXIF = "exif"
    QUEUE = "queue"
    SCORE = "score"
    RESIZE = "resize"
    SCENE = "scene"
    CAPTION = "caption"

    @property
    def position(self) -> int:
        return list(Stage).index(self)


# Stages whose result lives on the row and must be redone when the file changes.
ROW_STAGES: tuple[Stage, ...] = (Stage.EXIF, Stage.SCORE, Stage.RESIZE, Stage.SCENE, Stage.CAPTION)

# The metadata a human reviews and edits; the proof covers exactly these.
EDITABLE_FIELDS: tuple[str, ...] = ("caption", "alt_text", "keywords", "file_name")


FIX_PREFIX = "fixed: "


class ProofReason(DomainModel):
    """One machine-readable reason of a proof verdict.

    `kind` tells a violation (it blocks) from a fix the proof made (reported, never blocking).
    The message never carries the kind; `text` is the message as shown to a person, with
    "fixed: " in front of a fix.
    """

    model_config = ConfigDict(frozen=True)

    rule: str
    field: str
    message: str
    kind: Literal["violation", "fix"] = "violation"

    @model_validator(mode="before")
    @classmethod
    def _legacy_fix_prefix(cls, data: Any) -> Any:
        """Reasons stored before `kind` existed marked a fix by starting the message with "fixed: "."""
        if isinstance(data, dict) and "kind" not in data:
            message = data.get("message")
            if isinstance(message, str) and message.startswith(FIX_PREFIX):
                return {**data, "kind": "fix", "message": message[len(FIX_PREFIX):]}
        return data

    @property
    def is_fix(self) -> bool:
        """A fix the proof made (reported, never blocking) rather than a violation."""
        return self.kind == "fix"

    @property
    def text(self) -> str:
        return FIX_PREFIX + self.message if self.is_fix else self.message


class PhotoSet(DomainModel):
    """A folder of photos that belong together; its folder name is its identifier."""

    model_config = ConfigDict(frozen=True)

    name: str
    path: str


class Session(DomainModel):
    """One run of the pipeline over one or more sets; rolled back as a unit."""

    id: str
    started_at: datetime
    ended_at: datetime | None = None
    status: SessionStatus = SessionStatus.OPEN
    sets: list[str] = Field(default_factory=list)
    config_digest: str = ""
    pid: int | None = None
    note: str | None = None


class JournalEntry(DomainModel):
    """One thing a session wrote, so rollback can undo it.

    kind: `file` (a file the session created; undo = delete it), `row_insert` (undo = delete the
    row), `row_update` (undo = restore `before`, the row as it was before the session first touched it).
    """

    session_id: str
    seq: int = 0
    kind: str
    target: str  # a path, or "<set_name>/<original_name>" for rows
    before: dict[str, Any] | None = None


CLAIM_SOURCES: tuple[str, ...] = ("exif", "place", "file", "person", "hint", "verified", "model")
ClaimSource = Literal["exif", "place", "file", "person", "hint", "verified", "model"]
ClaimVerdict = Literal["yes", "no", "unsure"]


class Claim(DomainModel):
    """One thing the row's text says is in the photo: a keyword (and the caption's and alt text's
    mentions of it), with what vouches for it. `source`: `exif` (camera, time, exposure), `place`
    (gazetteer), `file` (the file's own IPTC/XMP), `person` (written or allowed by a person, or the
    glossary), `hint` (classifier), `verified` (the model said yes when asked with the picture) or
    `model` (only the model's own text). `verdict`: the model's yes/no/unsure when asked, else None."""

    model_config = ConfigDict(frozen=True)

    text: str
    source: ClaimSource
    verdict: ClaimVerdict | None = None

    @property
    def model_only(self) -> bool:
        return self.source == "model"

    @property
    def removed(self) -> bool:
        """The model, asked with the picture, said it is not there (the keyword was dropped)."""
        return self.verdict == "no" and self.source == "model"


class Row(ExifReadAccess, DomainModel):
    """One image's entry in `review_queue`, keyed by (set_name, original_name)."""

    model_config = ConfigDict(validate_assignment=True)

    id: int | None = None
    set_name: str
    original_name: str
    source_path: str = ""
    incoming_path: str | None = None
    ollama_path: str | None = None
    sha256: str
    size_bytes: int = 0

    # what the photo's EXIF/IPTC/XMP says (stage 3); flat under its own names in `rows --json`, the
    # queue table's columns and the journal, and readable as `row.camera_make` (ExifReadAccess)
    exif: ExifFacts = Field(default_factory=ExifFacts)
    # the other file of a RAW + JPEG pair (same name, `intake.raw_pairs`): the RAW beside a JPEG that
    # is the picture, or the JPEG beside a RAW that is; never copied or changed by proofdesk
    raw_original_name: str | None = None
    jpeg_original_name: str | None = None

    # a 64-bit perceptual hash (hex) of the picture: a re-export of the same picture keeps it
    # (within a few bits), a different picture does not
    perceptual_hash: str | None = None
    # earlier pictures under this name: their text and decisions, newest last, never lost
    history: list[dict[str, Any]] = Field(default_factory=list)

    # facts derived offline from the GPS position (stage 4): the place (GeoNames) and the time zone
    place_city: str | None = None
    place_region: str | None = None  # GeoNames admin-1 (e.g. "Tuscany")
    place_country: str | None = None
    place_country_code: str | None = None
    place_distance_km: float | None = None  # from the photo to `place_city` (or the nearest place)
    time_zone: str | None = None  # IANA zone of the position (e.g. "Europe/Rome")
    utc_offset: str | None = None  # the offset the capture time is read with (e.g. "+02:00")
    # where that offset (or UTC itself) came from: gps_time | clock_offset | exif_offset | gps_zone | none
    utc_offset_source: str | None = None
    clock_offset: str | None = None  # the zone the camera clock ran on, given with `run --clock-offset`

    # scores (stage 5); *_fallback = true marks a deterministic fallback, not a model score
    brisque_score: float | None = None
    brisque_fallback: bool | None = None
    clip_aesthetic_score: float | None = None
    clip_aesthetic_fallback: bool | None = None

    # culling: what stage 5 measured (focus, noise, brightness, contrast, shadows/highlights clipped;
    # see proofdesk.core.domain.scenes), flags (black, white, flat, clipped), the shift-tolerant
    # hash of the picture, and what the `scene` stage decided (a suggestion, never a decision)
    quality_measures: dict[str, float] = Field(default_factory=dict)
    quality_flags: list[str] = Field(default_factory=list)
    scene_signature: str | None = None
    scene_id: str | None = None
    scene_size: int | None = None
    scene_rank: int | None = None  # 1 = the best frame of its scene
    keeper: bool | None = None
    keeper_chosen_by: str | None = None  # "scores", or "person" (kept by every rerun)
    cull_suggested: bool | None = None
    cull_reason: str | None = None
    rating: int | None = Field(default=None, ge=1, le=5)  # a person's stars (the web desk's keys 1-5): xmp:Rating when published

    # metadata (stage 7, then human edits)
    caption: str | None = None
    alt_text: str | None = None
    keywords: list[str] = Field(default_factory=list)
    file_name: str | None = None
    caption_source: str | None = None  # model name, or "offline"
    metadata_quality: ProofVerdict | None = None
    proof_reasons: list[ProofReason] = Field(default_factory=list)
    proof_digest: str | None = None  # metadata_digest() the verdict was computed on
    # zero-shot classifier labels found when captioning: evidence for keywords every time the row
    # is proven again (an edit, Generate); cleared when the file changes
    classifier_hints: list[str] = Field(default_factory=list)
    # each keyword with its source and the model's yes/no when asked (`proof.verify`); set by the proof
    claims: list[Claim] = Field(default_factory=list)

    # review
    status: RowStatus = RowStatus.INGESTED
    stages_done: list[str] = Field(default_factory=list)
    edited_fields: list[str] = Field(default_factory=list)
    # earlier machine suggestions, newest last ({caption, alt_text, keywords, file_name, source}),
    # so the reviewer can go back after Generate
    suggestion_history: list[dict[str, Any]] = Field(default_factory=list)
    # who wrote each metadata field: {field: {by: model|offline|person, model, digest, at}}
    provenance: dict[str, dict[str, Any]] = Field(default_factory=dict)
    # what Generate proposed for fields a person wrote ({field: value}): a suggestion only, until accepted
    pending_suggestion: dict[str, Any] = Field(default_factory=dict)
    remote_id: str | None = None
    # what the row holds in the published target and the gallery: the File_Name its files and gallery
    # row are under and the picture (sha256) published there; kept through edits, renames and a
    # replaced picture until publishing moves them or `unpublish` takes them down (never orphaned)
    published_file_name: str | None = None
    published_sha256: str | None = None
    # names the row was published under before a rename, oldest first (`proofdesk redirects`)
    former_file_names: list[str] = Field(default_factory=list)
    publish_error: str | None = None
    session_id: str | None = None  # the last session that inserted or refreshed this row

    created_at: datetime | None = None
    updated_at: datetime | None = None

    @model_validator(mode="before")
    @classmethod
    def _exif_from_flat_names(cls, data: Any) -> Any:
        """A row given flat (a constructor's keywords, a database record, a journal entry, `rows
        --json`) has its EXIF facts gathered into `exif`, over any `exif` given with them."""
        if isinstance(data, dict) and any(name in data for name in EXIF_FIELDS):
            data = dict(data)
            given = data.get("exif")
            facts = dict(given) if given is not None else {}
            facts.update((name, data.pop(name)) for name in EXIF_FIELDS if name in data)
            data["exif"] = facts
        return data

    @model_serializer(mode="wrap")
    def _exif_flat(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Dumped flat: the EXIF facts under their own names where `exif` stands (the shape of
        `rows --json` and of the queue table, unchanged since the facts were Row fields)."""
        data: dict[str, Any] = handler(self)
        if "exif" not in data:
            return data
        flat: dict[str, Any] = {}
        for name, value in data.items():
            if name == "exif":
                flat.update(value)
            else:
                flat[name] = value
        return flat

    def changed(self, **fields: Any) -> Self:
        """As `DomainModel.changed`; EXIF facts change under their flat names too."""
        facts = {name: fields.pop(name) for name in EXIF_FIELDS if name in fields}
        if facts:
            fields["exif"] = {**dict(fields.get("exif", self.exif)), **facts}
        return super().changed(**fields)

    @property
    def key(self) -> tuple[str, str]:
        return (self.set_name, self.original_name)

    @property
    def key_text(self) -> str:
        return f"{self.set_name}/{self.original_name}"

    @property
    def place_label(self) -> str | None:
        """"Arezzo, Tuscany, Italy": the known place parts, most specific first."""
        return Place(city=self.place_city, region=self.place_region, country=self.place_country).label

    def metadata_digest(self) -> str:
        """A digest of the reviewed metadata: an approval is valid only for this exact content."""
        payload = {name: getattr(self, name) for name in EDITABLE_FIELDS}
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]

    def has_current_accepted_proof(self) -> bool:
        return (
            self.metadata_quality == ProofVerdict.ACCEPTED
            and self.proof_digest == self.metadata_digest()
        )

    def to_public_dict(self) -> dict[str, Any]:
        """The JSON shape `proofdesk rows --json` prints."""
        return self.model_dump(mode="json")


def _flat_row_fields() -> dict[str, FieldInfo]:
    fields: dict[str, FieldInfo] = {}
    for name, info in Row.model_fields.items():
        fields.update(ExifFacts.model_fields if name == "exif" else {name: info})
    return fields


# Row's fields as `rows --json` and the queue table have them: the EXIF facts flat, in place of `exif`.
ROW_FIELDS: dict[str, FieldInfo] = _flat_row_fields()

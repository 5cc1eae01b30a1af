"""Scenes, keepers and cull suggestions: pure rules over what the scoring stage measured.

A *scene* is the frames of one set that show the same thing (a burst, a bracket, re-takes). Frames
are taken in capture order (then by file name); a frame joins the scene of the frame before it when
- it was taken at most `max_gap_s` seconds after that frame (frames without a capture time join on
  similarity alone, and never a frame that has one), and
- its picture is within `max_hash_distance` bits of one of the scene's last `window` frames by the
  shift-tolerant perceptual hash (`signature_distance`): a burst moves the framing by a few
  percent, which changes a plain 64-bit DCT hash by 10-20 bits but this one by at most 8 on the
  sample photos, while different pictures stay 14 or more bits apart.

Within a scene the frames are ranked by `frame_quality` (1 = best). The best frame is the *keeper*
(unless a person chose another one, which every rerun keeps); the others carry a *cull suggestion*
with a reason a person understands. A suggestion is never a decision: only the reviewer rejects.

When a person makes another frame the keeper, the old keeper's text is the scene's text: it goes to
the new keeper as a suggestion (`hand_over_text`) and the old keeper is a frame its keeper speaks
for again (no text, suggested for culling), so two frames of one scene never both carry it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median
from typing import Any

from proofdesk.core.domain.models import EDITABLE_FIELDS, DomainModel, Row, RowStatus, Stage
from pydantic import ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

KEEPER_BY_SCORES = "scores"
KEEPER_BY_PERSON = "person"

# the order of the windows a signature holds: 5 x 5 offsets of -6, -3, 0, 3, 6 % of the picture;
# the centre window (offset 0, 0) is the 13th
SIGNATURE_WINDOWS = 25
SIGNATURE_CENTRE = 12


class SceneSettings(DomainModel):
    """`[scenes]` in the configuration."""

    model_config = ConfigDict(frozen=True)

    max_hash_distance: int = Field(default=12, ge=0, le=64)
    max_gap_s: float = Field(default=30.0, ge=0)
    window: int = Field(default=8, ge=1, le=1000)  # how many of the scene's last frames a new frame is compared with


class QualityMeasures(DomainModel):
    """What photographers cull by, measured on the model-ready picture (8-bit luma, ITU-R 601).

    - `focus`: detail in the sharpest tenth of the picture: sqrt(max(0, P90 - 20 n^2)), P90 = the
      90th percentile over 16x16 blocks of the mean squared 4-neighbour Laplacian, n = `noise`
      (white noise of sigma n adds 20 n^2); a shallow depth of field keeps its sharp subject.
    - `noise`: luma noise sigma by Immerkaer's estimator over the calmest fifth of the blocks
      (texture is local, noise is everywhere).
    - `brightness`: mean luma (0-255); `contrast`: its standard deviation.
    - `shadows_clipped` / `highlights_clipped`: the share of pixels at luma <= 2 / >= 253.
    - `width` / `height`: the measured picture's size in pixels (None in measures stored before
      they were recorded).
    """

    model_config = ConfigDict(frozen=True)

    focus: float = Field(ge=0)
    noise: float = Field(ge=0)
    brightness: float = Field(ge=0, le=255)
    contrast: float = Field(ge=0)
    shadows_clipped: float = Field(ge=0, le=1)
    highlights_clipped: float = Field(ge=0, le=1)
    width: int | None = Field(default=None, ge=1)
    height: int | None = Field(default=None, ge=1)

    @model_serializer(mode="wrap")
    def _leave_out_an_unknown_size(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # rows store the measures as numbers only: a size not recorded is left out, never null
        data: dict[str, Any] = handler(self)
        return {key: value for key, value in data.items() if not (key in ("width", "height") and value is None)}

    @property
    def is_tiny(self) -> bool:
        """Shorter side under `TINY_SIDE` pixels: too small to judge (see `quality_flags`)."""
        return self.width is not None and self.height is not None and min(self.width, self.height) < TINY_SIDE

    @property
    def sharpness(self) -> float:
        """Focus with noise taken out: focus / (1 + noise / 3)."""
        return self.focus / (1.0 + self.noise / 3.0)

    @property
    def clipped(self) -> float:
        return self.shadows_clipped + self.highlights_clipped


# A picture whose shorter side is under this many pixels is flagged `tiny`: an icon, a thumbnail or a
# broken export rather than a photo. Below it the perceptual hash (a 32x32 DCT) works on an
# enlarged copy, the focus and noise measures have one or two 16x16 blocks a side, and BRISQUE (LIVE
# model, measured at 1..64 px a side) raises on a 1-pixel side, answers 0.0 ("perfect") whatever a
# picture under 6x6 shows, and clamps to 0 or 100 on a third of the 6-12 px crops of real photos
# and on a tenth of the 16-24 px ones.
TINY_SIDE = 32

FLAG_TEXT = {
    "tiny": f"a tiny picture (under {TINY_SIDE} pixels a side)",
    "black": "an all-black frame",
    "white": "an all-white frame",
    "flat": "a flat frame without detail",
    "clipped": "badly clipped",
}


def quality_flags(measures: QualityMeasures) -> list[str]:
    """`tiny`, `black`, `white`, `flat`, `clipped`: frames that are never a keeper while a normal one
    exists. (BRISQUE scores an all-black frame 0.0, "perfect": the scores alone cannot tell.) A tiny
    frame is flagged `tiny` alone: its other measures say little."""
    if measures.is_tiny:
        return ["tiny"]
    flags: list[str] = []
    if measures.brightness < 12 and measures.contrast < 10:
        flags.append("black")
    elif measures.brightness > 243 and measures.contrast < 10:
        flags.append("white")
    elif measures.contrast < 4 or measures.focus < 0.5:
        flags.append("flat")
    if measures.clipped >= 0.3 and not flags:
        flags.append("clipped")
    return flags


# ---------------------------------------------------------------- the shift-tolerant hash


def parse_signature(text: str | None, perceptual_hash: str | None = None) -> tuple[int, ...]:
    """The window hashes of a stored `scene_signature` ("." between 16-digit hex hashes, centre
    window at index 12), or the plain perceptual hash alone when there is no signature."""
    if text:
        try:
            hashes = tuple(int(part, 16) for part in text.split("."))
        except ValueError:
            hashes = ()
        if len(hashes) == SIGNATURE_WINDOWS:
            return hashes
    if perceptual_hash:
        try:
            return (int(perceptual_hash, 16),)
        except ValueError:
            return ()
    return ()


def _centre(hashes: tuple[int, ...]) -> int:
    return hashes[SIGNATURE_CENTRE] if len(hashes) == SIGNATURE_WINDOWS else hashes[0]


def signature_distance(first: tuple[int, ...], second: tuple[int, ...]) -> int:
    """Bits between two pictures, tolerant of a shift of up to about 6 %: the fewest differing bits
    between one picture's centre window and any window of the other (both ways). 64 when either
    has no hash."""
    if not first or not second:
        return 64
    a, b = _centre(first), _centre(second)
    return min(min((a ^ other).bit_count() for other in second), min((b ^ other).bit_count() for other in first))


# ---------------------------------------------------------------- frames and scenes


@dataclass(frozen=True)
class SceneFrame:
    """What grouping and ranking need of one row."""

    set_name: str
    name: str  # original file name
    captured_at: datetime | None
    hashes: tuple[int, ...]
    measures: QualityMeasures | None = None
    brisque: float | None = None
    brisque_is_model: bool = False
    aesthetic: float | None = None
    aesthetic_is_model: bool = False
    rejected: bool = False
    chosen_by_person: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.set_name, self.name)

    @property
    def flags(self) -> list[str]:
        return quality_flags(self.measures) if self.measures is not None else []


def _order(frame: SceneFrame) -> tuple[str, bool, datetime, str]:
    return (frame.set_name, frame.captured_at is None, frame.captured_at or datetime.min, frame.name)


def _joins(scene: list[SceneFrame], frame: SceneFrame, settings: SceneSettings) -> bool:
    before = scene[-1]
    if before.set_name != frame.set_name:
        return False
    if (before.captured_at is None) != (frame.captured_at is None):
        return False
    if before.captured_at is not None and frame.captured_at is not None:
        gap = (frame.captured_at - before.captured_at).total_seconds()
        if gap > settings.max_gap_s:
            return False
    return any(signature_distance(frame.hashes, member.hashes) <= settings.max_hash_distance
               for member in scene[-settings.window:])


def group_scenes(frames: Sequence[SceneFrame], settings: SceneSettings) -> list[list[SceneFrame]]:
    """The frames in scenes, each in capture order; the same frames always give the same scenes."""
    scenes: list[list[SceneFrame]] = []
    for frame in sorted(frames, key=_order):
        if scenes and _joins(scenes[-1], frame, settings):
            scenes[-1].append(frame)
        else:
            scenes.append([frame])
    return scenes


def scene_id(scene: Sequence[SceneFrame]) -> str:
    """"<set>:<first frame's file name>": stable while frames are added after it."""
    return f"{scene[0].set_name}:{scene[0].name}"


# ---------------------------------------------------------------- ranking


@dataclass(frozen=True)
class _Terms:
    sharpness: float
    noise: float
    exposure: float
    clipping: float
    scores: float

    @property
    def total(self) -> float:
        return self.sharpness - self.noise - self.exposure - self.clipping + self.scores


def _terms(frame: SceneFrame, least_noise: float, usual_brightness: float) -> _Terms:
    m = frame.measures
    if m is None:
        return _Terms(0.0, 0.0, 0.0, 0.0, 0.0)
    scores = 0.0
    if frame.brisque is not None and frame.brisque_is_model:
        scores -= 0.004 * max(0.0, min(frame.brisque, 150.0))
    if frame.aesthetic is not None and frame.aesthetic_is_model:
        scores += 0.05 * max(0.0, min(frame.aesthetic, 10.0))
    stops = abs(math.log2((m.brightness + 4.0) / (usual_brightness + 4.0)))
    return _Terms(
        sharpness=math.log1p(m.sharpness),
        noise=0.2 * max(0.0, math.log((1.0 + m.noise) / (1.0 + least_noise))),
        exposure=1.5 * max(0.0, stops - 0.25),
        clipping=4.0 * m.clipped,
        scores=scores,
    )


def frame_quality(frame: SceneFrame, scene: Sequence[SceneFrame]) -> float:
    """The frame's standing in its scene (higher is better):

        ln(1 + sharpness) - 0.2 max(0, ln((1 + n) / (1 + n_min))) - 1.5 max(0, |log2((b + 4) / (b_med + 4))| - 1/4)
        - 4 clipped - 0.004 BRISQUE + 0.05 aesthetic

    n_min = the scene's least noise, b_med = its median brightness (an under- or over-exposed frame
    is judged against its siblings, so a night scene is not punished for being dark). BRISQUE and
    the aesthetic score count only when a model made them (a fallback formula repeats the measures);
    no single score decides: BRISQUE alone prefers a slightly resampled copy to the sharp frame and
    the aesthetic fallback prefers a noisy one."""
    measured = [f.measures for f in scene if f.measures is not None]
    least_noise = min((m.noise for m in measured), default=0.0)
    usual = median([m.brightness for m in measured]) if measured else 128.0
    return _terms(frame, least_noise, usual).total


@dataclass(frozen=True)
class SceneDecision:
    """What the scene stage writes on one row."""

    key: tuple[str, str]
    scene_id: str
    scene_size: int
    scene_rank: int
    keeper: bool
    keeper_chosen_by: str | None
    cull_suggested: bool
    cull_reason: str | None
    quality_flags: list[str] = field(default_factory=list)


def _stem(name: str) -> str:
    return name.rsplit(".", 1)[0] if "." in name else name


def cull_reason(frame: SceneFrame, keeper: SceneFrame, scene: Sequence[SceneFrame]) -> str:
    """Why `frame` is suggested for culling, naming the keeper and the measure that tells them apart."""
    keeper_name = _stem(keeper.name)
    if keeper.chosen_by_person:
        return f"{keeper_name} was chosen as the keeper by a person"
    flags = frame.flags
    if flags and not keeper.flags:
        return f"{_stem(frame.name)} is {FLAG_TEXT[flags[0]]}; {keeper_name} is not"
    if frame.measures is None or keeper.measures is None:
        return f"{keeper_name} ranks higher in this scene"
    measured = [f.measures for f in scene if f.measures is not None]
    least_noise = min(m.noise for m in measured)
    usual = median([m.brightness for m in measured])
    mine, best = _terms(frame, least_noise, usual), _terms(keeper, least_noise, usual)
    fm, km = frame.measures, keeper.measures
    gaps = {  # the sharpness term split into its focus and noise parts
        "sharp": math.log1p(km.focus) - math.log1p(fm.focus),
        "noise": mine.noise - best.noise + math.log1p(fm.noise / 3.0) - math.log1p(km.noise / 3.0),
        "exposure": mine.exposure - best.exposure,
        "clipping": mine.clipping - best.clipping,
    }
    why, gap = max(gaps.items(), key=lambda item: item[1])
    if gap <= 0.05:
        return (f"{keeper_name} is about as good and ranks a little higher "
                f"(focus {km.focus:.0f} vs {fm.focus:.0f}, noise {km.noise:.1f} vs {fm.noise:.1f})")
    if why == "sharp":
        return f"{keeper_name} is sharper (focus {km.focus:.0f} vs {fm.focus:.0f})"
    if why == "noise":
        return f"{keeper_name} is cleaner (noise {km.noise:.1f} vs {fm.noise:.1f})"
    if why == "exposure":
        word = "darker" if fm.brightness < km.brightness else "brighter"
        return f"{keeper_name} is better exposed ({_stem(frame.name)} is {word}: level {fm.brightness:.0f} vs {km.brightness:.0f} of 255)"
    return f"{keeper_name} is less clipped ({fm.clipped:.0%} vs {km.clipped:.0%} of pixels at black or white)"


def decide_scene(scene: Sequence[SceneFrame]) -> list[SceneDecision]:
    """Rank the frames of one scene (1 = best; flagged frames after every normal one), choose the
    keeper (a person's choice first, else the best frame not rejected) and give the others a cull
    suggestion with its reason."""
    ranked = sorted(scene, key=lambda f: (bool(f.flags), -frame_quality(f, scene), f.name))
    chosen = [f for f in ranked if f.chosen_by_person and not f.rejected]
    standing = [f for f in ranked if not f.rejected]
    keeper = chosen[0] if chosen else (standing[0] if standing else ranked[0])
    by = KEEPER_BY_PERSON if chosen else KEEPER_BY_SCORES
    sid = scene_id(sorted(scene, key=_order))
    decisions = []
    for rank, frame in enumerate(ranked, start=1):
        is_keeper = frame is keeper
        decisions.append(SceneDecision(
            key=frame.key, scene_id=sid, scene_size=len(scene), scene_rank=rank, keeper=is_keeper,
            keeper_chosen_by=by if is_keeper else None, cull_suggested=not is_keeper,
            cull_reason=None if is_keeper else cull_reason(frame, keeper, scene), quality_flags=frame.flags,
        ))
    return decisions


# ---------------------------------------------------------------- a person's keeper


def hand_over_text(old_keeper: Row, new_keeper: Row) -> tuple[Row, Row]:
    """The scene's text moves from the old keeper to the keeper a person chose: the new keeper gets
    the old one's caption, alt text, keywords and file name as a suggestion (`pending_suggestion`:
    `accept-suggestion` puts it in place, its own text is kept), and the old keeper gives its text
    up (kept in its `suggestion_history`), unproven and pending like any frame its keeper speaks for.
    Nothing moves from an old keeper a person approved or that is published (its text is decided;
    the duplicate check across the scene keeps the new keeper from repeating it) or that holds no text."""
    text = {name: getattr(old_keeper, name) for name in EDITABLE_FIELDS}
    decided = old_keeper.status in (RowStatus.APPROVED, RowStatus.PUBLISHED) or old_keeper.remote_id is not None
    if decided or old_keeper.key == new_keeper.key or not any(text.values()):
        return old_keeper, new_keeper
    offered = {name: value for name, value in text.items() if value and value != getattr(new_keeper, name)}
    new = new_keeper.changed(pending_suggestion={**new_keeper.pending_suggestion, **offered})
    snapshot = {**text, "keywords": list(old_keeper.keywords), "source": old_keeper.caption_source,
                "provenance": dict(old_keeper.provenance)}
    old = old_keeper.changed(
        caption=None, alt_text=None, keywords=[], file_name=None, caption_source=None, provenance={},
        edited_fields=[], pending_suggestion={}, suggestion_history=[*old_keeper.suggestion_history, snapshot][-10:],
        metadata_quality=None, proof_reasons=[], proof_digest=None,
        status=RowStatus.PENDING if old_keeper.status != RowStatus.INGESTED else RowStatus.INGESTED,
        # captioned again only when it is a keeper again (`captioner.scope = keepers`)
        stages_done=[stage for stage in old_keeper.stages_done if stage != Stage.CAPTION.value],
    )
    return old, new

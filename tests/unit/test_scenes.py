"""Scenes, keepers and cull suggestions (pure rules), the scene-consistency proof rule, and the
numpy frame analyzer on real sample photos."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageChops, ImageFilter
from proofdesk.adapters.images.frame_analyzer import NumpyFrameAnalyzer
from proofdesk.core.domain.models import ProofReason
from proofdesk.core.domain.proof.evidence import Evidence
from proofdesk.core.domain.proof.model import ProofMetadata
from proofdesk.core.domain.proof.rules_scenes import SceneConsistencyRule, proper_names
from proofdesk.core.domain.proof.ruleset import check
from proofdesk.core.domain.scenes import (
    QualityMeasures,
    SceneFrame,
    SceneSettings,
    decide_scene,
    group_scenes,
    parse_signature,
    quality_flags,
    signature_distance,
)
from proofdesk.core.ports.media import DecodedImage

T0 = datetime(2026, 6, 12, 10, 0, 0)
NORMAL = QualityMeasures(focus=100, noise=2, brightness=120, contrast=50, shadows_clipped=0.0, highlights_clipped=0.0)


def measures(**changes: float) -> QualityMeasures:
    return NORMAL.changed(**changes)


def frame(name: str, seconds: float | None, hashes: tuple[int, ...], m: QualityMeasures | None = NORMAL, **extra: object) -> SceneFrame:
    at = None if seconds is None else T0 + timedelta(seconds=seconds)
    return SceneFrame(set_name="shoot", name=name, captured_at=at, hashes=hashes, measures=m, **extra)  # type: ignore[arg-type]


A, B = (0x0F0F0F0F0F0F0F0F,), (0xF0F0F0F0F0F0F0F0,)


def test_frames_a_second_apart_with_similar_pictures_are_one_scene_and_a_time_gap_splits() -> None:
    frames = [frame(f"DSC_{i}.jpg", i, A) for i in range(3)] + [frame(f"DSC_{i}.jpg", 200 + i, A) for i in range(3, 5)]
    scenes = group_scenes(frames, SceneSettings())
    assert [[f.name for f in scene] for scene in scenes] == [["DSC_0.jpg", "DSC_1.jpg", "DSC_2.jpg"], ["DSC_3.jpg", "DSC_4.jpg"]]


def test_a_different_picture_within_the_gap_starts_a_new_scene() -> None:
    scenes = group_scenes([frame("a.jpg", 0, A), frame("b.jpg", 1, B), frame("c.jpg", 2, B)], SceneSettings())
    assert [len(scene) for scene in scenes] == [1, 2]


def test_frames_without_capture_time_group_on_similarity_alone_and_never_with_timed_frames() -> None:
    scenes = group_scenes([frame("x1.jpg", None, A), frame("x2.jpg", None, A), frame("t.jpg", 0, A)], SceneSettings())
    assert sorted(len(scene) for scene in scenes) == [1, 2]


def test_the_same_frames_in_any_order_give_the_same_scenes() -> None:
    frames = [frame(f"F{i:02}.jpg", i * (1 if i % 7 else 100), A if i % 3 else B) for i in range(30)]
    expected = [[f.name for f in s] for s in group_scenes(frames, SceneSettings())]
    shuffled = list(frames)
    random.Random(3).shuffle(shuffled)
    assert [[f.name for f in s] for s in group_scenes(shuffled, SceneSettings())] == expected


def test_signature_distance_is_tolerant_of_a_shift_between_windows() -> None:
    centre = 0x1234_5678_9ABC_DEF0
    first = tuple([0xFFFF_0000_FFFF_0000] * 12 + [centre] + [0] * 12)
    second = tuple([centre if i == 3 else 0xAAAA_AAAA_AAAA_AAAA for i in range(25)])  # the same content, shifted
    assert signature_distance(first, second) == 0
    assert signature_distance(first, ()) == 64
    assert parse_signature(".".join(f"{h:016x}" for h in first)) == first
    assert parse_signature("not-a-signature", "00000000000000ff") == (0xFF,)


@pytest.mark.parametrize(("changes", "flag"), [
    ({"brightness": 3, "contrast": 2}, "black"),
    ({"brightness": 250, "contrast": 3}, "white"),
    ({"contrast": 2, "focus": 0.1}, "flat"),
    ({"shadows_clipped": 0.2, "highlights_clipped": 0.2}, "clipped"),
])
def test_black_white_flat_and_clipped_frames_are_flagged(changes: dict[str, float], flag: str) -> None:
    assert quality_flags(measures(**changes)) == [flag]
    assert quality_flags(NORMAL) == []


def test_a_flagged_frame_is_never_the_keeper_while_a_normal_frame_exists_even_with_a_perfect_brisque() -> None:
    black = frame("black.jpg", 0, A, measures(brightness=1, contrast=1, focus=0), brisque=0.0, brisque_is_model=True)
    soft = frame("soft.jpg", 1, A, measures(focus=20), brisque=60.0, brisque_is_model=True)
    decisions = {d.key[1]: d for d in decide_scene([black, soft])}
    assert decisions["soft.jpg"].keeper and decisions["soft.jpg"].scene_rank == 1
    assert decisions["black.jpg"].cull_suggested and decisions["black.jpg"].quality_flags == ["black"]
    assert decisions["black.jpg"].cull_reason == "black is an all-black frame; soft is not"


def test_the_sharp_frame_beats_blurred_noisy_and_dark_ones_with_a_reason_naming_the_keeper() -> None:
    scene = [
        frame("DSC_0410.jpg", 0, A, measures(focus=96)),
        frame("DSC_0411.jpg", 1, A, measures(noise=14, focus=410)),
        frame("DSC_0412.jpg", 2, A, measures(brightness=45, focus=400)),
        frame("DSC_0413.jpg", 3, A, measures(focus=412)),
    ]
    decisions = {d.key[1]: d for d in decide_scene(scene)}
    assert [name for name, d in decisions.items() if d.keeper] == ["DSC_0413.jpg"]
    assert decisions["DSC_0410.jpg"].cull_reason == "DSC_0413 is sharper (focus 412 vs 96)"
    assert decisions["DSC_0411.jpg"].cull_reason == "DSC_0413 is cleaner (noise 2.0 vs 14.0)"
    assert decisions["DSC_0412.jpg"].cull_reason == "DSC_0413 is better exposed (DSC_0412 is darker: level 45 vs 120 of 255)"
    assert sorted(d.scene_rank for d in decisions.values()) == [1, 2, 3, 4]
    assert {d.scene_id for d in decisions.values()} == {"shoot:DSC_0410.jpg"}


def test_a_person_chosen_keeper_stays_the_keeper_and_a_rejected_frame_never_is() -> None:
    scene = [frame("best.jpg", 0, A, measures(focus=400), rejected=True), frame("good.jpg", 1, A, measures(focus=200)),
             frame("chosen.jpg", 2, A, measures(focus=50), chosen_by_person=True)]
    decisions = {d.key[1]: d for d in decide_scene(scene)}
    assert decisions["chosen.jpg"].keeper and decisions["chosen.jpg"].keeper_chosen_by == "person"
    assert decisions["good.jpg"].cull_reason == "chosen was chosen as the keeper by a person"
    without_choice = {d.key[1]: d for d in decide_scene(scene[:2])}
    assert without_choice["good.jpg"].keeper and without_choice["best.jpg"].scene_rank == 1


def test_a_one_frame_scene_is_its_own_keeper() -> None:
    (decision,) = decide_scene([frame("only.jpg", 0, A, None)])
    assert decision.keeper and not decision.cull_suggested and decision.scene_size == 1 and decision.cull_reason is None


# ---------------------------------------------------------------- one story per scene


def test_proper_names_skip_sentence_openers_and_file_names() -> None:
    assert proper_names("Rialto Bridge over the Grand Canal in Venice.") == ["Rialto Bridge", "Grand Canal", "Venice"]
    assert proper_names("Sunset over the bay. In Arezzo, frame DSC_0001 at ISO 200.") == ["Arezzo"]


def _consistency(caption: str, keeper_caption: str) -> list[ProofReason]:
    evidence = Evidence(scene_keeper="DSC_0413.jpg", scene_keeper_text=(keeper_caption,))
    metadata = ProofMetadata(caption=caption, alt_text="", keywords=[], file_name="x.jpg")
    return check(metadata, evidence, rules=[SceneConsistencyRule()])


def test_a_frame_naming_another_landmark_than_its_keeper_is_flagged_naming_the_keeper() -> None:
    (reason,) = _consistency("Crowds cross the Ponte Vecchio at dusk.", "Crowds cross the Rialto Bridge at dusk.")
    assert reason.rule == "scene.consistency"
    assert "DSC_0413.jpg" in reason.message and "Ponte Vecchio" in reason.message and "Rialto Bridge" in reason.message


def test_a_frame_agreeing_with_or_adding_to_its_keeper_is_not_flagged() -> None:
    assert _consistency("The Rialto Bridge from the water.", "Crowds cross the Rialto Bridge at dusk.") == []
    assert _consistency("Gondolas pass the Rialto Bridge and Fondaco dei Tedeschi.", "The Rialto Bridge at dusk.") == []
    assert _consistency("A gull on a post.", "The Rialto Bridge at dusk.") == []


# ---------------------------------------------------------------- the frame analyzer on real photos


def _decoded(picture: Image.Image) -> DecodedImage:
    rgb = picture.convert("RGB")
    return DecodedImage(rgb.width, rgb.height, rgb.tobytes())


def test_the_analyzer_measures_blur_noise_darkness_and_tells_a_shifted_copy_from_another_photo(gps_set: Path) -> None:
    analyzer = NumpyFrameAnalyzer()
    first, other = sorted(gps_set.glob("*.jpg"))[:2]
    picture = Image.open(first).convert("RGB")
    pixels = np.asarray(picture).astype(np.float32)
    original = analyzer.analyze(_decoded(picture))
    blurred = analyzer.analyze(_decoded(picture.filter(ImageFilter.GaussianBlur(2.5))))
    noisy = analyzer.analyze(_decoded(Image.fromarray(np.clip(pixels + np.random.default_rng(1).normal(0, 25, pixels.shape), 0, 255)
                                                      .astype(np.uint8))))
    dark = analyzer.analyze(_decoded(Image.fromarray((pixels * 0.4).astype(np.uint8))))
    shifted = analyzer.analyze(_decoded(ImageChops.offset(picture, -25, 12)))
    different = analyzer.analyze(_decoded(Image.open(other)))
    black = analyzer.analyze(_decoded(Image.new("RGB", (320, 240))))
    assert blurred.measures.focus < original.measures.focus / 3
    assert noisy.measures.noise > original.measures.noise * 1.5
    assert dark.measures.brightness < original.measures.brightness * 0.5
    assert quality_flags(black.measures) == ["black"]
    distance = signature_distance(parse_signature(original.signature), parse_signature(shifted.signature))
    assert distance <= SceneSettings().max_hash_distance
    assert signature_distance(parse_signature(original.signature), parse_signature(different.signature)) > SceneSettings().max_hash_distance
    assert analyzer.analyze(_decoded(picture)) == original  # deterministic

"""The duplicate index: exact and near duplicates, owners, file names, atomic claims."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from proofdesk.core.domain.proof import (
    DuplicateIndex,
    length_window,
    normalise_for_duplicates,
)
from rapidfuzz import fuzz

CAPTION = "A red fishing boat moored in Reine harbour under steep mountains."


@pytest.fixture
def index() -> DuplicateIndex:
    index = DuplicateIndex()
    index.load(
        [
            ("lofoten/IMG_0001.jpg", "caption", CAPTION),
            ("lofoten/IMG_0001.jpg", "alt_text", "Red fishing boat in a harbour below mountains"),
            ("lofoten/IMG_0001.jpg", "file_name", "red-fishing-boat-reine.jpg"),
            ("gallery:boat.jpg", "file_name", "boat.jpg"),
        ]
    )
    return index


def test_normalisation_keeps_digits_and_collapses_punctuation() -> None:
    assert normalise_for_duplicates("  A red-boat, No. 12!  ") == "a red boat no 12"


def test_exact_duplicate_names_the_owner(index: DuplicateIndex) -> None:
    reason = index.check("lofoten/IMG_0002.jpg", "caption", "a red fishing boat moored in Reine harbour, under steep mountains!")
    assert reason is not None and reason.rule == "duplicate.caption" and reason.field == "caption"
    assert "lofoten/IMG_0001.jpg" in reason.message and "already used" in reason.message


def test_near_duplicate_caption_and_alt_text(index: DuplicateIndex) -> None:
    near = "A red fishing boat moored in Reine harbor under steep mountains."
    assert fuzz.ratio(normalise_for_duplicates(near), normalise_for_duplicates(CAPTION)) >= 95
    reason = index.check("lofoten/IMG_0002.jpg", "caption", near)
    assert reason is not None and "near duplicate" in reason.message and "% similar" in reason.message
    assert index.check("lofoten/IMG_0002.jpg", "alt_text", "Red fishing boats in a harbour below mountains") is not None


def test_different_captions_pass(index: DuplicateIndex) -> None:
    assert index.check("lofoten/IMG_0002.jpg", "caption", "A blue fishing boat moored in Hamnøy harbour at dusk.") is None
    assert index.check("lofoten/IMG_0002.jpg", "caption", "") is None


def test_own_entry_is_never_a_duplicate(index: DuplicateIndex) -> None:
    assert index.check("lofoten/IMG_0001.jpg", "caption", CAPTION) is None
    assert index.check_and_claim("lofoten/IMG_0001.jpg", "caption", CAPTION.replace("steep", "steep,")) is None


def test_file_names_are_exact_only(index: DuplicateIndex) -> None:
    index.add("lofoten/IMG_0003.jpg", "file_name", "boat-1.jpg")
    assert index.check("lofoten/IMG_0004.jpg", "file_name", "boat-2.jpg") is None
    reason = index.check("lofoten/IMG_0004.jpg", "file_name", "Boat-1.JPG")
    assert reason is not None and reason.rule == "duplicate.file_name" and "lofoten/IMG_0003.jpg" in reason.message


def test_published_gallery_name_is_never_reused(index: DuplicateIndex) -> None:
    assert index.check_and_claim("lofoten/IMG_0005.jpg", "file_name", "boat.jpg") is not None
    assert index.unique_file_name("lofoten/IMG_0005.jpg", "boat.jpg") == "boat-2.jpg"
    assert index.claim_unique_file_name("lofoten/IMG_0005.jpg", "boat.jpg") == "boat-2.jpg"
    assert index.claim_unique_file_name("lofoten/IMG_0006.jpg", "boat.jpg") == "boat-3.jpg"
    assert index.owners_of("file_name", "boat-3.jpg") == {"lofoten/IMG_0006.jpg"}


def test_unique_file_name_respects_the_length_limit() -> None:
    index = DuplicateIndex()
    long_name = "a" * 76 + ".jpg"
    index.add("x", "file_name", long_name)
    unique = index.unique_file_name("y", long_name, max_chars=80)
    assert len(unique) <= 80 and unique.endswith("-2.jpg")


def test_claim_release_and_replace(index: DuplicateIndex) -> None:
    owner = "lofoten/IMG_0009.jpg"
    assert index.check_and_claim(owner, "caption", "Drying racks of stockfish beside the road to Å.") is None
    assert index.check("other/x.jpg", "caption", "Drying racks of stockfish beside the road to Å.") is not None
    index.replace(owner, "caption", "Stockfish racks at sunset.")
    assert index.check("other/x.jpg", "caption", "Drying racks of stockfish beside the road to Å.") is None
    index.release(owner)
    assert index.held_by(owner) == {}
    assert index.check("other/x.jpg", "caption", "Stockfish racks at sunset.") is None


def test_a_duplicate_claim_frees_the_owners_previous_text(index: DuplicateIndex) -> None:
    owner = "lofoten/IMG_0002.jpg"
    assert index.check_and_claim(owner, "caption", "Cod drying on wooden racks in Reine.") is None
    assert index.check_and_claim(owner, "caption", CAPTION) is not None  # now says someone else's caption
    assert index.check("third/x.jpg", "caption", "Cod drying on wooden racks in Reine.") is None
    assert "caption" not in index.held_by(owner)


def test_near_match_skips_own_old_text_but_finds_another() -> None:
    index = DuplicateIndex()
    index.add("me", "caption", "A red boat moored in the harbour at Reine in Lofoten.")
    index.add("other", "caption", "A red boat moored in the harbour at Reine in Lofoten!!")  # same normalised
    assert index.owners_of("caption", "a red boat moored in the harbour at reine in lofoten") == {"me", "other"}
    reason = index.check("me", "caption", "A red boat moored in the harbour at Reine, Lofoten.")
    assert reason is not None and "other" in reason.message


def test_length_window_is_exact_for_the_ratio_bound() -> None:
    for length in (1, 10, 57, 100, 300):
        low, high = length_window(length, 95)
        for other in range(1, 700):
            reachable = 200 * min(length, other) / (length + other) >= 95  # best case: one contains the other
            if reachable:
                assert low <= other <= high


def test_unknown_field_and_bad_threshold() -> None:
    with pytest.raises(ValueError, match="unknown field"):
        DuplicateIndex().check("a", "title", "x")
    with pytest.raises(ValueError):
        DuplicateIndex(threshold=0)


@pytest.mark.parametrize("spelling", ["same", "near"])
def test_concurrent_claims_exactly_one_wins(spelling: str) -> None:
    index = DuplicateIndex(lock=threading.RLock())
    threads = 32
    barrier = threading.Barrier(threads)
    base = "Fishermen mend nets on the quay while gulls circle the harbour in Reine."

    def caption_for(number: int) -> str:
        if spelling == "same":
            return base if number % 2 else base.upper().replace(".", "!")
        return base.replace("gulls", "gull" if number % 2 else "gulls,")

    def claim(number: int) -> bool:
        barrier.wait()
        return index.check_and_claim(f"set/IMG_{number:04d}.jpg", "caption", caption_for(number)) is None

    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(claim, range(threads)))
    assert sum(results) == 1
    (winner,) = [number for number, won in enumerate(results) if won]
    assert index.held_by(f"set/IMG_{winner:04d}.jpg").keys() == {"caption"}
    assert len(index) == 1


def test_concurrent_file_name_claims_get_distinct_names() -> None:
    index = DuplicateIndex()
    threads = 24
    barrier = threading.Barrier(threads)

    def claim(number: int) -> str:
        barrier.wait()
        return index.claim_unique_file_name(f"set/IMG_{number:04d}.jpg", "red-boat.jpg")

    with ThreadPoolExecutor(max_workers=threads) as pool:
        names = list(pool.map(claim, range(threads)))
    assert len(set(names)) == threads
    assert "red-boat.jpg" in names and "red-boat-24.jpg" in names


def test_concurrent_proofs_accept_one_row_per_caption(row_factory) -> None:
    from proofdesk.core.domain.proof import proof

    index = DuplicateIndex()
    threads = 16
    barrier = threading.Barrier(threads)
    rows = [
        row_factory(original_name=f"IMG_{n:04d}.jpg", alt_text=f"Harbour view number {n} of {threads} from the quay")
        for n in range(threads)
    ]

    def run(row):
        barrier.wait()
        return proof(row, index=index)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(run, rows))
    assert sum(result.accepted for result in results) == 1
    for result in results:
        if not result.accepted:
            assert "duplicate.caption" in {reason.rule for reason in result.violations}
    assert len({result.file_name for result in results}) == threads  # every row got its own name


def test_every_frame_is_checked_across_its_scene_at_the_scene_threshold_and_only_there() -> None:
    """An index that counts only exact duplicates (the offline backend's) still finds a 95 %+
    similar text on another frame of the same scene, for the keeper and every other frame alike (two
    accepted frames of one scene never share a near-duplicate caption); other scenes keep the
    index's own threshold."""
    first, second = "Midday frame DSC_0110 from Burst, 10:06:00.", "Midday frame DSC_0111 from Burst, 10:06:01."
    assert fuzz.ratio(normalise_for_duplicates(first), normalise_for_duplicates(second)) >= 95
    index = DuplicateIndex(threshold=100.0, scene_threshold=95.0)
    index.set_scene("s/DSC_0110.jpg", "s:DSC_0110.jpg")
    index.set_scene("s/DSC_0111.jpg", "s:DSC_0110.jpg", keeper=True)
    index.set_scene("s/DSC_0120.jpg", "s:DSC_0120.jpg", keeper=True)
    index.add("s/DSC_0110.jpg", "caption", first)

    match = index.find("s/DSC_0111.jpg", "caption", second)
    assert match is not None and match.owner == "s/DSC_0110.jpg" and match.same_scene and match.score < 100
    assert "a frame of the same scene" in match.reason().message
    assert index.check_and_claim("s/DSC_0111.jpg", "caption", second) is not None
    assert index.held_by("s/DSC_0111.jpg") == {}  # a duplicate claims nothing
    assert index.find("s/DSC_0120.jpg", "caption", second) is None  # another scene: exact only
    index.set_scene("s/DSC_0112.jpg", "s:DSC_0110.jpg")
    other = index.find("s/DSC_0112.jpg", "caption", second)  # not the keeper: checked across its scene too
    assert other is not None and other.owner == "s/DSC_0110.jpg" and other.same_scene
    assert DuplicateIndex(threshold=100.0).find("s/DSC_0111.jpg", "caption", second) is None

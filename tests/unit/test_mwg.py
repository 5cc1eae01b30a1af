"""The MWG reading rules as pure functions: precedence, placeholders, legacy IPTC text, exposure."""

from __future__ import annotations

import pytest
from proofdesk.core.domain.mwg import (
    IptcState,
    decode_iim,
    exposure_text,
    iim_time,
    is_placeholder,
    pick_capture_time,
    pick_list,
    pick_text,
    real_list,
    xmp_time,
)

IN_STEP = IptcState(present=True, stored_digest="aa", current_digest="aa")
STALE = IptcState(present=True, stored_digest="aa", current_digest="bb")
NO_DIGEST = IptcState(present=True)
NO_IPTC = IptcState(present=False)


@pytest.mark.parametrize(("exif", "iptc", "xmp", "state", "expected"), [
    ("exif", "iptc", "xmp", STALE, "exif"),  # EXIF first
    (None, "iptc", "xmp", IN_STEP, "xmp"),
    (None, "iptc", "xmp", NO_DIGEST, "xmp"),
    (None, "iptc", "xmp", STALE, "iptc"),  # changed by a program unaware of XMP
    (None, None, "xmp", NO_IPTC, "xmp"),
    (None, "iptc", None, STALE, "iptc"),
    (None, None, None, NO_IPTC, None),
])
def test_pick_text_follows_the_mwg_reading_rule(exif: str | None, iptc: str | None, xmp: str | None,
                                                state: IptcState, expected: str | None) -> None:
    assert pick_text(exif, iptc, xmp, state, 2000) == expected


def test_iptc_cut_at_its_limit_is_recovered_from_xmp() -> None:
    long_text = "word " * 500
    cut = long_text.encode()[:2000].decode()
    assert pick_text(None, cut, long_text, STALE, 2000) == long_text
    assert pick_list(["a" * 64], ["a" * 70], STALE, 64) == ["a" * 70]


@pytest.mark.parametrize("text", ["OLYMPUS DIGITAL CAMERA", "  SAMSUNG   ", "null", "Caption", "DCIM/100CANON",
                                  "untitled", "IMG_1234.JPG", "DSC01234", "---", "", "EXIF_JPEG_PICTURE",
                                  "Nikon digital camera"])
def test_camera_defaults_and_empty_text_are_placeholders(text: str) -> None:
    assert is_placeholder(text)


@pytest.mark.parametrize("text", ["Harbour at dawn", "2008", "Mit blauem Kleid", "Wilts & Dorset Bus"])
def test_real_text_is_no_placeholder(text: str) -> None:
    assert not is_placeholder(text)


def test_the_cameras_make_or_model_alone_is_a_placeholder_but_a_brand_keyword_stays() -> None:
    assert is_placeholder("456", camera=("456", "123")) and is_placeholder("123", camera=("456", "123"))
    assert real_list(["apple", "Apple", "null", "orchard"]) == ["apple", "orchard"]


@pytest.mark.parametrize(("raw", "charset", "reference", "expected"), [
    ("José".encode(), None, None, "José"),  # valid UTF-8
    ("José".encode("mac_roman"), None, "José", "José"),  # the code page the XMP confirms
    ("Müller".encode("cp1252"), None, None, "Müller"),  # the plausible Western code page
    ("Café".encode(), b"\x1b%G", None, "Café"),
    (b"Jos\x8e", None, None, "José"),  # Mac Roman's é, never the control character \x8e
])
def test_legacy_iptc_text_is_decoded_without_control_characters(raw: bytes, charset: bytes | None,
                                                                reference: str | None, expected: str) -> None:
    text, _ = decode_iim(raw, charset, reference)
    assert text == expected


@pytest.mark.parametrize(("seconds", "expected"), [(0.004, "1/250"), (0.4, "0.4"), (0.5, "0.5"), (2.0, "2"),
                                                   (2.5, "2.5"), (1 / 1493.0, "1/1493"), (0.25, "1/4"), (30.0, "30")])
def test_exposure_times_read_as_photographers_write_them(seconds: float, expected: str) -> None:
    assert exposure_text(seconds) == expected


def test_a_date_alone_takes_the_time_the_other_block_records_for_that_day() -> None:
    xmp = xmp_time("2006-10-29")
    iptc = iim_time("2006-10-29", "06:27:51-05:00")
    picked = pick_capture_time(None, iptc, xmp, NO_DIGEST)
    assert picked is not None and (picked.wall, picked.offset) == ("2006-10-29T06:27:51", "-05:00")
    assert pick_capture_time(None, None, xmp_time("0000-00-00"), NO_IPTC) is None

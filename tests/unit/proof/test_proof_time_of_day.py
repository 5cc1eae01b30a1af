"""Time-of-day words against the capture time: GPS, then camera clock + offset, then wall time."""

from __future__ import annotations

import pytest
from proofdesk.core.domain.proof import (
    Evidence,
    agrees,
    find_time_words,
    resolve_capture,
)
from proofdesk.core.domain.proof.rules_metadata import TimeOfDayRule
from proofdesk.core.domain.proof.timeofday import parse_offset, season, time_of_day_word

AREZZO_POSITION = {"gps_latitude": 43.4633, "gps_longitude": 11.8797}


def gps_evidence(utc: str = "2008-10-22T14:28:07Z", wall: str = "2008-10-22T16:28:39") -> Evidence:
    return Evidence(captured_at=wall, captured_offset="+02:00", gps_timestamp_utc=utc, **AREZZO_POSITION)


class TestResolveCapture:
    def test_gps_source_puts_the_sun_well_above_the_horizon(self) -> None:
        for utc in ("2008-10-22T14:28:07Z", "2008-10-22T15:00:00Z"):
            moment = gps_evidence(utc).capture
            assert moment is not None and moment.source == "gps_time"
            assert 10 < moment.elevation < 25
            assert 15 < moment.solar_hour < 17  # mid-afternoon by the sun

    def test_offset_source_converts_the_wall_time_to_utc(self) -> None:
        moment = resolve_capture("2008-10-22T16:28:39", "+02:00", None, 43.4633, 11.8797)
        assert moment is not None and moment.source == "exif_offset"
        assert moment.utc is not None and (moment.utc.hour, moment.utc.minute) == (14, 28)
        assert moment.utc.utcoffset().total_seconds() == 0

    def test_wall_source_without_position(self) -> None:
        moment = resolve_capture("2008-10-22T16:28:39", "+02:00", "2008-10-22T14:28:07Z", None, None)
        assert moment is not None and moment.source == "none" and moment.elevation is None
        assert moment.wall_hour == pytest.approx(16.4775, abs=1e-3)

    def test_exif_style_wall_time_and_embedded_offset(self) -> None:
        moment = resolve_capture("2008:10:22 16:28:39", None, None, None, None)
        assert moment is not None and moment.local is not None and moment.local.hour == 16
        moment = resolve_capture("2008-10-22T16:28:39+02:00", None, None, 43.4633, 11.8797)
        assert moment is not None and moment.source == "exif_offset" and moment.utc.hour == 14

    def test_unknown_time_and_null_island(self) -> None:
        assert resolve_capture(None, None, None, 43.46, 11.88) is None
        assert resolve_capture("garbage", None, None, None, None) is None
        moment = resolve_capture("2008-10-22T16:28:39", None, "2008-10-22T14:28:07Z", 0.0, 0.0)
        assert moment is not None and moment.source == "none"

    def test_position_and_wall_time_without_offset_use_hour_windows(self) -> None:
        # converting needs an offset; the machine's zone is never guessed
        moment = resolve_capture("2008-10-22T16:28:39", None, None, 43.4633, 11.8797)
        assert moment is not None and moment.source == "none" and moment.utc is None

    @pytest.mark.parametrize(("text", "minutes"), [("+02:00", 120), ("-0530", -330), ("Z", 0), ("+2", 120)])
    def test_parse_offset(self, text: str, minutes: int) -> None:
        offset = parse_offset(text)
        assert offset is not None and offset.total_seconds() == minutes * 60
        assert parse_offset("CEST") is None


class TestArezzoGroundTruth:
    """22 Oct 2008, 16:28-17:00 local (UTC+2) in Arezzo: afternoon, sun well above the horizon."""

    @pytest.mark.parametrize("utc", ["2008-10-22T14:28:07Z", "2008-10-22T14:45:00Z", "2008-10-22T15:00:00Z"])
    def test_afternoon_accepted(self, rule_messages, utc: str) -> None:
        evidence = gps_evidence(utc)
        assert rule_messages(TimeOfDayRule(), evidence=evidence,
                             caption="Stone houses on Piazza Grande in the afternoon light.") == []  # fmt: skip
        assert evidence.time_of_day == "afternoon"

    @pytest.mark.parametrize(
        ("caption", "word"),
        [
            ("The old town of Arezzo at night.", "night"),
            ("Sunrise over the rooftops of Arezzo.", "Sunrise"),
            ("Arezzo's cathedral at dawn.", "dawn"),
            ("Piazza Grande at midnight.", "midnight"),
            ("Blue hour over the piazza.", "Blue hour"),
        ],
    )
    def test_contradictions_blocked(self, rule_messages, caption: str, word: str) -> None:
        (message,) = rule_messages(TimeOfDayRule(), evidence=gps_evidence(), caption=caption)
        assert f'says "{word}"' in message
        assert "16:28 local time (14:28 UTC)" in message and "above the horizon" in message

    def test_without_gps_stamp_the_offset_is_used(self, rule_messages) -> None:
        evidence = Evidence(captured_at="2008-10-22T16:28:39", captured_offset="+02:00", **AREZZO_POSITION)
        assert evidence.capture is not None and evidence.capture.source == "exif_offset"
        assert rule_messages(TimeOfDayRule(), evidence=evidence, caption="A piazza in Arezzo in the afternoon.") == []
        assert rule_messages(TimeOfDayRule(), evidence=evidence, caption="A piazza in Arezzo at night.") != []

    def test_with_only_wall_time(self, rule_messages) -> None:
        evidence = Evidence(captured_at="2008-10-22T16:28:39")
        assert evidence.capture is not None and evidence.capture.source == "none"
        assert rule_messages(TimeOfDayRule(), evidence=evidence, caption="A piazza in Arezzo in the afternoon.") == []
        (message,) = rule_messages(TimeOfDayRule(), evidence=evidence, caption="A piazza in Arezzo at night.")
        assert "16:28 local time" in message and "camera clock" in message
        assert rule_messages(TimeOfDayRule(), evidence=evidence, caption="Sunrise on a piazza in Arezzo.") != []

    def test_no_capture_time_cannot_check(self, rule_messages) -> None:
        assert rule_messages(TimeOfDayRule(), evidence=Evidence(), caption="A piazza in Arezzo at night.") == []

    def test_alt_text_file_name_and_keywords_are_checked(self, rule_messages) -> None:
        reasons = rule_messages(
            TimeOfDayRule(),
            evidence=gps_evidence(),
            alt_text="Piazza at sunset",
            file_name="piazza-grande-night.jpg",
            keywords=["piazza", "golden hour"],
        )
        assert len(reasons) == 3
        assert any(m.startswith('alt text says "sunset"') for m in reasons)
        assert any(m.startswith('file name says "night"') for m in reasons)
        assert any(m.startswith('keywords says "golden hour"') for m in reasons)


class TestSunWords:
    def test_sunset_at_sunset_time(self) -> None:
        # Arezzo sunset that day is about 16:15 UTC
        moment = gps_evidence("2008-10-22T16:10:00Z").capture
        assert moment is not None
        assert agrees("sunset", moment) and agrees("golden hour", moment) and agrees("evening", moment)
        assert not agrees("sunrise", moment) and not agrees("night", moment)

    def test_night_after_dark(self) -> None:
        moment = gps_evidence("2008-10-22T20:00:00Z").capture
        assert moment is not None and moment.elevation < -18
        assert agrees("night", moment) and not agrees("afternoon", moment)
        assert time_of_day_word(moment) == "night"

    def test_midnight_sun_in_lofoten(self) -> None:
        moment = resolve_capture(None, None, "2026-06-21T22:30:00Z", 67.93, 13.09)  # Reine, 00:30 local
        assert moment is not None and moment.elevation > 0
        assert agrees("midnight sun", moment) and not agrees("night", moment)

    def test_words_found_in_text(self) -> None:
        found = find_time_words("Golden hour over the afternoon market; sunsets and the NIGHT sky")
        assert [word for _, word in found] == ["golden hour", "afternoon", "sunset", "night"]
        assert find_time_words("Nightingale sings over the overnight ferry at Afternoonville") == []

    def test_season_needs_a_hemisphere(self) -> None:
        assert gps_evidence().season == "autumn"
        assert Evidence(captured_at="2008-10-22T16:28:39").season is None
        assert Evidence(captured_at="2008-10-22T16:28:39", hemisphere="south").season == "spring"
        moment = resolve_capture(None, None, "2008-07-01T12:00:00Z", -33.9, 18.4)
        assert season(moment, None) == "winter"


def test_evidence_copies_recompute_their_facts() -> None:
    evidence = Evidence(captured_at="2008-10-22T16:28:39")
    assert evidence.time_of_day == "afternoon"
    later = evidence.model_copy(update={"captured_at": "2008-10-22T23:10:00"})
    assert later.time_of_day == "night" and evidence.time_of_day == "afternoon"

"""Offline backend: no model. Text is built from the EXIF facts, the place named from the GPS
position (offline) and identifier evidence only, deterministically, and every row is marked
`caption_source = "offline"` so the reviewer knows.

It answers in the same JSON as a model and goes through the same proof, so rows of one set get
distinct captions and file names from their distinct facts (time, lens, place, frame name). It never
writes coordinates: a position becomes a place name or nothing, and far from any town (beyond
`places.max_city_km`) its region reads "near <region>", never as a town.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import PurePath
from typing import Any

from proofdesk.core.domain.captioning import CaptionRequest, RuntimeInfo
from proofdesk.core.ports.captioning import Captioner

_DATE_TOKEN = re.compile(r"^\d+$")


# A region named only by a direction ("Western", "Central", "North") reads as nothing on its own.
_DIRECTION_WORDS = frozenset(
    "north south east west northern southern eastern western central centre center northeast northwest southeast "
    "southwest upper lower middle".split()
)


def _region_phrase(facts: dict[str, Any]) -> str | None:
    """Far from any town (no `place_city`), the region only as "near <region>", never as a town,
    and nothing when its name is only a direction."""
    region = facts.get("place_region")
    if facts.get("place_city") or not region or str(region).casefold() in _DIRECTION_WORDS:
        return None
    return f"near {region}"


def _where(facts: dict[str, Any]) -> str | None:
    """Where, as the caption says it: "in Arezzo, Tuscany", "near Lapland", "in Ghana", or None."""
    if facts.get("place_city"):
        return "in " + ", ".join(dict.fromkeys(str(part) for part in (facts.get("place_city"), facts.get("place_region"))
                                               if part))
    return _region_phrase(facts) or (f"in {facts['place_country']}" if facts.get("place_country") else None)


def _place(facts: dict[str, Any], identifiers: list[str]) -> str:
    parts = [facts.get("place_city") or _region_phrase(facts), facts.get("place_country")]
    if facts.get("place_city"):
        parts.insert(1, facts.get("place_region"))
    named = ", ".join(dict.fromkeys(str(part) for part in parts if part))
    if named:
        return named
    tokens = [t for t in re.split(r"[\W_]+", str(facts.get("set_name") or "")) if t and not _DATE_TOKEN.match(t)]
    if not tokens:
        tokens = [t for t in identifiers if t.isalpha()][:2]
    return " ".join(t.capitalize() for t in tokens) or "the set"


def _number(value: Any, digits: int = 1) -> str | None:
    if value is None:
        return None
    text = f"{float(value):.{digits}f}".rstrip("0").rstrip(".")
    return text


class OfflineCaptioner(Captioner):
    backend = "offline"

    def runtime_check(self, model: str, num_ctx: int | None = None) -> RuntimeInfo:
        return RuntimeInfo(backend=self.backend, url="-", model="offline", vision=False,
                           processor="100% CPU", note="no model: text from EXIF facts and identifiers, marked offline")

    def answer(self, request: CaptionRequest) -> str:
        facts = request.facts
        evidence = request.evidence
        # The glossary says which terms a keyword may use anywhere, not what this photo shows: a
        # backend without a picture writes only the photo's own identifiers (set, file, keywords).
        glossary = {term.casefold() for term in evidence.get("glossary", [])}
        own = [word for word in evidence.get("identifiers", []) if word.casefold() not in glossary]
        place = _place(facts, own)
        stem = PurePath(str(facts.get("original_name") or "photo")).stem
        time_word = (evidence.get("time_of_day") or [None])[0]
        season = (evidence.get("season") or [None])[0]
        camera = " ".join(filter(None, [facts.get("camera_make"), facts.get("camera_model")])).strip()
        when = None
        clock = seconds = None
        if facts.get("captured_at"):
            try:
                moment = datetime.fromisoformat(str(facts["captured_at"]))
                when = f"{moment.day} {moment:%B %Y}"
                clock = f"{moment:%H:%M}"
                seconds = f"{moment:%H:%M:%S}"
            except ValueError:
                pass
        settings = ", ".join(filter(None, [
            f"{_number(facts.get('focal_length_mm'))} mm" if facts.get("focal_length_mm") else None,
            f"f/{_number(facts.get('f_number'))}" if facts.get("f_number") else None,
            f"{facts['exposure_time']} s" if facts.get("exposure_time") else None,
            f"ISO {facts['iso']}" if facts.get("iso") else None,
        ]))
        where_phrase = _where(facts)
        if where_phrase:
            # A named place: the frame's own facts (frame, time, exposure) carry the difference
            # between frames, so the shared words stay few. The camera goes into the keywords.
            opener = f"{time_word.capitalize()} {where_phrase}" if time_word else where_phrase[:1].upper() + where_phrase[1:]
            caption = f"{opener}: frame {stem}"
            if clock:
                caption += f" at {clock}"
            if settings:
                caption += f" ({settings})"
        else:
            # Short, and the frame's own facts (name, time to the second, exposure) carry the
            # difference: a day of frames from one camera must not read as near-duplicates.
            # The camera goes into the keywords.
            opener = f"{time_word.capitalize()} frame {stem}" if time_word else f"Frame {stem}"
            caption = f"{opener} from {place}"
            if when:
                caption += f", {when}" + (f", {seconds}" if seconds else "")
            if settings:
                caption += f" ({settings})"
        caption += "."
        kind = None
        if not when and not camera:
            width, height = facts.get("width"), facts.get("height")
            shape = ""
            if width and height:
                kind = "panoramic" if width > 2 * height else "tall" if height > 2 * width else (
                    "landscape" if width > height else "portrait" if height > width else "square")
                shape = f", a {kind} picture of {width} by {height} pixels"
            caption = f"Frame {stem} from {place}{shape}; the file records no capture details."

        where = f"in {facts['place_city']}" if facts.get("place_city") else (where_phrase or f"in {place}")
        alt = f"{stem}: " + (f"{time_word} {where}" if time_word else f"scene {where}")
        if clock:
            alt += f", {clock}"
        exposure = " ".join(filter(None, [
            f"{_number(facts.get('focal_length_mm'))} mm" if facts.get("focal_length_mm") else None,
            f"f/{_number(facts.get('f_number'))}" if facts.get("f_number") else None,
            f"{facts['exposure_time']} s" if facts.get("exposure_time") else None,
        ]))
        if exposure:
            alt += f", {exposure}"
        alt = alt[:125]

        keywords: list[str] = []
        for word in [*(part.lower().removeprefix("near ") for part in place.split(", ")), *own[:4],
                     time_word, season, kind,
                     (facts.get("camera_make") or "").lower() or None]:
            if word and word.lower() not in keywords:
                keywords.append(word.lower())
        slug_place = facts.get("place_city") or place.split(",")[0].removeprefix("near ")
        slug_parts = [slug_place, when and facts.get("captured_at", "")[:10], clock and clock.replace(":", ""), stem]
        filename = "-".join(str(part) for part in slug_parts if part) + ".jpg"
        return json.dumps({"caption": caption, "alt_text": alt, "keywords": keywords, "filename": filename})

"""Offline backend: no model. Text is built from the EXIF facts and identifier evidence only,
deterministically, and every row is marked `caption_source = "offline"` so the reviewer knows.

It answers in the same JSON as a model and goes through the same proof, so rows of one set get
distinct captions and file names from their distinct facts (time, lens, position, frame name).
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


def _place(facts: dict[str, Any], identifiers: list[str]) -> str:
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
        place = _place(facts, evidence.get("identifiers", []))
        stem = PurePath(str(facts.get("original_name") or "photo")).stem
        time_word = (evidence.get("time_of_day") or [None])[0]
        season = (evidence.get("season") or [None])[0]
        camera = " ".join(filter(None, [facts.get("camera_make"), facts.get("camera_model")])).strip()
        when = None
        clock = None
        if facts.get("captured_at"):
            try:
                moment = datetime.fromisoformat(str(facts["captured_at"]))
                when = f"{moment.day} {moment:%B %Y}"
                clock = f"{moment:%H:%M}"
            except ValueError:
                pass
        settings = ", ".join(filter(None, [
            f"{_number(facts.get('focal_length_mm'))} mm" if facts.get("focal_length_mm") else None,
            f"f/{_number(facts.get('f_number'))}" if facts.get("f_number") else None,
            f"{facts['exposure_time']} s" if facts.get("exposure_time") else None,
            f"ISO {facts['iso']}" if facts.get("iso") else None,
        ]))
        position = None
        if facts.get("gps_latitude") is not None and facts.get("gps_longitude") is not None:
            position = f"{float(facts['gps_latitude']):.4f}, {float(facts['gps_longitude']):.4f}"

        opener = f"{time_word.capitalize()} frame {stem}" if time_word else f"Frame {stem}"
        caption = f"{opener} from {place}"
        if when:
            caption += f", recorded on {when}" + (f" at {clock}" if clock else "")
        if camera:
            caption += f" with a {camera}"
        if settings:
            caption += f" ({settings})"
        if position:
            caption += f" near {position}"
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

        alt = (f"{time_word.capitalize()} scene" if time_word else "Scene") + f" in {place}, frame {stem}"
        if clock:
            alt += f", {clock}"
        if position:
            alt += f", {position}"
        alt = alt[:125]

        keywords: list[str] = []
        for word in [*place.lower().split(), *evidence.get("identifiers", [])[:4], time_word, season, kind,
                     (facts.get("camera_make") or "").lower() or None]:
            if word and word.lower() not in keywords:
                keywords.append(word.lower())
        slug_parts = [place, when and facts.get("captured_at", "")[:10], clock and clock.replace(":", ""), stem]
        filename = "-".join(str(part) for part in slug_parts if part) + ".jpg"
        return json.dumps({"caption": caption, "alt_text": alt, "keywords": keywords, "filename": filename})

"""Captioner behaviour, bound to the offline backend, Ollama and the OpenAI-compatible backend
(the last two against the scripted server)."""

from __future__ import annotations

import pytest
from proofdesk.core.domain.captioning import CaptionRequest, RuntimeInfo, parse_answer
from proofdesk.core.ports.captioning import Captioner

FACTS = {
    "set_name": "2008-10-22_arezzo", "original_name": "DSCN0010.jpg", "captured_at": "2008-10-22T16:28:39",
    "camera_make": "NIKON", "camera_model": "COOLPIX P6000", "focal_length_mm": 24.0, "f_number": 5.9,
    "exposure_time": "1/75", "iso": 64, "gps_latitude": 43.4674483, "gps_longitude": 11.8851267,
}
EVIDENCE = {"identifiers": ["arezzo"], "time_of_day": ["afternoon"], "season": ["autumn"]}


def request(**overrides: object) -> CaptionRequest:
    values = {"model": "qwen2.5vl:7b", "prompt": "Write the gallery metadata.", "image_jpeg": b"\xff\xd8\xff\xd9",
              "facts": FACTS, "evidence": EVIDENCE}
    values.update(overrides)
    return CaptionRequest(**values)


class CaptionerContract:
    @pytest.fixture
    def captioner(self) -> Captioner:  # pragma: no cover - bound by subclasses
        raise NotImplementedError

    def test_runtime_check_names_backend_and_model(self, captioner: Captioner) -> None:
        info = captioner.runtime_check("qwen2.5vl:7b")
        assert isinstance(info, RuntimeInfo)
        assert info.backend == captioner.backend
        assert info.describe().startswith(captioner.backend)

    def test_answer_parses_into_every_field(self, captioner: Captioner) -> None:
        parsed = parse_answer(captioner.answer(request()))
        assert parsed.ok, parsed.problems
        assert parsed.caption and parsed.alt_text and parsed.keywords and parsed.file_name

    def test_same_request_same_answer(self, captioner: Captioner) -> None:
        assert captioner.answer(request()) == captioner.answer(request())

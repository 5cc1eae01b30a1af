from __future__ import annotations

import json
from collections.abc import Iterator

import ollama
import pytest
from proofdesk.adapters.captioner.offline import OfflineCaptioner
from proofdesk.adapters.captioner.ollama import OllamaCaptioner
from proofdesk.adapters.captioner.openai_compat import OpenAICompatCaptioner
from proofdesk.core.domain.captioning import (
    ANSWER_SCHEMA,
    parse_answer,
    processor_split,
)
from proofdesk.core.ports.captioning import CaptionerError, ModelNotAvailable

from tests.support.ollama_server import ModelSpec, Reply, ScriptedOllama, good_answer

from .contract import FACTS, CaptionerContract, request


@pytest.fixture
def server() -> Iterator[ScriptedOllama]:
    with ScriptedOllama([ModelSpec("qwen2.5vl:7b", size=10_000, size_vram=3_500),
                         ModelSpec("llama3.2:3b", capabilities=["completion", "tools"])]) as running:
        yield running


class TestOfflineCaptioner(CaptionerContract):
    @pytest.fixture
    def captioner(self) -> OfflineCaptioner:
        return OfflineCaptioner()

    def test_distinct_facts_give_distinct_text(self, captioner: OfflineCaptioner) -> None:
        other = {**FACTS, "original_name": "DSCN0012.jpg", "captured_at": "2008-10-22T16:29:49",
                 "focal_length_mm": 6.0, "gps_latitude": 43.4671567, "gps_longitude": 11.885395}
        first = parse_answer(captioner.answer(request()))
        second = parse_answer(captioner.answer(request(facts=other)))
        assert first.caption != second.caption and first.file_name != second.file_name
        assert "Arezzo" in (first.caption or "") and "16:28" in (first.caption or "")

    def test_no_facts_still_answers(self, captioner: OfflineCaptioner) -> None:
        parsed = parse_answer(captioner.answer(request(facts={"set_name": "broken", "original_name": "x1.jpg"},
                                                       evidence={})))
        assert parsed.ok and "x1" in (parsed.caption or "")


class TestOllamaCaptioner(CaptionerContract):
    @pytest.fixture
    def captioner(self, server: ScriptedOllama) -> Iterator[OllamaCaptioner]:
        captioner = OllamaCaptioner(server.url, retries=3, backoff_s=0.01)
        yield captioner
        captioner.close()

    def test_request_carries_image_schema_options_keep_alive(self, captioner: OllamaCaptioner, server: ScriptedOllama) -> None:
        captioner.answer(request())
        body = server.chat_requests()[-1]
        assert body["format"] == ANSWER_SCHEMA and body["stream"] is False
        assert body["messages"][1]["images"] == ["/9j/2Q=="]
        assert body["options"]["seed"] == 42 and "temperature" in body["options"]
        assert body["keep_alive"] == "10m"

    def test_runtime_check_reports_processor_split_and_context(self, captioner: OllamaCaptioner) -> None:
        info = captioner.runtime_check("qwen2.5vl:7b")
        assert info.vision is True and info.processor == "65%/35% CPU/GPU"
        assert info.context_length == 8192 and info.vram_bytes == 3_500

    def test_missing_model_and_model_without_vision(self, captioner: OllamaCaptioner) -> None:
        with pytest.raises(ModelNotAvailable, match="ollama pull nope"):
            captioner.runtime_check("nope:1b")
        with pytest.raises(ModelNotAvailable, match="no vision"):
            captioner.runtime_check("llama3.2:3b")

    def test_streamed_ndjson_answer(self, server: ScriptedOllama) -> None:
        server.script = lambda body, n: Reply(content=good_answer(), stream=True)
        streaming = OllamaCaptioner(server.url, stream=True)
        assert parse_answer(streaming.answer(request())).ok

    def test_retries_5xx_then_succeeds(self, captioner: OllamaCaptioner, server: ScriptedOllama) -> None:
        server.script = lambda body, n: Reply(status=500, error="overloaded") if n < 2 else Reply(content=good_answer())
        assert parse_answer(captioner.answer(request())).ok
        assert len(server.chat_requests()) == 3

    def test_timeout_is_retried_then_reported(self, server: ScriptedOllama) -> None:
        server.script = lambda body, n: Reply(content=good_answer(), delay_s=0.5)
        impatient = OllamaCaptioner(server.url, timeout_s=0.1, retries=2, backoff_s=0.01)
        with pytest.raises(CaptionerError, match="timed out.*after 2 attempt"):
            impatient.answer(request())

    def test_unreachable_server_is_a_clear_error(self) -> None:
        down = OllamaCaptioner("http://127.0.0.1:9", retries=2, backoff_s=0.01)
        with pytest.raises(CaptionerError, match="cannot connect.*is the model server running"):
            down.runtime_check("qwen2.5vl:7b")


class TestOpenAICompatCaptioner(CaptionerContract):
    @pytest.fixture
    def captioner(self, server: ScriptedOllama) -> Iterator[OpenAICompatCaptioner]:
        captioner = OpenAICompatCaptioner(server.url, retries=2, backoff_s=0.01)
        yield captioner
        captioner.close()

    def test_request_shape(self, captioner: OpenAICompatCaptioner, server: ScriptedOllama) -> None:
        captioner.answer(request())
        body = server.chat_requests()[-1]
        parts = body["messages"][1]["content"]
        assert parts[1]["image_url"]["url"].startswith("data:image/jpeg;base64,")
        assert body["response_format"]["json_schema"]["schema"] == ANSWER_SCHEMA

    def test_missing_model(self, captioner: OpenAICompatCaptioner) -> None:
        with pytest.raises(ModelNotAvailable):
            captioner.runtime_check("nope")


# ---------------------------------------------------------------- the scripted server vs. the official client


def test_scripted_server_speaks_the_protocol_of_the_official_client(server: ScriptedOllama) -> None:
    client = ollama.Client(host=server.url)
    listed = client.list()
    assert [m.model for m in listed.models] == ["qwen2.5vl:7b", "llama3.2:3b"]
    shown = client.show("qwen2.5vl:7b")
    assert "vision" in (shown.capabilities or [])
    reply = client.chat(model="qwen2.5vl:7b", messages=[{"role": "user", "content": "hi", "images": [b"\xff\xd8"]}],
                        format=ANSWER_SCHEMA, stream=False)
    assert json.loads(reply.message.content)["filename"] == "arezzo-bell-tower.jpg"
    streamed = "".join(chunk.message.content for chunk in client.chat(
        model="qwen2.5vl:7b", messages=[{"role": "user", "content": "hi"}], stream=True))
    assert json.loads(streamed)["caption"].startswith("A stone bell tower")
    client.generate(model="qwen2.5vl:7b")  # warm-up call, as the runtime check does
    running = client.ps()
    assert running.models[0].size_vram == 3_500 and running.models[0].context_length == 8192
    with pytest.raises(ollama.ResponseError) as error:
        client.chat(model="missing:1b", messages=[{"role": "user", "content": "hi"}])
    assert error.value.status_code == 404


@pytest.mark.parametrize(("size", "vram", "expected"), [  # as `ollama ps` prints them (cmd/cmd.go)
    (100, 100, "100% GPU"), (100, 0, "100% CPU"), (100, 35, "65%/35% CPU/GPU"), (0, 0, "100% CPU"),
    (100, 200, "Unknown"), (None, None, None),
    (1000, 0, "100% CPU"), (1000, 1000, "100% GPU"), (1000, 996, "0%/100% CPU/GPU"), (1000, 1001, "Unknown"),
    (1000, 995, "1%/99% CPU/GPU"), (1000, 5, "100%/0% CPU/GPU"),
])
def test_processor_split(size: int | None, vram: int | None, expected: str | None) -> None:
    assert processor_split(size, vram) == expected

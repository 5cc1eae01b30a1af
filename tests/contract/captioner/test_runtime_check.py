"""The runtime check reports only what the server measured: the warm-up loads the model with the
caption requests' options, the context is the allocated one from /api/ps (or unknown), and the
scripted server refuses (and fails the test on) any request that breaks Ollama's API."""

from __future__ import annotations

import base64

import httpx
import pytest
from proofdesk.adapters.captioner.ollama import OllamaCaptioner
from proofdesk.core.domain.captioning import CaptionRequest

from tests.support.ollama_server import ModelSpec, ScriptedOllama, api_violations


def _warmups(server: ScriptedOllama) -> list[dict[str, object]]:
    return [body for path, body in server.requests if path == "/api/generate"]


def test_warm_up_carries_num_ctx_and_the_printed_context_is_the_allocated_one() -> None:
    with ScriptedOllama([ModelSpec("qwen2.5vl:7b")]) as server:
        captioner = OllamaCaptioner(server.url, backoff_s=0.01)
        info = captioner.runtime_check("qwen2.5vl:7b", num_ctx=16384)
        captioner.answer(CaptionRequest(model="qwen2.5vl:7b", prompt="p", num_ctx=16384))
        captioner.close()
    assert _warmups(server)[-1]["options"] == {"num_ctx": 16384}
    assert server.chat_requests()[-1]["options"]["num_ctx"] == 16384
    assert info.context_length == 16384 and "context 16384" in info.describe()


def test_a_maximum_from_api_show_is_never_printed_as_the_context() -> None:
    with ScriptedOllama([ModelSpec("qwen2.5vl:7b", ps_reports_context=False)]) as server:
        captioner = OllamaCaptioner(server.url, backoff_s=0.01)
        info = captioner.runtime_check("qwen2.5vl:7b", num_ctx=16384)
        captioner.close()
    assert info.context_length is None and info.model_max_context == 128000
    assert "128000" not in info.describe() and "context unknown" in info.describe()


def test_model_not_in_api_ps_has_unknown_context() -> None:
    with ScriptedOllama([ModelSpec("qwen2.5vl:7b")]) as server:
        server.loaded.clear()
        captioner = OllamaCaptioner(server.url, backoff_s=0.01)
        original = server._load
        server._load = lambda model, body: None  # type: ignore[method-assign]  # a server that forgets the load
        info = captioner.runtime_check("qwen2.5vl:7b")
        server._load = original  # type: ignore[method-assign]
        captioner.close()
    assert "128000" not in info.describe() and "context unknown" in info.describe()


def test_runtime_check_reports_the_models_digest() -> None:
    with ScriptedOllama([ModelSpec("qwen2.5vl:7b")]) as server:
        captioner = OllamaCaptioner(server.url, backoff_s=0.01)
        info = captioner.runtime_check("qwen2.5vl:7b")
        captioner.close()
    assert info.digest == "0" * 64


@pytest.mark.parametrize(("method", "path", "body", "fragment"), [
    ("POST", "/api/chat", {"messages": []}, "missing required field 'model'"),
    ("POST", "/api/chat", {"model": "m"}, "missing required field 'messages'"),
    ("POST", "/api/chat", {"model": "m", "messages": [{"role": "painter", "content": "x"}]}, "role 'painter'"),
    ("POST", "/api/chat", {"model": "m", "messages": [{"role": "user", "content": "x", "images": ["%%%"]}]},
     "images[0] is not base64"),
    ("POST", "/api/chat", {"model": "m", "messages": [], "stream": "no"}, "'stream' must be bool"),
    ("POST", "/api/generate", {"model": "m", "options": {"num_ctx": "16k"}}, "num_ctx must be an integer"),
    ("POST", "/api/generate", {"model": "m", "images": [b"raw".decode()]}, "images[0] is not base64"),
    ("POST", "/api/generate", {"model": "m", "num_ctx": 4096}, "unknown field 'num_ctx'"),
    ("POST", "/api/show", {"name": "m"}, "missing required field 'model'"),
    ("POST", "/api/ps", {}, "with GET"),
    ("POST", "/api/tags", {}, "with GET"),
])
def test_requests_that_break_the_api_are_named(method: str, path: str, body: dict[str, object], fragment: str) -> None:
    assert any(fragment in error for error in api_violations(method, path, body)), api_violations(method, path, body)


def test_valid_requests_pass() -> None:
    image = base64.b64encode(b"\xff\xd8\xff\xd9").decode()
    assert api_violations("POST", "/api/chat", {"model": "m", "stream": False, "keep_alive": "10m", "format": {},
                                                "options": {"num_ctx": 2048},
                                                "messages": [{"role": "user", "content": "x", "images": [image]}]}) == []
    assert api_violations("GET", "/api/ps", {}) == []


def test_a_drifting_request_fails_the_test_that_made_it() -> None:
    with pytest.raises(AssertionError, match="break Ollama's API"), ScriptedOllama() as server:
        reply = httpx.post(f"{server.url}/api/chat", json={"model": "qwen2.5vl:7b", "messages": [
            {"role": "user", "content": "x", "images": ["not base64!"]}]})
        assert reply.status_code == 400

"""The OpenAI-compatible backend's runtime check says what the OpenAI API cannot tell: the servers
behind a LiteLLM proxy (its `/v1/model/info`, here in the scripted server's LiteLLM shape; the real
proxy is in tests/integration/test_litellm_proxy.py) with each Ollama server's processor split and
VRAM from `/api/ps`; Ollama's own `/v1` the same; and, where nothing tells, it says so."""

from __future__ import annotations

from proofdesk.adapters.captioner.openai_compat import OpenAICompatCaptioner

from tests.support.ollama_server import ModelSpec, ScriptedOllama

MODEL = "qwen2.5vl:7b"
GIB8 = 8_000_000_000
HALF_ON_GPU = 4_160_000_000  # 48 % of the model on the CPU


def check(url: str) -> tuple[str, OpenAICompatCaptioner]:
    captioner = OpenAICompatCaptioner(url, retries=1, backoff_s=0.01)
    return captioner.runtime_check(MODEL).describe(), captioner


def deployment(model: str, api_base: str | None, model_name: str = MODEL) -> dict[str, object]:
    return {"model_name": model_name, "litellm_params": {"model": model, **({"api_base": api_base} if api_base else {})},
            "model_info": {"id": "0" * 8}}


def test_ollamas_own_v1_reports_processor_split_and_vram() -> None:
    with ScriptedOllama([ModelSpec(MODEL, size=GIB8, size_vram=HALF_ON_GPU)]) as server:
        server.loaded[MODEL] = 8192  # loaded by an earlier request (keep_alive)
        captioner = OpenAICompatCaptioner(f"{server.url}/v1", retries=1, backoff_s=0.01)
        info = captioner.runtime_check(MODEL)
        captioner.close()
    assert info.processor == "48%/52% CPU/GPU" and info.vram_bytes == HALF_ON_GPU and info.size_bytes == GIB8
    assert "processor 48%/52% CPU/GPU" in info.describe() and "VRAM 3.9 GiB" in info.describe()


def test_ollamas_own_v1_before_the_first_request_says_the_model_is_not_loaded_yet() -> None:
    with ScriptedOllama([ModelSpec(MODEL)]) as server:
        captioner = OpenAICompatCaptioner(server.url, retries=1, backoff_s=0.01)
        info = captioner.runtime_check(MODEL)
        captioner.close()
    assert info.processor is None and info.vram_bytes is None and "not loaded yet" in info.describe()
    assert [path for path, _ in server.requests if path.startswith("/api/")] == ["/api/ps"]  # read only: nothing loaded


def test_a_server_with_only_the_openai_api_is_named_as_not_reporting() -> None:
    with ScriptedOllama([ModelSpec(MODEL)], openai_only=True) as server:
        described, captioner = check(server.url)
        captioner.close()
    assert f"processor/VRAM: not reported by {server.url} (OpenAI-compatible API); check the servers behind it" in described


def test_a_proxy_lists_each_server_behind_the_model_name_with_what_it_reports() -> None:
    with (ScriptedOllama([ModelSpec(MODEL, size=GIB8, size_vram=GIB8)]) as on_gpu,
          ScriptedOllama([ModelSpec(MODEL, size=GIB8, size_vram=HALF_ON_GPU)]) as split,
          ScriptedOllama([ModelSpec(MODEL)]) as cold,
          ScriptedOllama([ModelSpec(MODEL)], openai_only=True) as vllm):
        on_gpu.loaded[MODEL] = split.loaded[MODEL] = 8192
        info = [deployment(f"ollama_chat/{MODEL}", on_gpu.url), deployment(f"ollama/{MODEL}", split.url),
                deployment(f"ollama_chat/{MODEL}", cold.url), deployment(f"hosted_vllm/{MODEL}", f"{vllm.url}/v1"),
                deployment(f"ollama_chat/{MODEL}", "http://127.0.0.1:9"),
                deployment("ollama_chat/llava:13b", "http://127.0.0.1:9", model_name="llava:13b")]
        with ScriptedOllama([ModelSpec(MODEL)], openai_only=True, model_info=info) as proxy:
            captioner = OpenAICompatCaptioner(proxy.url, retries=1, backoff_s=0.01, api_key="sk-proxy")
            runtime = captioner.runtime_check(MODEL)
            captioner.close()
    servers = {server.url: server for server in runtime.servers}
    assert list(servers) == [on_gpu.url, split.url, cold.url, vllm.url, "http://127.0.0.1:9"]  # llava's deployment left out
    assert (servers[on_gpu.url].processor, servers[on_gpu.url].vram_bytes) == ("100% GPU", GIB8)
    assert (servers[split.url].processor, servers[split.url].vram_bytes) == ("48%/52% CPU/GPU", HALF_ON_GPU)
    assert servers[cold.url].processor is None and "not loaded yet" in (servers[cold.url].note or "")
    assert "not reported" in (servers[vllm.url].note or "")
    assert "unreachable" in (servers["http://127.0.0.1:9"].note or "")
    described = runtime.describe()
    assert described.startswith(f"openai {MODEL} at {proxy.url}, 5 server(s) behind it: ")
    assert f"{on_gpu.url}: processor 100% GPU, VRAM 7.5 GiB" in described
    assert f"{split.url}: processor 48%/52% CPU/GPU, VRAM 3.9 GiB" in described


def test_a_deployment_without_an_api_base_is_named_not_an_error() -> None:
    with ScriptedOllama([ModelSpec(MODEL)], openai_only=True, model_info=[{"model_name": MODEL, "litellm_params": "?"}]) as proxy:
        described, captioner = check(proxy.url)
        captioner.close()
    assert "1 server(s) behind it: unknown deployment: no api_base listed; processor/VRAM not reported" in described

"""Any OpenAI-compatible `/v1/chat/completions` server (llama.cpp, vLLM, LM Studio, Ollama's /v1).

The image goes as a data-URL `image_url` part; structured output as `response_format`
`json_schema`. The runtime check lists `/v1/models`. Processor and VRAM are not part of this API,
so the check then asks, best effort (short timeouts, no retries, never an error), what it can:
a LiteLLM proxy's `/v1/model/info` for the deployments behind the model name, and each one's
Ollama `/api/ps` (processor split, VRAM); or, for Ollama's own `/v1`, that server's `/api/ps`.
When nothing answers, the check says so instead of leaving the processor blank.
"""

from __future__ import annotations

import base64
import os
from typing import Any

import httpx
from proofdesk.adapters.captioner._http import HttpBackend, error_text, json_object
from proofdesk.adapters.captioner.ollama import _same_model
from proofdesk.core.domain.captioning import (
    CaptionRequest,
    RuntimeInfo,
    ServerRuntime,
    processor_split,
)
from proofdesk.core.ports.captioning import Captioner, CaptionerError, ModelNotAvailable

API_KEY_ENV = "PROOFDESK_CAPTIONER__API_KEY"
PROBE_TIMEOUT_S = 2.0  # each best-effort look behind the API (LiteLLM /model/info, Ollama /api/ps)
OLLAMA_DEFAULT_BASE = "http://localhost:11434"  # LiteLLM's api_base for an ollama deployment that names none


class OpenAICompatCaptioner(Captioner):
    backend = "openai"

    def __init__(self, url: str, timeout_s: float = 300.0, retries: int = 3, backoff_s: float = 0.5,
                 api_key: str | None = None) -> None:
        self.url = url.rstrip("/")
        base = self.url if self.url.endswith("/v1") else f"{self.url}/v1"
        self.http = HttpBackend(base, timeout_s=timeout_s, retries=retries, backoff_s=backoff_s)
        key = api_key or os.environ.get(API_KEY_ENV)
        if key:
            self.http.client.headers["Authorization"] = f"Bearer {key}"

    def runtime_check(self, model: str, num_ctx: int | None = None) -> RuntimeInfo:
        response = self.http.request("GET", "/models")
        if response.status_code != 200:
            raise CaptionerError(f"{self.http.base_url}/models answered {response.status_code}: {error_text(response)}")
        ids = [m.get("id") for m in json_object(response).get("data", []) if isinstance(m, dict)]
        if ids and model not in ids:
            raise ModelNotAvailable(f"model {model!r} is not served at {self.http.base_url} (it serves: {', '.join(map(str, ids))})")
        return self._behind_the_api(model)

    # ---- what the OpenAI API cannot tell: best effort, short timeouts, never an error

    def _behind_the_api(self, model: str) -> RuntimeInfo:
        servers = self._proxy_deployments(model)
        if servers:
            return RuntimeInfo(backend=self.backend, url=self.url, model=model, servers=servers)
        root = self.url.removesuffix("/v1")
        own = _ollama_load(root, model)  # Ollama's own OpenAI-compatible /v1
        if own.processor is not None or own.note == _NOT_LOADED:
            return RuntimeInfo(backend=self.backend, url=self.url, model=model, processor=own.processor,
                               vram_bytes=own.vram_bytes, size_bytes=own.size_bytes,
                               note=f"Ollama server: {own.note}" if own.note else None)
        return RuntimeInfo(backend=self.backend, url=self.url, model=model,
                           note=f"processor/VRAM: not reported by {self.url} (OpenAI-compatible API); "
                                "check the servers behind it")

    def _proxy_deployments(self, model: str) -> tuple[ServerRuntime, ...]:
        """The deployments a LiteLLM proxy routes `model` to (`/v1/model/info`, which needs the
        proxy's key), each with its Ollama load; () when the server is not such a proxy."""
        try:
            response = self.http.client.get("/model/info", timeout=PROBE_TIMEOUT_S)
            entries = response.json().get("data") if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError, AttributeError):
            return ()
        if not isinstance(entries, list):
            return ()
        servers = []
        for entry in entries:
            if not isinstance(entry, dict) or entry.get("model_name") != model:
                continue
            params = entry.get("litellm_params") if isinstance(entry.get("litellm_params"), dict) else {}
            provider, _, served = str(params.get("model") or "").partition("/")
            base = params.get("api_base") or (OLLAMA_DEFAULT_BASE if provider.startswith("ollama") else None)
            if not base:
                servers.append(ServerRuntime(url=f"{provider or 'unknown'} deployment",
                                             note="no api_base listed; processor/VRAM not reported"))
                continue
            servers.append(_ollama_load(str(base).rstrip("/").removesuffix("/v1"), served or model))
        return tuple(servers)

    def _payload(self, request: CaptionRequest) -> dict[str, Any]:
        content: list[dict[str, Any]] = [{"type": "text", "text": request.prompt}]
        if request.image_jpeg:
            data = base64.b64encode(request.image_jpeg).decode("ascii")
            content.append({"type": "image_url", "image_url": {"url": f"data:image/jpeg;base64,{data}"}})
        payload: dict[str, Any] = {
            "model": request.model,
            "messages": [{"role": "system", "content": request.system}, {"role": "user", "content": content}],
            "temperature": request.temperature,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "gallery_metadata", "schema": request.schema_, "strict": True},
            },
            "stream": False,
        }
        if request.seed is not None:
            payload["seed"] = request.seed
        return payload

    def answer(self, request: CaptionRequest) -> str:
        response = self.http.request("POST", "/chat/completions", json=self._payload(request))
        if response.status_code == 404:
            raise ModelNotAvailable(f"{self.http.base_url}: {error_text(response)}")
        if response.status_code != 200:
            raise CaptionerError(f"{self.http.base_url}/chat/completions answered {response.status_code}: {error_text(response)}")
        try:
            return response.json()["choices"][0]["message"]["content"] or ""
        except (KeyError, IndexError, TypeError, ValueError):
            raise CaptionerError(f"{self.http.base_url}: unexpected reply {response.text[:200]!r}") from None

    def close(self) -> None:
        self.http.close()


_NOT_LOADED = "model not loaded yet (Ollama loads it on the first request; `ollama ps` then shows the split)"


def _ollama_load(base: str, model: str) -> ServerRuntime:
    """What an Ollama server's `/api/ps` says about `model` (processor split, VRAM), or why
    nothing: not an Ollama server, unreachable, not loaded. The proxy's key is not sent here."""
    try:
        response = httpx.get(f"{base}/api/ps", timeout=PROBE_TIMEOUT_S)
        running = response.json().get("models") if response.status_code == 200 else None
    except httpx.HTTPError as exc:
        return ServerRuntime(url=base, note=f"unreachable from here ({exc.__class__.__name__}); processor/VRAM not reported")
    except (ValueError, AttributeError):
        running = None
    if not isinstance(running, list):
        return ServerRuntime(url=base, note="no Ollama /api/ps; processor/VRAM not reported by its API")
    loaded = next((m for m in running if isinstance(m, dict) and _same_model(model, m.get("name") or m.get("model") or "")),
                  None)
    if loaded is None:
        return ServerRuntime(url=base, note=_NOT_LOADED)
    size, vram = loaded.get("size"), loaded.get("size_vram")
    return ServerRuntime(url=base, processor=processor_split(size, vram), vram_bytes=vram, size_bytes=size)

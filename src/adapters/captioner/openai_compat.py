"""Any OpenAI-compatible `/v1/chat/completions` server (llama.cpp, vLLM, LM Studio, Ollama's /v1).

The image goes as a data-URL `image_url` part; structured output as `response_format`
`json_schema`. The runtime check lists `/v1/models`; processor and VRAM are not part of this API.
"""

from __future__ import annotations

import base64
import os
from typing import Any

from proofdesk.adapters.captioner._http import HttpBackend, error_text, json_object
from proofdesk.core.domain.captioning import CaptionRequest, RuntimeInfo
from proofdesk.core.ports.captioning import Captioner, CaptionerError, ModelNotAvailable

API_KEY_ENV = "PROOFDESK_CAPTIONER__API_KEY"


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
        return RuntimeInfo(backend=self.backend, url=self.url, model=model,
                           note="processor/VRAM not reported by the OpenAI-compatible API")

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

"""Ollama backend: `/api/chat` with the image, a JSON-schema `format`, options, keep_alive.

The runtime check reads `/api/tags` (is the model there?), `/api/show` (capabilities: vision?
context length), warms the model with an empty `/api/generate`, then reads `/api/ps` for the
processor split (size vs size_vram), the allocated context and VRAM.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from proofdesk.adapters.captioner._http import HttpBackend, error_text, json_object
from proofdesk.core.domain.captioning import (
    CaptionRequest,
    RuntimeInfo,
    processor_split,
)
from proofdesk.core.ports.captioning import Captioner, CaptionerError, ModelNotAvailable


def _same_model(a: str, b: str) -> bool:
    def norm(name: str) -> str:
        return name if ":" in name else f"{name}:latest"

    return norm(a) == norm(b)


class OllamaCaptioner(Captioner):
    backend = "ollama"

    def __init__(self, url: str, keep_alive: str = "10m", timeout_s: float = 300.0, retries: int = 3,
                 backoff_s: float = 0.5, stream: bool = False) -> None:
        self.http = HttpBackend(url, timeout_s=timeout_s, retries=retries, backoff_s=backoff_s)
        self.url = url
        self.keep_alive = keep_alive
        self.stream = stream

    # ---- runtime check

    def runtime_check(self, model: str, num_ctx: int | None = None) -> RuntimeInfo:
        tags = self.http.request("GET", "/api/tags")
        if tags.status_code != 200:
            raise CaptionerError(f"{self.url}/api/tags answered {tags.status_code}: {error_text(tags)}")
        listed = json_object(tags).get("models", [])
        names = [m.get("name") or m.get("model") for m in listed if isinstance(m, dict)]
        if not any(_same_model(model, name or "") for name in names):
            raise ModelNotAvailable(
                f"model {model!r} is not on the Ollama server at {self.url} "
                f"(it has: {', '.join(filter(None, names)) or 'no models'}); run `ollama pull {model}`"
            )
        digest = next((m.get("digest") for m in listed if _same_model(model, m.get("name") or m.get("model") or "")),
                      None)
        show = self.http.request("POST", "/api/show", json={"model": model})
        if show.status_code != 200:
            raise ModelNotAvailable(f"{self.url}/api/show for {model!r}: {error_text(show)}")
        details = json_object(show)
        capabilities = details.get("capabilities")
        vision = None if capabilities is None else "vision" in capabilities
        if vision is False:
            raise ModelNotAvailable(
                f"model {model!r} has no vision capability (capabilities: {', '.join(capabilities)}); "
                "choose a vision model such as qwen2.5vl:7b or llava"
            )
        max_context = next(
            (value for key, value in (details.get("model_info") or {}).items() if key.endswith(".context_length")),
            None,
        )
        # Load the model as the caption requests will (same options), so /api/ps describes that load.
        warm_body: dict[str, Any] = {"model": model, "keep_alive": self.keep_alive}
        if self._load_options(num_ctx):
            warm_body["options"] = self._load_options(num_ctx)
        warm = self.http.request("POST", "/api/generate", json=warm_body)
        if warm.status_code != 200:
            raise CaptionerError(f"{self.url}: loading {model!r} failed: {error_text(warm)}")
        running = self.http.request("GET", "/api/ps")
        loaded = next(
            (m for m in json_object(running).get("models", []) if _same_model(model, m.get("name") or m.get("model") or "")),
            None,
        ) if running.status_code == 200 else None
        if loaded is None:
            return RuntimeInfo(backend=self.backend, url=self.url, model=model, vision=vision,
                               model_max_context=max_context, digest=digest,
                               note="model not listed in /api/ps after warm-up")
        return RuntimeInfo(
            backend=self.backend, url=self.url, model=model, vision=vision,
            processor=processor_split(loaded.get("size"), loaded.get("size_vram")),
            context_length=loaded.get("context_length") or None,  # allocated, or unknown
            size_bytes=loaded.get("size"), vram_bytes=loaded.get("size_vram"),
            model_max_context=max_context, digest=loaded.get("digest") or digest,
        )

    @staticmethod
    def _load_options(num_ctx: int | None) -> dict[str, Any]:
        """The options that decide how the model is loaded; the warm-up and every caption request
        send the same ones, so both use one load."""
        return {"num_ctx": num_ctx} if num_ctx else {}

    # ---- answers

    def _payload(self, request: CaptionRequest) -> dict[str, Any]:
        options: dict[str, Any] = {"temperature": request.temperature}
        if request.seed is not None:
            options["seed"] = request.seed
        options.update(self._load_options(request.num_ctx))
        user: dict[str, Any] = {"role": "user", "content": request.prompt}
        if request.image_jpeg:
            user["images"] = [base64.b64encode(request.image_jpeg).decode("ascii")]
        return {
            "model": request.model,
            "messages": [{"role": "system", "content": request.system}, user],
            "format": request.schema_,
            "options": options,
            "keep_alive": self.keep_alive,
            "stream": self.stream,
        }

    def answer(self, request: CaptionRequest) -> str:
        response = self.http.request("POST", "/api/chat", json=self._payload(request))
        if response.status_code == 404:
            raise ModelNotAvailable(f"{self.url}: {error_text(response)}; run `ollama pull {request.model}`")
        if response.status_code != 200:
            raise CaptionerError(f"{self.url}/api/chat answered {response.status_code}: {error_text(response)}")
        return self._content(response.text)

    @staticmethod
    def _content(body: str) -> str:
        """The assistant's text from a single JSON reply or an NDJSON stream of chunks."""
        lines = [line for line in body.splitlines() if line.strip()]
        if not lines:
            raise CaptionerError("Ollama sent an empty reply")
        parts = []
        for line in lines:
            try:
                chunk = json.loads(line)
            except json.JSONDecodeError:
                if len(lines) == 1:
                    raise CaptionerError(f"Ollama sent a reply that is not JSON: {body[:120]!r}") from None
                continue
            if not isinstance(chunk, dict):
                raise CaptionerError(f"Ollama sent a JSON {type(chunk).__name__} where a reply object belongs: "
                                     f"{body[:120]!r}")
            if chunk.get("error"):
                raise CaptionerError(f"Ollama error: {chunk['error']}")
            parts.append((chunk.get("message") or {}).get("content") or chunk.get("response") or "")
        return "".join(parts)

    def close(self) -> None:
        self.http.close()

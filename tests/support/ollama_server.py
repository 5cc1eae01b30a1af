"""A local HTTP server speaking Ollama's API (and the OpenAI-compatible /v1 routes), scriptable
per test. Its replies follow Ollama's documented shapes; `tests/contract/captioner` checks it
against the official `ollama` Python client so it cannot drift from the real protocol.

    with ScriptedOllama() as server:
        server.script = lambda request, n: Reply(content=json.dumps({...}))
        ... OllamaCaptioner(server.url) ...
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    content: str = ""
    status: int = 200
    error: str | None = None
    delay_s: float = 0.0
    stream: bool | None = None  # None: as the request asked
    drop_connection: bool = False


@dataclass
class ModelSpec:
    name: str
    capabilities: list[str] = field(default_factory=lambda: ["completion", "vision"])
    size: int = 6_591_830_464
    size_vram: int = 6_591_830_464
    context_length: int = 8192
    family: str = "qwen25vl"


def good_answer(caption: str = "A stone bell tower rises over terracotta roofs in Arezzo on an autumn afternoon.",
                alt_text: str = "Stone bell tower above terracotta roofs in Arezzo",
                keywords: list[str] | None = None, filename: str = "arezzo-bell-tower.jpg") -> str:
    return json.dumps({"caption": caption, "alt_text": alt_text,
                       "keywords": keywords or ["arezzo", "bell tower", "roofs", "afternoon", "autumn"],
                       "filename": filename})


Script = Callable[[dict[str, Any], int], Reply]


class ScriptedOllama:
    def __init__(self, models: list[ModelSpec] | None = None) -> None:
        self.models = {m.name: m for m in (models or [ModelSpec("qwen2.5vl:7b")])}
        self.script: Script = lambda request, n: Reply(content=good_answer())
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.loaded: set[str] = set()
        self._count = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> ScriptedOllama:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def chat_requests(self) -> list[dict[str, Any]]:
        return [body for path, body in self.requests if path in ("/api/chat", "/v1/chat/completions")]

    def _next(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            n = self._count
            self._count += 1
        return self.script(body, n)

    def _find(self, name: str) -> ModelSpec | None:
        full = name if ":" in name else f"{name}:latest"
        return self.models.get(name) or self.models.get(full)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, payload: Any, content_type: str = "application/json") -> None:
                body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _body(self) -> dict[str, Any]:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                try:
                    return json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    return {}

            def do_GET(self) -> None:  # noqa: N802
                server.requests.append((self.path, {}))
                now = datetime.now(UTC).isoformat()
                if self.path == "/api/tags":
                    self._send(200, {"models": [
                        {"name": m.name, "model": m.name, "modified_at": now, "size": m.size,
                         "digest": "0" * 64, "details": _details(m)} for m in server.models.values()]})
                elif self.path == "/api/ps":
                    self._send(200, {"models": [
                        {"name": m.name, "model": m.name, "size": m.size, "digest": "0" * 64,
                         "details": _details(m), "expires_at": now, "size_vram": m.size_vram,
                         "context_length": m.context_length}
                        for m in server.models.values() if m.name in server.loaded]})
                elif self.path == "/api/version":
                    self._send(200, {"version": "0.12.0"})
                elif self.path == "/v1/models":
                    self._send(200, {"object": "list", "data": [
                        {"id": m.name, "object": "model", "created": 0, "owned_by": "library"}
                        for m in server.models.values()]})
                else:
                    self._send(404, {"error": f"no route {self.path}"})

            def do_POST(self) -> None:  # noqa: N802
                body = self._body()
                server.requests.append((self.path, body))
                name = body.get("model") or body.get("name") or ""
                model = server._find(name)
                if self.path in ("/api/show", "/api/generate", "/api/chat") and model is None:
                    self._send(404, {"error": f"model '{name}' not found"})
                    return
                if self.path == "/api/show":
                    assert model is not None
                    self._send(200, {
                        "modelfile": "", "parameters": "", "template": "{{ .Prompt }}",
                        "details": _details(model),
                        "model_info": {"general.architecture": model.family,
                                       f"{model.family}.context_length": 128000},
                        "capabilities": model.capabilities, "modified_at": datetime.now(UTC).isoformat()})
                elif self.path == "/api/generate":
                    server.loaded.add(model.name)  # type: ignore[union-attr]
                    self._send(200, {"model": name, "created_at": datetime.now(UTC).isoformat(),
                                     "response": "", "done": True, "done_reason": "load"})
                elif self.path == "/api/chat":
                    server.loaded.add(model.name)  # type: ignore[union-attr]
                    self._chat(body, name)
                elif self.path == "/v1/chat/completions":
                    self._openai(body, name)
                else:
                    self._send(404, {"error": f"no route {self.path}"})

            def _chat(self, body: dict[str, Any], name: str) -> None:
                reply = server._next(body)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                if reply.drop_connection:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if reply.status != 200:
                    self._send(reply.status, {"error": reply.error or "internal error"})
                    return
                created = datetime.now(UTC).isoformat()
                stream = body.get("stream", True) if reply.stream is None else reply.stream
                final = {"model": name, "created_at": created, "done": True, "done_reason": "stop",
                         "total_duration": 1, "load_duration": 1, "prompt_eval_count": 1,
                         "prompt_eval_duration": 1, "eval_count": 1, "eval_duration": 1}
                if not stream:
                    self._send(200, {**final, "message": {"role": "assistant", "content": reply.content}})
                    return
                chunks = [reply.content[i:i + 7] for i in range(0, len(reply.content), 7)] or [""]
                lines = [json.dumps({"model": name, "created_at": created,
                                     "message": {"role": "assistant", "content": c}, "done": False}) for c in chunks]
                lines.append(json.dumps({**final, "message": {"role": "assistant", "content": ""}}))
                self._send(200, ("\n".join(lines) + "\n").encode(), "application/x-ndjson")

            def _openai(self, body: dict[str, Any], name: str) -> None:
                if server._find(name) is None:
                    self._send(404, {"error": {"message": f"model '{name}' not found", "type": "api_error"}})
                    return
                reply = server._next(body)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                if reply.status != 200:
                    self._send(reply.status, {"error": {"message": reply.error or "internal error"}})
                    return
                self._send(200, {
                    "id": "chatcmpl-1", "object": "chat.completion", "created": int(time.time()), "model": name,
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": reply.content}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

        return Handler


def _details(model: ModelSpec) -> dict[str, Any]:
    return {"parent_model": "", "format": "gguf", "family": model.family, "families": [model.family],
            "parameter_size": "8.3B", "quantization_level": "Q4_K_M"}

"""A local HTTP server speaking Ollama's API (and the OpenAI-compatible /v1 routes), scriptable
per test. Its replies follow Ollama's documented shapes; `tests/contract/captioner` checks it
against the official `ollama` Python client so it cannot drift from the real protocol.

    with ScriptedOllama() as server:
        server.script = lambda request, n: Reply(content=json.dumps({...}))
        ... OllamaCaptioner(server.url) ...
"""

from __future__ import annotations

import base64
import binascii
import contextlib
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
    context_length: int = 8192  # allocated when a request asks for no num_ctx
    family: str = "qwen25vl"
    ps_reports_context: bool = True  # False: /api/ps is silent on context_length (older servers)


def good_answer(caption: str = "A stone bell tower rises over terracotta roofs in Arezzo on an autumn afternoon.",
                alt_text: str = "Stone bell tower above terracotta roofs in Arezzo",
                keywords: list[str] | None = None, filename: str = "arezzo-bell-tower.jpg") -> str:
    return json.dumps({"caption": caption, "alt_text": alt_text,
                       "keywords": keywords or ["arezzo", "bell tower", "roofs", "afternoon", "autumn"],
                       "filename": filename})


Script = Callable[[dict[str, Any], int], Reply]

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "bool": (bool,), "object": (dict,), "array": (list,), "number": (int, float),
    "duration": (str, int, float),  # keep_alive: "10m" or seconds
    "format": (str, dict),  # "json" or a JSON schema
}

# Ollama's request bodies (docs/api.md): field -> JSON type; required fields listed apart.
_REQUESTS: dict[str, tuple[set[str], dict[str, str]]] = {
    "/api/generate": ({"model"}, {
        "model": "string", "prompt": "string", "suffix": "string", "images": "array", "format": "format",
        "options": "object", "system": "string", "template": "string", "stream": "bool", "raw": "bool",
        "keep_alive": "duration", "context": "array", "think": "bool"}),
    "/api/chat": ({"model", "messages"}, {
        "model": "string", "messages": "array", "tools": "array", "format": "format", "options": "object",
        "stream": "bool", "keep_alive": "duration", "think": "bool"}),
    "/api/show": ({"model"}, {"model": "string", "verbose": "bool"}),
}
_MESSAGE_FIELDS = {"role": "string", "content": "string", "images": "array", "tool_calls": "array",
                   "thinking": "string", "tool_name": "string"}
_ROLES = {"system", "user", "assistant", "tool"}


def _type_errors(where: str, body: dict[str, Any], required: set[str], fields: dict[str, str]) -> list[str]:
    errors = [f"{where}: missing required field {name!r}" for name in sorted(required - set(body))]
    for name, value in body.items():
        if name not in fields:
            errors.append(f"{where}: unknown field {name!r}")
        elif value is not None and (not isinstance(value, _JSON_TYPES[fields[name]])
                                    or (fields[name] != "bool" and isinstance(value, bool))):
            errors.append(f"{where}: field {name!r} must be {fields[name]}, got {type(value).__name__}")
    return errors


def _image_errors(where: str, images: Any) -> list[str]:
    if not isinstance(images, list):
        return []  # reported as a type error
    errors = []
    for index, image in enumerate(images):
        try:
            if not isinstance(image, str) or not image:
                raise ValueError
            base64.b64decode(image, validate=True)
        except (ValueError, binascii.Error):
            errors.append(f"{where}: images[{index}] is not base64 text")
    return errors


def api_violations(method: str, path: str, body: Any) -> list[str]:
    """What in one request breaks Ollama's API (required fields, their types, base64 images)."""
    where = f"{method} {path}"
    if path in ("/api/ps", "/api/tags", "/api/version"):
        return [] if method == "GET" else [f"{where}: Ollama serves this route with GET"]
    if path not in _REQUESTS:
        return []
    if method != "POST":
        return [f"{where}: Ollama serves this route with POST"]
    if not isinstance(body, dict):
        return [f"{where}: the body is not a JSON object"]
    required, fields = _REQUESTS[path]
    errors = _type_errors(where, body, required, fields)
    errors += _image_errors(where, body.get("images"))
    if isinstance(body.get("options"), dict) and "num_ctx" in body["options"]:
        if not isinstance(body["options"]["num_ctx"], int) or isinstance(body["options"]["num_ctx"], bool):
            errors.append(f"{where}: options.num_ctx must be an integer")
    if path == "/api/chat" and isinstance(body.get("messages"), list):
        for index, message in enumerate(body["messages"]):
            at = f"{where} messages[{index}]"
            if not isinstance(message, dict):
                errors.append(f"{at}: not an object")
                continue
            errors += _type_errors(at, message, {"role"}, _MESSAGE_FIELDS)
            if message.get("role") not in _ROLES:
                errors.append(f"{at}: role {message.get('role')!r} is not one of {sorted(_ROLES)}")
            errors += _image_errors(at, message.get("images"))
    return errors


class ScriptedOllama:
    """`openai_only`: only the /v1 routes answer (as vLLM or llama.cpp would; /api/* is 404).
    `model_info`: entries served at `/v1/model/info` in LiteLLM's shape (`model_name`,
    `litellm_params.model`, `litellm_params.api_base`), to stand in for a proxy's deployment list.
    `one_at_a_time`: answers' `delay_s` are served one after another, as a GPU-bound Ollama with
    OLLAMA_NUM_PARALLEL=1 does (requests queue); otherwise they overlap."""

    def __init__(self, models: list[ModelSpec] | None = None, openai_only: bool = False,
                 model_info: list[dict[str, Any]] | None = None, one_at_a_time: bool = False) -> None:
        self.models = {m.name: m for m in (models or [ModelSpec("qwen2.5vl:7b")])}
        self.openai_only = openai_only
        self.model_info = model_info
        self.one_at_a_time = one_at_a_time
        self._serving = threading.Lock()  # held through an answer's delay when one_at_a_time
        self.script: Script = lambda request, n: Reply(content=good_answer())
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.loaded: dict[str, int] = {}  # model -> the context it was loaded with
        self.violations: list[str] = []  # requests that broke Ollama's API: the test fails on exit
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

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self.violations and exc_type is None:
            raise AssertionError("requests that break Ollama's API:\n" + "\n".join(self.violations))

    def _load(self, model: ModelSpec, body: dict[str, Any]) -> None:
        options = body.get("options") if isinstance(body.get("options"), dict) else {}
        self.loaded[model.name] = int(options.get("num_ctx") or model.context_length)

    def chat_requests(self) -> list[dict[str, Any]]:
        return [body for path, body in self.requests if path in ("/api/chat", "/v1/chat/completions")]

    def _next(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            n = self._count
            self._count += 1
        return self.script(body, n)

    def _work(self, reply: Reply) -> None:
        """The time the model takes for this answer."""
        if not reply.delay_s:
            return
        with self._serving if self.one_at_a_time else contextlib.nullcontext():
            time.sleep(reply.delay_s)

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

            def _body(self) -> Any:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                try:
                    return json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    return None

            def _invalid(self, method: str, body: Any) -> bool:
                errors = api_violations(method, self.path, body)
                if errors:
                    server.violations.extend(errors)
                    self._send(400, {"error": "; ".join(errors)})
                return bool(errors)

            def do_GET(self) -> None:  # noqa: N802
                server.requests.append((self.path, {}))
                if self._invalid("GET", {}):
                    return
                if server.openai_only and self.path.startswith("/api/"):
                    self._send(404, {"detail": "Not Found"})
                    return
                now = datetime.now(UTC).isoformat()
                if self.path == "/api/tags":
                    self._send(200, {"models": [
                        {"name": m.name, "model": m.name, "modified_at": now, "size": m.size,
                         "digest": "0" * 64, "details": _details(m)} for m in server.models.values()]})
                elif self.path == "/api/ps":
                    self._send(200, {"models": [
                        {"name": m.name, "model": m.name, "size": m.size, "digest": "0" * 64,
                         "details": _details(m), "expires_at": now, "size_vram": m.size_vram,
                         **({"context_length": server.loaded[m.name]} if m.ps_reports_context else {})}
                        for m in server.models.values() if m.name in server.loaded]})
                elif self.path == "/api/version":
                    self._send(200, {"version": "0.12.0"})
                elif self.path == "/v1/model/info" and server.model_info is not None:
                    self._send(200, {"data": server.model_info})
                elif self.path == "/v1/models":
                    self._send(200, {"object": "list", "data": [
                        {"id": m.name, "object": "model", "created": 0, "owned_by": "library"}
                        for m in server.models.values()]})
                else:
                    self._send(404, {"error": f"no route {self.path}"})

            def do_POST(self) -> None:  # noqa: N802
                body = self._body()
                server.requests.append((self.path, body if isinstance(body, dict) else {}))
                if self._invalid("POST", body):
                    return
                body = body if isinstance(body, dict) else {}
                if server.openai_only and self.path.startswith("/api/"):
                    self._send(404, {"detail": "Not Found"})
                    return
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
                    assert model is not None
                    server._load(model, body)
                    self._send(200, {"model": name, "created_at": datetime.now(UTC).isoformat(),
                                     "response": "", "done": True, "done_reason": "load"})
                elif self.path == "/api/chat":
                    assert model is not None
                    server._load(model, body)
                    self._chat(body, name)
                elif self.path == "/v1/chat/completions":
                    self._openai(body, name)
                else:
                    self._send(404, {"error": f"no route {self.path}"})

            def _chat(self, body: dict[str, Any], name: str) -> None:
                reply = server._next(body)
                server._work(reply)
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
                server._work(reply)
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

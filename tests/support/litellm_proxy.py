"""A real LiteLLM proxy in front of several scripted Ollama servers, for the scale-out test and
benchmark (docs/scale-out.md).

LiteLLM lives in its own virtual environment, `.venv-litellm` (from `.ci/litellm-requirements.txt`),
so its dependencies never touch proofdesk's pins. `.ci/run` creates it and exports
`PROOFDESK_TEST_LITELLM` (the `litellm` program); `litellm_program()` finds it there, in
`.venv-litellm/bin/litellm`, or creates the environment when it is missing outside CI.

    with ScriptedOllama() as a, ScriptedOllama() as b, LiteLLMProxy(program, "qwen2.5vl:7b", [a.url, b.url]) as proxy:
        ... OpenAICompatCaptioner(proxy.url, api_key=proxy.master_key) ...
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
ENV_VAR = "PROOFDESK_TEST_LITELLM"
VENV = ROOT / ".venv-litellm"
REQUIREMENTS = ROOT / ".ci" / "litellm-requirements.txt"
MASTER_KEY = "sk-proofdesk-test"
START_TIMEOUT_S = 180.0  # the proxy imports a lot; on two busy cores it has taken 8-40 s


class LiteLLMUnavailable(RuntimeError):
    """The `litellm` program is missing and could not be installed here."""


def litellm_program(create: bool = True) -> Path:
    """The `litellm` program: `$PROOFDESK_TEST_LITELLM`, else `.venv-litellm/bin/litellm`, else
    (with `create`) a fresh `.venv-litellm` made from `.ci/litellm-requirements.txt` (about a minute,
    needs the package index)."""
    named = os.environ.get(ENV_VAR)
    if named:
        if not Path(named).is_file():
            raise LiteLLMUnavailable(f"{ENV_VAR}={named} is not a file; run .ci/run or unset it")
        return Path(named)
    program = VENV / "bin" / "litellm"
    if program.is_file():
        return program
    if not create:
        raise LiteLLMUnavailable(f"{program} is missing; .ci/run creates it ({ENV_VAR} names another)")
    steps = [[sys.executable, "-m", "venv", str(VENV)],
             [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)]]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            raise LiteLLMUnavailable(f"`{' '.join(step)}` failed: {(done.stderr or done.stdout)[-600:]}")
    if not program.is_file():
        raise LiteLLMUnavailable(f"installing {REQUIREMENTS.name} left no {program}")
    return program


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def config_yaml(model: str, api_bases: list[str], master_key: str = MASTER_KEY, routing: str = "least-busy") -> str:
    """LiteLLM's config: one deployment per Ollama server under one model name (the `ollama_chat`
    provider speaks Ollama's /api/chat), `routing` between them, requests need `master_key`.
    docs/scale-out.md shows the same file."""
    deployments = "".join(
        f"  - model_name: {model}\n"
        f"    litellm_params:\n"
        f"      model: ollama_chat/{model}\n"
        f"      api_base: {base}\n"
        for base in api_bases
    )
    return (f"model_list:\n{deployments}"
            f"router_settings:\n  routing_strategy: {routing}\n"
            f"general_settings:\n  master_key: {master_key}\n")


class LiteLLMProxy:
    """`litellm --config FILE --port P` as a subprocess: started and waited for on enter
    (`/health/liveliness`), stopped on exit; its log is kept for the failure message."""

    def __init__(self, program: Path, model: str, api_bases: list[str], master_key: str = MASTER_KEY,
                 routing: str = "least-busy") -> None:
        self.program = program
        self.master_key = master_key
        self.port = free_port()
        self._dir = tempfile.TemporaryDirectory(prefix="litellm-")
        self.config = Path(self._dir.name) / "config.yaml"
        self.config.write_text(config_yaml(model, api_bases, master_key, routing))
        self.log = Path(self._dir.name) / "litellm.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def __enter__(self) -> LiteLLMProxy:
        env = {**os.environ,
               "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # the bundled cost map: no fetch from the internet
               "LITELLM_LOG": "ERROR", "NO_DOCS": "True"}
        with self.log.open("wb") as log:
            self._process = subprocess.Popen(
                [str(self.program), "--config", str(self.config), "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self._dir.name)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                tail = self.log_tail()
                self.__exit__(None)
                raise RuntimeError(f"litellm exited with {self._process.returncode} before it was ready:\n{tail}")
            try:
                if httpx.get(f"{self.url}/health/liveliness", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        tail = self.log_tail()
        self.__exit__(None)
        raise RuntimeError(f"litellm was not ready on {self.url} after {START_TIMEOUT_S:.0f} s:\n{tail}")

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=15)
        self._dir.cleanup()

"""`proofdesk doctor`: one line per check, green or red, exit 4 on red."""

from __future__ import annotations

import json

from tests.support.ollama_server import ModelSpec, ScriptedOllama

from .conftest import Proofdesk


def test_doctor_all_green_then_red_when_the_model_server_is_down(proofdesk: Proofdesk) -> None:
    with ScriptedOllama([ModelSpec("qwen2.5vl:7b", size=10, size_vram=4)]) as server:
        env = {"PROOFDESK_CAPTIONER__URL": server.url}
        result = proofdesk("doctor", "--json", env=env)
        assert result.exit_code == 0, result.output
        checks = {c["check"]: c for c in json.loads(result.stdout)["checks"]}
        assert set(checks) == {"storage", "workdir", "files", "captioner", "scorers", "uploader", "gallery"}
        assert all(c["ok"] for c in checks.values())
        assert "processor 60%/40% CPU/GPU" in checks["captioner"]["detail"]
        assert "BRISQUE" in checks["scorers"]["detail"]
    down = proofdesk("doctor", env={"PROOFDESK_CAPTIONER__URL": "http://127.0.0.1:9", "PROOFDESK_CAPTIONER__RETRIES": "1"})
    assert down.exit_code == 4
    assert "FAIL captioner" in down.stdout and "ok   storage" in down.stdout

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
        assert set(checks) == {"storage", "workdir", "files", "captioner", "scorers", "raw", "uploader", "gallery"}
        assert all(c["ok"] for c in checks.values())
        # the camera RAW formats the installed LibRaw and exiv2 read (ADR 0019)
        assert checks["raw"]["detail"].startswith("LibRaw 0.22") and "exiv2 0.28" in checks["raw"]["detail"]
        for extension in (".cr2", ".cr3", ".nef", ".nrw", ".arw", ".dng", ".raf", ".rw2", ".orf", ".pef", ".srw"):
            assert f" {extension}" in checks["raw"]["detail"].split(";")[0]
        assert "unsupported RAW: .ari" in checks["raw"]["detail"]
        assert "processor 60%/40% CPU/GPU" in checks["captioner"]["detail"]
        assert "BRISQUE" in checks["scorers"]["detail"]
    down = proofdesk("doctor", env={"PROOFDESK_CAPTIONER__URL": "http://127.0.0.1:9", "PROOFDESK_CAPTIONER__RETRIES": "1"})
    assert down.exit_code == 4
    assert "FAIL captioner" in down.stdout and "ok   storage" in down.stdout


def test_doctor_warns_when_the_aesthetic_head_does_not_fit_the_clip_embedding(proofdesk: Proofdesk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.support.tiny_clip import TinyClip

    tiny = TinyClip(tmp_path / "tiny-clip")
    with ScriptedOllama([ModelSpec("qwen2.5vl:7b")]) as server:
        env = {"PROOFDESK_CAPTIONER__URL": server.url, "PROOFDESK_SCORING__CLIP_MODEL": str(tiny.config),
               "PROOFDESK_SCORING__CLIP_WEIGHTS": str(tiny.weights),
               "PROOFDESK_SCORING__AESTHETIC_HEAD": str(tiny.wrong_head)}
        result = proofdesk("doctor", "--json", env=env)
    scorers = {c["check"]: c for c in json.loads(result.stdout)["checks"]}["scorers"]
    assert "embedding width mismatch" in scorers["warning"]
    assert "25-d" in scorers["warning"] and "24-d" in scorers["warning"]

"""Stage 7 end to end against the scripted Ollama server: every row filled, runtime check and QC
table printed, summaries written; hostile answers repaired within the bound or blocked with the
right reason; a backend failure rolls the session back and the rerun reuses cached answers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.ollama_server import ModelSpec, Reply, ScriptedOllama

from .conftest import Proofdesk

TIME = re.compile(r"captured \d+ \w+ \d{4}, (\d\d):(\d\d)")
GPS = re.compile(r"GPS (-?\d+\.\d+), (-?\d+\.\d+)")


def prompt_of(body: dict[str, Any]) -> str:
    content = body["messages"][-1]["content"]
    return content if isinstance(content, str) else content[0]["text"]


SUBJECTS = ["bell tower", "piazza grande", "market stall", "church facade", "stone loggia", "brick archway",
            "old fountain", "narrow alley", "tiled rooftops", "cathedral steps", "city wall", "garden gate",
            "wooden door", "clock face", "olive tree", "bicycle rack"]
_subject_of: dict[str, str] = {}


def subject_for(row_facts: str) -> str:
    """One subject per photo (keyed by its facts), different for every photo: answers for one
    photo are stable across runs and tests, and two photos never get near-duplicate captions."""
    if row_facts not in _subject_of:
        _subject_of[row_facts] = SUBJECTS[len(_subject_of) % len(SUBJECTS)]
    return _subject_of[row_facts]


def answer_for(body: dict[str, Any], **override: Any) -> str:
    """A good answer built from the facts in the prompt."""
    prompt = prompt_of(body)
    hour, minute = TIME.search(prompt).groups() if TIME.search(prompt) else ("12", "00")
    lat, lon = GPS.search(prompt).groups() if GPS.search(prompt) else ("0", "0")
    subject = subject_for(f"{hour}:{minute} {lat} {lon}")
    answer = {
        "caption": f"The {subject} of Arezzo in warm afternoon light at {hour}:{minute}, "
                   f"seen from {lat} north and {lon} east.",
        "alt_text": f"{subject.capitalize()} in Arezzo at {hour}:{minute}",
        "keywords": ["arezzo", *subject.split(), "afternoon", "autumn"],
        "filename": f"arezzo-{subject.replace(' ', '-')}-{hour}{minute}.jpg",
    }
    answer.update(override)
    return json.dumps(answer)


@pytest.fixture
def server() -> Iterator[ScriptedOllama]:
    with ScriptedOllama([ModelSpec("qwen2.5vl:7b", size=8_000_000_000, size_vram=8_000_000_000, context_length=16384),
                         ModelSpec("llava:13b"), ModelSpec("textonly:1b", capabilities=["completion"])]) as running:
        running.script = lambda body, n: Reply(content=answer_for(body))
        yield running


def env_for(server: ScriptedOllama, **extra: str) -> dict[str, str]:
    return {"PROOFDESK_CAPTIONER__BACKEND": "ollama", "PROOFDESK_CAPTIONER__URL": server.url,
            "PROOFDESK_CAPTIONER__MODEL": "qwen2.5vl:7b", "PROOFDESK_CAPTIONER__RETRIES": "2", **extra}


def last_session_dir(desk: Proofdesk) -> Path:
    return sorted((desk.workdir / "runs").iterdir())[-1]


def test_gps_set_is_captioned_with_runtime_check_qc_table_and_summaries(
    proofdesk: Proofdesk, gps_set: Path, server: ScriptedOllama
) -> None:
    result = proofdesk("run", str(gps_set), "--no-review", env=env_for(server))
    assert result.exit_code == 0, result.output
    assert "runtime check: ollama qwen2.5vl:7b" in result.stderr and "processor 100% GPU" in result.stderr
    assert "context 16384" in result.stderr and "VRAM 7.5 GiB" in result.stderr
    assert "QC summary before review" in result.stderr
    rows = proofdesk.rows()
    assert len(rows) == 9
    for row in rows:
        assert row["caption"] and row["alt_text"] and row["keywords"] and row["file_name"]
        assert row["metadata_quality"] == "accepted" and row["status"] == "pending"
        assert row["caption_source"] == "qwen2.5vl:7b"
    assert len({row["file_name"] for row in rows}) == 9
    session = last_session_dir(proofdesk)
    proof_summary = json.loads((session / "proof_summary.json").read_text())
    assert proof_summary["accepted"] == 9 and proof_summary["blocked"] == 0
    qc = json.loads((session / "qc_summary.json").read_text())
    assert qc["rows"] == 9 and qc["duplicates"] == []
    exported = json.loads((session / "export.json").read_text())  # zero rows blocked: the export is written
    assert sorted(row["original_name"] for row in exported) == sorted(row["original_name"] for row in rows)
    asked = len(server.chat_requests())
    again = proofdesk("run", str(gps_set), "--no-review", env=env_for(server))
    assert again.exit_code == 0 and len(server.chat_requests()) == asked  # a rerun asks nothing


def test_same_caption_for_every_row_is_repaired_with_the_violation_in_the_prompt(
    proofdesk: Proofdesk, gps_set: Path, server: ScriptedOllama
) -> None:
    def script(body: dict[str, Any], n: int) -> Reply:
        if "Your last answer broke these rules" in prompt_of(body):
            return Reply(content=answer_for(body))
        return Reply(content=answer_for(body, caption="Narrow medieval streets of Arezzo in the afternoon light."))

    server.script = script
    result = proofdesk("run", str(gps_set), "--no-review", env=env_for(server))
    assert result.exit_code == 0, result.output
    assert all(row["metadata_quality"] == "accepted" for row in proofdesk.rows())
    repairs = [prompt_of(b) for b in server.chat_requests() if "Your last answer broke" in prompt_of(b)]
    assert len(repairs) == 8 and all("duplicate.caption" in p for p in repairs)


def test_a_persistent_duplicate_is_blocked_after_the_bound(proofdesk: Proofdesk, gps_set: Path, server: ScriptedOllama) -> None:
    server.script = lambda body, n: Reply(content=answer_for(body, caption="Narrow medieval streets of Arezzo at dusk glow softly."))
    result = proofdesk("run", str(gps_set), "--no-review", "--json", env=env_for(server, PROOFDESK_CAPTIONER__MAX_REPAIRS="1"))
    assert result.exit_code == 3
    report = json.loads(result.stdout)
    rows = proofdesk.rows()
    blocked = [r for r in rows if r["metadata_quality"] == "blocked"]
    assert len(blocked) == 9 and sorted(report["blocked"]) == sorted(f"gps/{r['original_name']}" for r in blocked)
    rules = {reason["rule"] for row in blocked for reason in row["proof_reasons"]}
    assert "time_of_day" in rules  # "dusk" at 16:30 in October in Arezzo is wrong
    assert "duplicate.caption" in rules
    assert len(server.chat_requests()) == 9 * 2  # primary + 1 repair each, never more
    assert not (last_session_dir(proofdesk) / "export.json").exists()  # rows are blocked: no export


@pytest.mark.parametrize(
    ("first", "rule"),
    [
        ('{"caption": "unterminated', "answer.json"),
        (json.dumps({"caption": "A sunset over the streets of Arezzo with long shadows.", "alt_text": "Sunset in Arezzo",
                     "keywords": ["sunset", "arezzo", "streets"], "filename": "arezzo-sunset.jpg"}), "time_of_day"),
        (json.dumps({"caption": "Streets.", "alt_text": "Streets of Arezzo at noon",
                     "keywords": ["photo", "image", "jpg"], "filename": "x.jpg"}), "keywords.count"),
        (json.dumps({"caption": "<b>Arezzo</b> streets in the afternoon, see https://example.org for more.",
                     "alt_text": "Arezzo", "keywords": ["arezzo", "streets", "afternoon"], "filename": "a.jpg"}), "caption.markup"),
    ],
)
def test_hostile_first_answer_is_repaired_within_the_bound(
    proofdesk: Proofdesk, tmp_path: Path, samples: Path, server: ScriptedOllama, first: str, rule: str
) -> None:
    set_dir = tmp_path / "arezzo_walk"
    set_dir.mkdir()
    (set_dir / "DSCN0010.jpg").write_bytes((samples / "jpg" / "gps" / "DSCN0010.jpg").read_bytes())
    server.script = lambda body, n: Reply(content=first) if n == 0 else Reply(content=answer_for(body))
    result = proofdesk("run", str(set_dir), "--no-review", env=env_for(server))
    assert result.exit_code == 0, result.output
    [row] = proofdesk.rows()
    assert row["metadata_quality"] == "accepted"
    second_prompt = prompt_of(server.chat_requests()[1])
    assert f"[{rule}]" in second_prompt


def test_meta_opener_and_unsupported_keywords_are_fixed_locally(
    proofdesk: Proofdesk, tmp_path: Path, samples: Path, server: ScriptedOllama
) -> None:
    set_dir = tmp_path / "arezzo_walk"
    set_dir.mkdir()
    (set_dir / "DSCN0010.jpg").write_bytes((samples / "jpg" / "gps" / "DSCN0010.jpg").read_bytes())
    server.script = lambda body, n: Reply(content=answer_for(
        body, caption="The image shows narrow medieval streets of Arezzo in the afternoon light.",
        keywords=["arezzo", "streets", "afternoon", "medieval", "venice", "Streets", "photo"]))
    result = proofdesk("run", str(set_dir), "--no-review", env=env_for(server))
    assert result.exit_code == 0, result.output
    [row] = proofdesk.rows()
    assert row["metadata_quality"] == "accepted" and len(server.chat_requests()) == 1
    assert row["caption"].startswith("Narrow medieval streets")
    assert "venice" not in row["keywords"] and "photo" not in row["keywords"]
    fixes = {r["rule"] for r in row["proof_reasons"] if r["kind"] == "fix"}
    assert not any(r["message"].startswith("fixed: ") for r in row["proof_reasons"])
    assert all(r["kind"] == "violation" for r in row["proof_reasons"] if r["rule"] not in fixes)
    assert row["classifier_hints"] == []  # stored on the row; no classifier is configured here
    assert {"caption.meta_opener", "keywords.evidence", "keywords.banned"} <= fixes


def test_backend_down_rolls_back_and_the_rerun_reuses_cached_answers(
    proofdesk: Proofdesk, gps_set: Path, server: ScriptedOllama
) -> None:
    server.script = lambda body, n: Reply(content=answer_for(body)) if n < 4 else Reply(status=500, error="GPU fell off")
    failed = proofdesk("run", str(gps_set), "--no-review", env=env_for(server))
    assert failed.exit_code == 4
    assert "GPU fell off" in failed.stderr and "rolled back" in failed.stderr
    assert proofdesk.rows() == [] and proofdesk.incoming_files() == []
    asked_before = len(server.chat_requests())

    server.script = lambda body, n: Reply(content=answer_for(body))
    rerun = proofdesk("run", str(gps_set), "--no-review", env=env_for(server))
    assert rerun.exit_code == 0, rerun.output
    assert len(proofdesk.rows()) == 9
    assert len(server.chat_requests()) - asked_before == 9 - 4  # four answers came from the cache


def test_unreachable_backend_and_model_without_vision_exit_4(proofdesk: Proofdesk, gps_set: Path, server: ScriptedOllama) -> None:
    down = proofdesk("run", str(gps_set), "--no-review", env=env_for(server, PROOFDESK_CAPTIONER__URL="http://127.0.0.1:9"))
    # the runtime check runs before anything is copied: nothing to roll back
    assert down.exit_code == 4 and "cannot connect" in down.stderr and "rolled back" not in down.stderr
    blind = proofdesk("run", str(gps_set), "--no-review", env=env_for(server, PROOFDESK_CAPTIONER__MODEL="textonly:1b"))
    assert blind.exit_code == 4 and "no vision capability" in blind.stderr
    missing = proofdesk("run", str(gps_set), "--no-review", env=env_for(server, PROOFDESK_CAPTIONER__MODEL="gone:7b"))
    assert missing.exit_code == 4 and "ollama pull gone:7b" in missing.stderr
    assert proofdesk.rows() == []
    assert proofdesk("run", str(gps_set), "--no-review", env=env_for(server)).exit_code == 0


def test_fallback_model_after_the_primary_gives_up(proofdesk: Proofdesk, tmp_path: Path, samples: Path, server: ScriptedOllama) -> None:
    set_dir = tmp_path / "walk"
    set_dir.mkdir()
    (set_dir / "DSCN0010.jpg").write_bytes((samples / "jpg" / "gps" / "DSCN0010.jpg").read_bytes())
    server.script = lambda body, n: Reply(content="not json") if body["model"] == "qwen2.5vl:7b" else Reply(content=answer_for(body))
    result = proofdesk("run", str(set_dir), "--no-review",
                       env=env_for(server, PROOFDESK_CAPTIONER__FALLBACK_MODEL="llava:13b"))
    assert result.exit_code == 0, result.output
    [row] = proofdesk.rows()
    assert row["caption_source"] == "llava:13b" and row["metadata_quality"] == "accepted"
    models = [b["model"] for b in server.chat_requests()]
    assert models == ["qwen2.5vl:7b"] * 3 + ["llava:13b"]


@pytest.mark.parametrize("backend", ["ollama", "openai", "offline"])
def test_backend_is_switched_by_config_alone(proofdesk: Proofdesk, gps_set: Path, server: ScriptedOllama, backend: str) -> None:
    config = proofdesk.cwd / "proofdesk.toml"
    config.write_text(f'[captioner]\nbackend = "{backend}"\nurl = "{server.url}"\nmodel = "qwen2.5vl:7b"\n')
    result = proofdesk("--config", str(config), "run", str(gps_set), "--no-review")
    assert result.exit_code == 0, result.output
    rows = json.loads(proofdesk("--config", str(config), "rows", "--json").stdout)
    assert len(rows) == 9 and all(r["metadata_quality"] == "accepted" for r in rows)
    expected_source = "offline" if backend == "offline" else "qwen2.5vl:7b"
    assert {r["caption_source"] for r in rows} == {expected_source}
    assert (len(server.chat_requests()) == 0) == (backend == "offline")


def test_export_only_without_blocked_rows(proofdesk: Proofdesk, gps_set: Path, server: ScriptedOllama, tmp_path: Path) -> None:
    assert proofdesk("run", str(gps_set), "--no-review", env=env_for(server)).exit_code == 0
    out = tmp_path / "export.json"
    exported = proofdesk("export", "--output", str(out))
    assert exported.exit_code == 0 and len(json.loads(out.read_text())) == 9


def morning_set(tmp_path: Path, samples: Path) -> Path:
    """One photo whose DateTimeOriginal says 10:00 (and no GPS): "sunset" must be refused."""
    import pyexiv2

    set_dir = tmp_path / "morning_walk"
    set_dir.mkdir()
    photo = set_dir / "IMG_1000.jpg"
    photo.write_bytes((samples / "jpg" / "Canon_40D.jpg").read_bytes())
    with pyexiv2.Image(str(photo)) as image:
        image.modify_exif({"Exif.Photo.DateTimeOriginal": "2026:06:12 10:00:00"})
    return set_dir


def test_sunset_at_ten_in_the_morning_is_repaired(proofdesk: Proofdesk, tmp_path: Path, samples: Path,
                                                  server: ScriptedOllama) -> None:
    sunset = json.dumps({"caption": "A quiet harbour glows at sunset with boats at their moorings.",
                         "alt_text": "Harbour with boats at sunset", "keywords": ["harbour", "boats", "sunset"],
                         "filename": "harbour-sunset.jpg"})
    morning = json.dumps({"caption": "A quiet harbour in the morning with boats at their moorings.",
                          "alt_text": "Harbour with moored boats in the morning", "keywords": ["harbour", "boats", "morning"],
                          "filename": "harbour-morning.jpg"})
    server.script = lambda body, n: Reply(content=sunset if n == 0 else morning)
    result = proofdesk("run", str(morning_set(tmp_path, samples)), "--no-review", env=env_for(server))
    assert result.exit_code == 0, result.output
    [row] = proofdesk.rows()
    assert row["captured_at"] == "2026-06-12T10:00:00" and row["caption"].startswith("A quiet harbour in the morning")
    assert "[time_of_day]" in prompt_of(server.chat_requests()[1]) and "sunset" in prompt_of(server.chat_requests()[1])


def test_sunset_at_ten_is_blocked_when_the_model_insists(proofdesk: Proofdesk, tmp_path: Path, samples: Path,
                                                         server: ScriptedOllama) -> None:
    sunset = json.dumps({"caption": "A quiet harbour glows at sunset with boats at their moorings.",
                         "alt_text": "Harbour with boats at sunset", "keywords": ["harbour", "boats", "sunset"],
                         "filename": "harbour-sunset.jpg"})
    server.script = lambda body, n: Reply(content=sunset)
    result = proofdesk("run", str(morning_set(tmp_path, samples)), "--no-review", env=env_for(server))
    assert result.exit_code == 3
    [row] = proofdesk.rows()
    assert row["metadata_quality"] == "blocked"
    assert any(r["rule"] == "time_of_day" and "sunset" in r["message"] for r in row["proof_reasons"])


def test_a_rejected_row_whose_proof_was_blocked_does_not_stop_the_export(
    proofdesk: Proofdesk, tmp_path: Path, samples: Path, server: ScriptedOllama
) -> None:
    sunset = json.dumps({"caption": "A quiet harbour glows at sunset with boats at their moorings.",
                         "alt_text": "Harbour with boats at sunset", "keywords": ["harbour", "boats", "sunset"],
                         "filename": "harbour-sunset.jpg"})
    server.script = lambda body, n: Reply(content=sunset)
    assert proofdesk("run", str(morning_set(tmp_path, samples)), "--no-review", env=env_for(server)).exit_code == 3
    out = tmp_path / "export.json"
    assert proofdesk("export", "--output", str(out)).exit_code == 3  # blocked and waiting for a person
    assert proofdesk("reject", "IMG_1000.jpg").exit_code == 0
    exported = proofdesk("export", "--output", str(out))
    assert exported.exit_code == 0, exported.output
    assert json.loads(out.read_text()) == []  # the rejected row is not exported either


@pytest.mark.parametrize("trouble", [Reply(status=500, error="out of memory"), Reply(content="", delay_s=1.5)],
                         ids=["500", "timeout"])
def test_a_transient_500_or_timeout_is_retried(proofdesk: Proofdesk, tmp_path: Path, samples: Path,
                                               server: ScriptedOllama, trouble: Reply) -> None:
    set_dir = tmp_path / "walk"
    set_dir.mkdir()
    (set_dir / "DSCN0010.jpg").write_bytes((samples / "jpg" / "gps" / "DSCN0010.jpg").read_bytes())
    server.script = lambda body, n: trouble if n == 0 else Reply(content=answer_for(body))
    result = proofdesk("run", str(set_dir), "--no-review",
                       env=env_for(server, PROOFDESK_CAPTIONER__TIMEOUT_S="0.5", PROOFDESK_CAPTIONER__RETRIES="3"))
    assert result.exit_code == 0, result.output
    [row] = proofdesk.rows()
    assert row["metadata_quality"] == "accepted" and len(server.chat_requests()) == 2

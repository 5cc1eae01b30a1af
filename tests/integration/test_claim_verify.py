"""`proof.verify = keywords` against a scripted model that invents one object per photo (in the
caption, the alt text and the keywords) and answers the yes/no question truthfully: the invented
keyword is removed and the text repaired (or blocked naming it), every other claim is kept, at most
one question per captioned row, and an unchanged rerun asks nothing. With `verify = off` (the
default) nothing is asked and every keyword is kept with its source."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.ollama_server import ModelSpec, Reply, ScriptedOllama

from .conftest import Proofdesk
from .test_captioning import answer_for, env_for, last_session_dir, prompt_of

INVENTED = "balloon"


def schema_of(body: dict[str, Any]) -> dict[str, Any]:
    """The request's JSON schema: Ollama's `format`, or an OpenAI-compatible `response_format`."""
    if "response_format" in body:
        return dict(body["response_format"]["json_schema"]["schema"])
    schema = body.get("format")
    return schema if isinstance(schema, dict) else {}


def is_probe(body: dict[str, Any]) -> bool:
    """The yes/no request: its schema's properties are the claims, not the caption's fields."""
    return "caption" not in schema_of(body).get("properties", {"caption": {}})


def inventing_answer(body: dict[str, Any]) -> str:
    """A good answer plus an invented balloon, dropped once a repair names it."""
    honest = json.loads(answer_for(body))
    if INVENTED in prompt_of(body) and "Your last answer broke these rules" in prompt_of(body):
        return json.dumps(honest)
    return json.dumps({**honest,
                       "caption": honest["caption"].replace(" in warm afternoon light", f" beside a red {INVENTED} in warm afternoon light"),
                       "alt_text": honest["alt_text"].replace(" in Arezzo", f" and a {INVENTED} in Arezzo"),
                       "keywords": [*honest["keywords"], INVENTED]})


def truthful_verdicts(body: dict[str, Any]) -> str:
    claims = list(schema_of(body)["properties"])
    return json.dumps({claim: "no" if claim == INVENTED else "yes" for claim in claims})


@pytest.fixture
def inventor() -> Iterator[ScriptedOllama]:
    with ScriptedOllama([ModelSpec("qwen2.5vl:7b"), ModelSpec("llava:13b")]) as running:
        running.script = lambda body, n: Reply(content=truthful_verdicts(body) if is_probe(body) else inventing_answer(body))
        yield running


def probes(server: ScriptedOllama) -> list[dict[str, Any]]:
    return [body for body in server.chat_requests() if is_probe(body)]


def test_verify_removes_the_invented_keyword_repairs_the_text_and_keeps_every_other_claim(
    proofdesk: Proofdesk, gps_set: Path, inventor: ScriptedOllama
) -> None:
    env = env_for(inventor, PROOFDESK_PROOF__VERIFY="keywords")
    result = proofdesk("run", str(gps_set), "--no-review", env=env)
    assert result.exit_code == 0, result.output
    rows = proofdesk.rows()
    assert len(rows) == 9
    asked = probes(inventor)
    assert len(asked) <= len(rows)  # at most one question per captioned row, repairs included
    for body in asked:
        prompt = prompt_of(body)
        schema = schema_of(body)
        assert set(schema["properties"]) == set(schema["required"]) and schema["additionalProperties"] is False
        assert all(item == {"type": "string", "enum": ["yes", "no", "unsure"]} for item in schema["properties"].values())
        assert "caption" not in prompt.lower() and "alt" not in prompt.lower() and "filename" not in prompt.lower()
        assert body["messages"][-1].get("images")  # the picture goes with the question
    for row in rows:
        assert row["metadata_quality"] == "accepted", row["proof_reasons"]
        assert INVENTED not in row["keywords"] and INVENTED not in row["caption"] and INVENTED not in row["alt_text"]
        claims = {claim["text"]: claim for claim in row["claims"]}
        assert claims[INVENTED] == {"text": INVENTED, "source": "model", "verdict": "no"}
        assert claims["arezzo"]["source"] == "place" and claims["afternoon"]["source"] == "exif"
        kept = [claim for claim in row["claims"] if claim["text"] != INVENTED]
        assert [claim["text"] for claim in kept] == row["keywords"]  # every other claim kept
        assert all(claim["source"] in ("place", "exif", "verified") for claim in kept)
        assert any(claim["source"] == "verified" and claim["verdict"] == "yes" for claim in kept)
    repairs = [prompt_of(b) for b in inventor.chat_requests() if not is_probe(b) and "Your last answer broke" in prompt_of(b)]
    assert repairs and all("[claim.unsupported]" in p and f'"{INVENTED}"' in p for p in repairs)
    summary = json.loads((last_session_dir(proofdesk) / "proof_summary.json").read_text())
    assert summary["verify_calls"] == len(asked) and summary["claims_removed"] == 9
    assert summary["claims_by_source"]["verified"] >= 9 and summary["claims_by_source"]["place"] == 9
    assert summary["model_calls"] == len(inventor.chat_requests())
    assert "to verify claims" in result.stderr

    before = len(inventor.chat_requests())
    again = proofdesk("run", str(gps_set), "--no-review", env=env)
    assert again.exit_code == 0 and len(inventor.chat_requests()) == before  # an unchanged rerun asks nothing


def test_verify_blocks_a_text_that_keeps_naming_what_the_model_said_is_not_there(
    proofdesk: Proofdesk, tmp_path: Path, samples: Path, inventor: ScriptedOllama
) -> None:
    set_dir = tmp_path / "arezzo_walk"
    set_dir.mkdir()
    (set_dir / "DSCN0010.jpg").write_bytes((samples / "jpg" / "gps" / "DSCN0010.jpg").read_bytes())
    result = proofdesk("run", str(set_dir), "--no-review",
                       env=env_for(inventor, PROOFDESK_PROOF__VERIFY="keywords", PROOFDESK_CAPTIONER__MAX_REPAIRS="0"))
    assert result.exit_code == 3, result.output
    [row] = proofdesk.rows()
    assert row["metadata_quality"] == "blocked" and INVENTED not in row["keywords"]
    blocks = [r for r in row["proof_reasons"] if r["rule"] == "claim.unsupported" and r["kind"] == "violation"]
    assert {r["field"] for r in blocks} == {"caption", "alt_text"}
    assert all(f'"{INVENTED}"' in r["message"] for r in blocks)
    assert len(probes(inventor)) == 1 and len(inventor.chat_requests()) == 2


def test_a_different_model_judges_and_an_unparsable_verdict_is_unsure(
    proofdesk: Proofdesk, tmp_path: Path, samples: Path, inventor: ScriptedOllama
) -> None:
    set_dir = tmp_path / "arezzo_walk"
    set_dir.mkdir()
    (set_dir / "DSCN0010.jpg").write_bytes((samples / "jpg" / "gps" / "DSCN0010.jpg").read_bytes())
    inventor.script = lambda body, n: Reply(content="yes, I think so" if is_probe(body) else inventing_answer(body))
    result = proofdesk("run", str(set_dir), "--no-review",
                       env=env_for(inventor, PROOFDESK_PROOF__VERIFY="keywords", PROOFDESK_PROOF__VERIFY_MODEL="llava:13b"))
    assert result.exit_code == 0, result.output  # never a block, never a rollback
    [row] = proofdesk.rows()
    [probe] = probes(inventor)
    assert probe["model"] == "llava:13b"
    assert INVENTED in row["keywords"]
    model_claims = [claim for claim in row["claims"] if claim["source"] == "model"]
    assert model_claims and all(claim["verdict"] == "unsure" for claim in model_claims)


def test_verify_off_asks_nothing_and_keeps_the_sources(
    proofdesk: Proofdesk, tmp_path: Path, samples: Path, inventor: ScriptedOllama
) -> None:
    set_dir = tmp_path / "arezzo_walk"
    set_dir.mkdir()
    (set_dir / "DSCN0010.jpg").write_bytes((samples / "jpg" / "gps" / "DSCN0010.jpg").read_bytes())
    result = proofdesk("run", str(set_dir), "--no-review", env=env_for(inventor))
    assert result.exit_code == 0, result.output
    assert probes(inventor) == [] and len(inventor.chat_requests()) == 1
    assert "to verify claims" not in result.stderr
    [row] = proofdesk.rows()
    claims = {claim["text"]: claim for claim in row["claims"]}
    assert claims[INVENTED] == {"text": INVENTED, "source": "model", "verdict": None}
    assert all(claim["verdict"] is None for claim in row["claims"])
    assert [claim["text"] for claim in row["claims"]] == row["keywords"]


def test_claims_and_sources_in_the_contact_sheet_and_the_sidecars(
    proofdesk: Proofdesk, gps_set: Path, inventor: ScriptedOllama
) -> None:
    from .test_xmp_exiftool import EXIFTOOL, as_list, tags

    if not Path(EXIFTOOL).exists():
        pytest.skip("exiftool (libimage-exiftool-perl) is not installed")
    env = env_for(inventor, PROOFDESK_PROOF__VERIFY="keywords")
    assert proofdesk("run", str(gps_set), "--no-review", env=env).exit_code == 0
    rows = proofdesk.rows()

    sheet = proofdesk.cwd / "sheet.html"
    assert proofdesk("report", "--output", str(sheet), env=env).exit_code == 0
    page = sheet.read_text()
    assert page.count('<p class="claims">') == len(rows) + 1  # every card, and the header's totals
    assert f"removed (the model said not there): {INVENTED}" in page and "verified " in page and "place 1" in page

    names = [row["original_name"] for row in rows]
    assert proofdesk("approve", *names, env=env).exit_code == 0
    assert proofdesk("export", "--xmp", env=env).exit_code == 0
    folder = proofdesk.workdir / "sidecars" / gps_set.name
    for row in proofdesk.rows():
        found = tags(folder / f"{row['file_name']}.xmp")
        sources = as_list(found["XMP-proofdesk:KeywordSources"])
        expected = [f"{c['text']}: {c['source']}" + (f" ({c['verdict']})" if c["verdict"] else "")
                    for c in row["claims"] if c["text"] in row["keywords"]]
        assert sources == expected and len(sources) == len(row["keywords"])
        assert any(s.endswith(": verified (yes)") for s in sources) and "arezzo: place" in sources
        assert not any(s.startswith(f"{INVENTED}:") for s in sources)


def test_verify_through_an_openai_compatible_server(
    proofdesk: Proofdesk, tmp_path: Path, samples: Path, inventor: ScriptedOllama
) -> None:
    set_dir = tmp_path / "arezzo_walk"
    set_dir.mkdir()
    (set_dir / "DSCN0010.jpg").write_bytes((samples / "jpg" / "gps" / "DSCN0010.jpg").read_bytes())
    env = env_for(inventor, PROOFDESK_PROOF__VERIFY="keywords", PROOFDESK_CAPTIONER__BACKEND="openai")
    result = proofdesk("run", str(set_dir), "--no-review", env=env)
    assert result.exit_code == 0, result.output
    [probe] = probes(inventor)
    assert probe["response_format"]["type"] == "json_schema" and probe["response_format"]["json_schema"]["strict"] is True
    assert any(part.get("type") == "image_url" for part in probe["messages"][-1]["content"])
    [row] = proofdesk.rows()
    assert row["metadata_quality"] == "accepted" and INVENTED not in row["keywords"] and INVENTED not in row["caption"]
    assert {"text": INVENTED, "source": "model", "verdict": "no"} in row["claims"]

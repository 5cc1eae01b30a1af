"""A burst-like shoot from real photos (per scene: the original, a shifted copy, and blurred, noisy
and under-exposed copies, a second apart; scenes three minutes apart) through `proofdesk run`
against a scripted Ollama server: scenes found, keepers undegraded, one model request per scene,
culling, keeper choice, and one story per scene."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from proofdesk.adapters.images.pillow_processor import PillowImageProcessor

from tests.integration.conftest import Proofdesk
from tests.support.burst_shoot import UNDEGRADED, Shoot, make_burst_shoot, real_photos
from tests.support.ollama_server import ModelSpec, Reply, ScriptedOllama

SCENES = 8
# One made-up landmark per scene (no real place: nothing for place.far to find), and words that
# make every scene's text its own.
LANDMARKS = [
    ("Quillon Arch", "rises over", "a cobbled lane"), ("Varnek Mill", "turns beside", "a slow river"),
    ("Oskel Tower", "stands above", "red tiled roofs"), ("Brannoch Gate", "opens onto", "a busy market"),
    ("Tessaly Fountain", "sparkles in", "a shaded square"), ("Morvane Bridge", "spans", "a narrow canal"),
    ("Halvard Chapel", "hides behind", "tall cypress trees"), ("Ezrin Lighthouse", "guards", "a rocky harbour"),
]
TIME = re.compile(r"captured \d+ \w+ \d{4}, (\d\d):(\d\d)")


def answer(scene: int, name: str | None = None) -> str:
    landmark, verb, setting = LANDMARKS[scene]
    landmark = name or landmark
    slug = landmark.lower().replace(" ", "-")
    return json.dumps({
        "caption": f"The {landmark} {verb} {setting}.",
        "alt_text": f"{landmark} and {setting.split()[-1]}",
        "keywords": [*landmark.lower().split(), setting.split()[-1]],
        "filename": f"{slug}.jpg",
    })


def scene_of_request(body: dict[str, Any]) -> int:
    content = body["messages"][-1]["content"]
    hour, minute = TIME.search(content).groups()  # type: ignore[union-attr]
    return ((int(hour) - 10) * 60 + int(minute)) // 3


def image_of_request(body: dict[str, Any]) -> str:
    return hashlib.sha256(base64.b64decode(body["messages"][-1]["images"][0])).hexdigest()


@pytest.fixture(scope="module")
def shoot(tmp_path_factory: pytest.TempPathFactory, samples: Path) -> Shoot:
    return make_burst_shoot(real_photos(samples), tmp_path_factory.mktemp("shoot") / "2026-06-12_burst", SCENES)


def model_ready_names(shoot: Shoot) -> dict[str, str]:
    """sha256 of each frame's model-ready JPEG (what the caption request carries) -> file name."""
    processor = PillowImageProcessor()
    return {hashlib.sha256(processor.model_ready((shoot.folder / name).read_bytes(), 1024, 90)).hexdigest(): name
            for name in shoot.kinds}


def env_for(server: ScriptedOllama, **extra: str) -> dict[str, str]:
    return {"PROOFDESK_CAPTIONER__BACKEND": "ollama", "PROOFDESK_CAPTIONER__URL": server.url,
            "PROOFDESK_CAPTIONER__MODEL": "qwen2.5vl:7b", "PROOFDESK_CAPTIONER__RETRIES": "2", **extra}


@pytest.fixture
def server() -> Any:
    with ScriptedOllama([ModelSpec("qwen2.5vl:7b")]) as running:
        running.script = lambda body, n: Reply(content=answer(scene_of_request(body)))
        yield running


def test_a_burst_shoot_gives_one_keeper_per_scene_one_request_per_scene_and_publishes_the_keepers(
    proofdesk: Proofdesk, shoot: Shoot, server: ScriptedOllama
) -> None:
    env = env_for(server)
    result = proofdesk("run", str(shoot.folder), "--no-review", env=env)
    assert result.exit_code == 0, result.output
    rows = proofdesk.rows()
    assert len(rows) == SCENES * 5
    for field in ("scene_id", "scene_size", "scene_rank", "keeper", "cull_suggested", "cull_reason", "quality_measures"):
        assert all(field in row for row in rows)

    # every scene found: no scene split, no two merged
    found: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        found[row["scene_id"]].add(row["original_name"])
    assert sorted(map(sorted, found.values())) == sorted(shoot.frames(scene) for scene in range(SCENES))
    assert all(row["scene_size"] == 5 for row in rows)
    assert all(sorted(r["scene_rank"] for r in rows if r["scene_id"] == sid) == [1, 2, 3, 4, 5] for sid in found)

    keepers = [row for row in rows if row["keeper"]]
    assert len(keepers) == SCENES
    undegraded = sum(1 for row in keepers if shoot.kinds[row["original_name"]] in UNDEGRADED)
    assert undegraded >= 0.95 * SCENES, {row["original_name"]: shoot.kinds[row["original_name"]] for row in keepers}
    assert all(row["cull_reason"] and row["cull_suggested"] for row in rows if not row["keeper"])

    # one /api/chat request per scene, for its keeper; nothing blocked, nothing a duplicate
    assert len(server.chat_requests()) <= 1.2 * SCENES
    assert _proof_summary(proofdesk)["model_calls_per_accepted_row"] <= 1.2
    assert all(row["metadata_quality"] == "accepted" for row in keepers)
    others = [row for row in rows if not row["keeper"]]
    assert all(row["status"] == "pending" and row["metadata_quality"] is None and row["caption"] is None for row in others)
    assert not [r for row in rows for r in row["proof_reasons"] if r["rule"].startswith("duplicate")]

    # the person decides: cull --apply, approve what the proof accepted, publish: exactly the keepers
    culled = proofdesk("cull", "--apply", "--json")
    assert culled.exit_code == 0, culled.output
    assert sorted(json.loads(culled.stdout)["rejected"]) == sorted(f"{r['set_name']}/{r['original_name']}" for r in others)
    assert proofdesk("approve", "--all-accepted").exit_code == 0
    published = proofdesk("publish", "--yes")
    assert published.exit_code == 0, published.output
    after = proofdesk.rows()
    assert sorted(r["original_name"] for r in after if r["status"] == "published") == sorted(r["original_name"] for r in keepers)
    assert sorted(r["original_name"] for r in after if r["status"] == "rejected") == sorted(r["original_name"] for r in others)


def test_a_chosen_keeper_survives_a_rerun_and_generate_captions_it(proofdesk: Proofdesk, shoot: Shoot, server: ScriptedOllama) -> None:
    env = env_for(server)
    assert proofdesk("run", str(shoot.folder), "--no-review", env=env).exit_code == 0
    scene = shoot.frames(2)
    rows = {row["original_name"]: row for row in proofdesk.rows()}
    chosen = next(name for name in scene if not rows[name]["keeper"])
    chose = proofdesk("keeper", chosen, env=env)
    assert chose.exit_code == 0, chose.output
    # the old keeper's caption would hold its scene's text: the reviewer culls before captioning anew
    assert proofdesk("cull", "--apply").exit_code == 0
    rerun = proofdesk("run", str(shoot.folder), "--no-review", env=env)
    assert rerun.exit_code == 0, rerun.output
    rows = {row["original_name"]: row for row in proofdesk.rows()}
    assert [name for name in scene if rows[name]["keeper"]] == [chosen]
    assert rows[chosen]["keeper_chosen_by"] == "person"
    assert all(rows[name]["cull_reason"] == f"{chosen.rsplit('.', 1)[0]} was chosen as the keeper by a person"
               and rows[name]["status"] == "rejected" for name in scene if name != chosen)
    assert rows[chosen]["caption"] is not None  # the rerun captioned the new keeper (scope = keepers)
    assert len({row["scene_id"] for row in rows.values()}) == SCENES


def test_with_scope_all_a_frame_naming_another_landmark_is_blocked_by_scene_consistency_naming_its_keeper(
    proofdesk: Proofdesk, shoot: Shoot, server: ScriptedOllama
) -> None:
    names = model_ready_names(shoot)
    odd = next(name for name in shoot.frames(0) if shoot.kinds[name] == "noisy")  # never the keeper of scene 0

    def script(body: dict[str, Any], n: int) -> Reply:
        scene = scene_of_request(body)
        if names.get(image_of_request(body)) == odd:
            return Reply(content=answer(scene, name="Kellgren Arch"))
        return Reply(content=answer(scene))

    server.script = script
    result = proofdesk("run", str(shoot.folder), "--no-review", env=env_for(server, PROOFDESK_CAPTIONER__SCOPE="all"))
    assert result.exit_code in (0, 3), result.output
    rows = {row["original_name"]: row for row in proofdesk.rows()}
    keeper = next(name for name in shoot.frames(0) if rows[name]["keeper"])
    assert keeper != odd
    reasons = [r for r in rows[odd]["proof_reasons"] if r["rule"] == "scene.consistency"]
    assert rows[odd]["metadata_quality"] == "blocked" and reasons
    assert keeper in reasons[0]["message"] and "Kellgren Arch" in reasons[0]["message"] and "Quillon Arch" in reasons[0]["message"]
    flagged = {name for name, row in rows.items() if any(r["rule"] == "scene.consistency" for r in row["proof_reasons"])}
    assert flagged == {odd}
    # the other frames' prompts carry their keeper's text; the keepers' prompts do not
    prompts = {names[image_of_request(body)]: body["messages"][-1]["content"] for body in server.chat_requests()}
    assert "Another frame of the same scene" in prompts[odd] and "Quillon Arch" in prompts[odd]
    assert "Another frame of the same scene" not in prompts[keeper]


def _proof_summary(desk: Proofdesk) -> dict[str, Any]:
    return json.loads(sorted((desk.workdir / "runs").glob("*/proof_summary.json"))[-1].read_text())


def test_the_offline_captioner_is_asked_once_per_keeper_and_never_to_repair(proofdesk: Proofdesk, shoot: Shoot) -> None:
    result = proofdesk("run", str(shoot.folder), "--no-review", env={"PROOFDESK_CAPTIONER__BACKEND": "offline"})
    assert result.exit_code == 0, result.output
    summary = _proof_summary(proofdesk)
    assert summary["attempts"] == summary["model_calls"] == SCENES  # one answer per keeper, no re-asks
    assert summary["model_calls_per_accepted_row"] == 1.0
    assert summary["waiting_for_keeper"] == SCENES * 4
    captions = [row["caption"] for row in proofdesk.rows() if row["keeper"]]
    assert len(set(captions)) == SCENES and not any(re.search(r"\d+\.\d{3,}", caption) for caption in captions)


OFFLINE = {"PROOFDESK_CAPTIONER__BACKEND": "offline"}


def _scene_rows(desk: Proofdesk, scene: list[str]) -> dict[str, dict[str, Any]]:
    return {row["original_name"]: row for row in desk.rows() if row["original_name"] in scene}


def _near_duplicate_accepted_pairs(rows: dict[str, dict[str, Any]], threshold: float = 95.0) -> list[tuple[str, str, float]]:
    """Pairs of accepted rows whose captions are near duplicates (rapidfuzz ratio, as the proof's index)."""
    from proofdesk.core.domain.proof.text import normalise_for_duplicates
    from rapidfuzz import fuzz

    accepted = sorted((name, row["caption"]) for name, row in rows.items()
                      if row["metadata_quality"] == "accepted" and row["caption"])
    return [(first, second, score) for i, (first, one) in enumerate(accepted) for second, other in accepted[i + 1:]
            if (score := fuzz.ratio(normalise_for_duplicates(one), normalise_for_duplicates(other))) >= threshold]


def test_a_new_keeper_takes_the_old_keepers_text_as_a_suggestion_and_the_old_keeper_is_culled_again(
    proofdesk: Proofdesk, shoot: Shoot
) -> None:
    assert proofdesk("run", str(shoot.folder), "--no-review", env=OFFLINE).exit_code == 0
    scene = shoot.frames(2)
    rows = _scene_rows(proofdesk, scene)
    [old] = [name for name in scene if rows[name]["keeper"]]
    chosen = next(name for name in scene if not rows[name]["keeper"])
    old_text = {name: rows[old][name] for name in ("caption", "alt_text", "keywords", "file_name")}
    assert old_text["caption"] and rows[old]["metadata_quality"] == "accepted"

    chose = proofdesk("keeper", chosen, env=OFFLINE)
    assert chose.exit_code == 0, chose.output
    assert f"accept-suggestion {chosen}" in chose.output and old in chose.output
    rows = _scene_rows(proofdesk, scene)
    assert rows[chosen]["keeper"] and rows[chosen]["pending_suggestion"] == old_text
    assert rows[old]["cull_suggested"] and not rows[old]["keeper"]
    assert (rows[old]["caption"], rows[old]["alt_text"], rows[old]["keywords"], rows[old]["file_name"]) == (None, None, [], None)
    assert rows[old]["metadata_quality"] is None and rows[old]["status"] == "pending"
    assert rows[old]["suggestion_history"][-1]["caption"] == old_text["caption"]  # never lost

    rerun = proofdesk("run", str(shoot.folder), "--no-review", env=OFFLINE)
    assert rerun.exit_code == 0, rerun.output
    rows = _scene_rows(proofdesk, scene)
    assert rows[chosen]["metadata_quality"] == "accepted" and rows[old]["caption"] is None
    assert rows[old]["cull_suggested"] and rows[old]["status"] == "pending"
    assert _near_duplicate_accepted_pairs(rows) == []
    approved = json.loads(proofdesk("approve", "--all-accepted", "--include-culled", "--json", env=OFFLINE).stdout)
    assert f"{shoot.folder.name}/{chosen}" in approved["done"]
    assert f"{shoot.folder.name}/{old}" not in approved["done"]  # no text: nothing to approve

    # the suggestion put in place: the scene's text is the new keeper's alone
    accepted = proofdesk("accept-suggestion", chosen, env=OFFLINE)
    assert accepted.exit_code == 0, accepted.output
    rows = _scene_rows(proofdesk, scene)
    assert {name: rows[chosen][name] for name in old_text} == old_text and rows[chosen]["pending_suggestion"] == {}
    frames = [f"{shoot.folder.name}/{name}" for name in scene]
    assert not [r for r in rows[chosen]["proof_reasons"] if any(frame in r["message"] for frame in frames)]
    assert _near_duplicate_accepted_pairs(rows) == []


def test_the_duplicate_check_runs_across_the_scene_so_a_new_keeper_cannot_repeat_an_approved_old_keeper(
    proofdesk: Proofdesk, shoot: Shoot
) -> None:
    assert proofdesk("run", str(shoot.folder), "--no-review", env=OFFLINE).exit_code == 0
    scene = shoot.frames(3)
    rows = _scene_rows(proofdesk, scene)
    [old] = [name for name in scene if rows[name]["keeper"]]
    chosen = next(name for name in scene if not rows[name]["keeper"])
    assert proofdesk("approve", old, env=OFFLINE).exit_code == 0  # a person's decision: its text stays
    assert proofdesk("keeper", chosen, env=OFFLINE).exit_code == 0
    rows = _scene_rows(proofdesk, scene)
    assert rows[old]["status"] == "approved" and rows[old]["caption"] and rows[chosen]["pending_suggestion"] == {}

    # the offline text of another frame of the same picture differs only by its name and second
    assert proofdesk("run", str(shoot.folder), "--no-review", env=OFFLINE).exit_code == 3
    rows = _scene_rows(proofdesk, scene)
    assert rows[chosen]["metadata_quality"] == "blocked"
    duplicate = [r["message"] for r in rows[chosen]["proof_reasons"] if r["rule"] == "duplicate.caption"]
    assert duplicate and f"{shoot.folder.name}/{old}" in duplicate[0] and "same scene" in duplicate[0], duplicate
    assert _near_duplicate_accepted_pairs(rows) == []

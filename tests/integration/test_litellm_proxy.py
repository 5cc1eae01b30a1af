"""Several model servers behind one URL (docs/scale-out.md): `proofdesk run` with the
OpenAI-compatible backend through a real LiteLLM proxy (`ollama_chat` provider, `least-busy`
routing, a master key) in front of two scripted Ollama servers that each answer one request at a
time (as a GPU-bound Ollama with OLLAMA_NUM_PARALLEL=1 does). Every photo is captioned once
(one request per photo, no image sent twice), both servers take a real share of the work, and the
runtime check lists the two servers with the processor split and VRAM each reports.

LiteLLM runs from its own virtual environment (`.venv-litellm`, see tests/support/litellm_proxy.py):
`.ci/run` makes it and exports PROOFDESK_TEST_LITELLM; under CI=true a missing program fails the
run, elsewhere the fixture makes the environment or skips with the reason.
"""

from __future__ import annotations

import base64
import json
import os
import re
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import Proofdesk
from tests.support.distinct_photos import make_distinct_photos
from tests.support.litellm_proxy import LiteLLMProxy, LiteLLMUnavailable, litellm_program
from tests.support.ollama_server import ModelSpec, Reply, ScriptedOllama

MODEL = "qwen2.5vl:7b"
# least-busy split 15 requests 9/6, 7/8 and 9/2 between real servers, so a share is only asserted over
# >= 30 requests. Requests that reach LiteLLM together all see both servers idle and go to the first
# one: against servers that overlap their answers, bursts piled up there (27/5 seen); servers that
# answer one at a time build a queue that least-busy does see (16/16 and 17/15 seen).
PHOTOS = 32
MIN_SHARE = 0.25
GIB8 = 8_000_000_000
HALF_ON_GPU = 4_160_000_000  # 48 % of the model on the CPU
ANSWER_S = 0.3  # per answer; each server answers one request at a time, as a GPU-bound Ollama does

CAPTURED = re.compile(r"captured \d+ \w+ \d{4}, \d\d:\d\d")
SUBJECTS = ["bell tower", "stone loggia", "brick archway", "old fountain", "narrow alley", "tiled rooftops",
            "cathedral steps", "city wall", "garden gate", "wooden door", "clock face", "olive tree", "bicycle rack",
            "market stall", "church facade", "iron balcony", "arched window", "flower box", "well head", "lamp post",
            "stone bench", "bronze statue", "cobbled lane", "terracotta urn", "shuttered shop", "vine pergola",
            "carved portal", "brick chimney", "marble plaque", "water trough", "hanging sign", "cypress row",
            "sundial", "wrought gate", "fresco fragment", "stone stairway"]


@pytest.fixture(scope="module")
def litellm() -> Path:
    in_ci = os.environ.get("CI") == "true"
    try:
        return litellm_program(create=not in_ci)
    except LiteLLMUnavailable as exc:
        if in_ci:
            pytest.fail(f"LiteLLM is required under CI=true: {exc}", pytrace=False)
        pytest.skip(f"LiteLLM is not available here: {exc}")


@pytest.fixture(scope="module")
def photo_set(tmp_path_factory: pytest.TempPathFactory, gps_set: Path) -> Path:
    return make_distinct_photos(gps_set, tmp_path_factory.mktemp("photos") / "2008-10-22_arezzo", PHOTOS)


class Answers:
    """One good answer per photo (keyed by its capture time in the prompt), the same whichever
    server is asked; the subjects differ, so no caption is a near-duplicate of another."""

    def __init__(self) -> None:
        self._index: dict[str, int] = {}
        self._lock = threading.Lock()

    def __call__(self, body: dict[str, Any], n: int) -> Reply:
        prompt = body["messages"][-1]["content"]
        found = CAPTURED.search(prompt)
        assert found, f"no capture time in the prompt: {prompt[:300]!r}"
        with self._lock:
            index = self._index.setdefault(found.group(0), len(self._index))
        subject = SUBJECTS[index % len(SUBJECTS)]
        return Reply(content=json.dumps({
            "caption": f"A {subject} in the old town of Arezzo, seen from across the street.",
            "alt_text": f"{subject.capitalize()} in the old town of Arezzo",
            "keywords": ["arezzo", *subject.split(), "old town", "street"],
            "filename": f"arezzo-{subject.replace(' ', '-')}.jpg",
        }), delay_s=ANSWER_S)


def images_of(server: ScriptedOllama) -> list[str]:
    return [image for body in server.chat_requests() for message in body["messages"] for image in message.get("images") or []]


def env_for(proxy: LiteLLMProxy, key: str) -> dict[str, str]:
    return {"PROOFDESK_CAPTIONER__BACKEND": "openai", "PROOFDESK_CAPTIONER__URL": proxy.url,
            "PROOFDESK_CAPTIONER__MODEL": MODEL, "PROOFDESK_CAPTIONER__API_KEY": key,
            "PROOFDESK_CAPTIONER__PARALLEL": "4", "PROOFDESK_CAPTIONER__RETRIES": "2",
            "PROOFDESK_SCORING__BRISQUE_ENGINE": "fallback", "PROOFDESK_SCORING__AESTHETIC_ENGINE": "fallback"}


def test_every_photo_is_captioned_once_through_litellm_and_both_servers_share_the_work(
    proofdesk: Proofdesk, photo_set: Path, litellm: Path
) -> None:
    answers = Answers()
    with (ScriptedOllama([ModelSpec(MODEL, size=GIB8, size_vram=GIB8)], one_at_a_time=True) as first,
          ScriptedOllama([ModelSpec(MODEL, size=GIB8, size_vram=HALF_ON_GPU)], one_at_a_time=True) as second):
        for server in (first, second):
            server.script = answers
            server.loaded[MODEL] = 8192  # loaded by an earlier run (keep_alive): /api/ps reports its split
        with LiteLLMProxy(litellm, MODEL, [first.url, second.url]) as proxy:
            refused = proofdesk("run", str(photo_set), "--no-review", env=env_for(proxy, "sk-wrong"))
            result = proofdesk("run", str(photo_set), "--no-review", env=env_for(proxy, proxy.master_key))
            log = proxy.log_tail()

    # a wrong key: the proxy refuses it (LiteLLM without a database answers 400, with one 401) and
    # the runtime check stops that run before anything is written
    assert refused.exit_code == 4 and re.search(r"/v1/models answered 4\d\d", refused.stderr), refused.output
    assert "rolled back" not in refused.stderr
    assert result.exit_code == 0, f"{result.output}\nlitellm log:\n{log}"

    # the runtime check lists both servers behind the proxy, with what each reports
    assert f"runtime check: openai {MODEL} at {proxy.url}, 2 server(s) behind it: " in result.stderr
    assert f"{first.url}: processor 100% GPU, VRAM 7.5 GiB" in result.stderr
    assert f"{second.url}: processor 48%/52% CPU/GPU, VRAM 3.9 GiB" in result.stderr

    rows = proofdesk.rows()
    assert len(rows) == PHOTOS
    assert all(row["metadata_quality"] == "accepted" and row["caption_source"] == MODEL for row in rows)
    assert len({row["caption"] for row in rows}) == PHOTOS

    # each photo asked once: one request per row, every image sent exactly once, no repair
    per_server = [len(first.chat_requests()), len(second.chat_requests())]
    images = images_of(first) + images_of(second)
    assert sum(per_server) == PHOTOS and len(images) == PHOTOS and len(set(images)) == PHOTOS
    assert all(base64.b64decode(image)[:2] == b"\xff\xd8" for image in images)  # JPEGs, as proofdesk sent them
    prompts = [body["messages"][-1]["content"] for server in (first, second) for body in server.chat_requests()]
    assert not [p for p in prompts if "Your last answer broke these rules" in p]

    # both servers did a real share of the work
    assert min(per_server) >= MIN_SHARE * PHOTOS, f"least-busy split {PHOTOS} requests {per_server[0]}/{per_server[1]}"
    print(f"least-busy split {PHOTOS} requests {per_server[0]}/{per_server[1]}")

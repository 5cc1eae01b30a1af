"""What the caption stage accepted, publishing accepts: the offline captioner's texts for the
keepers of a burst shoot differ by a few characters (frame name, time to the second; 96 % alike
for scenes three minutes apart), so the stage counts only exact copies among them, and publish's
re-proof judges them the same way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from tests.integration.conftest import Proofdesk
from tests.support.burst_shoot import Shoot, make_burst_shoot, real_photos

OFFLINE = {"PROOFDESK_CAPTIONER__BACKEND": "offline"}


@pytest.fixture(scope="module")
def shoot(tmp_path_factory: pytest.TempPathFactory, samples: Path) -> Shoot:
    return make_burst_shoot(real_photos(samples), tmp_path_factory.mktemp("offline-keepers") / "2026-06-12_burst", 3)


def test_every_offline_keeper_the_caption_stage_accepted_is_published(proofdesk: Proofdesk, shoot: Shoot) -> None:
    assert proofdesk("run", str(shoot.folder), "--no-review", "-q", env=OFFLINE).exit_code == 0
    keepers = [row for row in proofdesk.rows() if row["keeper"]]
    assert len(keepers) == 3 and all(row["metadata_quality"] == "accepted" for row in keepers)
    closest = max(fuzz.ratio(a["caption"].lower(), b["caption"].lower()) for a in keepers for b in keepers if a is not b)
    assert closest >= 95  # near duplicates by the default threshold: what this test is about

    assert proofdesk("approve", "--all-accepted", env=OFFLINE).exit_code == 0
    published = proofdesk("publish", "--yes", "--json", env=OFFLINE)
    report = json.loads(published.stdout)
    assert published.exit_code == 0 and report["published"] == 3 and not report.get("refusals"), published.output
    assert {row["status"] for row in proofdesk.rows() if row["keeper"]} == {"published"}

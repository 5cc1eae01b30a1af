"""The scriptable equivalents of the review desk: approve, reject, reopen, edit, show, dictionary."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .conftest import Proofdesk

OFFLINE = {"PROOFDESK_CAPTIONER__BACKEND": "offline", "PROOFDESK_SCORING__BRISQUE_ENGINE": "fallback",
           "PROOFDESK_SCORING__AESTHETIC_ENGINE": "fallback"}


def test_review_commands(proofdesk: Proofdesk, gps_set: Path, samples: Path, tmp_path: Path) -> None:
    misc = tmp_path / "misc"
    misc.mkdir()
    shutil.copy(samples / "jpg" / "invalid" / "image01551.jpg", misc)
    assert proofdesk("run", str(gps_set), str(misc), "--no-review", env=OFFLINE).exit_code == 3

    refused = proofdesk("approve", "image01551.jpg", env=OFFLINE)
    assert refused.exit_code == 2
    assert "misc/image01551.jpg: cannot approve a pending row: its metadata proof is not accepted (keywords.count)" \
        in refused.stderr

    edited = proofdesk("edit", "image01551.jpg", "--keywords", "frame, landscape, lofoten", "--json", env=OFFLINE)
    assert edited.exit_code == 0
    row = json.loads(edited.stdout)
    assert row["metadata_quality"] == "blocked" and row["keywords"] == ["frame", "landscape", "lofoten"]
    assert any("'lofoten' has no evidence" in r["message"] for r in row["proof_reasons"])

    # a keyword a person always allows is a glossary term (the dictionary is for spelling only)
    with_glossary = {**OFFLINE, "PROOFDESK_CAPTIONER__GLOSSARY": '["Lofoten"]'}
    reproved = json.loads(proofdesk("edit", "image01551.jpg", "--keywords", "frame, landscape, lofoten", "--json",
                                    env=with_glossary).stdout)
    assert reproved["metadata_quality"] == "accepted"
    assert proofdesk("approve", "image01551.jpg", env=OFFLINE).exit_code == 0

    assert proofdesk("reject", "DSCN0010.jpg", env=OFFLINE).exit_code == 0
    assert proofdesk("approve", "DSCN0010.jpg", env=OFFLINE).exit_code == 2  # rejected: reopen first
    assert proofdesk("reopen", "DSCN0010.jpg", env=OFFLINE).exit_code == 0
    shown = json.loads(proofdesk("show", "DSCN0010.jpg", "--json", env=OFFLINE).stdout)
    assert shown["status"] == "pending"
    by_file_name = json.loads(proofdesk("show", shown["file_name"], "--json", env=OFFLINE).stdout)
    assert by_file_name["original_name"] == "DSCN0010.jpg"

    approved = json.loads(proofdesk("approve", "DSCN0012.jpg", "--json", env=OFFLINE).stdout)
    assert approved == {"done": ["gps/DSCN0012.jpg"], "refused": []}
    after_edit = json.loads(proofdesk("edit", "DSCN0012.jpg", "--alt-text", "Afternoon street in Gps near the old walls",
                                      "--json", env=OFFLINE).stdout)
    assert after_edit["status"] == "pending" and after_edit["edited_fields"] == ["alt_text"]

    missing = proofdesk("show", "nope.jpg")
    assert missing.exit_code == 2 and "no row named 'nope.jpg'" in missing.stderr
    status = json.loads(proofdesk("status", "--json").stdout)
    assert status["status"]["approved"] == 1 and status["status"]["rejected"] == 0

"""The project dictionary is for spelling only. Words added with `proofdesk dictionary add` (or `d`
at the desk) make the spellcheck quiet; they are no keyword evidence and no ordinary words for
`place.far`, and the offline captioner never writes them into keywords. The words a person wants
always allowed as keywords are the glossary (`captioner.glossary`, `captioner.glossary_file`).

Before, the dictionary was merged into the glossary: `dictionary add Zermatt Zurich` put "zermatt"
and "zurich" into the keywords of a photo taken in Arezzo and the proof accepted them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.integration.conftest import Proofdesk
from tests.integration.test_places import photo_at

AREZZO = (43.4633, 11.8796)


def _config(desk: Proofdesk, glossary: list[str] | None = None) -> str:
    config = desk.cwd / "proofdesk.toml"
    text = '[captioner]\nbackend = "offline"\n'
    if glossary is not None:
        text += "glossary = [" + ", ".join(json.dumps(term) for term in glossary) + "]\n"
    config.write_text(text + '[scoring]\nbrisque_engine = "fallback"\naesthetic_engine = "fallback"\n')
    return str(config)


def _row(desk: Proofdesk, config: str, name: str) -> dict[str, Any]:
    result = desk("--config", config, "show", name, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _edit_keywords(desk: Proofdesk, config: str, name: str, keywords: str) -> dict[str, Any]:
    result = desk("--config", config, "edit", name, "--keywords", keywords, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_dictionary_words_are_not_keywords_nor_keyword_evidence_on_a_photo_elsewhere(
    proofdesk: Proofdesk, tmp_path: Path, samples: Path
) -> None:
    config = _config(proofdesk)
    added = proofdesk("--config", config, "dictionary", "add", "Zermatt", "Zurich")
    assert added.exit_code == 0, added.output
    set_dir = tmp_path / "holiday"
    photo_at(set_dir, "DSC_0001.jpg", samples, *AREZZO, "2026:06:12 12:00:00")
    assert proofdesk("--config", config, "run", str(set_dir), "--no-review").exit_code in (0, 3)

    row = _row(proofdesk, config, "DSC_0001.jpg")
    assert row["place_city"] == "Arezzo"
    assert not {"zermatt", "zurich"} & set(row["keywords"]), row["keywords"]

    edited = _edit_keywords(proofdesk, config, "DSC_0001.jpg", "arezzo, tuscany, italy, zermatt, zurich")
    assert edited["metadata_quality"] == "blocked"
    unsupported = [r["message"] for r in edited["proof_reasons"] if r["rule"] == "keywords.evidence"]
    assert any("'zermatt' has no evidence" in m for m in unsupported), unsupported
    assert any("'zurich' has no evidence" in m for m in unsupported), unsupported
    assert all("glossary" in m for m in unsupported), "the reason names where a keyword is allowed"

    # the spellcheck still knows them
    assert proofdesk("--config", config, "dictionary", "list").stdout.split() == ["Zermatt", "Zurich"]


def test_the_glossary_allows_a_keyword_and_the_dictionary_does_not_make_a_far_town_ordinary(
    proofdesk: Proofdesk, tmp_path: Path, samples: Path
) -> None:
    config = _config(proofdesk, glossary=["Zermatt", "Zurich"])
    assert proofdesk("--config", config, "dictionary", "add", "Zurich").exit_code == 0
    set_dir = tmp_path / "holiday"
    photo_at(set_dir, "DSC_0001.jpg", samples, *AREZZO, "2026:06:12 12:00:00")
    assert proofdesk("--config", config, "run", str(set_dir), "--no-review").exit_code in (0, 3)
    row = _row(proofdesk, config, "DSC_0001.jpg")
    assert not {"zermatt", "zurich"} & set(row["keywords"]), "a glossary term is allowed, not written everywhere"

    allowed = _edit_keywords(proofdesk, config, "DSC_0001.jpg", "arezzo, tuscany, italy, zermatt")
    assert allowed["metadata_quality"] == "accepted", allowed["proof_reasons"]
    # Zurich is a town 400 km away: a spelling-dictionary word is no ordinary word for place.far
    far = _edit_keywords(proofdesk, config, "DSC_0001.jpg", "arezzo, tuscany, italy, zurich")
    assert far["metadata_quality"] == "blocked"
    assert any(r["rule"] == "place.far" and '"Zurich"' in r["message"] for r in far["proof_reasons"]), far["proof_reasons"]


def test_dictionary_add_is_all_or_nothing_and_remove_takes_words_out(proofdesk: Proofdesk) -> None:
    config = _config(proofdesk)
    refused = proofdesk("--config", config, "dictionary", "add", "Zermatt", "two words", "Zurich")
    assert refused.exit_code == 2 and "'two words' is not a single word" in refused.output
    assert proofdesk("--config", config, "dictionary", "list").stdout.split() == []

    assert proofdesk("--config", config, "dictionary", "add", "Zermatt", "Zurich", "Arezzo").exit_code == 0
    missing = proofdesk("--config", config, "dictionary", "remove", "zurich", "Lucca")
    assert missing.exit_code == 2 and "'Lucca' is not in the project dictionary" in missing.output
    assert proofdesk("--config", config, "dictionary", "list").stdout.split() == ["Zermatt", "Zurich", "Arezzo"]

    removed = proofdesk("--config", config, "dictionary", "remove", "zurich", "Zermatt")
    assert removed.exit_code == 0, removed.output
    assert proofdesk("--config", config, "dictionary", "list").stdout.split() == ["Arezzo"]

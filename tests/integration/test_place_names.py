"""Places as people write them, on real photos re-tagged at real positions.

A real JPEG from the sample set is copied once per place, its GPS position (and, for one, its
camera make) rewritten with pyexiv2; the set runs to the queue stage (place facts from GeoNames,
offline), then each row's caption naming its place the way a photographer would (local and English
names, state names, multi-word cities, landmarks that hold another town's name) is proven by the
review service. Every correct name must pass `place.far`; a far city (> 500 km) must still be
blocked with its distance. Then: a person vouches for a name (`places allow`), and a photo far
from any town is captioned near its region, never in it as a town.

Each table row failed before names were read against the photo's whole place ("Geneva" in Genève,
"Washington" in Seattle, "British Columbia", "Central Aimak"), multi-word first ("York" in "New
York"), with streets and landmarks as one name ("Lexington Avenue", "Paris Gardens") and camera
makes left alone ("Nokia").
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pyexiv2
import pytest
from proofdesk.apps.config import load_settings
from proofdesk.apps.container import build_container
from proofdesk.core.domain.places import haversine_km

from tests.integration.conftest import Proofdesk
from tests.integration.test_places import demo_config, photo_at

PHUKET = (7.8804, 98.3923)
REYKJAVIK = (64.1466, -21.9426)

# (photo name, latitude, longitude, caption naming the place as people write it, camera make)
PLACES: list[tuple[str, float, float, str, str | None]] = [
    ("geneva", 46.2044, 6.1432, "Evening light over the lake at Geneva, Switzerland.", None),
    ("geneve", 46.2010, 6.1460, "Swans on the quays of Genève, in Suisse.", None),
    ("genf", 46.2030, 6.1500, "Winter fog settles over Genf, Schweiz.", None),
    ("muenchen", 48.1374, 11.5755, "Market stalls in München, Bayern.", None),
    ("munich", 48.1390, 11.5800, "A beer garden in Munich, Bavaria, Germany.", None),
    ("lexington_avenue", 40.7580, -73.9855, "Yellow cabs on Lexington Avenue in New York.", None),
    ("washington_square", 40.7308, -73.9973, "Chess players in Washington Square Park, New York City.", None),
    ("wall_street", 40.7060, -74.0086, "Morning rush on Wall Street, Manhattan, New York.", None),
    ("seattle", 47.6062, -122.3321, "Rain over the waterfront of Seattle, Washington.", None),
    ("vancouver", 49.2827, -123.1207, "Sea planes in Vancouver Harbour, British Columbia.", None),
    ("zuunmod", 47.7069, 106.9528, "Midday in Zuunmod, Central Aimak.", None),
    ("lafayette_square", 38.8995, -77.0366, "Autumn leaves in Lafayette Square, Washington, District of Columbia.", None),
    ("paris_gardens", 51.5066, -0.1066, "A quiet morning in Paris Gardens, Southwark, London.", None),
    ("rue_de_rivoli", 48.8606, 2.3376, "Arcades along the Rue de Rivoli in Paris, France.", None),
    ("firenze", 43.7696, 11.2558, "Statues in Piazza della Signoria, Firenze, Toscana.", None),
    ("roma", 41.9009, 12.4833, "Coins in the Fontana di Trevi, Roma, Lazio, Italia.", None),
    ("venezia", 45.4340, 12.3388, "Gondolas by Piazza San Marco, Venezia, Veneto.", None),
    ("napoli", 40.8518, 14.2681, "Washing lines across an alley in Napoli, Campania.", None),
    ("milano", 45.4642, 9.1900, "The Duomo di Milano at dusk, Milano, Lombardia.", None),
    ("lisboa", 38.7077, -9.1365, "Trams crossing Praça do Comércio, Lisboa, Portugal.", None),
    ("madrid", 40.4155, -3.7074, "Morning light in Plaza Mayor, Madrid, España.", None),
    ("barcelona", 41.4036, 2.1744, "Towers of the Sagrada Família in Barcelona, Catalunya.", None),
    ("buenos_aires", -34.6083, -58.3712, "Traffic on Avenida de Mayo, Buenos Aires, Argentina.", None),
    ("sao_paulo", -23.5614, -46.6559, "Bikes on Avenida Paulista, São Paulo, Brasil.", None),
    ("rio", -22.9519, -43.2105, "Clouds over Rio de Janeiro, Brazil.", None),
    ("mexico", 19.4326, -99.1332, "Flags over the main square of Ciudad de México.", None),
    ("montreal", 45.5088, -73.5540, "Snow on the old port of Montréal, Québec, Canada.", None),
    ("sydney", -33.8523, 151.2108, "Ferries in Sydney Harbour, New South Wales, Australia.", None),
    ("hong_kong", 22.2855, 114.1577, "Junk boats on Victoria Harbour, Hong Kong.", None),
    ("golden_gate", 37.8080, -122.4750, "Fog over the Golden Gate Bridge, San Francisco, California.", None),
    ("wien", 48.2082, 16.3738, "A coffee house in Wien, Österreich.", None),
    ("praha", 50.0865, 14.4114, "Crowds on the Charles Bridge, Praha, Czechia.", None),
    ("warszawa", 52.2297, 21.0122, "The old town square of Warszawa, Polska.", None),
    ("koebenhavn", 55.6761, 12.5683, "Bicycles along the canals of København, Danmark.", None),
    ("bruxelles", 50.8467, 4.3525, "Gilded facades of the Grand Place, Bruxelles, Belgique.", None),
    ("koeln", 50.9413, 6.9583, "The Kölner Dom above Köln, Nordrhein-Westfalen.", None),
    ("edinburgh", 55.9486, -3.1999, "Castle rock above Edinburgh, Scotland.", None),
    ("cape_town", -33.9249, 18.4241, "Table Mountain above Cape Town, Western Cape.", None),
    ("nokia_paris", 48.8584, 2.2945, "Shot on a Nokia Lumia under the Eiffel Tower, Paris.", "Nokia"),
]


def far_city(latitude: float, longitude: float) -> tuple[str, tuple[float, float]]:
    """A city more than 500 km from the position."""
    if haversine_km(latitude, longitude, *PHUKET) > 2000:
        return "Phuket", PHUKET
    return "Reykjavík", REYKJAVIK


def retagged_set(folder: Path, samples: Path) -> Path:
    for name, latitude, longitude, _caption, make in PLACES:
        path = photo_at(folder, f"{name}.jpg", samples, latitude, longitude, "2026:06:12 12:00:00")
        if make:
            with pyexiv2.Image(str(path)) as image:
                image.modify_exif({"Exif.Image.Make": make, "Exif.Image.Model": "Lumia 1020"})
    return folder


@pytest.fixture(scope="module")
def proven_places(tmp_path_factory: pytest.TempPathFactory, samples: Path) -> dict[str, Any]:
    """The set at the queue stage, and the review service of its queue."""
    import os

    root = tmp_path_factory.mktemp("places")
    desk = Proofdesk(root / "desk")
    desk.cwd.mkdir()
    config = demo_config(desk, keep_gps=False)
    set_dir = retagged_set(root / "places_of_the_world", samples)
    result = desk("--config", str(config), "run", str(set_dir), "--until", "queue")
    assert result.exit_code == 0, result.output
    old = os.getcwd()
    os.chdir(desk.cwd)
    try:
        container = build_container(load_settings(config))
        service = container.review_service()
        rows = {row.original_name.removesuffix(".jpg"): row for row in service.rows()}
    finally:
        os.chdir(old)
    return {"service": service, "rows": rows}


def far_reasons(service: Any, row: Any, caption: str) -> list[str]:
    result = service.preview(row, {"caption": caption, "alt_text": "A view of the place", "keywords": ["view"],
                                   "file_name": "view.jpg"})
    return [reason.message for reason in result.reasons if reason.rule == "place.far" and not reason.is_fix]


def test_the_table_holds_at_least_thirty_real_places() -> None:
    assert len(PLACES) >= 30 and len({name for name, *_ in PLACES}) == len(PLACES)


@pytest.mark.parametrize(("name", "latitude", "longitude", "caption", "make"), PLACES, ids=[p[0] for p in PLACES])
def test_every_correct_name_passes_and_a_far_city_is_still_blocked(
    proven_places: dict[str, Any], name: str, latitude: float, longitude: float, caption: str, make: str | None
) -> None:
    service, row = proven_places["service"], proven_places["rows"][name]
    assert row.place_country, f"{name}: no place from GPS"
    assert far_reasons(service, row, caption) == [], f"{name} ({row.place_label})"
    city, position = far_city(latitude, longitude)
    [blocked] = far_reasons(service, row, f"{caption[:-1]}, far from {city}.")
    assert f'"{city}"' in blocked and row.place_label in blocked, blocked
    km = int(re.search(r"([\d,]+) km away", blocked).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert km > 500 and abs(km - haversine_km(latitude, longitude, *position)) < 50, blocked


def test_far_names_in_their_local_form_and_multi_word_are_still_far(proven_places: dict[str, Any]) -> None:
    service, paris = proven_places["service"], proven_places["rows"]["rue_de_rivoli"]
    [new_york] = far_reasons(service, paris, "Posters of New York in a shop window.")
    assert '"New York"' in new_york and int(re.search(r"([\d,]+) km", new_york).group(1).replace(",", "")) > 5000  # type: ignore[union-attr]
    messages = far_reasons(service, paris, "Postcards of München and Genf on a stand.")
    assert [re.search(r'"([^"]+)"', m).group(1) for m in messages] == ["München", "Genf"]  # type: ignore[union-attr]
    # a state name is the photo's own only where the photo is: Washington in Paris is the city, far
    assert far_reasons(service, paris, "A flag of Washington on a balcony.")


def test_a_person_vouches_for_a_name_and_can_take_it_back(proofdesk: Proofdesk, tmp_path: Path, samples: Path) -> None:
    set_dir = tmp_path / "lofoten"
    photo_at(set_dir, "REINE_1.jpg", samples, 67.9330, 13.0880, "2026:06:12 12:00:00")
    photo_at(set_dir, "REINE_2.jpg", samples, 67.9340, 13.0890, "2026:06:12 18:30:00")
    config = str(demo_config(proofdesk, False))
    assert proofdesk("--config", config, "run", str(set_dir), "--no-review").exit_code in (0, 3)
    caption = "The ferry from Bodø waits in the harbour under the peaks."
    edited = proofdesk("--config", config, "edit", "REINE_1.jpg", "--caption", caption)
    assert edited.exit_code in (0, 2), edited.output

    def blocked(name: str) -> list[str]:
        row = {r["original_name"]: r for r in proofdesk.rows()}[name]
        return [r["message"] for r in row["proof_reasons"] if r["rule"] == "place.far"]

    [far] = blocked("REINE_1.jpg")
    assert '"Bodø"' in far and "km away" in far
    assert proofdesk("--config", config, "dictionary", "add", "Bodø").exit_code == 0
    assert proofdesk("--config", config, "edit", "REINE_1.jpg", "--caption", caption).exit_code in (0, 2)
    assert blocked("REINE_1.jpg"), "the dictionary is not where a place name is vouched for"

    allowed = proofdesk("--config", config, "places", "allow", "Bodø", "--near", "REINE_1.jpg")
    assert allowed.exit_code == 0, allowed.output
    assert "allowed 'Bodø' for lofoten/REINE_1.jpg" in allowed.output and "1 now accepted" in allowed.output
    assert blocked("REINE_1.jpg") == []
    assert proofdesk("--config", config, "edit", "REINE_2.jpg", "--caption", caption).exit_code in (0, 2)
    assert blocked("REINE_2.jpg"), "an allowance for one photo holds for that photo only"

    assert proofdesk("--config", config, "places", "allow", "bodø", "--near", "lofoten").exit_code == 0
    listed = json.loads(proofdesk("--config", config, "places", "list", "--json").stdout)
    assert [(a["name"], a["scope"]) for a in listed] == [("bodø", "set lofoten"), ("Bodø", "lofoten/REINE_1.jpg")]
    assert blocked("REINE_2.jpg") == []  # proved again by `places allow`

    assert proofdesk("--config", config, "places", "remove", "Bodø", "--near", "lofoten").exit_code == 0
    assert proofdesk("--config", config, "places", "remove", "Bodø", "--near", "REINE_1.jpg").exit_code == 0
    missing = proofdesk("--config", config, "places", "remove", "Bodø")
    assert missing.exit_code == 2 and "not allowed for every photo" in missing.output
    assert proofdesk("--config", config, "edit", "REINE_1.jpg", "--caption", caption).exit_code in (0, 2)
    assert blocked("REINE_1.jpg")
    unknown = proofdesk("--config", config, "places", "allow", "Bodø", "--near", "NO_SUCH.jpg")
    assert unknown.exit_code == 2 and "NO_SUCH.jpg" in unknown.output


def test_far_from_any_town_the_region_is_near_it_never_a_town(proofdesk: Proofdesk, tmp_path: Path,
                                                              samples: Path) -> None:
    set_dir = tmp_path / "ghana_coast"
    photo_at(set_dir, "DSC_0001.jpg", samples, 5.2700, -2.0100, "2026:06:12 12:00:00")  # near Tarkwa, Western
    config = proofdesk.cwd / "proofdesk.toml"
    config.write_text('[captioner]\nbackend = "offline"\n[places]\nmax_city_km = 0.5\n')
    result = proofdesk("--config", str(config), "run", str(set_dir), "--no-review")
    assert result.exit_code in (0, 3), result.output
    [row] = proofdesk.rows()
    assert row["place_city"] is None and row["place_region"] == "Western" and row["place_country"] == "Ghana"
    assert "Western" not in row["caption"] and "Western" not in row["alt_text"], row["caption"]
    assert "in Ghana" in row["caption"] and row["metadata_quality"] == "accepted", row

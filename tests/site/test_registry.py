"""The municipality registry: complete, keyed on AGS, and matching the checked source data."""

import csv
from pathlib import Path

import pytest

from plugins.region.registry import UnknownMunicipality, load_registry, normalise

SHARED_CSV = Path(__file__).resolve().parents[3] / "shared" / "data" / "region-stuttgart-municipalities.csv"
EXPECTED_DISTRICTS = {"stuttgart": 1, "boeblingen": 26, "esslingen": 44, "goeppingen": 38,
                      "ludwigsburg": 39, "rems-murr-kreis": 31}


def test_179_municipalities_in_six_districts():
    registry = load_registry()
    assert len(registry) == 179
    assert {d.slug: len(d.municipalities) for d in registry.districts} == EXPECTED_DISTRICTS
    assert len({m.slug for m in registry}) == 179
    assert len({m.ags for m in registry}) == 179


@pytest.mark.skipif(not SHARED_CSV.exists(), reason="shared/ data not beside the checkout")
def test_registry_matches_checked_source_data():
    with open(SHARED_CSV, encoding="utf-8") as handle:
        source = {row["ags"]: row for row in csv.DictReader(handle)}
    registry = load_registry()
    assert set(source) == set(registry.by_ags)
    for municipality in registry:
        row = source[municipality.ags]
        assert (municipality.name, municipality.district, municipality.kind) == (row["name"], row["district"], row["kind"])
        assert (municipality.lat, municipality.lon) == (float(row["lat"]), float(row["lon"]))


def test_both_altdorfs_are_kept_apart():
    registry = load_registry()
    altdorfs = registry.lookup_name("Altdorf")
    assert {m.ags for m in altdorfs} == {"08115002", "08116005"}
    assert registry.get("08115002").slug != registry.get("08116005").slug


def test_references_by_slug_or_ags_and_aliases():
    registry = load_registry()
    assert registry.get("esslingen-am-neckar") is registry.get("08116019")
    assert [m.name for m in registry.resolve_many("stuttgart, suessen,stuttgart")] == ["Stuttgart", "Süßen"]
    assert registry.lookup_name("Esslingen")[0].name == "Esslingen am Neckar"
    assert registry.lookup_name("#bietigheim")[0].name == "Bietigheim-Bissingen"
    assert len(registry.lookup_name("Kirchheim")) == 0  # ambiguous short form is no alias


def test_unknown_reference_suggests_closest():
    with pytest.raises(UnknownMunicipality) as error:
        load_registry().get("Süsen")
    assert error.value.suggestions[0] == "suessen"
    assert "esslingen-am-neckar" in load_registry().suggestions("Esslingen")


def test_normalise_folds_umlauts_case_and_punctuation():
    assert normalise("SÜẞEN!") == normalise("süssen") == "suessen"
    assert normalise("Eislingen/Fils") == "eislingenfils"
